//! The networks: U-Net generator, PatchGAN discriminator and their shared blocks.

pub mod discriminator;
pub mod generator;
pub mod layers;

pub use discriminator::PatchDiscriminator;
pub use generator::UnetGenerator;
