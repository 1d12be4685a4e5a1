//! Simulated colour hints for training and evaluation: dots and short strokes drawn from the
//! target colour image, as a pure function of a seed (so a resumed run sees the same hints).
//!
//! Rules (the hints a user would draw): a hint sits on one surface, paper (line >=
//! `INK_LEVEL`; dots also keep a pixel away from ink) or the inside of a solid fill of ink
//! (`crate::hints::is_solid`: the black shapes a user colours with a dab, never a line),
//! stays inside one colour region of the target (every pixel's colour within
//! `region_tolerance` of its first pixel's, so it never crosses a line nor spans two colours)
//! and carries one colour, the mean target colour under it. Hints on
//! white are kept only with probability `white_keep`: white backgrounds would otherwise take
//! most of them (86 % of the hints on OpenMoji at 128 px; 47 % with the default 0.1).
//!
//! Only integer arithmetic and `sqrt` are used, so a seed gives the same hints everywhere.

use data_prep::rng::{mix_seed, SplitMix64};
use image::{GrayImage, Luma, Rgb, RgbImage};

pub use crate::config::{HintSimConfig, Span};
use crate::hints::{is_solid, HintMap, INK_LEVEL};

/// Dot radius of `simulate_dots` (eval): the smallest dot training sees.
pub const EVAL_DOT_RADIUS: u32 = 1;
/// Random positions tried for one hint before giving it up.
const ATTEMPTS: u32 = 24;
/// Largest sideways push per stroke step (direction vector units): gentle curves.
const TURN: f64 = 0.35;
/// A target colour with every channel at least this is "white" (see `white_keep`).
const WHITE_LEVEL: u8 = 240;
/// Separates this module's random stream from others drawn from the same seed.
const STREAM: u64 = 0x4849_4e54_5349_4d00; // "HINTSIM\0"

/// A size drawn uniformly from `span` (inclusive).
fn draw(span: Span, rng: &mut SplitMix64) -> u32 {
    span.min + rng.below(u64::from(span.max.saturating_sub(span.min)) + 1) as u32
}

/// Hints for one training sample, the size of `line` and `target`: a pure function of
/// `seed` (derive it from the run seed and the sample's position, e.g. with `mix_seed`).
///
/// # Panics
/// If `line` and `target` differ in size.
pub fn simulate(line: &GrayImage, target: &RgbImage, cfg: &HintSimConfig, seed: u64) -> HintMap {
    paint(line, &simulate_hints(line, target, cfg, seed))
}

/// Seed of the evaluation hints: a constant, so every model and every run is scored on the
/// same hints.
const EVAL_SEED: u64 = 0x4556_414c_4849_4e54; // "EVALHINT"

/// The `n` evaluation dots of the pair at `index` of a split (`simulate_dots` with a seed
/// fixed per pair): what `colorize eval --hints N` and training's `val/` figures use.
pub fn eval_hints(line: &GrayImage, target: &RgbImage, n: usize, index: usize) -> HintMap {
    simulate_dots(line, target, n, mix_seed(EVAL_SEED, index as u64))
}

/// Evaluation hints: `n` non-overlapping dots of radius `EVAL_DOT_RADIUS` (fewer when they
/// do not fit after bounded attempts), at positions fixed by `seed`, so every model is
/// evaluated with the same hints.
///
/// # Panics
/// If `line` and `target` differ in size.
pub fn simulate_dots(line: &GrayImage, target: &RgbImage, n: usize, seed: u64) -> HintMap {
    let scene = Scene::new(line, target, &HintSimConfig::default());
    let mut rng = SplitMix64::new(mix_seed(seed, STREAM ^ 1));
    let disc = disc_offsets(EVAL_DOT_RADIUS);
    let mut map = HintMap::empty(line.width(), line.height());
    for _ in 0..n {
        for _ in 0..ATTEMPTS {
            match scene.try_dot(&mut rng, &disc) {
                Some(h) if h.pixels.iter().all(|&(x, y)| map.get(x, y).is_none()) => {
                    h.pixels.iter().for_each(|&(x, y)| map.set(x, y, h.colour));
                    break;
                }
                _ => {}
            }
        }
    }
    map
}

/// One simulated hint: its pixels (sorted, distinct) and its colour.
#[derive(Debug, Clone, PartialEq)]
struct SimHint {
    pixels: Vec<(u32, u32)>,
    colour: Rgb<u8>,
}

/// The hints of `simulate`, in drawing order (later ones paint over earlier ones).
fn simulate_hints(
    line: &GrayImage,
    target: &RgbImage,
    cfg: &HintSimConfig,
    seed: u64,
) -> Vec<SimHint> {
    let mut rng = SplitMix64::new(mix_seed(seed, STREAM));
    if rng.unit() < cfg.none_share {
        return Vec::new();
    }
    let scene = Scene::new(line, target, cfg);
    let count = draw_count(&mut rng, cfg.mean_count, cfg.max_count);
    let mut hints = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let hint = if rng.unit() < cfg.stroke_share {
            let (len, width) = (
                draw(cfg.stroke_len, &mut rng),
                draw(cfg.stroke_width, &mut rng),
            );
            (0..ATTEMPTS).find_map(|_| scene.try_stroke(&mut rng, len, width))
        } else {
            let disc = disc_offsets(draw(cfg.dot_radius, &mut rng));
            (0..ATTEMPTS).find_map(|_| scene.try_dot(&mut rng, &disc))
        };
        hints.extend(hint);
    }
    hints
}

/// Number of hints: 1 + a geometric count continuing with probability `1 - 1 / mean`
/// (mean `mean`), capped at `max`. Coin flips, no logarithm, so it is exact everywhere.
fn draw_count(rng: &mut SplitMix64, mean: f64, max: u32) -> u32 {
    let go_on = 1.0 - 1.0 / mean.max(1.0);
    let mut n = 1;
    while n < max && rng.unit() < go_on {
        n += 1;
    }
    n
}

/// The hints painted in order on an empty map the size of `line`.
fn paint(line: &GrayImage, hints: &[SimHint]) -> HintMap {
    let mut map = HintMap::empty(line.width(), line.height());
    for h in hints {
        h.pixels.iter().for_each(|&(x, y)| map.set(x, y, h.colour));
    }
    map
}

/// Offsets of a filled disc of `radius`, the same shape `render_points` draws for users.
fn disc_offsets(radius: u32) -> Vec<(i64, i64)> {
    let r = i64::from(radius);
    let side = 2 * radius + 1;
    let mut img = GrayImage::new(side, side);
    imageproc::drawing::draw_filled_circle_mut(&mut img, (r as i32, r as i32), r as i32, Luma([1]));
    img.enumerate_pixels()
        .filter(|(_, _, p)| p[0] != 0)
        .map(|(x, y, _)| (i64::from(x) - r, i64::from(y) - r))
        .collect()
}

/// What a hint is drawn on: all its pixels are on the same one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Surface {
    Paper,
    Fill,
}

/// The images hints are drawn from, and the tests a hint's pixels must pass.
struct Scene<'a> {
    line: &'a GrayImage,
    target: &'a RgbImage,
    tolerance: u8,
    white_keep: f64,
}

impl<'a> Scene<'a> {
    fn new(line: &'a GrayImage, target: &'a RgbImage, cfg: &HintSimConfig) -> Self {
        assert_eq!(
            line.dimensions(),
            target.dimensions(),
            "line and target sizes differ"
        );
        Scene {
            line,
            target,
            tolerance: cfg.region_tolerance,
            white_keep: cfg.white_keep,
        }
    }

    fn inside(&self, x: i64, y: i64) -> Option<(u32, u32)> {
        let (w, h) = self.line.dimensions();
        (x >= 0 && y >= 0 && x < i64::from(w) && y < i64::from(h)).then_some((x as u32, y as u32))
    }

    fn paper(&self, (x, y): (u32, u32)) -> bool {
        self.line[(x, y)][0] >= INK_LEVEL
    }

    /// Where a hint may sit: `None` on a line.
    fn surface(&self, p: (u32, u32)) -> Option<Surface> {
        if self.paper(p) {
            Some(Surface::Paper)
        } else if is_solid(self.line, p.0, p.1) {
            Some(Surface::Fill)
        } else {
            None
        }
    }

    /// In the image, on `surface` and within the tolerance of the region's colour
    /// `reference`.
    fn in_region(&self, x: i64, y: i64, (reference, surface): Start) -> Option<(u32, u32)> {
        let p = self.inside(x, y)?;
        let c = self.target[p];
        let close = (0..3).all(|i| c[i].abs_diff(reference[i]) <= self.tolerance);
        (self.surface(p) == Some(surface) && close).then_some(p)
    }

    /// A random pixel, its target colour (the reference of a hint's region; white ones only
    /// with probability `white_keep`) and its surface (`None` on a line).
    fn random_start(&self, rng: &mut SplitMix64) -> Option<((i64, i64), Start)> {
        let (w, h) = self.line.dimensions();
        if w == 0 || h == 0 {
            return None;
        }
        let (x, y) = (
            rng.below(u64::from(w)) as u32,
            rng.below(u64::from(h)) as u32,
        );
        let reference = self.target[(x, y)];
        if reference.0.iter().all(|&c| c >= WHITE_LEVEL) && rng.unit() >= self.white_keep {
            return None;
        }
        let surface = self.surface((x, y))?;
        Some(((i64::from(x), i64::from(y)), (reference, surface)))
    }

    /// A dot at a random centre: the whole disc in one region of one surface, on paper with
    /// no ink next to it.
    fn try_dot(&self, rng: &mut SplitMix64, disc: &[(i64, i64)]) -> Option<SimHint> {
        let ((cx, cy), start) = self.random_start(rng)?;
        let mut pixels = Vec::with_capacity(disc.len());
        for &(dx, dy) in disc {
            let (x, y) = (cx + dx, cy + dy);
            pixels.push(self.in_region(x, y, start)?);
            if start.1 == Surface::Fill {
                continue; // a fill's pixels have ink all round by definition
            }
            let ink_next = (-1..=1)
                .flat_map(|ey| (-1..=1).map(move |ex| (x + ex, y + ey)))
                .filter_map(|(nx, ny)| self.inside(nx, ny))
                .any(|p| !self.paper(p));
            if ink_next {
                return None;
            }
        }
        Some(self.finish(pixels))
    }

    /// A stroke: a random walk of unit steps with gentle turns from a random start, a
    /// `width`-pixel square brush at every pixel it visits. It stops before the step whose
    /// brush would leave the start's region or the image; steps that change both
    /// coordinates go through a corner pixel, so a 1-px diagonal line cannot be jumped.
    fn try_stroke(&self, rng: &mut SplitMix64, len: u32, width: u32) -> Option<SimHint> {
        let (start, reference) = self.random_start(rng)?;
        let lo = -(i64::from(width) - 1) / 2;
        let brush = |c: (i64, i64)| {
            let mut px = Vec::with_capacity((width * width) as usize);
            for dy in lo..lo + i64::from(width) {
                for dx in lo..lo + i64::from(width) {
                    px.push(self.in_region(c.0 + dx, c.1 + dy, reference)?);
                }
            }
            Some(px)
        };
        let mut pixels = brush(start)?;
        let mut dir = random_direction(rng);
        let (mut pos, mut cur) = ((start.0 as f64, start.1 as f64), start);
        'walk: for _ in 1..len {
            let k = (2.0 * rng.unit() - 1.0) * TURN;
            dir = normalise((dir.0 - k * dir.1, dir.1 + k * dir.0));
            pos = (pos.0 + dir.0, pos.1 + dir.1);
            let next = (pos.0.round() as i64, pos.1.round() as i64);
            let centres: &[(i64, i64)] = if next.0 != cur.0 && next.1 != cur.1 {
                &[(next.0, cur.1), next]
            } else if next != cur {
                &[next]
            } else {
                &[]
            };
            for &c in centres {
                match brush(c) {
                    Some(px) => pixels.extend(px),
                    None => break 'walk,
                }
            }
            cur = next;
        }
        Some(self.finish(pixels))
    }

    /// Sorts and dedups the pixels and gives them the mean target colour under them.
    fn finish(&self, mut pixels: Vec<(u32, u32)>) -> SimHint {
        pixels.sort_unstable_by_key(|&(x, y)| (y, x));
        pixels.dedup();
        let mut sum = [0u64; 3];
        for &p in &pixels {
            (0..3).for_each(|c| sum[c] += u64::from(self.target[p][c]));
        }
        let n = pixels.len() as u64;
        SimHint {
            colour: Rgb(sum.map(|s| ((s + n / 2) / n) as u8)),
            pixels,
        }
    }
}

/// A hint's region: the target colour at its start and the surface it is drawn on.
type Start = (Rgb<u8>, Surface);

/// A uniformly random unit vector (rejection sampling in the unit disc).
fn random_direction(rng: &mut SplitMix64) -> (f64, f64) {
    loop {
        let v = (2.0 * rng.unit() - 1.0, 2.0 * rng.unit() - 1.0);
        let r2 = v.0 * v.0 + v.1 * v.1;
        if (0.01..=1.0).contains(&r2) {
            return normalise(v);
        }
    }
}

fn normalise(v: (f64, f64)) -> (f64, f64) {
    let n = (v.0 * v.0 + v.1 * v.1).sqrt();
    (v.0 / n, v.1 / n)
}

#[cfg(test)]
mod tests;
