//! The sketch's areas of one test pair, found once and used by every style's `mottle` and
//! `leak` (`crate::metrics::areas`), and the pooling of those figures over a split.

use image::{GrayImage, RgbImage};

use crate::metrics::areas::{area_figures, AreaFigures, LeakCount};
use crate::regions::{RegionOptions, Regions};

/// How far (pixels, Chebyshev, through line pixels) two areas may lie apart across a line
/// and still be neighbours: lines up to about twice this wide at the dataset's size
/// separate neighbours (the datasets' lines are 1-4 px at 128-256 px).
pub const NEIGHBOUR_REACH: u32 = 3;

/// The areas of one line art and their neighbouring pairs.
#[derive(Debug, Clone)]
pub struct PairAreas {
    labels: Vec<u32>,
    neighbours: Vec<(u32, u32)>,
}

impl PairAreas {
    /// The areas of `line` with the default region options (as `infer --style flat` finds
    /// them).
    pub fn of(line: &GrayImage) -> PairAreas {
        let regions = Regions::compute(line, &RegionOptions::default());
        PairAreas {
            neighbours: regions.neighbours(NEIGHBOUR_REACH),
            labels: regions.labels().to_vec(),
        }
    }

    /// `mottle` and `leak` of `output` against `target` over these areas.
    pub fn figures(&self, output: &RgbImage, target: &RgbImage) -> AreaFigures {
        area_figures(&self.labels, &self.neighbours, output, target)
    }
}

/// The area figures of many images, pooled: `mottle` is the mean over the images that have
/// an area large enough to score, `leak` the summed counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AreaPool {
    mottle: Vec<f64>,
    leak: LeakCount,
}

impl AreaPool {
    /// Adds one image's figures.
    pub fn add(&mut self, f: AreaFigures) {
        self.mottle.extend(f.mottle);
        self.leak += f.leak;
    }

    /// Adds everything of another pool.
    pub fn extend(&mut self, other: AreaPool) {
        self.mottle.extend(other.mottle);
        self.leak += other.leak;
    }

    /// The mean mottle; `None` when no image had an area to score.
    pub fn mottle(&self) -> Option<f64> {
        (!self.mottle.is_empty())
            .then(|| self.mottle.iter().sum::<f64>() / self.mottle.len() as f64)
    }

    /// The summed leak counts.
    pub fn leak(&self) -> LeakCount {
        self.leak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_averages_mottle_over_scored_images_and_sums_leaks() {
        let mut pool = AreaPool::default();
        assert_eq!((pool.mottle(), pool.leak().share()), (None, None));
        pool.add(AreaFigures {
            mottle: Some(3.0),
            leak: LeakCount {
                leaking: 1,
                eligible: 2,
            },
        });
        pool.add(AreaFigures {
            mottle: None, // no area to score: not a 0 in the mean
            leak: LeakCount::default(),
        });
        let mut other = AreaPool::default();
        other.add(AreaFigures {
            mottle: Some(1.0),
            leak: LeakCount {
                leaking: 0,
                eligible: 2,
            },
        });
        pool.extend(other);
        // (3 + 1) / 2 images; 1 leaking of 4 eligible.
        assert_eq!(pool.mottle(), Some(2.0));
        assert_eq!(pool.leak().share(), Some(0.25));
    }
}
