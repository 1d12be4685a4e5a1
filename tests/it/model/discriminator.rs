//! The PatchGAN discriminator: patch-map shapes per image size, which norms and biases each
//! norm kind gives, and the parameter count of pix2pix's `n_layers=3` critic.

use colorize::config::{ModelConfig, NormKind};
use colorize::model::layers::count_parameters;
use colorize::model::PatchDiscriminator;
use tch::{nn, Device};

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
