//! The styles side by side on outline drawings, and the measured goals of the `flat` style
//! (issue 23): for the first N pairs of a dataset split (prepared at the drawings' own
//! resolution, e.g. `prep ... --size 512`), colour each sketch in every style without hints
//! and with K hint dots (the target's area colour at a point well inside each of the K largest
//! areas), write a contact sheet (rows: sketch | soft | flat | shaded | hints over the sketch
//! | soft | flat | shaded with hints | target), and print:
//! - `flat` uniformity: the share of areas with at least 98% of their pixels within 3 levels
//!   of the area's colour, and the share of all area pixels within 3 levels; the same over
//!   the pixels the lines leave uncovered (sketch within 3 grey levels of the area's paper:
//!   anti-aliased line edges darken the flat colour by multiplication, as drawn);
//! - bucket hints: for one dot in one area, whether the whole area takes the dot's colour
//!   (98% of its pixels within 3 levels) and how many other areas take it (within 3 levels)
//!   that did not have it without the dot;
//! - the time of areas + flat finish per megapixel.
//!
//! `cargo run --release --example style_sheet -- --data DIR [--model M] [--split test]
//!  [-n 10] [--hints 3] [--work-size 128] --sheet OUT.png`

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use colorize::data::Dataset;
use colorize::infer::{Colorizer, InferOptions};
use colorize::regions::{AreaKind, RegionOptions, Regions, NO_AREA};
use colorize::style::Style;
use data_prep::manifest::Split;
use image::{GrayImage, Rgb, RgbImage, Rgba, RgbaImage};

struct Args {
    data: PathBuf,
    model: Option<PathBuf>,
    split: Split,
    n: usize,
    hints: usize,
    work_size: Option<u32>,
    sheet: Option<PathBuf>,
    cell: u32,
}

fn parse() -> Result<Args> {
    let mut a = Args {
        data: PathBuf::new(),
        model: None,
        split: Split::Test,
        n: 10,
        hints: 3,
        work_size: None,
        sheet: None,
        cell: 192,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().context("a flag needs a value");
        match k.as_str() {
            "--data" => a.data = v()?.into(),
            "--model" => a.model = Some(v()?.into()),
            "--split" => {
                a.split = match v()?.as_str() {
                    "train" => Split::Train,
                    "val" => Split::Val,
                    _ => Split::Test,
                }
            }
            "-n" => a.n = v()?.parse()?,
            "--hints" => a.hints = v()?.parse()?,
            "--work-size" => a.work_size = Some(v()?.parse()?),
            "--sheet" => a.sheet = Some(v()?.into()),
            "--cell" => a.cell = v()?.parse()?,
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// The median colour of `img` over the pixels labelled `label`.
fn area_median(img: &RgbImage, labels: &[u32], label: u32) -> Rgb<u8> {
    let mut hist = [[0u32; 256]; 3];
    let mut n = 0u32;
    for (p, &l) in img.pixels().zip(labels) {
        if l == label {
            (0..3).for_each(|c| hist[c][p[c] as usize] += 1);
            n += 1;
        }
    }
    let med = |h: &[u32; 256]| {
        let mut acc = 0;
        for (v, &c) in h.iter().enumerate() {
            acc += c;
            if 2 * acc >= n {
                return v as u8;
            }
        }
        255
    };
    Rgb([med(&hist[0]), med(&hist[1]), med(&hist[2])])
}

fn within(a: Rgb<u8>, b: Rgb<u8>, levels: u8) -> bool {
    (0..3).all(|c| a[c].abs_diff(b[c]) <= levels)
}

/// Per area: [all pixels, those within 3 levels of the area's median colour, pixels the
/// lines leave uncovered, those of them within 3 levels of their median]. A pixel is uncovered where the
/// sketch is within 3 grey levels of the area's paper ([`paper_levels`]): the lines,
/// anti-aliased edges included, darken the rest by multiplication as they should.
fn uniformity(img: &RgbImage, gray: &GrayImage, regions: &Regions) -> Vec<[u32; 4]> {
    let labels = regions.labels();
    let colours: Vec<Rgb<u8>> = regions
        .areas()
        .iter()
        .map(|a| area_median(img, labels, a.label))
        .collect();
    let paper = paper_levels(gray, regions);
    // Uncovered pixels, and the area's colour over them (a small area can be mostly edge).
    let uncovered: Vec<u32> = gray
        .pixels()
        .zip(labels)
        .map(|(g, &l)| match l {
            NO_AREA => NO_AREA,
            l if g[0].abs_diff(paper[l as usize - 1]) <= 3 => l,
            _ => NO_AREA,
        })
        .collect();
    let bare_colours: Vec<Rgb<u8>> = regions
        .areas()
        .iter()
        .map(|a| area_median(img, &uncovered, a.label))
        .collect();
    let mut out = vec![[0u32; 4]; colours.len()];
    for ((p, &l), &u) in img.pixels().zip(labels).zip(&uncovered) {
        if l != NO_AREA {
            let k = l as usize - 1;
            let o = &mut out[k];
            o[0] += 1;
            o[1] += u32::from(within(*p, colours[k], 3));
            if u != NO_AREA {
                o[2] += 1;
                o[3] += u32::from(within(*p, bare_colours[k], 3));
            }
        }
    }
    out
}

/// Per area (index = label - 1), the grey of its bare paper: the median grey over the
/// pixels of all paper areas (most of them are bare), or the area's own median for a solid
/// fill (which is ink throughout).
fn paper_levels(gray: &GrayImage, regions: &Regions) -> Vec<u8> {
    let median = |h: &[u32; 256]| {
        let n: u32 = h.iter().sum();
        let mut acc = 0;
        h.iter()
            .position(|&c| {
                acc += c;
                2 * acc >= n
            })
            .unwrap_or(255) as u8
    };
    let mut hist = vec![[0u32; 256]; regions.areas().len()];
    let mut paper = [0u32; 256];
    for (g, &l) in gray.pixels().zip(regions.labels()) {
        if l != NO_AREA {
            hist[l as usize - 1][g[0] as usize] += 1;
            if regions.areas()[l as usize - 1].kind == AreaKind::Paper {
                paper[g[0] as usize] += 1;
            }
        }
    }
    let page = median(&paper);
    regions
        .areas()
        .iter()
        .zip(&hist)
        .map(|(a, h)| match a.kind {
            AreaKind::Paper => page,
            AreaKind::Fill => median(h),
        })
        .collect()
}

/// A hint image with one dot of `colour` (radius r) at `(x, y)`, drawn over `img`.
fn dot(img: &mut RgbaImage, (x, y): (u32, u32), r: i64, colour: Rgb<u8>) {
    let (w, h) = img.dimensions();
    for dy in -r..=r {
        for dx in -r..=r {
            let (px, py) = (i64::from(x) + dx, i64::from(y) + dy);
            if dx * dx + dy * dy <= r * r && px >= 0 && py >= 0 && px < w as i64 && py < h as i64 {
                img.put_pixel(
                    px as u32,
                    py as u32,
                    Rgba([colour[0], colour[1], colour[2], 255]),
                );
            }
        }
    }
}

fn thumb(img: &RgbImage, cell: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let s = f64::from(cell) / f64::from(w.max(h));
    let (tw, th) = (
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    );
    let t = image::imageops::resize(img, tw, th, image::imageops::FilterType::Triangle);
    let mut out = RgbImage::from_pixel(cell, cell, Rgb([255, 255, 255]));
    image::imageops::overlay(
        &mut out,
        &t,
        i64::from((cell - tw) / 2),
        i64::from((cell - th) / 2),
    );
    out
}

fn gray_rgb(g: &GrayImage) -> RgbImage {
    RgbImage::from_fn(g.width(), g.height(), |x, y| {
        let v = g[(x, y)][0];
        Rgb([v, v, v])
    })
}

fn main() -> Result<()> {
    let a = parse()?;
    let dir = colorize::run_dir::resolve_model_dir(a.model.as_deref())?;
    let c = Colorizer::load(&dir, tch::Device::Cpu)?;
    let data = Dataset::open(&a.data, a.split)?;
    let n = a.n.min(data.len());
    let ropts = RegionOptions::default();
    let mut rows: Vec<Vec<RgbImage>> = Vec::new();
    let (mut areas_ok, mut areas_all, mut px_ok, mut px_all) = (0usize, 0usize, 0u64, 0u64);
    // The same over the pixels the lines leave uncovered.
    let (mut bare_areas_ok, mut bare_px_ok, mut bare_px_all) = (0usize, 0u64, 0u64);
    let (mut bucket_ok, mut bucket_all, mut spill) = (0usize, 0usize, 0usize);
    let mut bare_bucket_ok = 0usize;
    let (mut t_ms, mut t_mpx) = (0.0f64, 0.0f64);
    for i in 0..n {
        let (gray, target) = data.load_pair(i)?;
        let t = Instant::now();
        let regions = Regions::compute(&gray, &ropts);
        let mut areas: Vec<_> = regions
            .areas()
            .iter()
            .filter(|ar| ar.kind == AreaKind::Paper)
            .cloned()
            .collect();
        areas.sort_by_key(|ar| std::cmp::Reverse(ar.size));
        let opts = |style| InferOptions {
            work_size: a.work_size,
            style,
            regions: ropts,
            ..InferOptions::default()
        };
        let plain: Vec<RgbImage> = Style::ALL
            .iter()
            .map(|&s| c.colour(&gray, None, &opts(s)).map(|o| o.image))
            .collect::<colorize::Result<_>>()?;
        t_ms += t.elapsed().as_secs_f64() * 1e3;
        t_mpx += f64::from(gray.width() * gray.height()) / 1e6;
        // Flat uniformity.
        for [size, ok, bare, bare_ok] in uniformity(&plain[1], &gray, &regions) {
            areas_all += 1;
            px_all += u64::from(size);
            px_ok += u64::from(ok);
            areas_ok += usize::from(f64::from(ok) >= 0.98 * f64::from(size));
            bare_px_all += u64::from(bare);
            bare_px_ok += u64::from(bare_ok);
            bare_areas_ok += usize::from(f64::from(bare_ok) >= 0.98 * f64::from(bare));
        }
        // Hints: the target's median colour at the inner point of the K largest areas.
        let r = i64::from((gray.width().max(gray.height()) / 128).max(1));
        let mut hints = RgbaImage::new(gray.width(), gray.height());
        for ar in areas.iter().take(a.hints) {
            let colour = area_median(&target, regions.labels(), ar.label);
            dot(&mut hints, ar.inner_point, r, colour);
        }
        let hinted: Vec<RgbImage> = Style::ALL
            .iter()
            .map(|&s| c.colour(&gray, Some(&hints), &opts(s)).map(|o| o.image))
            .collect::<colorize::Result<_>>()?;
        // Bucket: one dot of a colour no area has, in the largest area not touching the border.
        if let Some(ar) = areas.iter().find(|ar| !ar.touches_border) {
            let probe = Rgb([20, 160, 230]);
            let mut one = RgbaImage::new(gray.width(), gray.height());
            dot(&mut one, ar.inner_point, r, probe);
            let out = c.colour(&gray, Some(&one), &opts(Style::Flat))?.image;
            let labels = regions.labels();
            let paper = paper_levels(&gray, &regions)[ar.label as usize - 1];
            let (mut inside, mut good, mut bare, mut bare_good) = (0u32, 0u32, 0u32, 0u32);
            for ((p, g), &l) in out.pixels().zip(gray.pixels()).zip(labels) {
                if l == ar.label {
                    let ok = u32::from(within(*p, probe, 3));
                    let uncovered = u32::from(g[0].abs_diff(paper) <= 3);
                    inside += 1;
                    good += ok;
                    bare += uncovered;
                    bare_good += ok * uncovered;
                }
            }
            bucket_all += 1;
            bucket_ok += usize::from(f64::from(good) >= 0.98 * f64::from(inside));
            bare_bucket_ok += usize::from(f64::from(bare_good) >= 0.98 * f64::from(bare));
            for other in regions.areas().iter().filter(|o| o.label != ar.label) {
                let before = area_median(&plain[1], labels, other.label);
                let after = area_median(&out, labels, other.label);
                if within(after, probe, 3) && !within(before, probe, 3) {
                    spill += 1;
                }
            }
        }
        let mut over = gray_rgb(&gray);
        for (p, h) in over.pixels_mut().zip(hints.pixels()) {
            if h[3] > 0 {
                *p = Rgb([h[0], h[1], h[2]]);
            }
        }
        let mut row = vec![gray_rgb(&gray)];
        row.extend(plain);
        row.push(over);
        row.extend(hinted);
        row.push(target);
        rows.push(row.iter().map(|im| thumb(im, a.cell)).collect());
        eprintln!("{}: {} areas", data.id(i), regions.areas().len());
    }
    println!(
        "flat uniformity: {areas_ok}/{areas_all} areas with >= 98% of their pixels within 3 levels \
         of the area's colour; {:.2}% of all area pixels",
        100.0 * px_ok as f64 / px_all.max(1) as f64
    );
    println!(
        "flat uniformity over the pixels the lines leave uncovered: {bare_areas_ok}/{areas_all} \
         areas with >= 98% within 3 levels; {:.2}% of those pixels",
        100.0 * bare_px_ok as f64 / bare_px_all.max(1) as f64
    );
    println!(
        "bucket hints: {bucket_ok}/{bucket_all} areas filled whole by one dot; {spill} other \
         areas took the dot's colour"
    );
    println!(
        "bucket hints over the uncovered pixels: {bare_bucket_ok}/{bucket_all} areas filled whole"
    );
    println!(
        "pipeline time (network + areas + finish, 3 styles): {:.1} ms per megapixel",
        t_ms / t_mpx.max(1e-9)
    );
    if let Some(path) = &a.sheet {
        let cols = rows.first().map_or(0, Vec::len) as u32;
        let mut sheet =
            RgbImage::from_pixel(cols * a.cell, rows.len() as u32 * a.cell, Rgb([255; 3]));
        for (r, row) in rows.iter().enumerate() {
            for (k, im) in row.iter().enumerate() {
                image::imageops::overlay(
                    &mut sheet,
                    im,
                    i64::from(k as u32 * a.cell),
                    i64::from(r as u32 * a.cell),
                );
            }
        }
        colorize::infer::save_png_atomic(&sheet, path)?;
        println!("sheet: {}", path.display());
    }
    Ok(())
}
