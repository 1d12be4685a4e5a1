//! The generator's fast paths (`model::fast`) against the plain network: the phase
//! decomposition of a 4x4 stride-2 transposed convolution equals libtorch's
//! `conv_transpose2d` (values and gradients), and the folded, packed eval network equals
//! the plain eval forward pass at 128 px and on a non-square canvas.

use colorize::model::fast::{conv_transpose4_phases, FastGenerator};
use colorize::model::generator::ForwardMode;
use colorize::model::layers::init_weights;
use colorize::model::UnetGenerator;
use tch::{nn, Device, Kind, Tensor};

use crate::support::{model_config, rand_pm1, rng_lock};

/// Largest absolute difference between two tensors of one shape.
fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.size(), b.size());
    (a - b).abs().max().double_value(&[])
}

#[test]
fn phase_decomposition_equals_conv_transpose2d_values_and_gradients() {
    let _rng = rng_lock();
    tch::manual_seed(1);
    // (batch, C_in, C_out, H, W): square, non-square, 1x1 (the innermost level at 128 px).
    for (b, c_in, c_out, h, w) in [(2, 6, 5, 8, 8), (1, 4, 3, 3, 7), (2, 8, 4, 1, 1)] {
        for with_bias in [false, true] {
            let x = rand_pm1(&[b, c_in, h, w]).set_requires_grad(true);
            let wt = (rand_pm1(&[c_in, c_out, 4, 4]) * 0.5).set_requires_grad(true);
            let bias = with_bias.then(|| rand_pm1(&[c_out]).set_requires_grad(true));
            let plain = x.conv_transpose2d(&wt, bias.as_ref(), [2, 2], [1, 1], [0, 0], 1, [1, 1]);
            let fast = conv_transpose4_phases(&x, &wt, bias.as_ref());
            assert_eq!(fast.size(), [b, c_out, 2 * h, 2 * w]);
            let d = max_diff(&plain, &fast);
            assert!(d < 1e-5, "{h}x{w}, bias {with_bias}: values differ by {d}");
            // The same upstream gradient through both: d/dx, d/dw and d/dbias agree.
            let g_out = rand_pm1(&plain.size());
            let mut inputs = vec![x.shallow_clone(), wt.shallow_clone()];
            inputs.extend(bias.iter().map(|t| t.shallow_clone()));
            let gp =
                Tensor::run_backward(&[(&plain * &g_out).sum(Kind::Float)], &inputs, false, false);
            let gf =
                Tensor::run_backward(&[(&fast * &g_out).sum(Kind::Float)], &inputs, false, false);
            for (i, (p, f)) in gp.iter().zip(&gf).enumerate() {
                let d = max_diff(p, f);
                assert!(
                    d < 1e-4,
                    "{h}x{w}, bias {with_bias}: gradient {i} differs by {d}"
                );
            }
        }
    }
}

/// A generator with pix2pix's init and random BatchNorm statistics and affine parameters,
/// so that folding them into the convolutions is exercised.
fn random_generator(vs: &nn::VarStore, size: i64, ngf: i64, in_channels: i64) -> UnetGenerator {
    let cfg = colorize::config::ModelConfig {
        in_channels,
        ..model_config(size, ngf)
    };
    let g = UnetGenerator::new(&vs.root(), &cfg);
    init_weights(vs);
    tch::no_grad(|| {
        for (name, mut t) in vs.variables() {
            if name.ends_with("running_mean") || name.ends_with("norm.bias") {
                t.copy_(&(rand_pm1(&t.size()) * 0.2));
            } else if name.ends_with("running_var") {
                t.copy_(&(Tensor::rand(t.size(), (Kind::Float, Device::Cpu)) * 0.9 + 0.1));
            }
        }
    });
    g
}

#[test]
fn the_fast_eval_network_equals_the_plain_one_at_128_and_non_square() {
    let _rng = rng_lock();
    tch::manual_seed(2);
    for (in_channels, ngf, batch, h, w) in [
        (1, 8, 1, 128, 128),
        (5, 8, 2, 128, 256),
        (5, 4, 1, 384, 128),
    ] {
        let vs = nn::VarStore::new(Device::Cpu);
        let g = random_generator(&vs, 128, ngf, in_channels);
        let fast = FastGenerator::new(&g, in_channels, 128).unwrap();
        let x = rand_pm1(&[batch, in_channels, h, w]);
        let plain = tch::no_grad(|| g.forward_mode(&x, ForwardMode::Eval));
        let out = fast.forward(&x).unwrap();
        assert_eq!(out.size(), [batch, 3, h, w]);
        let d = max_diff(&plain, &out);
        assert!(
            d < 1e-4,
            "{in_channels} ch, {batch}x{h}x{w}: outputs differ by {d}"
        );
        // Not trivially equal: the output varies over the image.
        assert!(plain.std(true).double_value(&[]) > 1e-3);
    }
}

#[test]
fn the_fast_network_rejects_a_canvas_the_unet_cannot_take() {
    let _rng = rng_lock();
    let vs = nn::VarStore::new(Device::Cpu);
    let g = random_generator(&vs, 128, 4, 1);
    let fast = FastGenerator::new(&g, 1, 128).unwrap();
    assert!(
        fast.forward(&rand_pm1(&[1, 2, 128, 128])).is_err(),
        "wrong channel count"
    );
}

#[test]
fn the_shipped_model_colours_the_same_on_the_fast_path() {
    use colorize::infer::Colorizer;
    let _rng = rng_lock();
    tch::manual_seed(3);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default");
    let fast = Colorizer::load(&dir, Device::Cpu).unwrap();
    let plain = Colorizer::load_with(&dir, Device::Cpu, false).unwrap();
    // Line art alone (no hints) and with hint channels, square and not.
    for shape in [[1, 1, 128, 128], [1, 5, 128, 256]] {
        let x = rand_pm1(&shape);
        let a = fast.try_forward(&x, ForwardMode::Eval).unwrap();
        let b = plain.try_forward(&x, ForwardMode::Eval).unwrap();
        let d = max_diff(&a, &b);
        assert!(d < 1e-4, "{shape:?}: outputs differ by {d}");
    }
    // Modes with batch statistics or dropout keep the plain network (same RNG draws).
    let x = rand_pm1(&[2, 5, 128, 128]);
    tch::manual_seed(4);
    let a = fast.try_forward(&x, ForwardMode::Dropout).unwrap();
    tch::manual_seed(4);
    let b = plain.try_forward(&x, ForwardMode::Dropout).unwrap();
    assert!(a.equal(&b), "dropout mode differs");
}
