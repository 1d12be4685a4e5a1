//! Which statistic of the network's colour should a `flat` area take: the per-channel
//! median in CIELAB (what `style::finish` uses) or the mean? Measured on dataset test pairs:
//! the shipped model colours each line art (no hints), the line art's areas are found as
//! `flat` finds them, and for every area the network colours (paper not touching the
//! border) both statistics are compared with the target's own area colour (its per-channel
//! Lab median) by CIE76 ΔE, pixel-weighted over areas. The flat output has no spread inside
//! an area either way; this is about which one colour it picks.
//!     cargo run --example style_median -- [--model DIR] [--n N] DATASET...
//! (DATASET: a `prep` directory; its first N test pairs by id, default 30.)

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use colorize::infer::{Colorizer, InferOptions};
use colorize::metrics::hue::srgb_to_lab;
use colorize::regions::{AreaKind, RegionOptions, Regions};
use colorize::style::Style;
use image::RgbImage;
use tch::Device;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut model, mut n, mut sets) = (PathBuf::from("models/default"), 30usize, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--model" => model = args.next().context("--model DIR")?.into(),
            "--n" => n = args.next().context("--n N")?.parse()?,
            _ => sets.push(PathBuf::from(a)),
        }
    }
    if sets.is_empty() {
        bail!("usage: style_median [--model DIR] [--n N] DATASET...");
    }
    tch::set_num_threads(1);
    let colorizer = Colorizer::load(&model, Device::Cpu)?;
    let opts = InferOptions {
        style: Style::Soft,
        layers: true,
        ..InferOptions::default()
    };
    println!("dataset | pairs | areas | px | dE76 median | dE76 mean | median closer (areas)");
    for set in &sets {
        let (mut sum_med, mut sum_mean, mut weight) = (0.0, 0.0, 0.0);
        let (mut areas, mut closer, mut pairs) = (0usize, 0usize, 0usize);
        for id in test_ids(set, n)? {
            let gray = image::open(set.join("line").join(format!("{id}.png")))?.to_luma8();
            let target = image::open(set.join("color").join(format!("{id}.png")))?.to_rgb8();
            let coloured = colorizer.colour(&gray, None, &opts)?;
            let net = coloured.layers.context("layers were asked for")?.flats;
            let regions = Regions::compute(&gray, &RegionOptions::default());
            for (l, (net_px, tgt_px)) in area_pixels(&regions, &net, &target) {
                let area = regions.area(l).context("label")?;
                if area.kind != AreaKind::Paper || area.touches_border || net_px.is_empty() {
                    continue;
                }
                let (med, mean, tgt) = (median(&net_px), mean(&net_px), median(&tgt_px));
                let w = net_px.len() as f64;
                let (dm, da) = (de76(med, tgt), de76(mean, tgt));
                sum_med += w * dm;
                sum_mean += w * da;
                weight += w;
                areas += 1;
                closer += usize::from(dm < da);
            }
            pairs += 1;
        }
        println!(
            "{} | {pairs} | {areas} | {weight} | {:.2} | {:.2} | {:.0}%",
            set.display(),
            sum_med / weight,
            sum_mean / weight,
            100.0 * closer as f64 / areas.max(1) as f64
        );
    }
    Ok(())
}

/// The ids of the first `n` test pairs of a `prep` dataset, by id.
fn test_ids(set: &Path, n: usize) -> Result<Vec<String>> {
    let manifest = std::fs::read_to_string(set.join("manifest.jsonl"))
        .with_context(|| format!("{}: no manifest.jsonl", set.display()))?;
    let mut ids: Vec<String> = manifest
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["split"] == "test")
        .filter_map(|v| v["id"].as_str().map(str::to_string))
        .collect();
    ids.sort();
    ids.truncate(n);
    Ok(ids)
}

type Lab = [f64; 3];
/// An area's network and target pixels.
type AreaPixels = (Vec<Lab>, Vec<Lab>);

/// Per area label: the Lab values of the network's and the target's pixels.
fn area_pixels(regions: &Regions, net: &RgbImage, target: &RgbImage) -> Vec<(u32, AreaPixels)> {
    let lab = |p: &image::Rgb<u8>| srgb_to_lab(p.0.map(|c| f64::from(c) / 255.0));
    let mut per: Vec<AreaPixels> = vec![Default::default(); regions.areas().len() + 1];
    for ((&l, n), t) in regions
        .labels()
        .iter()
        .zip(net.pixels())
        .zip(target.pixels())
    {
        if l != 0 {
            per[l as usize].0.push(lab(n));
            per[l as usize].1.push(lab(t));
        }
    }
    per.into_iter()
        .enumerate()
        .skip(1)
        .map(|(l, v)| (l as u32, v))
        .collect()
}

/// Per-channel lower median (by sorting: this is a measurement, not the finish).
fn median(px: &[Lab]) -> Lab {
    std::array::from_fn(|k| {
        let mut v: Vec<f64> = px.iter().map(|p| p[k]).collect();
        v.sort_by(f64::total_cmp);
        v[(v.len() - 1) / 2]
    })
}

fn mean(px: &[Lab]) -> Lab {
    std::array::from_fn(|k| px.iter().map(|p| p[k]).sum::<f64>() / px.len() as f64)
}

fn de76(a: Lab, b: Lab) -> f64 {
    (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f64>().sqrt()
}
