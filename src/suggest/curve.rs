//! The hint-efficiency curve: how fast a way of choosing where to hint pays off.
//!
//! For one (sketch, target) pair, hints are added one at a time, k = 1..=steps: the area
//! chosen by a [`Method`] given the hints so far, a scribble in the target's mean colour over
//! it (a short thick stroke through the area's innermost point, clipped to the area so it
//! never crosses a line), then the sketch coloured with all hints so far and its PSNR
//! against the target. The curve is the PSNR at k = 0..=steps; its area is the mean PSNR
//! over k = 1..=steps (the area under the curve over its width, in dB).

use image::{GrayImage, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use imageproc::drawing::draw_filled_circle_mut;

use super::{suggest_in, Method, SuggestOptions};
use crate::infer::{Colorizer, InferOptions};
use crate::metrics::Planes;
use crate::regions::Regions;
use crate::Result;

/// PSNR of a perfect picture, so curves stay finite (an MSE of 1e-10).
const PSNR_CAP: f64 = 100.0;

/// What a curve is run with.
#[derive(Debug, Clone)]
pub struct CurveOptions {
    /// Hints added, one at a time (k = 1..=steps).
    pub steps: usize,
    /// How each picture is coloured and finished (style, work size).
    pub infer: InferOptions,
    /// How suggestions are made (`n` and `method` are set per step and per curve).
    pub suggest: SuggestOptions,
}

impl Default for CurveOptions {
    fn default() -> Self {
        CurveOptions {
            steps: 10,
            infer: InferOptions::default(),
            suggest: SuggestOptions::default(),
        }
    }
}

/// One pair's curve for one method.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Curve {
    /// PSNR (dB) after k hints, k = 0..=steps (shorter when the sketch ran out of areas:
    /// then the last value stands for the remaining steps in [`Curve::area`]).
    pub psnr: Vec<f64>,
}

impl Curve {
    /// The PSNR after k hints (the last one when fewer were possible).
    pub fn at(&self, k: usize) -> f64 {
        self.psnr[k.min(self.psnr.len() - 1)]
    }

    /// Mean PSNR over k = 1..=steps.
    pub fn area(&self, steps: usize) -> f64 {
        (1..=steps).map(|k| self.at(k)).sum::<f64>() / steps.max(1) as f64
    }
}

/// The curve of `method` on one pair: `gray` the sketch, `target` its colour (same size).
///
/// # Panics
/// If `gray` and `target` differ in size.
pub fn hint_curve(
    colorizer: &Colorizer,
    gray: &GrayImage,
    target: &RgbImage,
    method: Method,
    opts: &CurveOptions,
) -> Result<Curve> {
    assert_eq!(
        gray.dimensions(),
        target.dimensions(),
        "sketch and target sizes"
    );
    let regions = Regions::compute(gray, &opts.suggest.regions);
    let (w, h) = gray.dimensions();
    let mut hints = RgbaImage::new(w, h);
    let mut psnr = vec![psnr_of(
        &colorizer.colour(gray, None, &opts.infer)?.image,
        target,
    )?];
    let suggest = SuggestOptions {
        n: 1,
        method,
        ..opts.suggest.clone()
    }
    .for_colouring(&opts.infer);
    for _ in 0..opts.steps {
        let hinted = (psnr.len() > 1).then_some(&hints);
        let Some(next) = suggest_in(colorizer, gray, &regions, hinted, &suggest)?
            .into_iter()
            .next()
        else {
            break;
        };
        let colour = area_mean(&regions, next.label, target);
        scribble(&mut hints, &regions, next.label, (next.x, next.y), colour);
        let out = colorizer.colour(gray, Some(&hints), &opts.infer)?;
        psnr.push(psnr_of(&out.image, target)?);
    }
    Ok(Curve { psnr })
}

/// The mean colour of `target` over area `label`.
pub fn area_mean(regions: &Regions, label: u32, target: &RgbImage) -> Rgb<u8> {
    let (mut sum, mut n) = ([0u64; 3], 0u64);
    for (p, &l) in target.pixels().zip(regions.labels()) {
        if l == label {
            for c in 0..3 {
                sum[c] += u64::from(p[c]);
            }
            n += 1;
        }
    }
    let n = n.max(1);
    Rgb(sum.map(|s| ((s + n / 2) / n) as u8))
}

/// A scribble of `colour` through `at`: discs along a short horizontal stroke, as thick as
/// a 64th of the sketch's longer side (at least 1 px radius), clipped to area `label`.
pub fn scribble(
    hints: &mut RgbaImage,
    regions: &Regions,
    label: u32,
    at: (u32, u32),
    colour: Rgb<u8>,
) {
    let (w, h) = hints.dimensions();
    let r = (w.max(h) / 64).max(1) as i32;
    let mut mask = GrayImage::new(w, h);
    for dx in (-2 * r..=2 * r).step_by(r as usize) {
        draw_filled_circle_mut(&mut mask, (at.0 as i32 + dx, at.1 as i32), r, Luma([1]));
    }
    let [cr, cg, cb] = colour.0;
    for ((m, &l), px) in mask.pixels().zip(regions.labels()).zip(hints.pixels_mut()) {
        if m[0] == 1 && l == label {
            *px = Rgba([cr, cg, cb, 255]);
        }
    }
}

fn psnr_of(output: &RgbImage, target: &RgbImage) -> Result<f64> {
    let p = crate::metrics::psnr(&Planes::from_rgb(output), &Planes::from_rgb(target))?;
    Ok(p.min(PSNR_CAP))
}

/// One method's curve over a dataset: the mean over its pairs at each k.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CurveRow {
    /// The method's name.
    pub method: String,
    /// Pairs averaged.
    pub pairs: usize,
    /// Mean PSNR (dB) after k hints, k = 0..=steps.
    pub psnr: Vec<f64>,
    /// Mean over k = 1..=steps of `psnr` (the area under the curve over its width, dB).
    pub area: f64,
}

/// The curves of every method in `methods` over the pairs of `data` (all of them, in the
/// dataset's order); `progress(done, total)` after each pair.
pub fn dataset_curves(
    colorizer: &Colorizer,
    data: &crate::data::Dataset,
    methods: &[Method],
    opts: &CurveOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<CurveRow>> {
    let mut sums = vec![vec![0f64; opts.steps + 1]; methods.len()];
    for i in 0..data.len() {
        let (gray, target) = data.load_pair(i)?;
        for (m, &method) in methods.iter().enumerate() {
            let c = hint_curve(colorizer, &gray, &target, method, opts)?;
            for (k, s) in sums[m].iter_mut().enumerate() {
                *s += c.at(k);
            }
        }
        progress(i + 1, data.len());
    }
    let n = data.len().max(1) as f64;
    Ok(methods
        .iter()
        .zip(sums)
        .map(|(m, s)| {
            let psnr: Vec<f64> = s.iter().map(|v| v / n).collect();
            let area = Curve { psnr: psnr.clone() }.area(opts.steps);
            CurveRow {
                method: m.name().to_string(),
                pairs: data.len(),
                psnr,
                area,
            }
        })
        .collect())
}
