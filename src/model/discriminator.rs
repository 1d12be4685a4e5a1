//! The discriminators, chosen by the GAN mode (`Discriminator`): the conditional PatchGAN
//! (pix2pix `NLayerDiscriminator`, 70x70 at n_layers 3) for every mode but EBGAN, whose
//! discriminator is an auto-encoder (`EnergyDiscriminator`). Both see the pair
//! cat(G input, colour): line art (+ hint channels for models with hints) and the colour.
//!
//! PatchGAN:
//! ```text
//! layer0: Conv(in+out -> ndf, s2, bias), LReLU
//! layerk: Conv(ndf*m(k-1) -> ndf*m(k), s2), Norm, LReLU    k = 1..n-1, m(k) = min(2^k, 8)
//! layern: Conv(ndf*m(n-1) -> ndf*m(n), s1), Norm, LReLU    n = n_layers
//! out:    Conv(ndf*m(n) -> 1, s1, bias)                    logits, no sigmoid
//! Conv bias in layers 1..n: none before batch norm (as pix2pix), else yes.
//! ```
//! All kernels 4x4 padding 1: a 128 px input gives a 14x14 patch map, 256 px 30x30.
//! On the CPU the network runs channels-last and `layer{n}` (stride 1, the heaviest) runs as
//! a Winograd convolution (`model::winograd`) when the batch is large enough; the weights
//! and results are the same as the direct convolution's, to float32 rounding.
//! Variable names: `layer{k}.conv.weight`, `layer{k}.conv.bias`, `layer{k}.norm.*`,
//! `out.weight`, `out.bias`.
//!
//! EBGAN auto-encoder (Zhao et al. 2017), n = n_layers, c = in+out, m(k) as above:
//! ```text
//! enc0: Conv(c -> ndf, s2, bias), LReLU                         encoder in the PatchGAN
//! enck: Conv(ndf*m(k-1) -> ndf*m(k), s2), Norm, LReLU           style, k = 1..n-1
//!       code = enc(n-1)'s output, [B, ndf*m(n-1), H/2^n, W/2^n]
//! deck: ConvT(ndf*m(k) -> ndf*m(k-1), s2), Norm, ReLU           k = n-1..1
//! dec0: ConvT(ndf -> c, s2, bias)                               linear: the reconstruction
//! energy = mean squared reconstruction error per sample, [B]
//! ```
//! With n = 3 and ndf 64 this is the paper's 64x64 encoder (64)4c2s-(128)4c2s-(256)4c2s and
//! its mirror-image decoder. The output is linear (no Tanh) so that the +-1 of line art and
//! flat colours can be reconstructed exactly. Variable names: `enc{k}.conv.*`,
//! `enc{k}.norm.*`, `dec{k}.conv.*`, `dec{k}.norm.*`.

use tch::{nn, Tensor};

use crate::config::{ModelConfig, NormKind};
use crate::loss::{reconstruction_energy, GanMode};
use crate::model::layers::{conv4, conv_bias, conv_transpose4, leaky_relu_inplace, Norm, NORM};
use crate::model::winograd::Winograd43;

/// What a discriminator says about a batch of pairs.
#[derive(Debug)]
pub struct Verdict {
    /// PatchGAN: patch logits `[B, 1, h, w]`. EBGAN: energies `[B]` (low = real).
    pub score: Tensor,
    /// EBGAN: the encoder's codes `[B, C, h, w]`, for the pull-away term. PatchGAN: none.
    pub code: Option<Tensor>,
}

/// The discriminator a GAN mode trains against, with variables directly under its path.
#[derive(Debug)]
pub enum Discriminator {
    /// Conditional PatchGAN: logits per patch.
    Patch(PatchDiscriminator),
    /// EBGAN's auto-encoder: an energy per pair.
    Energy(EnergyDiscriminator),
}

impl Discriminator {
    /// The auto-encoder for `GanMode::Ebgan`, the PatchGAN for every other mode.
    pub fn new(p: &nn::Path, cfg: &ModelConfig, mode: GanMode) -> Self {
        match mode {
            GanMode::Ebgan => Discriminator::Energy(EnergyDiscriminator::new(p, cfg)),
            _ => Discriminator::Patch(PatchDiscriminator::new(p, cfg)),
        }
    }

    /// The verdict on the pairs (`input` `[B, in, H, W]`, `color` `[B, out, H, W]`).
    pub fn forward_t(&self, input: &Tensor, color: &Tensor, train: bool) -> Verdict {
        match self {
            Discriminator::Patch(d) => Verdict {
                score: d.forward_t(input, color, train),
                code: None,
            },
            Discriminator::Energy(d) => {
                let (energy, code) = d.forward_t(input, color, train);
                Verdict {
                    score: energy,
                    code: Some(code),
                }
            }
        }
    }
}

#[derive(Debug)]
struct Layer {
    conv: nn::Conv2D,
    norm: Norm,
}

impl Layer {
    /// The convolution, by `winograd` where given and worth it (a stride-1 layer).
    fn conv(&self, x: &Tensor, winograd: Option<&Winograd43>) -> Tensor {
        match winograd {
            Some(w) if w.worth(x) => w.conv(x, &self.conv.ws, self.conv.bs.as_ref()),
            _ => x.apply(&self.conv),
        }
    }
}

/// `D(line, colour)` -> patch logits `[B, 1, h, w]`.
#[derive(Debug)]
pub struct PatchDiscriminator {
    layers: Vec<Layer>,
    out: nn::Conv2D,
    /// The Winograd transforms for the stride-1 layer (`layer{n}`) on the CPU (where the
    /// network also runs channels-last).
    winograd: Option<Winograd43>,
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
        let winograd = (p.device() == tch::Device::Cpu).then(|| Winograd43::new(p.device()));
        PatchDiscriminator {
            layers,
            out,
            winograd,
        }
    }

    /// Patch logits for the pair (`line` `[B, in, H, W]`, `color` `[B, out, H, W]`).
    pub fn forward_t(&self, line: &Tensor, color: &Tensor, train: bool) -> Tensor {
        let mut h = Tensor::cat(&[line, color], 1); // [B, in+out, H, W]
        if self.winograd.is_some() {
            // On the CPU the PatchGAN runs channels-last: the Winograd layer reads and writes
            // that layout, and oneDNN's convolutions around it then need no layout reorders
            // (5 % more training throughput at batch 16, bench/README.md; the generator is
            // faster as it is).
            h = h.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2]);
        }
        let last = self.layers.len() - 1;
        for (k, layer) in self.layers.iter().enumerate() {
            // Only the last layer (k = n_layers >= 1) has stride 1.
            let winograd = if k == last && k > 0 {
                self.winograd.as_ref()
            } else {
                None
            };
            h = leaky_relu_inplace(layer.norm.forward_t(&layer.conv(&h, winograd), train));
        }
        h.apply(&self.out)
    }
}

#[derive(Debug)]
struct UpLayer {
    conv: nn::ConvTranspose2D,
    norm: Norm,
}

/// EBGAN's auto-encoder over the pair: `D(line, colour)` -> energy per sample.
#[derive(Debug)]
pub struct EnergyDiscriminator {
    /// `enc[k]` halves the size (k = 0 outermost).
    enc: Vec<Layer>,
    /// `dec[k]` doubles it back, undoing `enc[k]`; applied from the innermost out.
    dec: Vec<UpLayer>,
}

impl EnergyDiscriminator {
    /// Builds the variables directly under `p`; the pair has `in_channels + out_channels`
    /// channels, and H and W must be multiples of `2^n_layers_d`.
    pub fn new(p: &nn::Path, cfg: &ModelConfig) -> Self {
        let c_in = cfg.in_channels + cfg.out_channels;
        let bias = conv_bias(cfg.norm_d);
        // Channels at level k (the output of enc[k], the input of dec[k]).
        let width = |k: i64| cfg.ndf * mult(k);
        let mut enc = Vec::new();
        let mut dec = Vec::new();
        for k in 0..cfg.n_layers_d {
            let outer = if k == 0 { c_in } else { width(k - 1) };
            let ep = p / format!("enc{k}");
            let dp = p / format!("dec{k}");
            let (norm_kind, inner_bias) = if k == 0 {
                (NormKind::None, true)
            } else {
                (cfg.norm_d, bias)
            };
            enc.push(Layer {
                conv: conv4(&ep / "conv", outer, width(k), 2, inner_bias),
                norm: Norm::new(&ep / NORM, norm_kind, width(k)),
            });
            dec.push(UpLayer {
                conv: conv_transpose4(&dp / "conv", width(k), outer, inner_bias),
                norm: Norm::new(&dp / NORM, norm_kind, outer),
            });
        }
        EnergyDiscriminator { enc, dec }
    }

    /// The pair `[B, in+out, H, W]`, its reconstruction (same shape) and the code it went
    /// through.
    pub fn reconstruct_t(&self, input: &Tensor, color: &Tensor, train: bool) -> [Tensor; 3] {
        let pair = Tensor::cat(&[input, color], 1); // [B, in+out, H, W]
        let mut h = pair.shallow_clone();
        for layer in &self.enc {
            h = leaky_relu_inplace(layer.norm.forward_t(&h.apply(&layer.conv), train));
        }
        let code = h; // [B, ndf*m(n-1), H/2^n, W/2^n]
        let mut r = code.shallow_clone();
        for (k, layer) in self.dec.iter().enumerate().rev() {
            r = layer.norm.forward_t(&r.apply(&layer.conv), train);
            if k > 0 {
                r = r.relu();
            }
        }
        [pair, r, code]
    }

    /// Energies `[B]` (mean squared reconstruction error of each pair) and codes.
    pub fn forward_t(&self, input: &Tensor, color: &Tensor, train: bool) -> (Tensor, Tensor) {
        let [pair, recon, code] = self.reconstruct_t(input, color, train);
        (reconstruction_energy(&pair, &recon), code)
    }
}

#[cfg(test)]
mod tests {
    use tch::{nn, Device, Kind, Tensor};

    use super::*;
    use crate::model::winograd::tests::rel;

    /// ||a - b|| relative to ||b|| (Euclidean): a gradient several layers away may differ a
    /// lot in a few elements, where float rounding moved an activation across LeakyReLU's
    /// kink, and still be the same gradient.
    fn rel_norm(a: &Tensor, b: &Tensor) -> f64 {
        (a - b).norm().double_value(&[]) / b.norm().double_value(&[])
    }

    #[test]
    fn the_cpu_patchgan_scores_and_learns_as_with_direct_convolutions() {
        tch::manual_seed(3);
        for norm_d in [NormKind::Batch, NormKind::None] {
            let vs = nn::VarStore::new(Device::Cpu);
            let cfg = ModelConfig {
                ndf: 8,
                norm_d,
                ..ModelConfig::default()
            };
            let mut d = PatchDiscriminator::new(&vs.root(), &cfg);
            // 128 px, batch 4: 4 x 25 output blocks in the stride-1 layer, the Winograd form.
            let line = Tensor::randn([4, 1, 128, 128], (Kind::Float, Device::Cpu));
            let color = Tensor::randn([4, 3, 128, 128], (Kind::Float, Device::Cpu));
            let probe = Tensor::zeros([4, 32, 16, 16], (Kind::Float, Device::Cpu));
            assert!(d.winograd.as_ref().unwrap().worth(&probe));
            let run = |d: &PatchDiscriminator| {
                let score = d.forward_t(&line, &color, true);
                let vars = vs.trainable_variables();
                let grads =
                    Tensor::run_backward(&[score.square().sum(Kind::Float)], &vars, false, false);
                (score, grads)
            };
            let (score, grads) = run(&d);
            d.winograd = None; // the direct convolutions, NCHW
            let (want, want_grads) = run(&d);
            assert_eq!(score.size(), [4, 1, 14, 14]);
            assert!(
                rel(&score, &want) < 1e-4,
                "{norm_d:?}: scores {}",
                rel(&score, &want)
            );
            for (g, w) in grads.iter().zip(&want_grads) {
                // (The layer's own gradients are checked to 1e-4 in `model::winograd`; here
                // a wiring mistake, a weight or bias in the wrong place, would be O(1).)
                assert!(
                    rel_norm(g, w) < 1e-2,
                    "{norm_d:?}: gradient {}",
                    rel_norm(g, w)
                );
            }
        }
    }
}
