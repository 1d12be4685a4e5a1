//! How well does each way of scoring areas (`colorize::suggest`) predict where the colour
//! is wrong? On dataset test pairs: the shipped model colours each sketch without hints, and
//! for every candidate area the real squared error it holds (output against target, summed
//! over its pixels) is compared with each method's score by Spearman's rank correlation
//! (per pair, then averaged). The `oracle` row ranks by the real error itself, re-measured
//! after every hint: the best any score could do on the hint-efficiency curve (its area,
//! mean PSNR over k = 1..10, is printed next to the methods' own curves).
//!     cargo run --release --example suggest_study -- [--n N] [--style STYLE] DATASET...

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use colorize::data::Dataset;
use colorize::infer::{Colorizer, InferOptions};
use colorize::metrics::Planes;
use colorize::regions::Regions;
use colorize::suggest::curve::{area_mean, hint_curve, scribble, Curve, CurveOptions};
use colorize::suggest::{candidates, suggest_in, Method, SuggestOptions};
use data_prep::manifest::Split;
use image::{GrayImage, RgbImage, RgbaImage};
use tch::Device;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut n, mut sets) = (20usize, Vec::new());
    let mut style = colorize::style::Style::Soft;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--n" => n = args.next().context("--n N")?.parse()?,
            "--style" => style = args.next().context("--style STYLE")?.parse()?,
            _ => sets.push(PathBuf::from(a)),
        }
    }
    if sets.is_empty() {
        bail!("usage: suggest_study [--n N] DATASET...");
    }
    let colorizer = Colorizer::load(&PathBuf::from("models/default"), Device::Cpu)?;
    let mut opts = CurveOptions::default();
    opts.infer.style = style;
    opts.suggest.style = style;
    let methods = [Method::Dropout, Method::Spread, Method::Largest];
    for set in &sets {
        let ds = Dataset::open(set, Split::Test)?.truncated(n);
        let mut rho = vec![0f64; methods.len()];
        let (mut oracle, mut curves) = (0f64, vec![0f64; methods.len()]);
        let mut counted = 0usize;
        for i in 0..ds.len() {
            let (gray, target) = ds.load_pair(i)?;
            let regions = Regions::compute(&gray, &opts.suggest.regions);
            let out = colorizer.colour(&gray, None, &opts.infer)?.image;
            let err = area_errors(&regions, &out, &target);
            let cands = candidates(&regions, None);
            if cands.len() >= 3 {
                counted += 1;
                let truth: Vec<f64> = cands.iter().map(|&l| err[l as usize - 1]).collect();
                for (m, &method) in methods.iter().enumerate() {
                    let s = SuggestOptions {
                        n: usize::MAX,
                        method,
                        style,
                        ..Default::default()
                    };
                    let ranked = suggest_in(&colorizer, &gray, &regions, None, &s)?;
                    let score: Vec<f64> = cands
                        .iter()
                        .map(|&l| {
                            ranked
                                .iter()
                                .find(|r| r.label == l)
                                .map_or(0.0, |r| r.score)
                        })
                        .collect();
                    rho[m] += spearman(&score, &truth);
                }
            }
            oracle += oracle_curve(&colorizer, &gray, &target, &regions, &opts)?.area(opts.steps);
            for (m, &method) in methods.iter().enumerate() {
                curves[m] +=
                    hint_curve(&colorizer, &gray, &target, method, &opts)?.area(opts.steps);
            }
        }
        let k = ds.len().max(1) as f64;
        println!(
            "{} ({} pairs, {counted} with 3+ areas)",
            set.display(),
            ds.len()
        );
        for (m, method) in methods.iter().enumerate() {
            println!(
                "  {:<8} rho {:+.3}  curve area {:.2} dB",
                method.name(),
                rho[m] / counted.max(1) as f64,
                curves[m] / k
            );
        }
        println!("  oracle   curve area {:.2} dB", oracle / k);
    }
    Ok(())
}

/// The squared error (mean over R, G, B, channels in [0, 1]) summed over each area.
fn area_errors(regions: &Regions, out: &RgbImage, target: &RgbImage) -> Vec<f64> {
    let mut e = vec![0f64; regions.areas().len()];
    for ((p, q), &l) in out.pixels().zip(target.pixels()).zip(regions.labels()) {
        if l > 0 {
            let d: f64 = (0..3)
                .map(|c| ((f64::from(p[c]) - f64::from(q[c])) / 255.0).powi(2))
                .sum();
            e[l as usize - 1] += d / 3.0;
        }
    }
    e
}

/// The curve when each hint goes to the candidate holding the most real error now.
fn oracle_curve(
    colorizer: &Colorizer,
    gray: &GrayImage,
    target: &RgbImage,
    regions: &Regions,
    opts: &CurveOptions,
) -> Result<Curve> {
    let infer = InferOptions {
        style: opts.infer.style,
        ..InferOptions::default()
    };
    let mut hints = RgbaImage::new(gray.width(), gray.height());
    let mut out = colorizer.colour(gray, None, &infer)?.image;
    let psnr = |o: &RgbImage| -> Result<f64> {
        Ok(colorize::metrics::psnr(&Planes::from_rgb(o), &Planes::from_rgb(target))?.min(100.0))
    };
    let mut curve = vec![psnr(&out)?];
    for _ in 0..opts.steps {
        let err = area_errors(regions, &out, target);
        let Some(&best) = candidates(regions, Some(&hints))
            .iter()
            .max_by(|&&a, &&b| err[a as usize - 1].total_cmp(&err[b as usize - 1]))
        else {
            break;
        };
        let a = regions.area(best).expect("candidate");
        scribble(
            &mut hints,
            regions,
            best,
            a.inner_point,
            area_mean(regions, best, target),
        );
        out = colorizer.colour(gray, Some(&hints), &infer)?.image;
        curve.push(psnr(&out)?);
    }
    Ok(Curve { psnr: curve })
}

/// Spearman's rank correlation (average ranks for ties).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
    let mut r = vec![0f64; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            r[k] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}
