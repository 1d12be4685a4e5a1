//! Finishing styles: how the network's colour becomes the picture, over the sketch's areas
//! ([`crate::regions`]).
//!
//! - `soft`: the network's colour as it is (the pix2pix look), lines laid over; colour
//!   spilt onto the page round the drawing is taken off ([`paper_outside`]).
//! - `flat`: one colour per area, as a colourist's "flats": the mean of the hints inside the
//!   area when it holds any (a hint fills its whole area, like a paint bucket that respects
//!   the lines; clearly different hint colours in one area split it, each pixel taking the
//!   hint colour nearest the network's colour there: `flat`'s module), else the network's
//!   colour for the area (the per-channel median in CIELAB).
//!   The page (the paper area with the most pixels on the border) stays paper unless
//!   hinted, and so do the other paper areas touching the border that the network paints
//!   mostly pale; one it colours (a bust cut off by the frame) takes that colour. Line
//!   pixels carry the colour of their nearest area under the lines, so anti-aliased edges
//!   blend into it.
//! - `shaded`: the flat colour with the network's lightness variation inside the area, as a
//!   hard-light shading layer over the flats; paper stays clean.
//!
//! Median or mean: on the shipped model's colourings of 100 OpenMoji and 100 EmojiOne test
//! pairs at 512 px (`cargo run --example style_median`), the area colour's mean CIE76
//! distance to the target's own area colour is 16.3 (median) against 17.5 (mean) on
//! OpenMoji and 45.3 against 44.5 on EmojiOne: no clear winner; the median is kept because
//! a minority of pixels bleeding in from across a line cannot pull it.
//!
//! Every style ends the same way: the lines laid over by multiplication, so they stay as
//! crisp as drawn; solid fills keep their rules (ink unless hinted).
//!
//! The finished picture is built from its layers ([`Layers`]): lines (black ink, alpha =
//! 255 - grey), flats, shading (hard-light grey, 128 = no change) — so that a painting
//! program compositing the layers gets the same picture (`crate::layers` writes them).

mod flat;
mod lab;
mod shade;

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use image::{GrayImage, Luma, RgbImage};

use crate::hints::{neighbours4, HintMap};
use crate::regions::{mask, RegionOptions, Regions};
use flat::AreaColours;
use lab::LabTable;
pub use shade::hard_light;

/// How the finished picture is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    /// The network's colour as it is.
    #[default]
    Soft,
    /// One colour per area.
    Flat,
    /// One colour per area with the network's lightness inside it.
    Shaded,
}

impl Style {
    /// Every style, in the order `--help` lists them.
    pub const ALL: [Style; 3] = [Style::Soft, Style::Flat, Style::Shaded];

    /// The name used on the command line, in forms and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Style::Soft => "soft",
            Style::Flat => "flat",
            Style::Shaded => "shaded",
        }
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A style name that is not one of `soft`, `flat`, `shaded`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown style `{0}` (expected soft, flat or shaded)")]
pub struct UnknownStyle(pub String);

impl FromStr for Style {
    type Err = UnknownStyle;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Style::ALL
            .into_iter()
            .find(|st| st.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownStyle(s.to_string()))
    }
}

/// Neutral value of the shading layer (hard light with it changes nothing).
pub const NEUTRAL_SHADE: u8 = 128;

/// The layers of a finished picture, all at the sketch's size.
#[derive(Debug, Clone)]
pub struct Layers {
    /// The line art as laid over the colour: grey, 255 = paper (transparent in the file),
    /// 0 = full ink. Hinted solid fills are lifted to paper inside their rim.
    pub lines: GrayImage,
    /// The colour under the lines, before shading: per-area colours for `flat` and
    /// `shaded`, the network's colour for `soft`.
    pub flats: RgbImage,
    /// Hard-light shading over the flats ([`NEUTRAL_SHADE`] = none): only `shaded` has any.
    pub shading: GrayImage,
    /// The finished picture: `lines` over (`shading` hard-light over `flats`).
    pub merged: RgbImage,
}

/// Finishes one picture in `style`.
///
/// - `lines`: the line art to lay over (the sketch, with hinted solid fills lifted);
/// - `colour`: the network's colour at the sketch's size, lines already flattened away
///   (what `soft` multiplies the lines onto);
/// - `regions`: the sketch's areas (`soft` needs none; `flat` and `shaded` without them
///   find them in `lines` with the default [`RegionOptions`]);
/// - `hints`: the user's hints at the sketch's size.
///
/// `soft` gives exactly `crate::infer::recombine(paper_outside(colour, lines, hints),
/// lines)`. `flat` and `shaded` are described in the module's documentation; their
/// `merged` is computed from the
/// layers' 8-bit values, so compositing the layers (as a painting program does) gives it
/// back within one level.
///
/// # Panics
/// If `lines`, `colour`, `regions` or `hints` differ in size.
pub fn finish(
    style: Style,
    lines: &GrayImage,
    colour: &RgbImage,
    regions: Option<&Regions>,
    hints: Option<&HintMap>,
) -> Layers {
    let size = colour.dimensions();
    assert_eq!(
        lines.dimensions(),
        size,
        "lines and colour must have one size"
    );
    if let Some(h) = hints {
        assert_eq!(h.dimensions(), size, "hints and colour must have one size");
    }
    if style == Style::Soft {
        let flats = paper_outside(colour, lines, hints);
        return Layers {
            lines: lines.clone(),
            merged: multiply_lines(&flats, lines),
            flats,
            shading: GrayImage::from_pixel(size.0, size.1, Luma([NEUTRAL_SHADE])),
        };
    }
    let computed;
    let regions = match regions {
        Some(r) => r,
        None => {
            computed = Regions::compute(lines, &RegionOptions::default());
            &computed
        }
    };
    assert_eq!(
        regions.dimensions(),
        size,
        "regions and colour must have one size"
    );
    let table = lab_table();
    let shaded = style == Style::Shaded;
    let areas = AreaColours::compute(regions, colour, hints, shaded, table);
    let nearest = regions.nearest_labels();
    let flats = areas.paint(&nearest, colour, table);
    let mut lines = lines.clone();
    areas.lift_hinted_fills(regions, &mut lines);
    let (shading, merged) = if shaded {
        let shading = shade::shading(&nearest, colour, &areas, table);
        let merged = multiply_lines(&shade::hard_light_image(&flats, &shading), &lines);
        (shading, merged)
    } else {
        let neutral = GrayImage::from_pixel(size.0, size.1, Luma([NEUTRAL_SHADE]));
        (neutral, multiply_lines(&flats, &lines))
    };
    Layers {
        lines,
        flats,
        shading,
        merged,
    }
}

/// A pixel of the network's colour is pale (paper-like) when its darkest channel is at least
/// this and its channels are within [`PALE_SPREAD`].
const PALE_LEVEL: u8 = 200;
/// See [`PALE_LEVEL`].
const PALE_SPREAD: u8 = 40;
/// The share of pale pixels from which an area counts as paper the network sees
/// (`paper_outside`'s page, `flat`'s areas cut by the frame).
const PALE_SHARE: f64 = 0.5;

/// `colour` with the page round the drawing kept white. The network's colour spills past
/// the outline onto the page (blobs beside a dog, a halo round a paperclip); `soft` keeps
/// the page white, as it is drawn (`flat` keeps its page paper by areas: `flat`'s module).
///
/// The page: the ink of `lines` grown by [`seal_radius`] seals the gaps that open strokes
/// leave (fingers drawn as separate strokes, a bust cut by the frame); of the paper left,
/// the connected part with the most pixels on the picture's border, grown back by the same
/// radius (so up to the lines, never across one). It stays as the network coloured it when
/// a hint lies on it, or when the network paints less than half of it pale (then it is not
/// the page the network sees).
///
/// # Panics
/// If `colour` and `lines` differ in size.
pub fn paper_outside(colour: &RgbImage, lines: &GrayImage, hints: Option<&HintMap>) -> RgbImage {
    let (w, h) = lines.dimensions();
    assert_eq!(
        colour.dimensions(),
        (w, h),
        "lines and colour must have one size"
    );
    let r = seal_radius(w, h);
    let sealed = mask::grow(&mask::ink(lines), w, h, r);
    let page = mask::grow(&border_component(&sealed, w, h), w, h, r);
    let hinted = hints.is_some_and(|m| {
        m.hinted_pixels()
            .any(|(x, y, _)| page[(y * w + x) as usize] == 1)
    });
    let pale: Vec<bool> = colour.chunks_exact(3).map(is_pale).collect();
    let total = page.iter().filter(|&&on| on == 1).count();
    let pale_page = page
        .iter()
        .zip(&pale)
        .filter(|(&on, &p)| on == 1 && p)
        .count();
    let mut out = colour.clone();
    if hinted || total == 0 || (pale_page as f64) < PALE_SHARE * total as f64 {
        return out;
    }
    // The coloured patches on the page: a patch bounded mostly by the page's pale paper is
    // spilt colour; one bounded mostly by lines (or by what is not page) is a part of the
    // drawing the lines leave open (a bust cut off at its base, a hand between open strokes).
    let patch: Vec<u8> = page
        .iter()
        .zip(&pale)
        .map(|(&on, &p)| u8::from(on == 1 && !p))
        .collect();
    let (labels, n) = mask::components(&patch, w);
    let (mut by_paper, mut by_lines) = (vec![0u64; n + 1], vec![0u64; n + 1]);
    let (wu, hu) = (w as usize, h as usize);
    for (i, &l) in labels.iter().enumerate().filter(|(_, &l)| l != 0) {
        for j in neighbours4(i, wu, hu).into_iter().flatten() {
            if labels[j] == l {
                continue;
            }
            if page[j] == 1 && pale[j] {
                by_paper[l as usize] += 1;
            } else {
                by_lines[l as usize] += 1;
            }
        }
    }
    for (i, p) in out.chunks_exact_mut(3).enumerate() {
        let l = labels[i] as usize;
        let spilt = l != 0 && by_paper[l] >= by_lines[l];
        if (page[i] == 1 && pale[i]) || spilt {
            p.copy_from_slice(&[255, 255, 255]);
        }
    }
    out
}

/// How far [`paper_outside`] grows the ink to seal gaps: 3 % of the shorter side, at least
/// 2 pixels (4 at 128 px).
pub fn seal_radius(w: u32, h: u32) -> u32 {
    ((f64::from(w.min(h)) * 0.03).round() as u32).max(2)
}

/// Whether a pixel of the network's colour is pale (paper-like): its darkest channel at
/// least [`PALE_LEVEL`], its channels within [`PALE_SPREAD`].
fn is_pale(p: &[u8]) -> bool {
    let (lo, hi) = (p.iter().min().unwrap(), p.iter().max().unwrap());
    *lo >= PALE_LEVEL && hi - lo <= PALE_SPREAD
}

/// Per label (0..n), how many of its pixels lie on the picture's border.
fn border_counts(labels: &[u32], (w, h): (u32, u32), n: usize) -> Vec<u64> {
    let (w, h) = (w as usize, h as usize);
    let mut on_border = vec![0u64; n];
    for (i, &l) in labels.iter().enumerate() {
        let (x, y) = (i % w, i / w);
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            on_border[l as usize] += 1;
        }
    }
    on_border
}

/// Of the pixels not set in `blocked`, the 4-connected part with the most pixels on the
/// picture's border, as a mask (none: all 0).
fn border_component(blocked: &[u8], w: u32, h: u32) -> Vec<u8> {
    let open: Vec<u8> = blocked.iter().map(|&b| 1 - b).collect();
    let (labels, n) = mask::components(&open, w);
    let mut on_border = border_counts(&labels, (w, h), n + 1);
    on_border[0] = 0;
    let best = (1..=n)
        .max_by_key(|&l| on_border[l])
        .filter(|&l| on_border[l] > 0);
    labels
        .iter()
        .map(|&l| u8::from(best.is_some_and(|b| l as usize == b)))
        .collect()
}

/// Lays the line art over the colour by multiplication: `out = colour * grey / 255`,
/// rounded (what `crate::infer::recombine` calls). Source-over of black ink
/// with alpha `255 - grey` gives the same within rounding, which is how the lines layer is
/// stored.
pub fn multiply_lines(colour: &RgbImage, lines: &GrayImage) -> RgbImage {
    assert_eq!(colour.dimensions(), lines.dimensions(), "sizes must match");
    let mut out = colour.clone();
    // Over the raw bytes, three per pixel: the loop vectorises.
    for (p, &g) in out.chunks_exact_mut(3).zip(lines.as_raw()) {
        let g = u32::from(g);
        for c in p {
            *c = ((u32::from(*c) * g + 127) / 255) as u8;
        }
    }
    out
}

/// The conversion tables, built once per process (about 50 µs).
fn lab_table() -> &'static LabTable {
    static TABLE: OnceLock<LabTable> = OnceLock::new();
    TABLE.get_or_init(LabTable::new)
}

#[cfg(test)]
mod tests;
