//! Hint spreading: before entering the network, each hint's colour is carried along the
//! paper around it, up to a radius, never across ink. A 5-pixel dot in a 128 px image is a
//! faint signal for a small network to learn to follow; spread over its neighbourhood (and
//! stopped by the lines, as a user's dab is meant to colour its region), it says the same
//! thing louder. The mask channel tells how sure each pixel is: 1 on the hint itself,
//! falling linearly with the distance walked.

use std::collections::VecDeque;

use image::GrayImage;
use tch::Tensor;

use super::fill::{neighbours4, solid_at};
use super::{hint_tensor, HintMap, HINT_CHANNELS, INK_LEVEL};

/// Grey level from which a pixel counts as clean paper for spreading: a hint on clean paper
/// stops at any mark darker than this, so the faint grey of a pencil line, or a thin line
/// that blur, grain or a scan lightened past `INK_LEVEL`, still holds it back (measured in
/// `bench/README.md`, "Hints on rough lines").
pub const SPREAD_PAPER: u8 = 200;

/// What a hint is walked over when it is spread: the surface its own pixel lies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    /// Clean paper (>= `SPREAD_PAPER`): walks clean paper only.
    Paper,
    /// A light tone (`INK_LEVEL` ..< `SPREAD_PAPER`, e.g. screentone or a grey wash):
    /// walks everything that is not ink (>= `INK_LEVEL`).
    Tone,
    /// Inside a solid fill of ink (`is_solid`): walks the fill only.
    Fill,
}

impl Surface {
    /// The surface of the pixel at row-major index `i`.
    fn of(line: &GrayImage, i: usize) -> Self {
        if line.as_raw()[i] >= SPREAD_PAPER {
            Surface::Paper
        } else if solid_at(line, i) {
            Surface::Fill
        } else {
            // A light tone, or a line's ink that is no fill (a hint the caller left there):
            // walks all that is not ink.
            Surface::Tone
        }
    }

    /// Whether a hint on this surface may walk onto the pixel at index `j`.
    fn holds(self, line: &GrayImage, j: usize) -> bool {
        match self {
            Surface::Paper => line.as_raw()[j] >= SPREAD_PAPER,
            Surface::Tone => line.as_raw()[j] >= INK_LEVEL,
            Surface::Fill => solid_at(line, j),
        }
    }
}

/// The hint channels the network sees, `[4, H, W]`: with `radius` 0 exactly
/// `hint_tensor(map)`; otherwise every pixel within `radius` 4-connected steps of a hint,
/// walking on the hint's own surface only (`Surface`: clean paper, a light tone or a solid
/// fill), takes the colour of the nearest hint (first reached; ties go to the hint met first
/// in scan order), with mask `1 - d / (radius + 1)` at distance `d`.
///
/// # Panics
/// If `line` and `map` differ in size.
pub fn hint_channels(line: &GrayImage, map: &HintMap, radius: u32) -> Tensor {
    assert_eq!(line.dimensions(), map.dimensions(), "sizes must match");
    if radius == 0 || map.is_empty() {
        return hint_tensor(map);
    }
    let (w, h) = map.dimensions();
    let n = (w as usize) * (h as usize);
    let mut dist = vec![u32::MAX; n];
    let mut source = vec![0usize; n]; // index of the hint pixel whose colour a pixel takes
                                      // The surface under each hint pixel (read at hint pixels only), found once per hint.
    let mut surface = vec![Surface::Paper; n];
    let mut queue = VecDeque::new();
    for (x, y, _) in map.hinted_pixels() {
        let i = (y * w + x) as usize;
        dist[i] = 0;
        source[i] = i;
        surface[i] = Surface::of(line, i);
        queue.push_back(i);
    }
    while let Some(i) = queue.pop_front() {
        let d = dist[i];
        if d == radius {
            continue;
        }
        let on = surface[source[i]];
        for j in neighbours4(i, w as usize, h as usize).into_iter().flatten() {
            if dist[j] == u32::MAX && on.holds(line, j) {
                dist[j] = d + 1;
                source[j] = source[i];
                queue.push_back(j);
            }
        }
    }
    let colour = map.colour().as_raw();
    let mut data = vec![0f32; HINT_CHANNELS as usize * n];
    for i in (0..n).filter(|&i| dist[i] != u32::MAX) {
        for c in 0..3 {
            data[c * n + i] = f32::from(colour[3 * source[i] + c]) / 127.5 - 1.0;
        }
        data[3 * n + i] = 1.0 - dist[i] as f32 / (radius + 1) as f32;
    }
    Tensor::from_slice(&data).view([HINT_CHANNELS, i64::from(h), i64::from(w)]) // [4, H, W]
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb};

    fn values(t: &Tensor) -> Vec<f32> {
        Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()
    }

    #[test]
    fn radius_zero_is_the_plain_hint_tensor() {
        let line = GrayImage::from_pixel(6, 5, Luma([255]));
        let mut map = HintMap::empty(6, 5);
        map.set(2, 3, Rgb([10, 200, 30]));
        assert_eq!(
            values(&hint_channels(&line, &map, 0)),
            values(&hint_tensor(&map))
        );
        let empty = HintMap::empty(6, 5);
        assert!(values(&hint_channels(&line, &empty, 4))
            .iter()
            .all(|&v| v == 0.0));
    }

    #[test]
    fn spreading_walks_the_paper_up_to_the_radius_and_stops_at_ink() {
        // A vertical ink line at x = 4 splits a 9x3 image.
        let line = GrayImage::from_fn(9, 3, |x, _| Luma([if x == 4 { 0 } else { 255 }]));
        let mut map = HintMap::empty(9, 3);
        map.set(1, 1, Rgb([255, 0, 0]));
        let t = hint_channels(&line, &map, 2);
        let mask = |x: i64, y: i64| t.double_value(&[3, y, x]);
        let red = |x: i64, y: i64| t.double_value(&[0, y, x]);
        assert_eq!(mask(1, 1), 1.0);
        assert!((mask(2, 1) - 2.0 / 3.0).abs() < 1e-6);
        assert!((mask(3, 1) - 1.0 / 3.0).abs() < 1e-6); // two steps
        assert_eq!(red(3, 1), 1.0);
        assert!(
            (mask(3, 0) - 0.0).abs() < 1e-6,
            "three steps: beyond the radius"
        );
        for x in 4..9 {
            assert_eq!(mask(x, 1), 0.0, "x = {x}: ink or past the line");
        }
    }

    #[test]
    fn a_hint_inside_a_fill_spreads_over_the_fill_only() {
        // Paper left (x < 3), a solid block of ink right (x >= 3) in a 9x5 image.
        let line = GrayImage::from_fn(9, 5, |x, _| Luma([if x >= 3 { 0 } else { 255 }]));
        let mut map = HintMap::empty(9, 5);
        map.set(5, 2, Rgb([0, 255, 0]));
        let t = hint_channels(&line, &map, 3);
        let mask = |x: i64, y: i64| t.double_value(&[3, y, x]);
        assert_eq!(mask(5, 2), 1.0);
        assert!((mask(4, 2) - 0.75).abs() < 1e-6, "one step on the fill");
        assert!((mask(7, 2) - 0.5).abs() < 1e-6, "two steps on the fill");
        assert_eq!(t.double_value(&[1, 2, 7]), 1.0, "the hint's green");
        // The fill's rim (x = 3, x = 8, y = 0, y = 4) and the paper are not reached.
        for (x, y) in [(3, 2), (8, 2), (5, 0), (5, 4), (2, 2), (0, 2)] {
            assert_eq!(mask(x, y), 0.0, "({x}, {y})");
        }
        // A hint on the paper of the same image stops at the ink, as before.
        let mut map = HintMap::empty(9, 5);
        map.set(1, 2, Rgb([0, 255, 0]));
        let t = hint_channels(&line, &map, 3);
        assert!((t.double_value(&[3, 2, 2]) - 0.75).abs() < 1e-6);
        assert!((3..9).all(|x| t.double_value(&[3, 2, x]) == 0.0));
    }

    #[test]
    fn a_hint_on_clean_paper_stops_at_a_faint_line_and_one_on_a_tone_walks_the_tone() {
        // A 9x3 image: clean paper, a faint pencil line at x = 4 (170: paper by INK_LEVEL,
        // a mark by SPREAD_PAPER), then a light tone (150) up to ink at x = 8.
        let grey = |x: u32| match x {
            4 => 170,
            5..=7 => 150,
            8 => 0,
            _ => 255,
        };
        let line = GrayImage::from_fn(9, 3, |x, _| Luma([grey(x)]));
        let mut map = HintMap::empty(9, 3);
        map.set(2, 1, Rgb([255, 0, 0]));
        let mask = |t: &Tensor, x: i64| t.double_value(&[3, 1, x]);
        let t = hint_channels(&line, &map, 6);
        assert!(
            (mask(&t, 3) - 6.0 / 7.0).abs() < 1e-6,
            "paper next to the hint"
        );
        for x in 4..9 {
            assert_eq!(
                mask(&t, x),
                0.0,
                "x = {x}: the faint line holds the hint back"
            );
        }
        // A hint on the tone walks the tone, the faint line and the paper, not the ink.
        let mut map = HintMap::empty(9, 3);
        map.set(6, 1, Rgb([0, 0, 255]));
        let t = hint_channels(&line, &map, 6);
        for x in [5i64, 7, 4, 3, 0] {
            let d = (6 - x).abs() as f64;
            assert!(
                (mask(&t, x) - (1.0 - d / 7.0)).abs() < 1e-6,
                "x = {x}: {} steps away",
                d
            );
        }
        assert_eq!(mask(&t, 8), 0.0, "ink stops it");
    }

    #[test]
    fn each_pixel_takes_the_nearest_hint() {
        let line = GrayImage::from_pixel(7, 1, Luma([255]));
        let mut map = HintMap::empty(7, 1);
        map.set(0, 0, Rgb([255, 0, 0]));
        map.set(6, 0, Rgb([0, 0, 255]));
        let t = hint_channels(&line, &map, 5);
        let (r, b) = (
            |x| t.double_value(&[0, 0, x]),
            |x| t.double_value(&[2, 0, x]),
        );
        assert_eq!((r(2), b(2)), (1.0, -1.0));
        assert_eq!((r(4), b(4)), (-1.0, 1.0));
    }
}
