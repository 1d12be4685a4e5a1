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
    // Packed for the training size by default, for a work size (up to the U-Net's
    // multiple) when asked, as `colorize infer --work-size` does; none without the path.
    assert_eq!(fast.fast_path_size(), Some(128));
    let sized = Colorizer::load_for(&dir, Device::Cpu, true, Some(300)).unwrap();
    assert_eq!(sized.fast_path_size(), Some(384));
    assert_eq!(plain.fast_path_size(), None);
    // Modes with batch statistics or dropout keep the plain network (same RNG draws).
    let x = rand_pm1(&[2, 5, 128, 128]);
    tch::manual_seed(4);
    let a = fast.try_forward(&x, ForwardMode::Dropout).unwrap();
    tch::manual_seed(4);
    let b = plain.try_forward(&x, ForwardMode::Dropout).unwrap();
    assert!(a.equal(&b), "dropout mode differs");
}

/// `w` rounded to float16 values (what `colorize export --half` stores).
fn to_half_values(t: &Tensor) -> Tensor {
    t.to_kind(Kind::Half).to_kind(Kind::Float)
}

fn channels_last(t: &Tensor) -> Tensor {
    t.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
}

#[test]
fn the_half_kernel_equals_libtorch_convolutions() {
    use colorize::native::{
        half_conv, half_conv_isa, half_conv_weights, Activation, HalfConvIsa, HalfConvMode,
    };
    let _rng = rng_lock();
    tch::manual_seed(5);
    let f = (Kind::Float, Device::Cpu);
    // Batch 2, odd non-square input, 40 output channels (a full block of 32 and a part).
    let (b, c_in, c_out, h, w) = (2, 24, 40, 5, 3);
    let Some(best) = half_conv_isa() else {
        // Neither build runs here: the kernel says so instead of computing.
        let x = channels_last(&rand_pm1(&[1, 8, 2, 2]));
        let w = Tensor::zeros([1, 1, 16, 8, 32], (Kind::Half, Device::Cpu));
        let mut out = channels_last(&Tensor::zeros([1, 8, 1, 1], f));
        let (one, zero) = (Tensor::ones([8], f), Tensor::zeros([8], f));
        let mode = HalfConvMode::Conv {
            kernel: 4,
            stride: 2,
            padding: 1,
        };
        let e = half_conv(None, &x, &w, &one, &zero, mode, Activation::Relu, &mut out);
        assert!(e.unwrap_err().to_string().contains("lacks AVX2"));
        return;
    };
    // Every build this CPU runs.
    let isas: Vec<HalfConvIsa> = [HalfConvIsa::Avx2, HalfConvIsa::Avx512]
        .into_iter()
        .filter(|i| *i <= best)
        .collect();
    for isa in isas {
        let x = channels_last(&rand_pm1(&[b, c_in, h, w]));
        let scale = rand_pm1(&[c_out]);
        let shift = rand_pm1(&[c_out]);
        let affine = |y: Tensor| y * scale.view([1, -1, 1, 1]) + shift.view([1, -1, 1, 1]);
        let acts = [
            (Activation::Identity, 0),
            (Activation::Relu, 1),
            (Activation::LeakyRelu(0.2), 2),
        ];
        let apply = |y: Tensor, code: i32| match code {
            0 => y,
            1 => y.relu(),
            _ => y.maximum(&(&y * 0.2)),
        };
        // Convolutions: 4x4 stride 2 padding 1 (the down path) and 3x3 stride 1 padding 1.
        for (k, stride, pad) in [(4, 2, 1), (3, 1, 1)] {
            let wt = to_half_values(&(rand_pm1(&[c_out, c_in, k, k]) * 0.3));
            let reference =
                affine(x.conv2d(&wt, None::<Tensor>, [stride, stride], [pad, pad], [1, 1], 1));
            let blocks =
                half_conv_weights(&wt.permute([2, 3, 1, 0]).reshape([1, k * k, c_in, c_out]))
                    .unwrap();
            let mode = HalfConvMode::Conv {
                kernel: k,
                stride,
                padding: pad,
            };
            for (act, code) in acts {
                let mut out = channels_last(&Tensor::full(reference.size(), f64::NAN, f));
                half_conv(Some(isa), &x, &blocks, &scale, &shift, mode, act, &mut out).unwrap();
                let d = max_diff(&out, &apply(reference.shallow_clone(), code));
                assert!(
                    d < 1e-4,
                    "{isa:?}, {k}x{k} conv, act {code}: differs by {d}"
                );
            }
        }
        // The transposed convolution's four phases, written into a channel slice of a wider
        // channels-last buffer (as into the U-Net's concatenation buffer), the rest untouched.
        let wt = to_half_values(&(rand_pm1(&[c_in, c_out, 4, 4]) * 0.3));
        let reference =
            affine(x.conv_transpose2d(&wt, None::<Tensor>, [2, 2], [1, 1], [0, 0], 1, [1, 1]));
        let taps = colorize::model::fast::phase_kernels(&wt)
            .view([4, c_out, c_in, 2, 2])
            .permute([0, 3, 4, 2, 1])
            .reshape([4, 4, c_in, c_out]);
        let blocks = half_conv_weights(&taps).unwrap();
        for (act, code) in acts {
            let buf = channels_last(&Tensor::full([b, 7 + c_out, 2 * h, 2 * w], -5.0, f));
            let mut slot = buf.narrow(1, 7, c_out);
            let phases = HalfConvMode::Phases;
            half_conv(
                Some(isa),
                &x,
                &blocks,
                &scale,
                &shift,
                phases,
                act,
                &mut slot,
            )
            .unwrap();
            let d = max_diff(&slot, &apply(reference.shallow_clone(), code));
            assert!(d < 1e-4, "{isa:?}, phases, act {code}: differ by {d}");
            assert!(
                buf.narrow(1, 0, 7).eq(-5.0).all().int64_value(&[]) == 1,
                "wrote outside"
            );
        }
        // Mismatched weights are refused, naming the problem.
        let mut out = channels_last(&Tensor::zeros([b, c_out, 2 * h, 2 * w], f));
        let wrong = half_conv_weights(&taps.narrow(2, 0, c_in - 1)).unwrap();
        let e = half_conv(
            Some(isa),
            &x,
            &wrong,
            &scale,
            &shift,
            HalfConvMode::Phases,
            Activation::Relu,
            &mut out,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("does not match x's channels"), "{e}");
    }
}

#[test]
fn a_float16_model_runs_its_inner_levels_on_float16_weights_with_the_same_outputs() {
    use colorize::model::fast::FastOptions;
    use colorize::native::half_conv_isa;
    let _rng = rng_lock();
    tch::manual_seed(6);
    // ngf 32 (channels 32..256, whole blocks of 32) and ngf 20 (20..160: part blocks);
    // 384x128 puts some levels above HALF_MAX_PIXELS and the same levels below it at 128.
    for (ngf, batch, h, w) in [(32, 1, 128, 128), (20, 2, 384, 128)] {
        let vs = nn::VarStore::new(Device::Cpu);
        let g = random_generator(&vs, 128, ngf, 5);
        let float32 = FastGenerator::new(&g, 5, 128).unwrap();
        assert!(
            !float32.uses_half_weights(),
            "float32 weights are not float16 values"
        );
        tch::no_grad(|| {
            for (name, mut t) in vs.variables() {
                if name.contains("conv") {
                    t.copy_(&to_half_values(&t));
                }
            }
        });
        let fast = FastGenerator::new(&g, 5, 128).unwrap();
        assert_eq!(fast.uses_half_weights(), half_conv_isa().is_some());
        let no_half = FastOptions {
            half_weights: false,
            half_isa: None,
        };
        let fast32 = FastGenerator::with_options(&g, 5, 128, no_half).unwrap();
        assert!(!fast32.uses_half_weights());
        let x = rand_pm1(&[batch, 5, h, w]);
        let plain = tch::no_grad(|| g.forward_mode(&x, ForwardMode::Eval));
        for (name, net) in [("half", &fast), ("float32", &fast32)] {
            let d = max_diff(&plain, &net.forward(&x).unwrap());
            assert!(
                d < 1e-4,
                "ngf {ngf}, {h}x{w}, {name}: outputs differ by {d}"
            );
        }
        assert!(plain.std(true).double_value(&[]) > 1e-3);
    }
}
