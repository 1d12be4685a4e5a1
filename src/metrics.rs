//! Image quality metrics: L1, PSNR, SSIM, colourfulness (Hasler-Suesstrunk).
