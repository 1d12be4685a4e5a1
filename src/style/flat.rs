//! The colour of each area (the "flats"): the hints inside it, else the network's robust
//! colour there, else paper or ink by the area's kind.
//!
//! - Hinted area (a hint pixel whose label is the area's; hints on lines count for no
//!   area): the mean of its hint pixels' colours, pixel-weighted, in sRGB, rounded. A dot
//!   fills the whole area; two colours in one area give their mean weighted by how many
//!   pixels each covers (a bucket that respects the lines holds one colour, and the mean is
//!   what a user who drew both would least be surprised by — neither colour wins by order).
//! - Paper touching the border, unhinted: paper (white): the page around a drawing stays
//!   clean whatever the network painted there.
//! - Solid fill, unhinted: stays ink under the lines; its flat colour (seen only when the
//!   lines layer is hidden) is the largest neighbouring area's.
//! - Any other area: the network's colour there, as the per-channel median of L*, a*, b*
//!   over the area's pixels (robust to the bleeding from across a line that makes the
//!   network's colour mottle near the area's edges; see the report in `style`).
//!
//! Linear in pixels: one pass groups the pixels of the areas that need a median (a counting
//! sort by label), then each area's medians come from a selection (small areas) or a
//! histogram (large ones), never from sorting.

use image::GrayImage;

use super::lab::{dequantised_srgb, LabTable, AB_LEVELS, L_LEVELS, STEP};
use crate::hints::HintMap;
use crate::regions::{AreaKind, Regions, NO_AREA};
use image::RgbImage;

/// White paper.
const PAPER: [u8; 3] = [255; 3];
/// Areas up to this many pixels take their medians by selection, larger ones by histogram.
const SELECT_MAX: usize = 2048;
/// How far (Chebyshev, through line pixels) an unhinted fill looks for its neighbour.
const FILL_REACH: u32 = 2;

/// What decided an area's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// The mean of the hints inside it.
    Hint,
    /// The network's median colour.
    Network,
    /// Paper touching the border: white.
    Paper,
    /// An unhinted solid fill: ink.
    Ink,
}

/// Per label (index = label, 0 = lines): colour, where it came from and, for the areas the
/// shading follows, the network's median lightness.
#[derive(Debug, Clone)]
pub(super) struct AreaColours {
    pub colours: Vec<[u8; 3]>,
    pub sources: Vec<Source>,
    /// L* median of the network's colour (0 where not computed).
    pub median_l: Vec<f32>,
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
        let mut colours = vec![PAPER; n];
        let (w, _) = regions.dimensions();
        if let Some(hints) = hints {
            let mut sum = vec![[0u64; 3]; n];
            let mut count = vec![0u64; n];
            for (x, y, c) in hints.hinted_pixels() {
                let l = labels[(y * w + x) as usize] as usize;
                if l != NO_AREA as usize {
                    (0..3).for_each(|k| sum[l][k] += u64::from(c[k]));
                    count[l] += 1;
                }
            }
            for l in 1..n {
                if count[l] > 0 {
                    let c = count[l];
                    colours[l] = sum[l].map(|s| ((s + c / 2) / c) as u8);
                    sources[l] = Source::Hint;
                }
            }
        }
        let needs_median: Vec<bool> = sources
            .iter()
            .enumerate()
            .map(|(l, s)| {
                l != NO_AREA as usize
                    && (*s == Source::Network || (medians_of_hinted && *s == Source::Hint))
            })
            .collect();
        let medians = network_medians(labels, colour, &needs_median, table);
        let mut median_l = vec![0.0f32; n];
        for l in 1..n {
            if let Some(q) = medians[l] {
                median_l[l] = f32::from(q[0]) * STEP;
                if sources[l] == Source::Network {
                    colours[l] = dequantised_srgb(q);
                }
            }
        }
        if sources.contains(&Source::Ink) {
            colour_unhinted_fills(regions, &sources, &mut colours);
        }
        AreaColours {
            colours,
            sources,
            median_l,
        }
    }

    /// The flats layer: every pixel the colour of its nearest area (`nearest`, from
    /// [`Regions::nearest_labels`]), so line pixels and anti-aliased edges carry the colour
    /// they border. Without any area (a page of ink) the network's colour is kept.
    pub fn paint(&self, nearest: &[u32], colour: &RgbImage) -> RgbImage {
        let mut out = colour.clone();
        for (p, &l) in out.pixels_mut().zip(nearest) {
            if l != NO_AREA {
                p.0 = self.colours[l as usize];
            }
        }
        out
    }

    /// Lifts the lines to paper over the pixels of hinted solid fills (their rim, on label
    /// 0, stays ink), so the fill shows its hint colour.
    pub fn lift_hinted_fills(&self, regions: &Regions, lines: &mut GrayImage) {
        let hinted_fill: Vec<bool> = std::iter::once(false)
            .chain(regions.areas().iter().map(|a| {
                a.kind == AreaKind::Fill && self.sources[a.label as usize] == Source::Hint
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

/// Quantised Lab medians of `colour` over each area with `needed[label]`, `None` for the
/// others (and for empty areas).
fn network_medians(
    labels: &[u32],
    colour: &RgbImage,
    needed: &[bool],
    table: &LabTable,
) -> Vec<Option<[u16; 3]>> {
    let n = needed.len();
    // Counting sort of the needed pixels by label: `start[l]..start[l + 1]` in `order`.
    let mut start = vec![0usize; n + 1];
    for &l in labels {
        if needed[l as usize] {
            start[l as usize + 1] += 1;
        }
    }
    for l in 0..n {
        start[l + 1] += start[l];
    }
    let mut next = start.clone();
    let mut order = vec![0u32; start[n]];
    for (i, &l) in labels.iter().enumerate() {
        let l = l as usize;
        if needed[l] {
            order[next[l]] = i as u32;
            next[l] += 1;
        }
    }
    let raw = colour.as_raw();
    let mut channels: [Vec<u16>; 3] = Default::default();
    let mut hist_l = vec![0u32; L_LEVELS];
    let mut hist_ab = vec![0u32; AB_LEVELS];
    (0..n)
        .map(|l| {
            let pixels = &order[start[l]..start[l + 1]];
            if pixels.is_empty() {
                return None;
            }
            channels.iter_mut().for_each(Vec::clear);
            for &i in pixels {
                let i = i as usize * 3;
                let q = table.quantised([raw[i], raw[i + 1], raw[i + 2]]);
                (0..3).for_each(|k| channels[k].push(q[k]));
            }
            let [cl, ca, cb] = &mut channels;
            Some([
                median(cl, &mut hist_l),
                median(ca, &mut hist_ab),
                median(cb, &mut hist_ab),
            ])
        })
        .collect()
}

/// The lower median of `values` (the `(n - 1) / 2`-th smallest); `hist` is scratch of one
/// counter per possible value, all zero on entry and on return.
fn median(values: &mut [u16], hist: &mut [u32]) -> u16 {
    let k = (values.len() - 1) / 2;
    if values.len() <= SELECT_MAX {
        return *values.select_nth_unstable(k).1;
    }
    let (mut lo, mut hi) = (u16::MAX, 0u16);
    for &v in values.iter() {
        hist[usize::from(v)] += 1;
        lo = lo.min(v);
        hi = hi.max(v);
    }
    let mut seen = 0usize;
    let mut m = hi;
    for v in lo..=hi {
        seen += hist[usize::from(v)] as usize;
        if seen > k {
            m = v;
            break;
        }
    }
    hist[usize::from(lo)..=usize::from(hi)].fill(0);
    m
}

/// Gives each unhinted fill the colour of its largest neighbour that is not itself an
/// unhinted fill (paper around a black shape); ink black when it has none.
fn colour_unhinted_fills(regions: &Regions, sources: &[Source], colours: &mut [[u8; 3]]) {
    let n = sources.len();
    let mut best: Vec<Option<u32>> = vec![None; n];
    let size = |l: u32| regions.area(l).map_or(0, |a| a.size);
    for (a, b) in regions.neighbours(FILL_REACH) {
        for (fill, other) in [(a, b), (b, a)] {
            if sources[fill as usize] == Source::Ink && sources[other as usize] != Source::Ink {
                let slot = &mut best[fill as usize];
                if slot.is_none_or(|cur| size(other) > size(cur)) {
                    *slot = Some(other);
                }
            }
        }
    }
    for l in 1..n {
        if sources[l] == Source::Ink {
            colours[l] = best[l].map_or([0; 3], |o| colours[o as usize]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_by_selection_and_by_histogram_agree_with_sorting() {
        let mut hist = vec![0u32; AB_LEVELS];
        // Small: odd and even counts (lower median).
        assert_eq!(median(&mut [5, 1, 9], &mut hist), 5);
        assert_eq!(median(&mut [7, 1, 9, 3], &mut hist), 3);
        // Large (histogram path): 3000 values, a pseudo-random walk over 0..1024.
        let values: Vec<u16> = (0..3000u32)
            .map(|i| ((i * 7919 + 13) % 1021) as u16)
            .collect();
        let mut sorted = values.clone();
        sorted.sort_unstable();
        let mut v = values.clone();
        assert_eq!(median(&mut v, &mut hist), sorted[1499]);
        assert!(hist.iter().all(|&c| c == 0), "the scratch is left clean");
    }
}
