//! The sketch's closed areas, at the sketch's own resolution: what the `flat` and `shaded`
//! styles, bucket-fill hints, the layers, the `leak` / `mottle` figures and hint suggestions
//! are built on.
//!
//! 1. Ink vs paper: a threshold that adapts to the sketch (Otsu on the grey histogram, then
//!    the midpoint of the two classes' means; [`crate::hints::INK_LEVEL`] when the page has
//!    no contrast), so pencil, grey or coloured lines separate from their paper (`ink`).
//! 2. Gaps in a line up to `gap` pixels wide are closed so that colour cannot escape through
//!    them: a morphological closing of the ink with a `(gap + 1)`-pixel square (`close`).
//!    The closing only decides where areas end (closed pixels get [`NO_AREA`]); the line
//!    pixels themselves stay what was drawn. A cell so narrow that the closing fills it
//!    whole, and that touches no other area, is kept as an area of its own (what trapped-ball
//!    filling does with the pixels its ball cannot enter; `label`).
//! 3. Solid fills (ink too wide to be a line, as `hints::fill` defines them: ink whose eight
//!    neighbours are ink) are areas of their own, of kind [`AreaKind::Fill`]; their one-pixel
//!    rim stays [`NO_AREA`].
//! 4. Paper areas below `min_area` pixels are merged into the paper area they share the
//!    longest border with, across a thin line (`adjacency`).
//! 5. Line pixels belong to no area (label 0). Labels are numbered 1..=n by their first
//!    pixel in raster order.
//!
//! Deterministic and linear in the number of pixels (`cargo bench --bench regions` times
//! it; single-threaded).

mod adjacency;
mod close;
mod ink;
mod label;
mod stats;
#[cfg(test)]
mod tests;

use image::{GrayImage, RgbImage};

/// The binary-mask pieces areas are built from (row-major, 1 = set), for other finishing
/// steps that need the sketch's ink and its paper's connected parts (`style::paper_outside`).
pub(crate) mod mask {
    use image::GrayImage;

    /// 1 where `gray` is ink at its adaptive threshold (as `Regions::compute` finds it).
    pub(crate) fn ink(gray: &GrayImage) -> Vec<u8> {
        super::ink::ink_mask(gray, super::ink::adaptive_threshold(gray))
    }

    /// `mask` grown by `r` pixels in x and in y (a square of side 2r + 1), in linear time.
    pub(crate) fn grow(mask: &[u8], width: u32, height: u32, r: u32) -> Vec<u8> {
        super::close::dilate(mask, width, height, 2 * r)
    }

    /// The 4-connected parts of the set pixels, labelled 1.. in raster order of their first
    /// pixel (0: not set), and how many there are.
    pub(crate) fn components(mask: &[u8], width: u32) -> (Vec<u32>, usize) {
        let labels = super::label::components4(mask, width as usize);
        let n = labels.iter().copied().max().unwrap_or(0) as usize;
        (labels, n)
    }
}

/// Label of a pixel that belongs to no area (a line).
pub const NO_AREA: u32 = 0;

/// How far across a line two areas are neighbours when small areas are merged: a line up to
/// three pixels wide (the lines of a sketch at 512-800 px, and the closed gaps) separates
/// neighbours; thicker ink is a shape of its own, not a border.
pub const MERGE_REACH: u32 = 2;

/// How gaps are closed: chosen by measurement (`tests::gap_methods_*`).
const GAP_METHOD: label::GapMethod = label::GapMethod::TrappedBall;

/// How areas are found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionOptions {
    /// Gaps in lines up to this many pixels are closed (0: none).
    pub gap: u32,
    /// Paper areas smaller than this many pixels are merged into a neighbour.
    pub min_area: u32,
    /// Fixed ink threshold (grey < threshold is ink); `None`: adapt to the sketch.
    pub threshold: Option<u8>,
}

impl Default for RegionOptions {
    /// Measured on 45 OpenMoji black outlines at 512 px against their colour twins
    /// (`tests::measure_gap_methods_on_openmoji`): gap 0 to 2 keep the same colour purity
    /// inside areas (91.24%) and gap 2 seals diagonal breaks that anti-aliasing leaves;
    /// gap 3-4 start pinching narrow necks into extra areas (382 areas at gap 2, 415 at 4).
    /// `min_area` 16 (a 4 x 4 cell) removes the specks left at crossings (411 -> 382 areas
    /// at gap 2) but keeps eyes and buttons.
    fn default() -> Self {
        RegionOptions {
            gap: 2,
            min_area: 16,
            threshold: None,
        }
    }
}

/// What an area is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AreaKind {
    /// Paper enclosed by lines (or by the border).
    Paper,
    /// A solid fill of ink.
    Fill,
}

/// One area.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Area {
    /// Its label (1-based; the index into [`Regions::areas`] plus one).
    pub label: u32,
    /// Paper or solid fill.
    pub kind: AreaKind,
    /// Number of pixels.
    pub size: u32,
    /// Whether it touches the image's border.
    pub touches_border: bool,
    /// A pixel well inside it (the one farthest from its edge).
    pub inner_point: (u32, u32),
}

/// The areas of one sketch.
#[derive(Debug, Clone)]
pub struct Regions {
    width: u32,
    height: u32,
    /// Row-major label per pixel: [`NO_AREA`] on lines, else 1..=areas.len().
    labels: Vec<u32>,
    areas: Vec<Area>,
    /// The ink threshold used.
    threshold: u8,
}

impl Regions {
    /// Finds the areas of `gray` (a sketch: dark lines on light paper).
    pub fn compute(gray: &GrayImage, opts: &RegionOptions) -> Regions {
        let (width, height) = gray.dimensions();
        let threshold = opts
            .threshold
            .unwrap_or_else(|| ink::adaptive_threshold(gray));
        let ink = ink::ink_mask(gray, threshold);
        let mut provisional = label::label_areas(&ink, width, height, opts.gap, GAP_METHOD);
        adjacency::merge_small(&mut provisional, width, height, opts.min_area);
        let (labels, kinds) = label::renumber(&provisional);
        let areas = stats::areas(&labels, &kinds, width, height);
        Regions {
            width,
            height,
            labels,
            areas,
            threshold,
        }
    }

    /// Width and height.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Row-major labels, [`NO_AREA`] on lines.
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// The label at `(x, y)`.
    pub fn label(&self, x: u32, y: u32) -> u32 {
        self.labels[(y * self.width + x) as usize]
    }

    /// The areas, in label order (`areas()[l - 1]` has label `l`).
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    /// The area with label `l` (1-based), if any.
    pub fn area(&self, l: u32) -> Option<&Area> {
        (l as usize).checked_sub(1).and_then(|i| self.areas.get(i))
    }

    /// The ink threshold that was used (grey below it is ink).
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// Pairs of areas `(a, b)`, `a < b`, separated only by line pixels: two areas are
    /// neighbours when some line pixel has both within `reach` pixels (Chebyshev) of it,
    /// reached through line pixels only. Sorted, without repeats.
    pub fn neighbours(&self, reach: u32) -> Vec<(u32, u32)> {
        adjacency::neighbours(&self.labels, self.width, self.height, reach)
    }

    /// Every pixel's area: its own label, or on a line the label of the nearest area pixel
    /// (breadth-first over 8-neighbours from all areas at once; ties go to the smaller
    /// label, so the result is deterministic). [`NO_AREA`] only when the sketch has no area.
    /// What colours the flats under the lines, so anti-aliased line edges blend.
    pub fn nearest_labels(&self) -> Vec<u32> {
        adjacency::nearest_labels(&self.labels, self.width, self.height)
    }

    /// A false-colour view: every area a distinct colour (a fixed hash of its label, so the
    /// same sketch always looks the same), lines black.
    pub fn false_colour(&self) -> RgbImage {
        stats::false_colour(&self.labels, self.width, self.height)
    }
}
