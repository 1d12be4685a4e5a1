//! Where to hint next: a score per area of the sketch for how much a hint there would help,
//! and the best few areas as suggestions (`colorize suggest`, `infer --suggest`, `serve`'s
//! `/api/suggest`, `eval --suggest`).
//!
//! STUB (the API the helpers build on): scores every unhinted paper area by its size alone
//! (the Hint-AUC order, "largest unhinted area first"). The uncertainty methods replace it.

use image::{GrayImage, RgbaImage};
use serde::Serialize;

use crate::infer::{Colorizer, InferOptions};
use crate::regions::{AreaKind, Regions};
use crate::Result;

/// How an area's score is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// The area's size alone: largest unhinted area first (the baseline).
    #[default]
    Largest,
}

/// Options of one suggestion.
#[derive(Debug, Clone)]
pub struct SuggestOptions {
    /// How many areas to suggest.
    pub n: usize,
    /// How areas are scored.
    pub method: Method,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            n: 5,
            method: Method::default(),
        }
    }
}

/// One suggested area, in sketch pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    /// A point well inside the area (its inner point).
    pub x: u32,
    /// See `x`.
    pub y: u32,
    /// The area's size in pixels.
    pub area: u32,
    /// Its score: higher is a better place for the next hint.
    pub score: f32,
    /// The area's label in the sketch's [`Regions`] (not part of the JSON).
    #[serde(skip)]
    pub label: u32,
}

/// The JSON of `colorize suggest --json` and `/api/suggest`.
#[derive(Debug, Clone, Serialize)]
pub struct Suggestions {
    /// Best first.
    pub suggestions: Vec<Suggestion>,
}

/// The next `opts.n` areas of `gray` to hint, best first, given `hints` so far (an RGBA image
/// of the sketch's size, transparent: no hint). Areas already holding a hint are not
/// suggested. `infer.regions` says how areas are found; the colouring itself follows `infer`.
pub fn suggest(
    colorizer: &Colorizer,
    gray: &GrayImage,
    hints: Option<&RgbaImage>,
    infer: &InferOptions,
    opts: &SuggestOptions,
) -> Result<Vec<Suggestion>> {
    let _ = colorizer;
    let regions = Regions::compute(gray, &infer.regions);
    Ok(rank(&regions, hints, opts.n, |a| a.size as f32))
}

/// The `n` best unhinted paper areas of `regions` by `score`, best first (ties: lower label).
pub fn rank(
    regions: &Regions,
    hints: Option<&RgbaImage>,
    n: usize,
    score: impl Fn(&crate::regions::Area) -> f32,
) -> Vec<Suggestion> {
    let mut hinted = vec![false; regions.areas().len() + 1];
    if let Some(h) = hints {
        for (x, y, p) in h.enumerate_pixels() {
            if p[3] > 0 && x < regions.dimensions().0 && y < regions.dimensions().1 {
                hinted[regions.label(x, y) as usize] = true;
            }
        }
    }
    let mut out: Vec<Suggestion> = regions
        .areas()
        .iter()
        .filter(|a| a.kind == AreaKind::Paper && !hinted[a.label as usize])
        .map(|a| Suggestion {
            x: a.inner_point.0,
            y: a.inner_point.1,
            area: a.size,
            score: score(a),
            label: a.label,
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.label.cmp(&b.label)));
    out.truncate(n);
    out
}
