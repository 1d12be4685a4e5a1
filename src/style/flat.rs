//! The colour of each area (the "flats"): the hints inside it, else the network's robust
//! colour there, else paper or ink by the area's kind.
//!
//! - Hinted area (a hint pixel whose label is the area's; hints on lines count for no
//!   area), one hint colour: the mean of its hint pixels' colours, pixel-weighted, in sRGB,
//!   rounded. A dot fills the whole area, like a paint bucket that respects the lines.
//!   Hint colours within [`SAME_HINT`] levels of each other count as one colour (a stroke's
//!   anti-aliased edge, a slightly different pick of the same colour).
//! - Hinted area with several clearly different hint colours, each on at least
//!   [`PALETTE_SHARE`] of the area's hint pixels: the user is painting parts of an area no
//!   line separates (hair and face, an eye's white and its pupil), so the area is not one
//!   colour: each of its pixels takes the hint colour nearest (CIELAB) to the network's
//!   colour there — the network, which sees the hints, decides where one colour ends,
//!   and each part stays flat. (Their mean, which this rule replaced, painted a grey eye
//!   for a white and a black hint and cost 4 dB of Hint-AUC on DiceBear.) Stray hint colours
//!   below that share are ignored, in a one-colour area too.
//! - Paper touching the border, unhinted: paper (white): the page around a drawing stays
//!   clean whatever the network painted there.
//! - Solid fill, unhinted: stays ink under the lines; its flat colour (seen only when the
//!   lines layer is hidden) is the network's median there, which is the colour of the
//!   paper around it: the network's colour reaches the finish with the ink flattened away
//!   (`infer::fill_ink` spreads the neighbouring paper's colour inward).
//! - Any other area: the network's colour there, as the per-channel median of L*, a*, b*
//!   over the area's pixels (robust to the bleeding from across a line that makes the
//!   network's colour mottle near the area's edges; see the report in `style`).
//!
//! Linear in pixels: one pass over the labels gathers at most `MEDIAN_SAMPLES` pixels of
//! each area that needs a median, evenly spread, and converts only those to Lab; each
//! median is then a selection (linear) over those few values, never a sort.

use image::GrayImage;

use super::lab::{dequantised_lab, dequantised_srgb, LabTable};
use crate::hints::HintMap;
use crate::regions::{AreaKind, Regions, NO_AREA};
use image::RgbImage;

/// White paper.
const PAPER: [u8; 3] = [255; 3];
/// The most pixels of one area a median reads. The network's colour is an enlargement of
/// its 128-512 px canvas, so a large area holds far fewer independent colours than pixels:
/// an evenly spread sample gives the same median (measured: see `style`) at a fraction of
/// the conversions.
const MEDIAN_SAMPLES: usize = 256;

/// Hint colours whose channels all differ by at most this many levels are one colour.
const SAME_HINT: u8 = 24;
/// The least share of an area's hint pixels a hint colour needs to count in a palette.
const PALETTE_SHARE: f64 = 0.1;

/// What decided an area's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// Several hint colours: each pixel takes the one nearest the network's colour.
    Palette,
    /// The mean of the hints inside it.
    Hint,
    /// The network's median colour.
    Network,
    /// Paper touching the border: white.
    Paper,
    /// An unhinted solid fill: ink under the lines, the network's median in the flats.
    Ink,
}

/// Per label (index = label, 0 = lines): colour, where it came from and, for the areas the
/// shading follows, the network's median lightness.
#[derive(Debug, Clone)]
pub(super) struct AreaColours {
    pub colours: Vec<[u8; 3]>,
    pub sources: Vec<Source>,
    /// Per label: the hint colours of a [`Source::Palette`] area, with their CIELAB (empty
    /// for the others).
    pub palettes: Vec<Vec<([u8; 3], [f32; 3])>>,
    /// L* median of the network's colour (0 where not computed).
    pub median_l: Vec<f32>,
    /// The network's median `[L*, a*, b*]` (zeros where not computed).
    pub median_lab: Vec<[f32; 3]>,
}

/// The paper areas touching the border that are the drawing's, not the page's: all but the
/// page (the one with the most pixels on the border) that the network paints less than
/// half pale (`super::is_pale`) — a bust or a sleeve cut off by the picture's frame, whose
/// colour the network sees. The page itself always stays paper.
fn figures_at_the_border(regions: &Regions, colour: &RgbImage) -> Vec<usize> {
    let n = regions.areas().len() + 1;
    let at_border: Vec<bool> = {
        let mut v = vec![false; n];
        for a in regions.areas() {
            v[a.label as usize] = a.kind == AreaKind::Paper && a.touches_border;
        }
        v
    };
    let on_border = super::border_counts(regions.labels(), regions.dimensions(), n);
    let Some(page) = (1..n)
        .filter(|&l| at_border[l])
        .max_by_key(|&l| on_border[l])
    else {
        return Vec::new();
    };
    let (mut pale, mut total) = (vec![0u64; n], vec![0u64; n]);
    for (p, &l) in colour.chunks_exact(3).zip(regions.labels()) {
        let l = l as usize;
        if at_border[l] && l != page {
            total[l] += 1;
            pale[l] += u64::from(super::is_pale(p));
        }
    }
    (1..n)
        .filter(|&l| {
            at_border[l] && l != page && (pale[l] as f64) < super::PALE_SHARE * total[l] as f64
        })
        .collect()
}

impl AreaColours {
    /// The colours of `regions`' areas. `medians_of_hinted`: also take the network's
    /// medians inside hinted areas (the shading needs their lightness).
    pub fn compute(
        regions: &Regions,
        colour: &RgbImage,
        hints: Option<&HintMap>,
        medians_of_hinted: bool,
        table: &LabTable,
    ) -> Self {
        let labels = regions.labels();
        let n = regions.areas().len() + 1;
        let mut sources = vec![Source::Network; n];
        sources[NO_AREA as usize] = Source::Paper;
        for a in regions.areas() {
            sources[a.label as usize] = match a.kind {
                AreaKind::Paper if a.touches_border => Source::Paper,
                AreaKind::Paper => Source::Network,
                AreaKind::Fill => Source::Ink,
            };
        }
        for l in figures_at_the_border(regions, colour) {
            sources[l] = Source::Network;
        }
        let mut colours = vec![PAPER; n];
        let mut palettes = vec![Vec::new(); n];
        let (w, _) = regions.dimensions();
        if let Some(hints) = hints {
            // Per area, its hint colours: (first colour, sum, pixels) per distinct colour.
            let mut groups: Vec<Vec<HintGroup>> = vec![Vec::new(); n];
            for (x, y, c) in hints.hinted_pixels() {
                let l = labels[(y * w + x) as usize] as usize;
                if l != NO_AREA as usize {
                    HintGroup::add(&mut groups[l], c.0);
                }
            }
            for l in 1..n {
                let total: u64 = groups[l].iter().map(|g| g.count).sum();
                if total == 0 {
                    continue;
                }
                let mut kept: Vec<&HintGroup> = groups[l]
                    .iter()
                    .filter(|g| g.count as f64 >= PALETTE_SHARE * total as f64)
                    .collect();
                kept.sort_by_key(|g| std::cmp::Reverse(g.count));
                if kept.len() >= 2 {
                    colours[l] = kept[0].mean();
                    palettes[l] = kept
                        .iter()
                        .map(|g| (g.mean(), table.lab(g.mean())))
                        .collect();
                    sources[l] = Source::Palette;
                } else {
                    // One colour: its mean, strays left out (unless every colour is a
                    // stray, a confetti of more than ten: then the mean of all).
                    let all = HintGroup::merged(&groups[l]);
                    colours[l] = kept.first().map_or(all.mean(), |g| g.mean());
                    sources[l] = Source::Hint;
                }
            }
        }
        let needs_median: Vec<bool> = sources
            .iter()
            .enumerate()
            .map(|(l, s)| {
                l != NO_AREA as usize
                    && match s {
                        Source::Network | Source::Ink => true,
                        Source::Hint | Source::Palette => medians_of_hinted,
                        Source::Paper => false,
                    }
            })
            .collect();
        let mut sizes = vec![0usize; n];
        for a in regions.areas() {
            sizes[a.label as usize] = a.size as usize;
        }
        let medians = network_medians(labels, colour, &needs_median, &sizes, table);
        let mut median_lab = vec![[0.0f32; 3]; n];
        for l in 1..n {
            if let Some(q) = medians[l] {
                median_lab[l] = dequantised_lab(q);
                if matches!(sources[l], Source::Network | Source::Ink) {
                    colours[l] = dequantised_srgb(q);
                }
            }
        }
        AreaColours {
            colours,
            sources,
            palettes,
            median_l: median_lab.iter().map(|m| m[0]).collect(),
            median_lab,
        }
    }

    /// The flats layer: every pixel the colour of its nearest area (`nearest`, from
    /// [`Regions::nearest_labels`]), so line pixels and anti-aliased edges carry the colour
    /// they border. Without any area (a page of ink) the network's colour is kept.
    pub fn paint(&self, nearest: &[u32], colour: &RgbImage, table: &LabTable) -> RgbImage {
        let mut out = colour.clone();
        for (p, &l) in out.chunks_exact_mut(3).zip(nearest) {
            if l == NO_AREA {
                continue;
            }
            let palette = &self.palettes[l as usize];
            if palette.is_empty() {
                p.copy_from_slice(&self.colours[l as usize]);
            } else {
                let lab = table.lab([p[0], p[1], p[2]]);
                let d2 = |q: &[f32; 3]| (0..3).map(|k| (lab[k] - q[k]).powi(2)).sum::<f32>();
                let best = palette
                    .iter()
                    .min_by(|a, b| d2(&a.1).total_cmp(&d2(&b.1)))
                    .expect("a palette has two colours or more");
                p.copy_from_slice(&best.0);
            }
        }
        out
    }

    /// Lifts the lines to paper over the pixels of hinted solid fills (their rim, on label
    /// 0, stays ink), so the fill shows its hint colour.
    pub fn lift_hinted_fills(&self, regions: &Regions, lines: &mut GrayImage) {
        let hinted_fill: Vec<bool> = std::iter::once(false)
            .chain(regions.areas().iter().map(|a| {
                a.kind == AreaKind::Fill
                    && matches!(
                        self.sources[a.label as usize],
                        Source::Hint | Source::Palette
                    )
            }))
            .collect();
        if !hinted_fill.contains(&true) {
            return;
        }
        for (g, &l) in lines.pixels_mut().zip(regions.labels()) {
            if hinted_fill[l as usize] {
                g.0 = [255];
            }
        }
    }
}

/// The hint pixels of one colour in an area: colours within [`SAME_HINT`] levels of the
/// group's first colour join it.
#[derive(Debug, Clone)]
struct HintGroup {
    first: [u8; 3],
    sum: [u64; 3],
    count: u64,
}

impl HintGroup {
    fn add(groups: &mut Vec<HintGroup>, c: [u8; 3]) {
        let same = |g: &HintGroup| (0..3).all(|k| g.first[k].abs_diff(c[k]) <= SAME_HINT);
        let g = match groups.iter().position(same) {
            Some(i) => &mut groups[i],
            None => {
                groups.push(HintGroup {
                    first: c,
                    sum: [0; 3],
                    count: 0,
                });
                groups.last_mut().expect("just pushed")
            }
        };
        (0..3).for_each(|k| g.sum[k] += u64::from(c[k]));
        g.count += 1;
    }

    /// All of `groups` as one.
    fn merged(groups: &[HintGroup]) -> HintGroup {
        groups.iter().fold(
            HintGroup {
                first: [0; 3],
                sum: [0; 3],
                count: 0,
            },
            |acc, g| HintGroup {
                first: acc.first,
                sum: [0, 1, 2].map(|k| acc.sum[k] + g.sum[k]),
                count: acc.count + g.count,
            },
        )
    }

    /// The pixel-weighted mean colour, rounded.
    fn mean(&self) -> [u8; 3] {
        let c = self.count;
        self.sum.map(|s| ((s + c / 2) / c) as u8)
    }
}

/// Quantised Lab medians of `colour` over each area with `needed[label]`, `None` for the
/// others (and for empty areas). `sizes[label]`: the area's pixel count.
///
/// One pass over the labels takes every `step`-th pixel of each needed area in raster
/// order (`step` = its size / `MEDIAN_SAMPLES`, rounded up) into that area's slot of one
/// sample buffer; the medians then come from a selection over at most `MEDIAN_SAMPLES`
/// values per channel.
fn network_medians(
    labels: &[u32],
    colour: &RgbImage,
    needed: &[bool],
    sizes: &[usize],
    table: &LabTable,
) -> Vec<Option<[u16; 3]>> {
    let n = needed.len();
    let step: Vec<usize> = sizes
        .iter()
        .map(|&s| s.div_ceil(MEDIAN_SAMPLES).max(1))
        .collect();
    // Slot of area l: start[l]..start[l + 1], room for ceil(size / step) samples.
    let mut start = vec![0usize; n + 1];
    for l in 0..n {
        let room = if needed[l] {
            sizes[l].div_ceil(step[l])
        } else {
            0
        };
        start[l + 1] = start[l] + room;
    }
    let mut samples = vec![[0u16; 3]; start[n]];
    let mut filled = start.clone();
    // Pixels left before an area's next sample (0: take this one).
    let mut skip = vec![0usize; n];
    let raw = colour.as_raw();
    for (i, &l) in labels.iter().enumerate() {
        let l = l as usize;
        if !needed[l] {
            continue;
        }
        if skip[l] == 0 && filled[l] < start[l + 1] {
            let p = [raw[3 * i], raw[3 * i + 1], raw[3 * i + 2]];
            samples[filled[l]] = table.quantised(p);
            filled[l] += 1;
            skip[l] = step[l];
        }
        skip[l] -= 1;
    }
    let mut channels: [Vec<u16>; 3] = Default::default();
    (0..n)
        .map(|l| {
            let taken = &samples[start[l]..filled[l]];
            if taken.is_empty() {
                return None;
            }
            Some([0, 1, 2].map(|k| {
                let c = &mut channels[k];
                c.clear();
                c.extend(taken.iter().map(|q| q[k]));
                lower_median(c)
            }))
        })
        .collect()
}

/// The lower median of `values` (the `(n - 1) / 2`-th smallest), by selection: linear.
fn lower_median(values: &mut [u16]) -> u16 {
    let k = (values.len() - 1) / 2;
    *values.select_nth_unstable(k).1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_median_of_odd_and_even_counts() {
        assert_eq!(lower_median(&mut [5, 1, 9]), 5);
        assert_eq!(lower_median(&mut [7, 1, 9, 3]), 3);
        assert_eq!(lower_median(&mut [4]), 4);
    }

    #[test]
    fn large_areas_are_sampled_evenly_and_small_ones_whole() {
        let table = LabTable::new();
        // Label 1: 1000 pixels, grey x mod 250, sampled every 4th (1000 / 256, rounded
        // up): x = 0, 4, .., 996 give the greys 0, 2, 4, .., 248, each twice (250 samples);
        // the lower median, the 125th smallest, is grey 124. Label 2: 3 pixels, all read.
        // Label 3: not needed.
        let labels: Vec<u32> = (0..1000).map(|_| 1).chain([2, 2, 2, 3]).collect();
        let colour = RgbImage::from_fn(1004, 1, |x, _| {
            let v = match x {
                0..1000 => (x % 250) as u8,
                _ => [10, 200, 30, 0][x as usize - 1000],
            };
            image::Rgb([v; 3])
        });
        let sizes = [0, 1000, 3, 1];
        let needed = [false, true, true, false];
        let m = network_medians(&labels, &colour, &needed, &sizes, &table);
        let grey = |v: u8| Some(table.quantised([v; 3]));
        assert_eq!(m[1], grey(124));
        assert_eq!(m[2], grey(30), "median of 10, 200, 30");
        assert_eq!((m[0], m[3]), (None, None));
    }
}
