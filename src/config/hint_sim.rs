//! How training simulates hints (`HintSimConfig`), saved in the run's config.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An inclusive range `min..=max` of sizes in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Smallest value.
    pub min: u32,
    /// Largest value (inclusive).
    pub max: u32,
}

/// How training simulates hints (saved in the run's config; all sizes in working pixels;
/// the defaults were chosen by measurement, see bench/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HintSimConfig {
    /// Share of samples that get no hint at all (the model must still colour alone).
    pub none_share: f64,
    /// Mean number of hints of a hinted sample (geometric: mostly a few, sometimes many).
    pub mean_count: f64,
    /// Cap on the number of hints of a sample.
    pub max_count: u32,
    /// Share of hints that are strokes (the rest are dots).
    pub stroke_share: f64,
    /// Dot radius (1 = a plus of 5 pixels, 2 = a disc 5 pixels across).
    pub dot_radius: Span,
    /// Stroke length in steps of one pixel.
    pub stroke_len: Span,
    /// Stroke width (a square brush of this side).
    pub stroke_width: Span,
    /// Largest per-channel difference from a hint's first pixel that stays in its region.
    pub region_tolerance: u8,
    /// Probability of keeping a hint placed on white (all channels >= 240): white
    /// backgrounds cover most of a typical clip-art image, so uniform positions would make
    /// most hints white ones, which teach the model little.
    pub white_keep: f64,
}

impl Default for HintSimConfig {
    fn default() -> Self {
        HintSimConfig {
            none_share: 0.6,
            mean_count: 8.0,
            max_count: 40,
            stroke_share: 0.5,
            dot_radius: Span { min: 1, max: 2 },
            stroke_len: Span { min: 4, max: 16 },
            stroke_width: Span { min: 1, max: 3 },
            region_tolerance: 24,
            white_keep: 0.1,
        }
    }
}

impl HintSimConfig {
    /// Checks shares are in [0, 1], counts and sizes are at least 1 and spans are ordered.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Config(format!("hint simulation: {msg}")));
        for (name, v) in [
            ("none_share", self.none_share),
            ("stroke_share", self.stroke_share),
            ("white_keep", self.white_keep),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} must be in [0, 1], got {v}"));
            }
        }
        if !(self.mean_count >= 1.0 && self.mean_count.is_finite()) || self.max_count < 1 {
            return bad(format!(
                "mean_count must be >= 1 and max_count >= 1, got {} and {}",
                self.mean_count, self.max_count
            ));
        }
        for (name, s, least) in [
            ("dot_radius", self.dot_radius, 0),
            ("stroke_len", self.stroke_len, 1),
            ("stroke_width", self.stroke_width, 1),
        ] {
            if s.min < least || s.min > s.max {
                return bad(format!(
                    "{name} must have {least} <= min <= max, got {}..={}",
                    s.min, s.max
                ));
            }
        }
        Ok(())
    }
}
