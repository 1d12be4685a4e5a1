//! The network's shape (`ModelConfig`): all that inference needs, kept with every model.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Normalisation layer of the discriminator (a WGAN-GP critic must not use batch norm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NormKind {
    /// Batch normalisation (pix2pix's choice).
    Batch,
    /// Instance normalisation: per-sample statistics.
    Instance,
    /// No normalisation layer.
    None,
}

/// `ModelConfig::hint_spread` of a new run with hints (pixels at the training size), chosen
/// by measurement (bench/README.md).
pub const DEFAULT_HINT_SPREAD: u32 = 16;

/// Input channels of a model without hints: the line art.
pub const PLAIN_CHANNELS: i64 = 1;
/// Input channels of a model with hints: line art, hint colour (RGB in [-1, 1], 0 where
/// unhinted) and hint mask (1 = hinted), as PaintsChainer and AlacGAN take them.
pub const HINTED_CHANNELS: i64 = 5;

/// Largest `ModelConfig::image_size` accepted.
const MAX_SIDE: i64 = 1 << 16;
/// Largest channel count (`ngf`, `ndf`, `out_channels`) accepted.
const MAX_WIDTH: i64 = 1 << 16;
/// Largest `ModelConfig::n_layers_d` accepted.
const MAX_LAYERS_D: i64 = 32;

/// The shape of the generator and discriminator. Changing any field changes the weights'
/// shapes, so a run refuses to resume with a different `ModelConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Training image size S (square, a power of two >= 32); the U-Net has log2(S) levels.
    pub image_size: i64,
    /// Generator input channels: `PLAIN_CHANNELS` (line art alone, models made before
    /// hints and `--no-hints`) or `HINTED_CHANNELS` (line art + hint colour RGB + hint mask).
    pub in_channels: i64,
    /// Generator output channels: 3 (RGB).
    pub out_channels: i64,
    /// Generator filters in the outermost layer.
    pub ngf: i64,
    /// Discriminator filters in the first layer.
    pub ndf: i64,
    /// PatchGAN conv layers (3 gives the 70x70 receptive field).
    pub n_layers_d: i64,
    /// Discriminator normalisation.
    pub norm_d: NormKind,
    /// Dropout 0.5 in the innermost up-blocks of the generator.
    pub dropout: bool,
    /// Hint models: radius in pixels (at `image_size`; scaled with the working size) over
    /// which each hint's colour is spread along the paper, never across ink, before it
    /// enters the network (`hints::hint_channels`); 0 = hints as drawn.
    #[serde(default)]
    pub hint_spread: u32,
}

/// pix2pix's plain network (`PLAIN_CHANNELS` input); new training runs add the hint
/// channels (`TrainConfig::for_mode`).
impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            image_size: 128,
            in_channels: 1,
            out_channels: 3,
            ngf: 64,
            ndf: 64,
            n_layers_d: 3,
            norm_d: NormKind::Batch,
            dropout: true,
            hint_spread: 0,
        }
    }
}

impl ModelConfig {
    /// Number of down-sampling blocks of the U-Net: 7 at 128 px, 8 at 256 px.
    pub fn num_downs(&self) -> i64 {
        63 - i64::from(self.image_size.max(1).leading_zeros() as u8)
    }

    /// Input sides must be a multiple of this (each down-block halves the size).
    pub fn size_multiple(&self) -> i64 {
        1 << self.num_downs()
    }

    /// Whether the generator takes hint channels after the line art.
    pub fn takes_hints(&self) -> bool {
        self.in_channels == HINTED_CHANNELS
    }

    /// Checks the fields that would otherwise fail deep inside libtorch.
    pub fn validate(&self) -> Result<()> {
        if ![PLAIN_CHANNELS, HINTED_CHANNELS].contains(&self.in_channels) {
            return Err(Error::Config(format!(
                "in_channels must be {PLAIN_CHANNELS} (line art) or {HINTED_CHANNELS} (line art + \
                 hints), got {}",
                self.in_channels
            )));
        }
        let s = self.image_size;
        if s < 32 || s.count_ones() != 1 {
            return Err(Error::Config(format!(
                "image size must be a power of two >= 32, got {s}"
            )));
        }
        for (name, v) in [
            ("in_channels", self.in_channels),
            ("out_channels", self.out_channels),
            ("ngf", self.ngf),
            ("ndf", self.ndf),
            ("n_layers_d", self.n_layers_d),
        ] {
            if v < 1 {
                return Err(Error::Config(format!("{name} must be >= 1, got {v}")));
            }
        }
        // Far above any real model, low enough that no layer size computed from them can
        // overflow: a config.json from elsewhere is untrusted input.
        for (name, v, max) in [
            ("image size", s, MAX_SIDE),
            ("out_channels", self.out_channels, MAX_WIDTH),
            ("ngf", self.ngf, MAX_WIDTH),
            ("ndf", self.ndf, MAX_WIDTH),
            ("n_layers_d", self.n_layers_d, MAX_LAYERS_D),
        ] {
            if v > max {
                return Err(Error::Config(format!("{name} must be <= {max}, got {v}")));
            }
        }
        Ok(())
    }
}
