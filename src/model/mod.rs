//! The networks: U-Net generator, discriminators (PatchGAN, EBGAN auto-encoder) and their
//! shared blocks.

pub mod discriminator;
pub mod fast;
pub mod generator;
pub mod layers;
pub mod winograd;

pub use discriminator::{Discriminator, EnergyDiscriminator, PatchDiscriminator, Verdict};
pub use generator::UnetGenerator;
