//! Blocks and initialisation shared by the generator and discriminator.
