//! GAN losses (vanilla, lsgan, wgan, wgan-gp, hinge, kl) and the L1 term.
