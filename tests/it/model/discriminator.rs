//! The discriminators: PatchGAN patch-map shapes per image size, which norms and biases each
//! norm kind gives, and the parameter count of pix2pix's `n_layers=3` critic; the EBGAN
//! auto-encoder's shapes, variable names, energy and parameter count, and which one each
//! GAN mode gets.

use clap::ValueEnum;
use colorize::config::{ModelConfig, NormKind};
use colorize::loss::{reconstruction_energy, GanMode};
use colorize::model::layers::count_parameters;
use colorize::model::{Discriminator, EnergyDiscriminator, PatchDiscriminator};
use tch::{nn, Device, Tensor};

use crate::support::{model_config, rand_pm1, rng_lock};

#[test]
fn discriminator_patch_map_shapes_and_norms() {
    let _rng = rng_lock();
    for (size, patch) in [(128, 14), (256, 30), (64, 6)] {
        let vs = nn::VarStore::new(Device::Cpu);
        let d = PatchDiscriminator::new(&vs.root(), &model_config(size, 4));
        let y = d.forward_t(
            &rand_pm1(&[2, 1, size, size]),
            &rand_pm1(&[2, 3, size, size]),
            true,
        );
        assert_eq!(y.size(), vec![2, 1, patch, patch], "size {size}");
    }
    for norm in [NormKind::Batch, NormKind::Instance, NormKind::None] {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut c = model_config(64, 4);
        c.norm_d = norm;
        let d = PatchDiscriminator::new(&vs.root(), &c);
        let y = d.forward_t(&rand_pm1(&[1, 1, 64, 64]), &rand_pm1(&[1, 3, 64, 64]), true);
        assert_eq!(y.size(), vec![1, 1, 6, 6]);
        let names: Vec<String> = vs.variables().into_keys().collect();
        let has_bn = names.iter().any(|n| n.contains(".norm."));
        let inner_bias = names.contains(&"layer1.conv.bias".to_string());
        assert_eq!(has_bn, norm == NormKind::Batch, "{norm:?}");
        assert_eq!(inner_bias, norm != NormKind::Batch, "{norm:?}");
    }
}

#[test]
fn discriminator_parameter_count_is_pix2pix_n_layers_3() {
    let _rng = rng_lock();
    let vs = nn::VarStore::new(Device::Cpu);
    let _d = PatchDiscriminator::new(&vs.root(), &ModelConfig::default());
    // conv(4->64)+b, conv(64->128)+BN, conv(128->256)+BN, conv(256->512)+BN, conv(512->1)+b
    let expected = (4 * 64 * 16 + 64)
        + (64 * 128 * 16 + 256)
        + (128 * 256 * 16 + 512)
        + (256 * 512 * 16 + 1024)
        + (512 * 16 + 1);
    assert_eq!(count_parameters(&vs), expected);
    assert_eq!(expected, 2_766_657);
}

#[test]
fn ebgan_autoencoder_reconstructs_the_pair_and_its_energy_is_the_mse() {
    let _rng = rng_lock();
    for (size, n_layers, in_channels) in [(64, 3, 1), (32, 2, 5), (32, 5, 1)] {
        let mut c = model_config(size, 4);
        c.n_layers_d = n_layers;
        c.in_channels = in_channels;
        let vs = nn::VarStore::new(Device::Cpu);
        let d = EnergyDiscriminator::new(&vs.root(), &c);
        let (input, color) = (
            rand_pm1(&[3, in_channels, size, size]),
            rand_pm1(&[3, 3, size, size]),
        );
        let [pair, recon, code] = d.reconstruct_t(&input, &color, true);
        // Back to the pair's channels and size; the code is the encoder's last level.
        assert_eq!(recon.size(), [3, in_channels + 3, size, size]);
        assert!(pair.equal(&Tensor::cat(&[&input, &color], 1)));
        let side = size >> n_layers;
        let width = 4 * (1 << (n_layers - 1).min(3));
        assert_eq!(
            code.size(),
            [3, width, side, side],
            "{size} px, {n_layers} layers"
        );
        // In eval mode (running statistics) the same pairs give the same energies.
        let (energy, _) = d.forward_t(&input, &color, false);
        let [pair, recon, _] = d.reconstruct_t(&input, &color, false);
        assert_eq!(energy.size(), [3]);
        assert!(energy.allclose(&reconstruction_energy(&pair, &recon), 1e-6, 1e-7, false));
        assert!(energy.min().double_value(&[]) > 0.0);
    }
}

#[test]
fn ebgan_autoencoder_variables_and_parameter_count() {
    let _rng = rng_lock();
    let vs = nn::VarStore::new(Device::Cpu);
    let _d = EnergyDiscriminator::new(&vs.root(), &ModelConfig::default());
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    for name in [
        "enc0.conv.weight",
        "enc0.conv.bias",
        "enc2.norm.weight",
        "dec0.conv.bias",
    ] {
        assert!(names.contains(&name.to_string()), "{name} not in {names:?}");
    }
    // Batch norm: no bias in the inner convolutions, none on the outermost layers.
    for name in [
        "enc1.conv.bias",
        "dec1.conv.bias",
        "enc0.norm.weight",
        "dec0.norm.weight",
    ] {
        assert!(!names.contains(&name.to_string()), "{name} in {names:?}");
    }
    // enc: conv(4->64)+b, conv(64->128)+BN, conv(128->256)+BN;
    // dec: convT(256->128)+BN, convT(128->64)+BN, convT(64->4)+b.
    let expected = (4 * 64 * 16 + 64)
        + (64 * 128 * 16 + 256)
        + (128 * 256 * 16 + 512)
        + (256 * 128 * 16 + 256)
        + (128 * 64 * 16 + 128)
        + (64 * 4 * 16 + 4);
    assert_eq!(count_parameters(&vs), expected);
}

#[test]
fn each_gan_mode_gets_its_discriminator() {
    let _rng = rng_lock();
    let c = model_config(32, 4);
    let (line, color) = (rand_pm1(&[2, 1, 32, 32]), rand_pm1(&[2, 3, 32, 32]));
    for &mode in GanMode::value_variants() {
        let vs = nn::VarStore::new(Device::Cpu);
        let d = Discriminator::new(&vs.root(), &c, mode);
        let v = d.forward_t(&line, &color, true);
        if mode == GanMode::Ebgan {
            assert!(matches!(d, Discriminator::Energy(_)));
            assert_eq!(v.score.size(), [2], "one energy per pair");
            assert!(v.code.is_some());
        } else {
            assert!(matches!(d, Discriminator::Patch(_)), "{mode:?}");
            assert_eq!(v.score.size(), [2, 1, 2, 2], "{mode:?}: patch logits");
            assert!(v.code.is_none());
        }
    }
}
