//! U-Net generator with skip connections (pix2pix `UnetGenerator`, norm = batch).
//!
//! pix2pix builds the U-Net recursively (`UnetSkipConnectionBlock`); here the same network
//! is unrolled into `num_downs` down-blocks and as many up-blocks, level 1 outermost:
//!
//! ```text
//! down1: Conv                      up1: ReLU, ConvT(+bias), Tanh      (outermost)
//! downk: LReLU, Conv, BN           upk: ReLU, ConvT, BN [, Dropout]   (levels 2..n-1)
//! downn: LReLU, Conv               upn: ReLU, ConvT, BN               (innermost)
//! ```
//! Level k has `inner(k) = ngf * min(2^(k-1), 8)` filters; its up-block takes
//! `cat(skip, up_{k+1})` (`2 * inner(k)` channels) and returns `inner(k-1)` channels.
//! Dropout 0.5 sits in the levels 5..n-1 (the `num_downs - 5` middle blocks of ngf*8).
//! All convolutions are 4x4 stride 2 padding 1; only the outermost ConvT has a bias.
//!
//! Variable names: `down{k}.conv.weight`, `down{k}.norm.{weight,bias,running_mean,
//! running_var}`, `up{k}.conv.weight`, `up1.conv.bias`, `up{k}.norm.*`.

use tch::{nn, Tensor};

use crate::config::ModelConfig;
use crate::model::layers::{
    batch_norm, conv4_init, conv_transpose4_init, leaky_relu_inplace, WeightInit, NORM,
};

/// Dropout probability of the innermost up-blocks (pix2pix `use_dropout`).
const DROPOUT: f64 = 0.5;

/// How a forward pass treats BatchNorm and dropout. pix2pix's only noise is dropout, so
/// `Dropout` samples the generator's output distribution around the eval-mode output
/// without the batch's own statistics moving it (what `colorize eval --diversity` uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForwardMode {
    /// Running statistics, no dropout: inference (`forward_t(x, false)`).
    #[default]
    Eval,
    /// Batch statistics (updating the running ones) and dropout: training
    /// (`forward_t(x, true)`, pix2pix's "train mode at test time").
    Train,
    /// Running statistics, dropout on (draws from libtorch's global RNG).
    Dropout,
}

impl ForwardMode {
    /// `Train` or `Eval`, from the usual `train: bool`.
    pub fn from_train(train: bool) -> Self {
        if train {
            ForwardMode::Train
        } else {
            ForwardMode::Eval
        }
    }

    /// Whether BatchNorm uses (and updates) the batch's statistics.
    fn batch_stats(self) -> bool {
        self == ForwardMode::Train
    }

    /// Whether the dropout layers drop.
    fn dropout(self) -> bool {
        self != ForwardMode::Eval
    }
}

// The blocks' layers are visible to `model::fast`, which re-expresses them for eval mode.
#[derive(Debug)]
pub(super) struct DownBlock {
    pub(super) conv: nn::Conv2D,
    pub(super) norm: Option<nn::BatchNorm>,
}

#[derive(Debug)]
pub(super) struct UpBlock {
    pub(super) conv: nn::ConvTranspose2D,
    pub(super) norm: Option<nn::BatchNorm>,
    dropout: bool,
}

/// Line art `[B, in_channels, H, W]` -> colour `[B, out_channels, H, W]` in [-1, 1];
/// H and W must be multiples of `ModelConfig::size_multiple()`.
#[derive(Debug)]
pub struct UnetGenerator {
    /// `downs[k-1]` is level k's down-block (level 1 outermost).
    pub(super) downs: Vec<DownBlock>,
    /// `ups[k-1]` is level k's up-block.
    pub(super) ups: Vec<UpBlock>,
}

/// Filters of level `k` (1-based): ngf, 2ngf, 4ngf, then 8ngf down to the innermost.
fn inner_channels(ngf: i64, k: i64) -> i64 {
    ngf * (1i64 << (k - 1).min(3))
}

impl UnetGenerator {
    /// Builds the generator's variables directly under `p` (the generator's own VarStore
    /// root, so `generator.safetensors` keys read like the fields). The weights are tch's
    /// defaults; call `layers::init_weights` for pix2pix's N(0, 0.02).
    pub fn new(p: &nn::Path, cfg: &ModelConfig) -> Self {
        Self::new_init(p, cfg, WeightInit::Default)
    }

    /// [`UnetGenerator::new`] with zero weights, for loading a weights file over them
    /// (`infer::Colorizer::load`): skips tch's random initialisation.
    pub fn new_for_loading(p: &nn::Path, cfg: &ModelConfig) -> Self {
        Self::new_init(p, cfg, WeightInit::Zeros)
    }

    fn new_init(p: &nn::Path, cfg: &ModelConfig, init: WeightInit) -> Self {
        let n = cfg.num_downs();
        let mut downs = Vec::with_capacity(n as usize);
        let mut ups = Vec::with_capacity(n as usize);
        for k in 1..=n {
            let inner = inner_channels(cfg.ngf, k);
            let outer = if k == 1 {
                cfg.out_channels
            } else {
                inner_channels(cfg.ngf, k - 1)
            };
            let down_in = if k == 1 { cfg.in_channels } else { outer };
            let outermost = k == 1;
            let innermost = k == n;

            let dp = p / format!("down{k}");
            let down_norm = (!outermost && !innermost).then(|| batch_norm(&dp / NORM, inner));
            downs.push(DownBlock {
                conv: conv4_init(&dp / "conv", down_in, inner, 2, false, init),
                norm: down_norm,
            });

            let upp = p / format!("up{k}");
            // The innermost up-block sees only the bottleneck; the others see cat(skip, up).
            let up_in = if innermost { inner } else { 2 * inner };
            ups.push(UpBlock {
                conv: conv_transpose4_init(&upp / "conv", up_in, outer, outermost, init),
                norm: (!outermost).then(|| batch_norm(&upp / NORM, outer)),
                dropout: cfg.dropout && k >= 5 && !innermost,
            });
        }
        UnetGenerator { downs, ups }
    }

    /// The number of convolution weights `new` creates for `cfg` (BatchNorm and the one
    /// bias left out), counted without allocating anything: a lower bound on the elements of
    /// the generator's variables. `Colorizer::load` compares it with the size of the weights
    /// file before building the network, so that a `config.json` asking for a huge network
    /// cannot exhaust memory.
    pub fn conv_weight_count(cfg: &ModelConfig) -> u128 {
        let n = cfg.num_downs();
        let ch = |k: i64| cfg.ngf.max(0) as u128 * (1u128 << (k - 1).clamp(0, 3));
        (1..=n)
            .map(|k| {
                let outer = if k == 1 {
                    cfg.out_channels.max(0) as u128
                } else {
                    ch(k - 1)
                };
                let down_in = if k == 1 {
                    cfg.in_channels.max(0) as u128
                } else {
                    outer
                };
                let up_in = if k == n { ch(k) } else { 2 * ch(k) };
                16 * (down_in * ch(k) + up_in * outer)
            })
            .sum()
    }

    /// Whether the network has dropout layers (`ModelConfig::dropout` and at least 64 px:
    /// dropout sits only in levels 5..n-1), i.e. whether it has any noise at all.
    pub fn has_dropout(&self) -> bool {
        self.ups.iter().any(|u| u.dropout)
    }

    /// `train` selects batch statistics + dropout (true) or running statistics (false).
    pub fn forward_t(&self, line: &Tensor, train: bool) -> Tensor {
        self.forward_mode(line, ForwardMode::from_train(train))
    }

    /// The forward pass with BatchNorm and dropout set by `mode` (see [`ForwardMode`]).
    pub fn forward_mode(&self, line: &Tensor, mode: ForwardMode) -> Tensor {
        let (train, dropout) = (mode.batch_stats(), mode.dropout());
        let n = self.downs.len();
        // skips[k-1] = LeakyReLU(d_k). pix2pix's in-place LeakyReLU also rewrites the tensor
        // its skip connection concatenates, and the up-path's ReLU makes the two the same
        // (relu(lrelu(x)) = relu(x)); sharing one activation saves a tensor per level.
        let mut skips = Vec::with_capacity(n);
        let mut h = line.apply(&self.downs[0].conv); // d1
        for down in &self.downs[1..] {
            // In place on the fresh conv / norm output, as pix2pix's LeakyReLU(0.2, True).
            let a = leaky_relu_inplace(h);
            h = a.apply(&down.conv);
            if let Some(bn) = &down.norm {
                h = h.apply_t(bn, train);
            }
            skips.push(a);
        }
        // h = d_n, the 1x1 bottleneck at the training size. Going back up:
        for (k, up) in self.ups.iter().enumerate().rev() {
            let x = if k + 1 == n {
                h.relu()
            } else {
                // [B, inner(k) + inner(k), H_k, W_k]; in-place ReLU on the fresh concatenation.
                Tensor::cat(&[&skips[k], &h], 1).relu_()
            };
            h = x.apply(&up.conv);
            if let Some(bn) = &up.norm {
                h = h.apply_t(bn, train);
            }
            if up.dropout {
                h = h.dropout(DROPOUT, dropout);
            }
        }
        h.tanh()
    }
}
