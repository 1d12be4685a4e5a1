//! Conditional PatchGAN discriminator (pix2pix `NLayerDiscriminator`, 70x70 at n_layers 3).
//!
//! ```text
//! layer0: Conv(in+out -> ndf, s2, bias), LReLU
//! layerk: Conv(ndf*m(k-1) -> ndf*m(k), s2), Norm, LReLU    k = 1..n-1, m(k) = min(2^k, 8)
//! layern: Conv(ndf*m(n-1) -> ndf*m(n), s1), Norm, LReLU    n = n_layers
//! out:    Conv(ndf*m(n) -> 1, s1, bias)                    logits, no sigmoid
//! Conv bias in layers 1..n: none before batch norm (as pix2pix), else yes.
//! ```
//! All kernels 4x4 padding 1: a 128 px input gives a 14x14 patch map, 256 px 30x30.
//! Variable names: `layer{k}.conv.weight`, `layer{k}.conv.bias`, `layer{k}.norm.*`,
//! `out.weight`, `out.bias`.

use tch::{nn, Tensor};

use crate::config::ModelConfig;
use crate::model::layers::{conv4, conv_bias, leaky_relu_inplace, Norm, NORM};

#[derive(Debug)]
struct Layer {
    conv: nn::Conv2D,
    norm: Norm,
}

/// `D(line, colour)` -> patch logits `[B, 1, h, w]`.
#[derive(Debug)]
pub struct PatchDiscriminator {
    layers: Vec<Layer>,
    out: nn::Conv2D,
}

fn mult(k: i64) -> i64 {
    1i64 << k.min(3)
}

impl PatchDiscriminator {
    /// Builds the variables directly under `p`. Input channels = `in_channels + out_channels`
    /// (the condition is concatenated with the real or generated colour image).
    pub fn new(p: &nn::Path, cfg: &ModelConfig) -> Self {
        let c_in = cfg.in_channels + cfg.out_channels;
        let bias = conv_bias(cfg.norm_d);
        let mut layers = vec![Layer {
            conv: conv4(p / "layer0" / "conv", c_in, cfg.ndf, 2, true),
            norm: Norm::None,
        }];
        for k in 1..=cfg.n_layers_d {
            let stride = if k == cfg.n_layers_d { 1 } else { 2 };
            let lp = p / format!("layer{k}");
            layers.push(Layer {
                conv: conv4(
                    &lp / "conv",
                    cfg.ndf * mult(k - 1),
                    cfg.ndf * mult(k),
                    stride,
                    bias,
                ),
                norm: Norm::new(&lp / NORM, cfg.norm_d, cfg.ndf * mult(k)),
            });
        }
        let out = conv4(p / "out", cfg.ndf * mult(cfg.n_layers_d), 1, 1, true);
        PatchDiscriminator { layers, out }
    }

    /// Patch logits for the pair (`line` `[B, in, H, W]`, `color` `[B, out, H, W]`).
    pub fn forward_t(&self, line: &Tensor, color: &Tensor, train: bool) -> Tensor {
        let mut h = Tensor::cat(&[line, color], 1); // [B, in+out, H, W]
        for layer in &self.layers {
            h = leaky_relu_inplace(layer.norm.forward_t(&h.apply(&layer.conv), train));
        }
        h.apply(&self.out)
    }
}
