//! Turning one input into one (line art, colour) pair: load, square, check size, resize
//! with INTER_AREA, extract or load the line art, check for ink, hash for the split, and
//! write both PNGs atomically.

use std::path::{Path, PathBuf};

use image::{GrayImage, Luma, Rgb, RgbImage};

use crate::dataset::{stamp, Job};
use crate::fs::{write_png, WalkProblem};
use crate::geometry::{make_square, square_resize, Square};
use crate::gray::to_gray;
use crate::lineart::{extract, ink_fraction, inner_ink_fraction, LineMethod};
use crate::load::{load_gray, load_rgb, LoadLimits};
use crate::manifest::{split_of, Entry};
use crate::resize::resize_area_gray;
use crate::rng::fnv1a;

/// Where line art is extracted: on the source image (then resized) or after resizing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractAt {
    /// On the source image, then resized (method parameters scaled to the source).
    Source,
    /// On the image already resized to the output size.
    Target,
}

/// Everything that decides the pixels of a pair, plus the split fractions.
#[derive(Clone, Debug)]
pub struct PrepConfig {
    /// The dataset directory written.
    pub out: PathBuf,
    /// Side of the square output images, in pixels.
    pub size: u32,
    /// Line extraction (extract mode).
    pub method: LineMethod,
    /// Where line art is extracted (extract mode).
    pub extract_at: ExtractAt,
    /// How images become square.
    pub square: Square,
    /// Enlarge images smaller than `size` instead of skipping them.
    pub upscale: bool,
    /// Fraction of pairs in the validation split.
    pub val: f64,
    /// Fraction of pairs in the test split.
    pub test: f64,
    /// Line art with a smaller fraction of pixels darker than 128 is skipped as "no ink".
    pub min_ink: f64,
    /// What the loader accepts, and the SVG rasterisation size.
    pub limits: LoadLimits,
    /// Paired mode: line-art directory.
    pub lines: Option<PathBuf>,
    /// Redo pairs that are already up to date.
    pub force: bool,
}

impl PrepConfig {
    /// The settings fingerprint stored per pair: a change redoes the pair on re-run.
    pub fn settings(&self) -> String {
        let geometry = format!(
            "size={} square={:?} upscale={} svg={:?}",
            self.size, self.square, self.upscale, self.limits.svg_long_side
        );
        match &self.lines {
            Some(_) => format!("paired {geometry}"),
            None => format!(
                "{} at={:?} {geometry}",
                self.method.describe(),
                self.extract_at
            ),
        }
    }
}

/// Why a pair was not produced: a short kind for the summary and the full line to print.
#[derive(Debug, Clone)]
pub struct Skip {
    /// Short stable label the summary counts by (`not an image`, `no ink in line art`, ...).
    pub kind: String,
    /// `path: reason`.
    pub message: String,
}

impl Skip {
    /// A skip of `path` for `reason`, counted under `kind`.
    pub fn new(kind: &str, path: &Path, reason: impl std::fmt::Display) -> Self {
        Skip {
            kind: kind.to_string(),
            message: format!("{}: {reason}", path.display()),
        }
    }
}

impl From<WalkProblem> for Skip {
    fn from(p: WalkProblem) -> Self {
        Skip::new(p.kind, &p.path, p.reason)
    }
}

impl From<crate::Error> for Skip {
    fn from(e: crate::Error) -> Self {
        Skip {
            kind: e.kind().to_string(),
            message: e.to_string(),
        }
    }
}

/// The result of one job.
#[derive(Debug)]
pub enum Outcome {
    /// The pair was made and written.
    Written(Entry),
    /// The pair was already there with the same source and settings.
    UpToDate(Entry),
    /// No pair: why.
    Skipped(Skip),
}

/// Processes one job (or recognises it as already done). Never panics on bad input.
pub fn run_job(
    job: &Job,
    lines: Option<&Path>,
    cfg: &PrepConfig,
    previous: Option<&Entry>,
) -> Outcome {
    let settings = cfg.settings();
    let source_stamp = match lines {
        Some(l) => format!("{};{}", stamp(&job.color), stamp(l)),
        None => stamp(&job.color),
    };
    let (line_rel, color_rel) = (
        format!("line/{}.png", job.id),
        format!("color/{}.png", job.id),
    );
    if let Some(prev) = previous.filter(|_| !cfg.force) {
        if prev.settings == settings
            && prev.source_stamp == source_stamp
            && cfg.out.join(&line_rel).is_file()
            && cfg.out.join(&color_rel).is_file()
        {
            let mut e = prev.clone();
            // Fractions may have changed: the split is recomputed, never the pixels.
            let key = u64::from_str_radix(&e.split_key, 16).unwrap_or(0);
            e.split = split_of(key, cfg.val, cfg.test);
            return Outcome::UpToDate(e);
        }
    }
    match make_pair(job, lines, cfg) {
        Ok((line, color)) => {
            let key = match lines {
                // Paired: hash the line-art pixels, so variants sharing one drawing (OpenMoji
                // skin tones) land in the same split and cannot leak from train into test.
                Some(_) => fnv1a(line.as_raw()),
                None => fnv1a(job.id.as_bytes()),
            };
            if let Err(e) = write_png(
                &cfg.out.join(&line_rel),
                line.as_raw(),
                line.dimensions(),
                image::ExtendedColorType::L8,
            )
            .and_then(|_| {
                write_png(
                    &cfg.out.join(&color_rel),
                    color.as_raw(),
                    color.dimensions(),
                    image::ExtendedColorType::Rgb8,
                )
            }) {
                return Outcome::Skipped(Skip::new(
                    "cannot write output",
                    &cfg.out.join(&line_rel),
                    e,
                ));
            }
            Outcome::Written(Entry {
                id: job.id.clone(),
                split: split_of(key, cfg.val, cfg.test),
                line: line_rel,
                color: color_rel,
                source: job.color.to_string_lossy().into_owned(),
                lines_source: lines.map(|l| l.to_string_lossy().into_owned()),
                method: if lines.is_some() {
                    "paired".into()
                } else {
                    cfg.method.name().into()
                },
                size: cfg.size,
                settings,
                source_stamp,
                split_key: format!("{key:016x}"),
            })
        }
        Err(skip) => Outcome::Skipped(skip),
    }
}

/// Side of the square a `w x h` image becomes.
fn square_side(w: u32, h: u32, how: Square) -> u32 {
    match how {
        Square::Pad => w.max(h),
        Square::Crop => w.min(h),
    }
}

fn check_side(path: &Path, (w, h): (u32, u32), cfg: &PrepConfig) -> Result<(), Skip> {
    if square_side(w, h, cfg.square) < cfg.size && !cfg.upscale {
        let why = format!(
            "smaller than --size ({w}x{h} < {s}; --upscale to enlarge)",
            s = cfg.size
        );
        return Err(Skip::new("smaller than --size", path, why));
    }
    // The square is what gets resized (and, extracting at the source, allocated): a 1 x 4M
    // strip passes the pixel guard but pads to 4M x 4M, hours of work or an abort.
    let side = u64::from(square_side(w, h, cfg.square));
    if side * side > cfg.limits.max_pixels {
        let why = format!(
            "too large once made square ({w}x{h} -> {side}x{side} pixels, limit {} pixels; \
             --crop center keeps the middle)",
            cfg.limits.max_pixels
        );
        return Err(Skip::new("too large", path, why));
    }
    Ok(())
}

/// The (line art, colour) pair of one job at `cfg.size`.
pub fn make_pair(
    job: &Job,
    lines: Option<&Path>,
    cfg: &PrepConfig,
) -> Result<(GrayImage, RgbImage), Skip> {
    const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
    let s = cfg.size;
    let rgb = load_rgb(&job.color, &cfg.limits)?;
    check_side(&job.color, rgb.dimensions(), cfg)?;
    let color = square_resize(&rgb, cfg.square, WHITE, s);
    let line = match lines {
        Some(path) => {
            let l = load_gray(path, &cfg.limits)?;
            check_side(path, l.dimensions(), cfg)?;
            square_resize(&l, cfg.square, Luma([255]), s)
        }
        None => match cfg.extract_at {
            ExtractAt::Target => extract(&to_gray(&color), &cfg.method),
            ExtractAt::Source => {
                // Grey first, then square: a third of the memory, same pixels (white -> 255).
                let square = make_square(&to_gray(&rgb), cfg.square, Luma([255]));
                let m = scaled_method(&cfg.method, square.width() as f32 / s as f32);
                resize_area_gray(&extract(&square, &m), s, s)
            }
        },
    };
    // Ink inside the outline, not on it: OpenMoji's flags have a bare frame as line art.
    let margin = ((4 * s + 64) / 128).max(1);
    let ink = inner_ink_fraction(&line, 128, margin);
    if ink < cfg.min_ink {
        let total = ink_fraction(&line, 128) * 100.0;
        let why = format!(
            "line art has no ink inside its outline ({:.3}% of pixels, {total:.1}% in all; --min-ink {})",
            ink * 100.0,
            cfg.min_ink
        );
        return Err(Skip::new(
            "no ink in line art",
            lines.unwrap_or(&job.color),
            why,
        ));
    }
    Ok((line, color))
}

/// Method parameters are given in output pixels; at the source resolution they are scaled
/// by `factor` (source side / size) so both orders draw lines of the same final width.
pub fn scaled_method(m: &LineMethod, factor: f32) -> LineMethod {
    match *m {
        LineMethod::Xdog(mut x) => {
            x.sigma *= factor;
            LineMethod::Xdog(x)
        }
        LineMethod::Dilate { kernel } => LineMethod::Dilate {
            kernel: ((kernel as f32 * factor).round() as u32).max(1),
        },
    }
}
