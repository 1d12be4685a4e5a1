//! The layer helpers: leaky ReLU (slope 0.2) and its in-place native operator, values and
//! gradients.

use tch::{Kind, Tensor};

#[test]
fn leaky_relu_has_slope_0_2_and_its_gradient() {
    let x = Tensor::from_slice(&[-3.0f32, -0.5, 0.0, 0.25, 2.0]).set_requires_grad(true);
    let y = colorize::model::layers::leaky_relu(&x);
    let got: Vec<f32> = Vec::try_from(&y.detach()).unwrap();
    let want = [-0.6f32, -0.1, 0.0, 0.25, 2.0];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{got:?}");
    }
    y.sum(Kind::Float).backward();
    let grad: Vec<f32> = Vec::try_from(&x.grad()).unwrap();
    for (g, w) in grad.iter().zip([0.2f32, 0.2, 0.2, 1.0, 1.0]) {
        assert!((g - w).abs() < 1e-6, "{grad:?}");
    }

    // The in-place form, on a fresh product (whose backward does not read its output):
    // the same values, and the gradient through it is 3 x slope.
    let x2 = x.detach().set_requires_grad(true);
    let y2 = colorize::model::layers::leaky_relu_inplace(&x2 * 3.0);
    let got2: Vec<f32> = Vec::try_from(&y2.detach()).unwrap();
    for (g, w) in got2.iter().zip(want) {
        assert!((g - 3.0 * w).abs() < 1e-5, "{got2:?}");
    }
    y2.sum(Kind::Float).backward();
    let grad2: Vec<f32> = Vec::try_from(&x2.grad()).unwrap();
    for (g, w) in grad2.iter().zip([0.6f32, 0.6, 0.6, 3.0, 3.0]) {
        assert!((g - w).abs() < 1e-5, "{grad2:?}");
    }
}
