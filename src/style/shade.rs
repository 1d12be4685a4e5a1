//! The shading layer of `shaded`: a grey hard-light layer over the flats that gives each
//! pixel the network's lightness variation inside its area.
//!
//! Per pixel of an area the shading follows (hinted or network-coloured; never paper
//! touching the border, never an unhinted fill): the target lightness is the flat colour's
//! L* plus the network's L* there minus the network's median L* in the area (in a hinted
//! area, minus the lightness of the hint's own spot instead, and half of it: [`HintSpot`]).
//! Hard light with
//! a grey `s` multiplies by `2s` below 128 and screens with `2s - 1` above, channel by
//! channel in sRGB values; `s` is chosen so that the grey of the flat colour's lightness
//! becomes the grey of the target lightness (exact on greys, close on colours, and never a
//! change of hue). 128 is no change (up to one level: hard light's neutral is 127.5).

use std::sync::OnceLock;

use image::{GrayImage, Luma, RgbImage};

use super::flat::{AreaColours, Source};
use super::lab::{grey_of_lightness, LabTable};
use super::NEUTRAL_SHADE;
use crate::metrics::hue::srgb_to_lab;
use crate::regions::NO_AREA;

/// Lightness differences below this (L* units, half a just-noticeable difference) are the
/// network's noise, not shading: the layer stays neutral there.
const DEAD_ZONE: f32 = 0.5;
/// How much of the network's lightness variation a hinted area keeps, once the hint's own
/// spot is taken out ([`HintSpot`]): what is left near a dot is still partly the spot's
/// edge, so a hinted area's shading is kept at half.
const HINTED_SHADING: f32 = 0.5;
/// Steps per L* unit of the table of greys.
const GREY_STEPS: usize = 4;

/// The shading layer for the flats of `areas`, every pixel following its nearest area
/// (`nearest`, as for the flats) in the network's `colour`.
pub(super) fn shading(
    nearest: &[u32],
    colour: &RgbImage,
    areas: &AreaColours,
    table: &LabTable,
) -> GrayImage {
    let (w, h) = colour.dimensions();
    // Per label: whether it is shaded, its flat lightness and that lightness's grey.
    let follows: Vec<bool> = areas
        .sources
        .iter()
        .enumerate()
        .map(|(l, s)| l != NO_AREA as usize && matches!(s, Source::Hint | Source::Network))
        .collect();
    let spots: Vec<Option<HintSpot>> = (0..areas.sources.len())
        .map(|l| (areas.sources[l] == Source::Hint).then(|| HintSpot::new(areas, l)))
        .collect();
    let flat_l: Vec<f32> = areas
        .colours
        .iter()
        .map(|c| srgb_to_lab(c.map(|v| f64::from(v) / 255.0))[0] as f32)
        .collect();
    let greys: Vec<f32> = (0..=100 * GREY_STEPS)
        .map(|i| grey_of_lightness(i as f32 / GREY_STEPS as f32))
        .collect();
    // `+ 0.5` then truncation: rounding without a libm call (this runs per pixel).
    let grey = |l: f32| greys[(l.clamp(0.0, 100.0) * GREY_STEPS as f32 + 0.5) as usize];
    let flat_grey: Vec<f32> = flat_l.iter().map(|&l| grey(l)).collect();
    let mut out = GrayImage::from_pixel(w, h, Luma([NEUTRAL_SHADE]));
    for ((s, p), &l) in out.pixels_mut().zip(colour.pixels()).zip(nearest) {
        let l = l as usize;
        if !follows[l] {
            continue;
        }
        let dl = match &spots[l] {
            Some(spot) => spot.lightness_left(table.lab(p.0)) * HINTED_SHADING,
            None => table.lightness(p.0) - areas.median_l[l],
        };
        if dl.abs() < DEAD_ZONE {
            continue;
        }
        s.0 = [shade_value(flat_grey[l], grey(flat_l[l] + dl))];
    }
    out
}

/// In a hinted area, the network paints the hint's colour in a spot around each dot and
/// its own guess elsewhere, blending between the two: lighter or darker than the rest by
/// the difference of the two lightnesses, which is not shading. A pixel's colour is placed
/// on the line from the network's median colour in the area (its guess) to the hint's
/// colour, and only the lightness off that blend is kept.
struct HintSpot {
    /// The network's median `[L*, a*, b*]` in the area.
    guess: [f32; 3],
    /// Hint colour minus guess.
    towards: [f32; 3],
    /// `|towards|²`.
    length2: f32,
}

impl HintSpot {
    fn new(areas: &AreaColours, l: usize) -> Self {
        let hint = srgb_to_lab(areas.colours[l].map(|v| f64::from(v) / 255.0)).map(|v| v as f32);
        let guess = areas.median_lab[l];
        let towards = [0, 1, 2].map(|k| hint[k] - guess[k]);
        HintSpot {
            guess,
            towards,
            length2: towards.iter().map(|d| d * d).sum(),
        }
    }

    /// The L* of `lab` minus that of its blend of guess and hint (the point of the line
    /// nearest to it, between the two).
    fn lightness_left(&self, lab: [f32; 3]) -> f32 {
        let t = if self.length2 > 1.0 {
            let dot: f32 = (0..3)
                .map(|k| (lab[k] - self.guess[k]) * self.towards[k])
                .sum();
            (dot / self.length2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        lab[0] - (self.guess[0] + t * self.towards[0])
    }
}

/// The hard-light grey that takes the grey `from` to the grey `to` (sRGB values in [0, 1]).
fn shade_value(from: f32, to: f32) -> u8 {
    let s = if to <= from {
        // Multiply by 2s = to / from.
        if from <= 0.0 {
            0.5
        } else {
            0.5 * to / from
        }
    } else if from >= 1.0 {
        0.5
    } else {
        // Screen with 2s - 1 = m: from + m (1 - from) = to.
        0.5 * (1.0 + (to - from) / (1.0 - from))
    };
    (s * 255.0 + 0.5).clamp(0.0, 255.0) as u8
}

/// Hard light (W3C Compositing and Blending, `hard-light`) of the source grey `s` over the
/// backdrop `b`, 8-bit values: multiply by `2s` when `s <= 0.5`, else screen with `2s - 1`.
pub fn hard_light(b: u8, s: u8) -> u8 {
    let (b, s) = (f32::from(b) / 255.0, f32::from(s) / 255.0);
    let r = if s <= 0.5 {
        b * 2.0 * s
    } else {
        let m = 2.0 * s - 1.0;
        b + m - b * m
    };
    (r * 255.0).round() as u8
}

/// `shading` hard-light over `flats`, pixel by pixel (from a table of all 65536 pairs).
pub(super) fn hard_light_image(flats: &RgbImage, shading: &GrayImage) -> RgbImage {
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        (0..=255u8)
            .flat_map(|s| (0..=255u8).map(move |b| hard_light(b, s)))
            .collect()
    });
    let mut out = flats.clone();
    for (p, s) in out.pixels_mut().zip(shading.pixels()) {
        let row = &table[usize::from(s[0]) * 256..][..256];
        p.0 = p.0.map(|c| row[usize::from(c)]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hard_light_by_the_w3c_formulas() {
        // s = 0: black; s = 255: white; s = 64: multiply by 128/255.
        assert_eq!(hard_light(200, 0), 0);
        assert_eq!(hard_light(200, 255), 255);
        assert_eq!(hard_light(200, 64), 100); // 200 * 128 / 255 = 100.4
                                              // s = 192: screen with m = 129/255: 100 + 129 - 100 * 129 / 255 = 178.4.
        assert_eq!(hard_light(100, 192), 178);
        // 128 is neutral within one level (screen with 1/255).
        for b in 0..=255u8 {
            assert!(hard_light(b, NEUTRAL_SHADE).abs_diff(b) <= 1, "{b}");
        }
    }

    #[test]
    fn shade_values_take_one_grey_to_another() {
        // Same grey: neutral (127.5 rounds to 128).
        assert_eq!(shade_value(0.6, 0.6), 128);
        // Half as light: multiply by 1/2 -> s = 0.25 -> 64 (63.75).
        assert_eq!(shade_value(0.6, 0.3), 64);
        // Halfway to white: screen with 1/2 -> s = 0.75 -> 191 (191.25).
        assert_eq!(shade_value(0.6, 0.8), 191);
        // Black and white flats cannot be multiplied / screened further: neutral.
        assert_eq!(shade_value(0.0, 0.0), 128);
        assert_eq!(shade_value(1.0, 1.0), 128);
        // And what hard light then does with them: 153 (0.6) -> 77 and 204.
        assert_eq!(hard_light(153, 64), 77);
        assert_eq!(hard_light(153, 191), 204);
    }
}
