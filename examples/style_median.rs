//! Which statistic of the network's colour should a `flat` area take: the per-channel
//! median in CIELAB (what `style::finish` uses) or the mean? Measured on dataset test pairs:
//! the shipped model colours each line art (no hints), the line art's areas are found as
//! `flat` finds them, and for every area the network colours (paper not touching the
//! border) both statistics are compared with the target's own area colour (its per-channel
//! Lab median) by CIE76 ΔE, pixel-weighted over areas. The flat output has no spread inside
//! an area either way; this is about which one colour it picks. A last column checks the
//! finish itself: ΔE between the colour `style::finish(flat)` gives the area (a median over
//! at most 256 sampled pixels, quantised, 8-bit) and the exact median of all its pixels.
//!     cargo run --example style_median -- [--model DIR] [--n N] [--dump DIR] DATASET...
//! `--dump DIR` also writes each pair's pictures in the three styles (`ID-STYLE.png`) and
//! its shaded layers (`ID.ora`) there, to look at.
//! (DATASET: a `prep` directory; its first N test pairs by id, default 30.)

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use colorize::infer::{Colorizer, InferOptions};
use colorize::metrics::hue::srgb_to_lab;
use colorize::regions::{AreaKind, RegionOptions, Regions};
use colorize::style::{self, Style};
use image::RgbImage;
use tch::Device;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut model, mut n, mut sets) = (PathBuf::from("models/default"), 30usize, Vec::new());
    let mut dump: Option<PathBuf> = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--model" => model = args.next().context("--model DIR")?.into(),
            "--n" => n = args.next().context("--n N")?.parse()?,
            "--dump" => dump = Some(args.next().context("--dump DIR")?.into()),
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
    println!(
        "dataset | pairs | areas | px | dE76 median | dE76 mean | median closer (areas) \
         | dE76 finish vs exact median | paper areas >= 98% within 3 levels (flat) \
         | the same, areas >= 1000 px | pixels within 3 levels"
    );
    for set in &sets {
        let (mut sum_med, mut sum_mean, mut sum_finish, mut weight) = (0.0, 0.0, 0.0, 0.0);
        let (mut areas, mut closer, mut pairs) = (0usize, 0usize, 0usize);
        let (mut uniform_areas, mut uniform_ok) = (0usize, 0usize);
        let (mut big_areas, mut big_ok, mut uniform_px) = (0usize, 0usize, (0u64, 0u64));
        for id in test_ids(set, n)? {
            let gray = image::open(set.join("line").join(format!("{id}.png")))?.to_luma8();
            let target = image::open(set.join("color").join(format!("{id}.png")))?.to_rgb8();
            let coloured = colorizer.colour(&gray, None, &opts)?;
            let net = coloured.layers.context("layers were asked for")?.flats;
            let regions = Regions::compute(&gray, &RegionOptions::default());
            let layers = style::finish(Style::Flat, &gray, &net, Some(&regions), None);
            if let Some(dir) = &dump {
                std::fs::create_dir_all(dir)?;
                for st in Style::ALL {
                    let l = style::finish(st, &gray, &net, Some(&regions), None);
                    l.merged.save(dir.join(format!("{id}-{st}.png")))?;
                    if st == Style::Shaded {
                        colorize::layers::write_ora(&l, &dir.join(format!("{id}.ora")))?;
                    }
                }
            }
            let flat = &layers.flats;
            // The goal: >= 98% of every area's pixels within 3 levels of its colour
            // in the finished picture (anti-aliased pixels inside an area are darkened by
            // the lines laid over them).
            let mut near = vec![(0u32, 0u32); regions.areas().len() + 1];
            for (i, &l) in regions.labels().iter().enumerate() {
                if l != 0 {
                    let (x, y) = ((i as u32) % gray.width(), (i as u32) / gray.width());
                    let d = (0..3)
                        .map(|k| layers.merged[(x, y)][k].abs_diff(flat[(x, y)][k]))
                        .max();
                    near[l as usize].0 += u32::from(d <= Some(3));
                    near[l as usize].1 += 1;
                }
            }
            // Paper areas: unhinted solid fills stay ink by rule.
            let paper = regions.areas().iter().filter(|a| a.kind == AreaKind::Paper);
            for &(ok, all) in paper.map(|a| &near[a.label as usize]) {
                uniform_areas += 1;
                uniform_ok += usize::from(f64::from(ok) >= 0.98 * f64::from(all));
                uniform_px.0 += u64::from(ok);
                uniform_px.1 += u64::from(all);
                if all >= 1000 {
                    big_areas += 1;
                    big_ok += usize::from(f64::from(ok) >= 0.98 * f64::from(all));
                }
            }
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
                let (x, y) = area.inner_point;
                sum_finish += w * de76(
                    srgb_to_lab(flat[(x, y)].0.map(|c| f64::from(c) / 255.0)),
                    med,
                );
                weight += w;
                areas += 1;
                closer += usize::from(dm < da);
            }
            pairs += 1;
        }
        println!(
            "{} | {pairs} | {areas} | {weight} | {:.2} | {:.2} | {:.0}% | {:.2} | {uniform_ok}/{uniform_areas} | {big_ok}/{big_areas} | {:.1}%",
            set.display(),
            sum_med / weight,
            sum_mean / weight,
            100.0 * closer as f64 / areas.max(1) as f64,
            sum_finish / weight,
            100.0 * uniform_px.0 as f64 / uniform_px.1 as f64
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
