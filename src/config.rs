//! Serde configurations with the pix2pix defaults: `ModelConfig` (the network's shape, all
//! that inference needs) inside `TrainConfig` (everything a run used), saved as `config.json`.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Normalisation layer of the discriminator (a WGAN-GP critic must not use batch norm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NormKind {
    Batch,
    Instance,
    None,
}

/// The shape of the generator and discriminator. Changing any field changes the weights'
/// shapes, so a run refuses to resume with a different `ModelConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Training image size S (square, a power of two >= 32); the U-Net has log2(S) levels.
    pub image_size: i64,
    /// Generator input channels: 1 (line art); colour hints would add channels.
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
}

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

    /// Checks the fields that would otherwise fail deep inside libtorch.
    pub fn validate(&self) -> Result<()> {
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
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_image_size() {
        let mut cfg = ModelConfig::default();
        assert_eq!(cfg.num_downs(), 7);
        assert_eq!(cfg.size_multiple(), 128);
        cfg.image_size = 256;
        assert_eq!(cfg.num_downs(), 8);
        cfg.image_size = 100;
        assert!(cfg.validate().is_err());
    }
}
