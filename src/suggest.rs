//! Where to hint next: the sketch's areas ([`crate::regions`]) ranked by how much a hint
//! there is expected to change the picture, best first.
//!
//! An area's score is an estimate of the squared colour error it holds, as a share of the
//! whole picture's mean squared error (the quantity PSNR is made of): the sum over its
//! pixels of a per-pixel uncertainty (colour channels in `[0, 1]`, averaged over R, G, B),
//! divided by the sketch's pixel count. So a small area the model is unsure of can rank
//! below a large one it is a little unsure of, as it should for the picture as a whole.
//!
//! The ways of measuring it ([`Method`]):
//! - `dropout` (the default): the generator's disagreement with itself. `samples` colourings
//!   with its dropout on (one batched call, seeded: the same sketch gives the same
//!   suggestions), the per-pixel variance between them. A generator without dropout layers
//!   gets `spread` instead.
//! - `spread`: the distance between the area's soft and flat colours: how far the network's
//!   colour inside the area strays from the area's mean colour (the variance inside it). One
//!   plain colouring, no sampling.
//! - `largest` (the Hint-AUC protocol's order: the largest area first) and `random` (a
//!   seeded random order): the yardsticks the hint-efficiency curve compares with
//!   (`curve`).
//!
//! The style the picture is finished in counts: in `flat` and `shaded` the paper around the
//! drawing (paper areas touching the border) stays paper unless hinted, so the network's
//! uncertainty there never shows; `dropout` and `spread` rank those areas last (score 0).
//!
//! Candidates are the paper areas no hint touches yet, of at least [`min_size`] pixels
//! (solid fills stay ink unless the user colours them; lines belong to no area). Each
//! suggestion carries the area's pixel farthest from its edge, so a dot there lands well
//! inside it. Measured with the hint-efficiency curve in `bench/suggest` (bench/README.md,
//! "## suggest").

pub mod curve;
mod overlay;

use std::fmt;
use std::str::FromStr;

use image::{GrayImage, RgbImage, RgbaImage};

use crate::infer::{fill_ink, Colorizer, InferOptions, WorkCanvas};
use crate::model::generator::ForwardMode;
use crate::regions::{AreaKind, RegionOptions, Regions, NO_AREA};
use crate::style::Style;
use crate::Result;

pub use overlay::{draw_markers, marker_radius, MARKER_INK};

/// How an area's uncertainty is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Method {
    /// Variance between dropout samples of the generator.
    #[default]
    Dropout,
    /// Variance of the network's colour inside the area (soft against flat).
    Spread,
    /// The area's size alone: the largest first.
    Largest,
    /// A seeded random order.
    Random,
}

impl Method {
    /// Every method, in the order `--help` lists them.
    pub const ALL: [Method; 4] = [
        Method::Dropout,
        Method::Spread,
        Method::Largest,
        Method::Random,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Dropout => "dropout",
            Method::Spread => "spread",
            Method::Largest => "largest",
            Method::Random => "random",
        }
    }

    /// Whether the method runs the network.
    pub fn uses_model(self) -> bool {
        matches!(self, Method::Dropout | Method::Spread)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A method name that is not one of [`Method::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown suggestion method `{0}` (expected dropout, spread, largest or random)")]
pub struct UnknownMethod(pub String);

impl FromStr for Method {
    type Err = UnknownMethod;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownMethod(s.to_string()))
    }
}

/// Dropout samples per suggestion (`eval --suggest-samples` compares others: bench/README.md,
/// "## suggest").
pub const DEFAULT_SAMPLES: usize = 8;

/// What `suggest` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuggestOptions {
    /// How many suggestions, at most.
    pub n: usize,
    /// How the uncertainty is measured.
    pub method: Method,
    /// Dropout samples (`dropout` only; at least 2).
    pub samples: usize,
    /// Seed of the dropout samples and of the `random` order.
    pub seed: u64,
    /// Longer side of the working resolution (default: the model's training size).
    pub work_size: Option<u32>,
    /// How the sketch's areas are found.
    pub regions: RegionOptions,
    /// The style the picture is finished in (see the module's documentation).
    pub style: Style,
    /// The network sees the sketch as scanned, paper tone and noise included
    /// (`InferOptions::keep_paper`): set it when the picture is coloured that way, so the
    /// uncertainty measured is that of the colouring the user gets.
    pub keep_paper: bool,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            n: 5,
            method: Method::default(),
            samples: DEFAULT_SAMPLES,
            seed: 0,
            work_size: None,
            regions: RegionOptions::default(),
            style: Style::default(),
            keep_paper: false,
        }
    }
}

impl SuggestOptions {
    /// These options, measuring the picture as `infer` colours it with `infer`: its work
    /// size, style and paper (what every caller that colours and suggests must share).
    pub fn for_colouring(self, infer: &InferOptions) -> Self {
        SuggestOptions {
            work_size: infer.work_size,
            style: infer.style,
            keep_paper: infer.keep_paper,
            ..self
        }
    }
}

/// One place to hint.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Suggestion {
    /// A pixel well inside the area (the one farthest from its edge), sketch coordinates.
    pub x: u32,
    /// Its row.
    pub y: u32,
    /// The area's size in pixels.
    pub area: u32,
    /// The expected share of the picture's mean squared error the area holds (higher:
    /// hint it sooner); for `largest` the area's share of the picture, for `random` a
    /// random number in `[0, 1)`.
    pub score: f64,
    /// The area's label in the sketch's [`Regions`].
    #[serde(skip)]
    pub label: u32,
}

/// The smallest area worth a suggestion: a thousandth of the picture, at least 16 pixels
/// (a 4 x 4 cell; 262 pixels, about 16 x 16, on a 512 px sketch).
pub fn min_size(width: u32, height: u32) -> u32 {
    (u64::from(width) * u64::from(height) / 1000).max(16) as u32
}

/// The next `opts.n` areas of `gray` to hint, best first, given the hints so far (an RGBA
/// image of the sketch's size, transparent: no hint). Errors as colouring does (hints of
/// another size, a model without hint channels).
pub fn suggest(
    colorizer: &Colorizer,
    gray: &GrayImage,
    hints: Option<&RgbaImage>,
    opts: &SuggestOptions,
) -> Result<Vec<Suggestion>> {
    let regions = Regions::compute(gray, &opts.regions);
    suggest_in(colorizer, gray, &regions, hints, opts)
}

/// [`suggest`] with the sketch's areas already found.
///
/// # Panics
/// If `regions` is not of the sketch's size.
pub fn suggest_in(
    colorizer: &Colorizer,
    gray: &GrayImage,
    regions: &Regions,
    hints: Option<&RgbaImage>,
    opts: &SuggestOptions,
) -> Result<Vec<Suggestion>> {
    assert_eq!(
        regions.dimensions(),
        gray.dimensions(),
        "regions and sketch must have one size"
    );
    if let Some(h) = hints {
        if h.dimensions() != gray.dimensions() {
            return Err(crate::hints::HintError::SizeMismatch {
                hints: h.dimensions(),
                sketch: gray.dimensions(),
            }
            .into());
        }
    }
    let candidates = candidates(regions, hints);
    if candidates.is_empty() || opts.n == 0 {
        return Ok(Vec::new());
    }
    // A generator without dropout has no disagreement to measure: its spread stands in.
    let method = match opts.method {
        Method::Dropout if !colorizer.has_dropout() => Method::Spread,
        m => m,
    };
    let mut sums: Vec<f64> = match method {
        Method::Largest => regions.areas().iter().map(|a| f64::from(a.size)).collect(),
        Method::Random => (1..=regions.areas().len() as u32)
            .map(|l| unit_hash(opts.seed, l) * pixel_count(regions))
            .collect(),
        Method::Dropout | Method::Spread => {
            let work = work_options(opts);
            let mut canvas = colorizer.canvas(&work.sketch(gray), &work);
            let map = hints
                .map(|h| colorizer.canvas_hints(&mut canvas, h))
                .transpose()?;
            let line = canvas.crop(&canvas.image).to_image();
            if method == Method::Dropout {
                let samples = colorizer
                    .run_canvas_samples(&canvas, map.as_ref(), opts.samples.max(2), opts.seed)?
                    .into_iter()
                    .map(|s| filled_crop(&s, &canvas, &line))
                    .collect::<Vec<_>>();
                let var = sample_variance(&samples);
                area_sums(regions, &var, line.width(), line.height())
            } else {
                let colour = colorizer.run_canvas_mode(&canvas, map.as_ref(), ForwardMode::Eval)?;
                let colour = filled_crop(&colour, &canvas, &line);
                area_spread(regions, &colour)
            }
        }
    };
    if method.uses_model() && opts.style != Style::Soft {
        for a in regions.areas() {
            if a.kind == AreaKind::Paper && a.touches_border {
                sums[a.label as usize - 1] = 0.0;
            }
        }
    }
    Ok(rank(regions, &candidates, &sums, opts.n))
}

/// The labels that may be suggested: paper areas of at least [`min_size`] pixels that no
/// hint pixel (alpha > 0) falls in, in label order.
pub fn candidates(regions: &Regions, hints: Option<&RgbaImage>) -> Vec<u32> {
    let (w, h) = regions.dimensions();
    let mut hinted = vec![false; regions.areas().len() + 1];
    if let Some(hints) = hints {
        for (p, &l) in hints.pixels().zip(regions.labels()) {
            if p[3] > 0 {
                hinted[l as usize] = true;
            }
        }
    }
    let min = min_size(w, h);
    regions
        .areas()
        .iter()
        .filter(|a| a.kind == AreaKind::Paper && a.size >= min && !hinted[a.label as usize])
        .map(|a| a.label)
        .collect()
}

/// The best `n` of `candidates` by `sums` (one per area, in label order: the area's summed
/// uncertainty), ties to the smaller label. Scores are the sums over the pixel count.
pub fn rank(regions: &Regions, candidates: &[u32], sums: &[f64], n: usize) -> Vec<Suggestion> {
    let total = pixel_count(regions);
    let mut ranked: Vec<(u32, f64)> = candidates
        .iter()
        .map(|&l| (l, sums[l as usize - 1] / total))
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked
        .into_iter()
        .take(n)
        .map(|(label, score)| {
            let a = regions.area(label).expect("candidates are areas");
            Suggestion {
                x: a.inner_point.0,
                y: a.inner_point.1,
                area: a.size,
                score,
                label,
            }
        })
        .collect()
}

fn pixel_count(regions: &Regions) -> f64 {
    let (w, h) = regions.dimensions();
    f64::from(w) * f64::from(h)
}

/// `suggest`'s working resolution as colouring options.
fn work_options(opts: &SuggestOptions) -> InferOptions {
    InferOptions {
        work_size: opts.work_size,
        keep_paper: opts.keep_paper,
        ..Default::default()
    }
}

/// The sketch's part of a canvas-sized colouring, with the colour under the working
/// sketch's ink replaced from the paper around it (as `infer` does before enlarging), so
/// the network's rendering of the lines does not count as colour.
fn filled_crop(colour: &RgbImage, canvas: &WorkCanvas, line: &GrayImage) -> RgbImage {
    let mut c = canvas.crop(colour).to_image();
    fill_ink(&mut c, line);
    c
}

/// Per-pixel variance between `samples` (channels in `[0, 1]`, mean over R, G, B),
/// row-major at the samples' size.
fn sample_variance(samples: &[RgbImage]) -> Vec<f64> {
    let (w, h) = samples[0].dimensions();
    let k = samples.len() as f64;
    let mut sum = vec![0f64; (w * h * 3) as usize];
    let mut sq = vec![0f64; (w * h * 3) as usize];
    for s in samples {
        for (i, &v) in s.as_raw().iter().enumerate() {
            let v = f64::from(v) / 255.0;
            sum[i] += v;
            sq[i] += v * v;
        }
    }
    sum.chunks_exact(3)
        .zip(sq.chunks_exact(3))
        .map(|(s, q)| {
            (0..3)
                .map(|c| (q[c] / k - (s[c] / k).powi(2)).max(0.0))
                .sum::<f64>()
                / 3.0
        })
        .collect()
}

/// For each sketch pixel, the index of the working-resolution pixel (of a `cw` x `ch`
/// crop) it falls in: the mapping `hints::to_canvas` uses.
fn source_index(regions: &Regions, cw: u32, ch: u32) -> (Vec<u32>, Vec<u32>) {
    let (w, h) = regions.dimensions();
    let cols = (0..w)
        .map(|x| (u64::from(x) * u64::from(cw) / u64::from(w)) as u32)
        .collect();
    let rows = (0..h)
        .map(|y| (u64::from(y) * u64::from(ch) / u64::from(h)) as u32)
        .collect();
    (cols, rows)
}

/// The sum over each area's sketch pixels of a working-resolution per-pixel value `map`
/// (`cw` x `ch`), in label order.
fn area_sums(regions: &Regions, map: &[f64], cw: u32, ch: u32) -> Vec<f64> {
    let (w, _) = regions.dimensions();
    let (cols, rows) = source_index(regions, cw, ch);
    let mut sums = vec![0f64; regions.areas().len() + 1];
    for (y, &cy) in rows.iter().enumerate() {
        let row = &regions.labels()[y * w as usize..(y + 1) * w as usize];
        let src = &map[(cy * cw) as usize..((cy + 1) * cw) as usize];
        for (&l, &cx) in row.iter().zip(&cols) {
            if l != NO_AREA {
                sums[l as usize] += src[cx as usize];
            }
        }
    }
    sums.remove(0);
    sums
}

/// For each area: its pixel count times the variance of the network's colour over it
/// (channels in `[0, 1]`, mean over R, G, B), in label order.
fn area_spread(regions: &Regions, colour: &RgbImage) -> Vec<f64> {
    let (w, _) = regions.dimensions();
    let (cw, ch) = colour.dimensions();
    let (cols, rows) = source_index(regions, cw, ch);
    let n = regions.areas().len() + 1;
    let mut sum = vec![[0f64; 3]; n];
    let mut sq = vec![[0f64; 3]; n];
    for (y, &cy) in rows.iter().enumerate() {
        let row = &regions.labels()[y * w as usize..(y + 1) * w as usize];
        for (&l, &cx) in row.iter().zip(&cols) {
            if l == NO_AREA {
                continue;
            }
            let p = colour.get_pixel(cx, cy);
            for c in 0..3 {
                let v = f64::from(p[c]) / 255.0;
                sum[l as usize][c] += v;
                sq[l as usize][c] += v * v;
            }
        }
    }
    regions
        .areas()
        .iter()
        .map(|a| {
            let (s, q, k) = (
                sum[a.label as usize],
                sq[a.label as usize],
                f64::from(a.size),
            );
            (0..3)
                .map(|c| (q[c] - s[c] * s[c] / k).max(0.0))
                .sum::<f64>()
                / 3.0
        })
        .collect()
}

/// A number in `[0, 1)` fixed by `seed` and `label` (SplitMix64).
fn unit_hash(seed: u64, label: u32) -> f64 {
    let mut z = seed
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::from(label))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests;
