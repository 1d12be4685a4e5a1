//! Diversity: does the generator use its noise? pix2pix's only noise is dropout, so a
//! sketch coloured K times with dropout on (BatchNorm in eval mode, see
//! `model::generator::ForwardMode::Dropout`) gives K samples; their **diversity** is the
//! mean L1 (on the `[-1, 1]` scale, as `crate::metrics::l1`) over the K(K-1)/2 pairs of
//! samples, and a split's figure is its mean over the images. 0 = the generator ignores its
//! noise (or has none); the figure is on the scale of `val/L1`.

use super::{l1, Planes};
use crate::{Error, Result};

/// The seed libtorch's global RNG gets once per diversity measurement (`colorize eval`,
/// `val/diversity`), so the dropout masks, and the figure, are reproducible.
pub const DIVERSITY_SEED: i64 = 16_016;

/// Mean pairwise L1 between `samples` (at least two, all the same size).
pub fn mean_pairwise_l1(samples: &[Planes]) -> Result<f64> {
    if samples.len() < 2 {
        return Err(Error::Internal(format!(
            "diversity needs at least 2 samples, got {}",
            samples.len()
        )));
    }
    let mut sum = 0.0;
    let mut pairs = 0usize;
    for (i, a) in samples.iter().enumerate() {
        for b in &samples[i + 1..] {
            sum += l1(a, b)?;
            pairs += 1;
        }
    }
    Ok(sum / pairs as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn flat(v: u8) -> Planes {
        Planes::from_rgb(&RgbImage::from_pixel(4, 4, Rgb([v; 3])))
    }

    #[test]
    fn identical_samples_have_no_diversity() {
        assert_eq!(mean_pairwise_l1(&[flat(7), flat(7), flat(7)]).unwrap(), 0.0);
    }

    #[test]
    fn mean_over_the_pairs_on_the_model_scale() {
        // Pairs (0, 51), (0, 102), (51, 102): L1 0.4, 0.8, 0.4 on [-1, 1] -> mean 1.6 / 3.
        let d = mean_pairwise_l1(&[flat(0), flat(51), flat(102)]).unwrap();
        assert!((d - 1.6 / 3.0).abs() < 1e-12, "{d}");
        assert!(mean_pairwise_l1(&[flat(0)]).is_err());
    }
}
