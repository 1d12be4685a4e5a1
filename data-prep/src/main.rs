//! The `prep` binary: parse flags, validate them into a `PrepConfig`, walk the inputs, run
//! the pairs in parallel with a progress bar, write the manifest and print a summary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use data_prep::dataset::{collect_jobs, index_lines, read_manifest, write_manifest, Job};
use data_prep::geometry::Square;
use data_prep::lineart::{LineMethod, Xdog};
use data_prep::load::LoadLimits;
use data_prep::pipeline::{run_job, ExtractAt, Outcome, PrepConfig};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

/// Build (line art, colour) training pairs for `colorize train` from a folder of
/// illustrations.
///
/// Every input is composited over white, made square (white padding, or --crop center),
/// resized to --size with OpenCV-exact INTER_AREA, and written as OUT/color/<id>.png (RGB)
/// and OUT/line/<id>.png (grey), listed with its train/val/test split in
/// OUT/manifest.jsonl. Line art is extracted from the colour image (--method), or taken
/// from --lines DIR (paired mode: matched by relative path, any image extension).
///
/// Bad inputs are skipped with one line each and counted; re-runs only redo pairs whose
/// source or settings changed (--force redoes all). Reads PNG, JPEG, WebP, BMP, GIF,
/// TIFF and SVG.
///
/// Examples:
///   prep illustrations/ -o data/pairs-128
///   prep data/openmoji/color/svg --lines data/openmoji/black/svg -o data/openmoji-128
#[derive(Debug, Parser)]
#[command(name = "prep", version, verbatim_doc_comment)]
struct Cli {
    /// Colour images or directories (walked recursively, symlinks followed, loops skipped).
    #[arg(required = true, value_name = "SRC")]
    sources: Vec<PathBuf>,
    /// Output dataset directory (must not be inside an input directory).
    #[arg(short, long, value_name = "OUT")]
    out: PathBuf,
    /// Paired mode: existing line art, matched to each colour image by relative path
    /// (`DIR/a/x.svg` pairs with `SRC/a/x.png`).
    #[arg(long, value_name = "DIR")]
    lines: Option<PathBuf>,
    /// Side of the square output images, in pixels.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(8..=8192))]
    size: u32,
    /// Line extraction method (extract mode). xdog scored best against real line art.
    #[arg(long, value_enum, default_value_t = MethodArg::Xdog)]
    method: MethodArg,
    /// Extract line art on the source image (then resize) or on the resized image.
    /// `target` scored best against real line art (bench/README.md).
    #[arg(long, value_enum, default_value_t = AtArg::Target)]
    extract_at: AtArg,
    /// Make images square by cropping the centre instead of padding with white.
    #[arg(long, value_enum, value_name = "WHERE")]
    crop: Option<CropArg>,
    /// Enlarge images smaller than --size (OpenCV INTER_AREA upscaling) instead of skipping
    /// them; enlarging blurs line art.
    #[arg(long)]
    upscale: bool,
    /// Fraction of pairs in the validation split. Chosen by a hash of the id (paired mode: of
    /// the line-art pixels, so variants sharing one drawing stay in one split): stable
    /// across re-runs.
    #[arg(long, default_value_t = 0.05)]
    val: f64,
    /// Fraction of pairs in the test split.
    #[arg(long, default_value_t = 0.05)]
    test: f64,
    /// Redo pairs that are already present with the same settings.
    #[arg(long)]
    force: bool,
    /// XDoG: Gaussian sigma in output pixels (scaled up with --extract-at source).
    #[arg(long, default_value_t = 0.7, help_heading = "Line extraction")]
    xdog_sigma: f32,
    /// XDoG: ratio of the second Gaussian's sigma to the first.
    #[arg(long, default_value_t = 1.6, help_heading = "Line extraction")]
    xdog_k: f32,
    /// XDoG: weight of the second Gaussian.
    #[arg(long, default_value_t = 0.98, help_heading = "Line extraction")]
    xdog_tau: f32,
    /// XDoG: threshold on the difference (intensities in [0, 1]).
    #[arg(
        long,
        default_value_t = 0.0,
        allow_hyphen_values = true,
        help_heading = "Line extraction"
    )]
    xdog_eps: f32,
    /// XDoG: steepness of the soft threshold.
    #[arg(long, default_value_t = 200.0, help_heading = "Line extraction")]
    xdog_phi: f32,
    /// Dilate: side of the square kernel in output pixels (scaled up with --extract-at source).
    #[arg(long, default_value_t = 5, help_heading = "Line extraction")]
    dilate_kernel: u32,
    /// Skip pairs whose line art has fewer dark (< 128) pixels than this fraction of the
    /// image inside the outline (ink more than 4/128 of --size away from the edges of the
    /// ink's bounding box): blank line art, or a bare frame such as OpenMoji's flags.
    #[arg(long, default_value_t = 0.001, help_heading = "Line extraction")]
    min_ink: f64,
    /// Rasterise SVGs with this longer side before resizing [default: 4 x --size].
    #[arg(long, value_name = "PX", help_heading = "Limits")]
    svg_size: Option<u32>,
    /// Refuse images with more pixels than this (decompression-bomb guard).
    #[arg(long, default_value_t = 16_000 * 16_000, help_heading = "Limits")]
    max_pixels: u64,
    /// Worker threads [default: all cores].
    #[arg(short, long, help_heading = "Limits")]
    jobs: Option<usize>,
    /// No progress bar.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum MethodArg {
    Xdog,
    Dilate,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AtArg {
    Source,
    Target,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CropArg {
    Center,
}

/// Flags -> validated configuration.
fn config(cli: &Cli) -> Result<PrepConfig> {
    if !(0.0..1.0).contains(&cli.val)
        || !(0.0..1.0).contains(&cli.test)
        || cli.val + cli.test >= 1.0
    {
        bail!("--val and --test must be fractions in [0, 1) that leave room for training (got {} and {})", cli.val, cli.test);
    }
    let method = match cli.method {
        MethodArg::Xdog => {
            let x = Xdog {
                sigma: cli.xdog_sigma,
                k: cli.xdog_k,
                tau: cli.xdog_tau,
                eps: cli.xdog_eps,
                phi: cli.xdog_phi,
            };
            if !(x.sigma > 0.0 && x.k > 0.0) {
                bail!("--xdog-sigma and --xdog-k must be positive");
            }
            LineMethod::Xdog(x)
        }
        MethodArg::Dilate => LineMethod::Dilate {
            kernel: cli.dilate_kernel.max(1),
        },
    };
    let limits = LoadLimits {
        max_pixels: cli.max_pixels,
        svg_long_side: Some(cli.svg_size.unwrap_or(cli.size * 4)),
        ..LoadLimits::default()
    };
    Ok(PrepConfig {
        out: cli.out.clone(),
        size: cli.size,
        method,
        extract_at: match cli.extract_at {
            AtArg::Source => ExtractAt::Source,
            AtArg::Target => ExtractAt::Target,
        },
        square: if cli.crop.is_some() {
            Square::Crop
        } else {
            Square::Pad
        },
        upscale: cli.upscale,
        val: cli.val,
        test: cli.test,
        min_ink: cli.min_ink,
        limits,
        lines: cli.lines.clone(),
        force: cli.force,
    })
}

/// Absolute, symlink-free form of a path that may not exist yet.
fn resolve(p: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(p).with_context(|| format!("{}: cannot resolve", p.display()))?;
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        rest.push(
            existing
                .file_name()
                .map(|n| n.to_owned())
                .unwrap_or_default(),
        );
        if !existing.pop() {
            break;
        }
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest.iter().rev());
    Ok(out)
}

/// Inputs are never written to: refuse an OUT equal to or inside an input directory, or
/// one that contains an input.
fn check_out_outside_inputs(cli: &Cli) -> Result<()> {
    let out = resolve(&cli.out)?;
    for input in cli.sources.iter().chain(&cli.lines) {
        if !input.exists() {
            bail!("{}: no such file or directory", input.display());
        }
        let inp = resolve(input)?;
        if input.is_dir() && out.starts_with(&inp) {
            bail!(
                "output {} is inside the input {}: choose an output directory outside it",
                cli.out.display(),
                input.display()
            );
        }
        if inp.starts_with(&out) {
            bail!(
                "input {} is inside the output {}: prep would overwrite its own inputs",
                input.display(),
                cli.out.display()
            );
        }
    }
    Ok(())
}

fn progress(n: u64, quiet: bool) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
    if quiet {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb.set_style(
        ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{wide_bar}] {pos}/{len} {per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb
}

fn run(cli: Cli) -> Result<bool> {
    let cfg = config(&cli)?;
    check_out_outside_inputs(&cli)?;
    if let Some(j) = cli.jobs {
        rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global()
            .context("thread pool")?;
    }
    let start = Instant::now();
    let (jobs, mut problems) = collect_jobs(&cli.sources, None);
    let lines_index = match &cli.lines {
        Some(dir) => {
            let (idx, mut p) = index_lines(dir);
            problems.append(&mut p);
            Some(idx)
        }
        None => None,
    };
    for p in &problems {
        eprintln!("skipped: {}: {}", p.path.display(), p.reason);
    }
    for sub in ["line", "color"] {
        let d = cfg.out.join(sub);
        std::fs::create_dir_all(&d).with_context(|| format!("{}: cannot create", d.display()))?;
    }
    let manifest_path = cfg.out.join("manifest.jsonl");
    let previous = read_manifest(&manifest_path);
    eprintln!(
        "prep: {} inputs -> {} ({})",
        jobs.len(),
        cfg.out.display(),
        cfg.settings()
    );

    let pb = progress(jobs.len() as u64, cli.quiet);
    let partner = |job: &Job| -> Option<Option<PathBuf>> {
        match &lines_index {
            None => Some(None),
            Some(idx) => idx.get(&job.rel_stem).map(|p| Some(p.clone())),
        }
    };
    // Ctrl-C: finish the images in flight, then write the manifest of what is done.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let outcomes: Vec<Option<Outcome>> = jobs
        .par_iter()
        .map(|job| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let outcome = match partner(job) {
                Some(lines) => run_job(job, lines.as_deref(), &cfg, previous.get(&job.id)),
                None => Outcome::Skipped(data_prep::pipeline::Skip {
                    kind: "no line-art partner".into(),
                    message: format!(
                        "{}: no line-art partner {}/{}.*",
                        job.color.display(),
                        cli.lines.as_deref().unwrap_or(Path::new("")).display(),
                        job.rel_stem
                    ),
                }),
            };
            if let Outcome::Skipped(s) = &outcome {
                pb.suspend(|| eprintln!("skipped: {}", s.message));
            }
            pb.inc(1);
            Some(outcome)
        })
        .collect();
    let interrupted = outcomes.iter().filter(|o| o.is_none()).count();
    pb.finish_and_clear();

    // Pairs from earlier runs that this run did not meet stay listed while their files exist.
    let mut entries: BTreeMap<String, _> = previous
        .into_iter()
        .filter(|(_, e)| cfg.out.join(&e.line).is_file() && cfg.out.join(&e.color).is_file())
        .collect();
    let (mut written, mut current) = (0usize, 0usize);
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for p in &problems {
        *skipped
            .entry(if p.reason.contains("loop") {
                "symlink loop".into()
            } else {
                "unreadable".into()
            })
            .or_default() += 1;
    }
    for o in outcomes.into_iter().flatten() {
        match o {
            Outcome::Written(e) => {
                written += 1;
                entries.insert(e.id.clone(), e);
            }
            Outcome::UpToDate(e) => {
                current += 1;
                entries.insert(e.id.clone(), e);
            }
            Outcome::Skipped(s) => *skipped.entry(s.kind).or_default() += 1,
        }
    }
    write_manifest(&manifest_path, &entries)
        .with_context(|| format!("{}: cannot write", manifest_path.display()))?;

    let secs = start.elapsed().as_secs_f64();
    let count = |s: &str| entries.values().filter(|e| e.split == s).count();
    println!(
        "prep: {} pairs in {} (train {}, val {}, test {}); this run: {written} written, {current} already up to date",
        entries.len(),
        cfg.out.display(),
        count("train"),
        count("val"),
        count("test"),
    );
    let n_skipped: usize = skipped.values().sum();
    if n_skipped > 0 {
        let parts: Vec<String> = skipped.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("prep: skipped {n_skipped}: {}", parts.join(", "));
    }
    println!(
        "prep: {:.1} s, {:.1} images/s",
        secs,
        (jobs.len() - interrupted) as f64 / secs.max(1e-9)
    );
    if interrupted > 0 {
        bail!("interrupted: {interrupted} inputs not processed (run again to continue)");
    }
    Ok(written + current > 0)
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn,usvg=error"))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("error: no pair could be written (see the skipped lines above)");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
