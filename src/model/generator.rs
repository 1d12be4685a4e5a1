//! U-Net generator with skip connections (pix2pix `UnetGenerator`).

use tch::{nn, Tensor};

use crate::config::ModelConfig;

/// Line art `[B, in_channels, H, W]` -> colour `[B, out_channels, H, W]` in [-1, 1];
/// H and W must be multiples of `ModelConfig::size_multiple()`.
#[derive(Debug)]
pub struct UnetGenerator {}

impl UnetGenerator {
    /// Builds the generator's variables directly under `p` (the generator's own VarStore
    /// root, so `generator.safetensors` keys read like the fields).
    pub fn new(_p: &nn::Path, _cfg: &ModelConfig) -> Self {
        todo!("issue 4: U-Net generator")
    }

    /// `train` selects batch statistics + dropout (true) or running statistics (false).
    pub fn forward_t(&self, _line: &Tensor, _train: bool) -> Tensor {
        todo!("issue 4: U-Net generator")
    }
}
