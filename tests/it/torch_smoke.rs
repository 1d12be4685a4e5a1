//! Proves libtorch links and runs: a small convolution computes on the CPU.

use tch::{nn, nn::Module, Device, Kind, Tensor};

use crate::support::rng_lock;

#[test]
fn conv2d_output_shape_and_values() {
    let _rng = rng_lock(); // the convolution's default init draws
    let vs = nn::VarStore::new(Device::Cpu);
    let conv = nn::conv2d(
        vs.root(),
        1,
        8,
        4,
        nn::ConvConfig {
            stride: 2,
            padding: 1,
            ..Default::default()
        },
    );
    let x = Tensor::ones([2, 1, 16, 16], (Kind::Float, Device::Cpu));
    let y = conv.forward(&x);
    assert_eq!(y.size(), vec![2, 8, 8, 8]);
    // An interior output pixel sees a full 4x4 window of ones: weight sum + bias.
    let expected = conv.ws.sum_dim_intlist([1i64, 2, 3].as_slice(), false, Kind::Float) // [8]
        + conv.bs.as_ref().unwrap();
    let got = y.select(0, 0).select(1, 3).select(1, 3);
    assert!(got.allclose(&expected, 1e-5, 1e-6, false));
}
