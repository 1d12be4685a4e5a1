//! Conditional PatchGAN discriminator (pix2pix `NLayerDiscriminator`).
