//! The optimisers: Adam (fused kernel and per-tensor path) and RMSprop against hand-computed
//! `torch.optim` steps, `backward_step`, and saving / restoring their state.

use colorize::optim::{Adam, OptimKind, Optimizer, RmsProp};
use tch::{nn, Device, Kind, Tensor};

use crate::support::rng_lock;

/// One parameter vector, fixed gradient sequence, torch.optim.Adam's update by hand in f64.
/// Both the fused kernel (the default) and the per-tensor path.
#[test]
fn adam_matches_hand_computed_torch_steps() {
    for fused in [true, false] {
        adam_matches_torch(fused);
    }
}

fn adam_matches_torch(fused: bool) {
    let p0 = [1.0f64, -2.0, 0.5];
    let grads = [[0.1f64, -0.3, 2.0], [0.2, 0.1, -1.0], [-0.4, 0.0, 0.5]];
    let (b1, b2, eps, wd, lr) = (0.5, 0.999, 1e-8, 0.01, 2e-4);
    let var = Tensor::from_slice(&p0.map(|x| x as f32)).set_requires_grad(true);
    let mut opt = Adam::from_vars(vec![("w".into(), var.shallow_clone())], b1, b2, eps, wd);
    opt.fused = fused;
    let (mut p, mut m, mut v) = (p0, [0.0; 3], [0.0; 3]);
    for (t, g) in grads.iter().enumerate() {
        let t = (t + 1) as f64;
        for i in 0..3 {
            let gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            let denom = (v[i] / (1.0 - b2.powf(t))).sqrt() + eps;
            p[i] -= lr / (1.0 - b1.powf(t)) * m[i] / denom;
        }
        let gt = Tensor::from_slice(&g.map(|x| x as f32));
        opt.step_with_grads(&[gt], lr);
    }
    let got: Vec<f32> = Vec::try_from(&var.detach()).unwrap();
    assert_close(&format!("fused {fused}, by hand"), &got, &p, 1e-6);
    assert_eq!(opt.steps(), 3);
    assert_eq!(
        opt.fused, fused,
        "the fused kernel ran without falling back"
    );
    assert!((got[0] as f64 - p0[0]).abs() > 1e-5, "the weights moved");
    // torch.optim.Adam(lr=2e-4, betas=(0.5, 0.999), weight_decay=0.01) on the same inputs
    // (run once with the venv's torch 2.11, float32): 0.999700904, -1.999718189, 0.499755472.
    let torch = [0.999_700_904_f64, -1.999_718_189, 0.499_755_472];
    assert_close(&format!("fused {fused}, torch"), &got, &torch, 3e-7);
}

/// The fused kernel and the per-tensor update agree on many variables of different shapes
/// over several steps, skip variables without a gradient, and leave the same moments.
#[test]
fn fused_adam_equals_per_tensor_adam() {
    let _rng = rng_lock();
    tch::manual_seed(7);
    let shapes: [&[i64]; 4] = [&[64, 1, 4, 4], &[64], &[3, 128, 4, 4], &[1000]];
    let make = |fused: bool| {
        let vars: Vec<(String, Tensor)> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let t = Tensor::randn(*s, (Kind::Float, Device::Cpu)).set_requires_grad(true);
                (format!("v{i}"), t)
            })
            .collect();
        let mut opt = Adam::from_vars(vars, 0.5, 0.999, 1e-8, 0.01);
        opt.fused = fused;
        opt
    };
    tch::manual_seed(7);
    let mut a = make(true);
    tch::manual_seed(7);
    let mut b = make(false);
    for step in 0..5 {
        let grads: Vec<Tensor> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i == 1 && step % 2 == 0 {
                    Tensor::new() // undefined: this variable is skipped this step
                } else {
                    Tensor::randn(*s, (Kind::Float, Device::Cpu))
                }
            })
            .collect();
        a.step_with_grads(&grads, 2e-4);
        b.step_with_grads(&grads, 2e-4);
    }
    assert!(a.fused, "the fused kernel ran without falling back");
    let (sa, sb) = (a.state(), b.state());
    assert_eq!(sa.len(), sb.len());
    for ((name, x), (_, y)) in a
        .variables()
        .iter()
        .chain(&sa)
        .zip(b.variables().iter().chain(&sb))
    {
        let diff = max_abs_diff(x, y);
        assert!(diff < 1e-6, "{name}: max difference {diff}");
    }
    // The variables moved from where they started.
    tch::manual_seed(7);
    let fresh = make(true);
    let moved = max_abs_diff(&a.variables()[0].1, &fresh.variables()[0].1);
    assert!(moved > 1e-5, "moved by {moved}");
}

/// The largest element-wise difference of two tensors of the same shape, in f64.
fn max_abs_diff(x: &Tensor, y: &Tensor) -> f64 {
    let diff = x.to_kind(Kind::Double) - y.to_kind(Kind::Double);
    diff.abs().max().double_value(&[])
}

#[test]
fn rmsprop_matches_hand_computed_torch_steps() {
    let p0 = [1.0f64, -2.0];
    let grads = [[0.5f64, -0.25], [0.1, 0.3]];
    let (alpha, eps, lr) = (0.99, 1e-8, 5e-5);
    let var = Tensor::from_slice(&p0.map(|x| x as f32)).set_requires_grad(true);
    let mut opt = RmsProp::from_vars(vec![("w".into(), var.shallow_clone())], alpha, eps, 0.0);
    let (mut p, mut s) = (p0, [0.0; 2]);
    for g in &grads {
        for i in 0..2 {
            s[i] = alpha * s[i] + (1.0 - alpha) * g[i] * g[i];
            p[i] -= lr * g[i] / (s[i].sqrt() + eps);
        }
        opt.step_with_grads(&[Tensor::from_slice(&g.map(|x| x as f32))], lr);
    }
    let got: Vec<f32> = Vec::try_from(&var.detach()).unwrap();
    assert_close("by hand", &got, &p, 1e-6);
}

/// Every `got[i]` is within `tol` of `want[i]`.
fn assert_close(what: &str, got: &[f32], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (f64::from(g) - w).abs() < tol,
            "{what}: p[{i}] = {g}, not {w}"
        );
    }
}

#[test]
fn backward_then_step_equals_backward_step() {
    let make = || {
        let w = Tensor::from_slice(&[0.3f32, -0.7]).set_requires_grad(true);
        let opt = Adam::from_vars(vec![("w".into(), w.shallow_clone())], 0.5, 0.999, 1e-8, 0.0);
        (w, opt)
    };
    let x = Tensor::from_slice(&[2.0f32, 3.0]);
    let (w1, mut o1) = make();
    let (w2, mut o2) = make();
    for _ in 0..2 {
        let l1 = (&w1 * &x).square().sum(Kind::Float);
        l1.backward();
        o1.step(1e-2);
        o1.zero_grad();
        let l2 = (&w2 * &x).square().sum(Kind::Float);
        o2.backward_step(&l2, 1e-2);
    }
    assert!(w1.equal(&w2));
    assert!(!w2.grad().defined(), "no .grad accumulated");
}

#[test]
fn optimiser_state_round_trip_continues_identically() {
    for kind in [OptimKind::Adam, OptimKind::RmsProp] {
        let make = || {
            let vs = nn::VarStore::new(Device::Cpu);
            let _ = vs.root().var("w", &[4], nn::Init::Const(0.5));
            let beta1 = if kind == OptimKind::Adam { 0.5 } else { 0.0 };
            let opt = colorize::optim::build(kind, &vs, beta1, 0.99, 0.0).unwrap();
            (vs, opt)
        };
        let grad = |i: i64| Tensor::arange(4, (Kind::Float, Device::Cpu)) * (i as f64 + 1.0) - 1.0;
        let (vs_a, mut a) = make();
        for i in 0..3 {
            a.step_with_grads(&[grad(i)], 1e-2);
        }
        // A fresh optimiser given A's weights and state continues exactly like A.
        let (mut vs_b, mut b) = make();
        vs_b.copy(&vs_a).unwrap();
        let state: Vec<(String, Tensor)> =
            a.state().into_iter().map(|(n, t)| (n, t.copy())).collect();
        b.load_state(&state).unwrap();
        assert_eq!(b.steps(), 3);
        a.step_with_grads(&[grad(3)], 1e-2);
        b.step_with_grads(&[grad(3)], 1e-2);
        assert!(
            vs_a.variables()["w"].equal(&vs_b.variables()["w"]),
            "{kind:?}"
        );

        // Missing or mis-shaped state is refused and leaves the optimiser as it was.
        let (_vs_c, mut c) = make();
        let err = c.load_state(&state[..1]).unwrap_err().to_string();
        assert!(err.contains("missing tensor `w."), "{err}");
        let mut bad: Vec<(String, Tensor)> = state
            .iter()
            .map(|(n, t)| (n.clone(), t.shallow_clone()))
            .collect();
        bad[1].1 = Tensor::zeros([5], (Kind::Float, Device::Cpu));
        let err = c.load_state(&bad).unwrap_err().to_string();
        assert!(err.contains("shape"), "{err}");
        assert_eq!(c.steps(), 0);
    }
}
