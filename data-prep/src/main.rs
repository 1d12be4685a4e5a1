//! The `prep` binary: parse flags, validate them into a `PrepConfig`, then the stages of a
//! run (`data_prep::run`): plan the inputs, process them in parallel with a progress bar,
//! merge the outcomes, write the manifest and the skipped list, print a summary.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use data_prep::exit::{self, EXIT_STATUS_HELP};
use data_prep::fs::{resolve, write_atomic};
use data_prep::geometry::Square;
use data_prep::lineart::{LineMethod, Xdog};
use data_prep::load::LoadLimits;
use data_prep::manifest::{self, Split, MANIFEST_FILE};
use data_prep::outln;
use data_prep::pipeline::{ExtractAt, Outcome, PrepConfig};
use data_prep::run::{Plan, Tally, SKIPPED_FILE};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

/// How many skipped inputs are printed on the terminal; the rest are counted (and all of
/// them listed in OUT/skipped.txt).
const SKIPPED_SHOWN: usize = 10;

/// Build (line art, colour) training pairs for `colorize train` from a folder of
/// illustrations.
///
/// Every input is composited over white, made square (white padding, or --crop center),
/// resized to --size with OpenCV-exact INTER_AREA, and written as OUT/color/<id>.png (RGB)
/// and OUT/line/<id>.png (grey), listed with its train/val/test split in
/// OUT/manifest.jsonl. Line art is extracted from the colour image (--method), or taken
/// from --lines DIR (paired mode: matched by relative path, any image extension).
///
/// Bad inputs are skipped and counted by reason (the first few shown, all of them listed in
/// OUT/skipped.txt); re-runs only redo pairs whose source or settings changed (--force
/// redoes all). Reads PNG, JPEG, WebP, BMP, GIF, TIFF and SVG.
///
/// Examples:
///   prep illustrations/ -o data/pairs-128
///   prep data/openmoji/color/svg --lines data/openmoji/black/svg -o data/openmoji-128
#[derive(Debug, Parser)]
#[command(
    name = "prep",
    version,
    verbatim_doc_comment,
    after_help = EXIT_STATUS_HELP
)]
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

/// Inputs are never written to: refuse an OUT equal to or inside an input directory, or
/// one that contains an input.
fn check_out_outside_inputs(cli: &Cli) -> Result<()> {
    let resolved =
        |p: &PathBuf| resolve(p).with_context(|| format!("{}: cannot resolve", p.display()));
    let out = resolved(&cli.out)?;
    for input in cli.sources.iter().chain(&cli.lines) {
        if !input.exists() {
            bail!("{}: no such file or directory", input.display());
        }
        let inp = resolved(input)?;
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

/// How a run that did not fail ended.
enum Ending {
    /// Every input was processed and at least one pair is in the dataset.
    Done,
    /// Every input was processed, but no pair could be written.
    NothingWritten,
    /// Ctrl-C stopped the run; this many inputs were not processed (the manifest lists
    /// what was done).
    Interrupted(usize),
}

/// The whole run.
fn run(cli: Cli) -> Result<Ending> {
    let cfg = config(&cli)?;
    check_out_outside_inputs(&cli)?;
    set_threads(cli.jobs)?;
    let start = Instant::now();
    let plan = plan_inputs(&cli, &cfg)?;
    let outcomes = process(&plan, &cfg, cli.quiet);
    let tally = Tally::merge(plan, outcomes, &cfg.out);
    write_outputs(&cfg, &tally)?;
    report(&cfg, &tally, start.elapsed().as_secs_f64())?;
    Ok(if tally.interrupted > 0 {
        Ending::Interrupted(tally.interrupted)
    } else if tally.written + tally.up_to_date > 0 {
        Ending::Done
    } else {
        Ending::NothingWritten
    })
}

/// `--jobs`: the size of rayon's global pool (default: all cores).
fn set_threads(jobs: Option<usize>) -> Result<()> {
    if let Some(j) = jobs {
        rayon::ThreadPoolBuilder::new()
            .num_threads(j.max(1))
            .build_global()
            .context("thread pool")?;
    }
    Ok(())
}

/// Walks the inputs and prepares the output directory.
fn plan_inputs(cli: &Cli, cfg: &PrepConfig) -> Result<Plan> {
    let plan = Plan::new(&cli.sources, cfg);
    for sub in ["line", "color"] {
        let d = cfg.out.join(sub);
        std::fs::create_dir_all(&d).with_context(|| format!("{}: cannot create", d.display()))?;
    }
    // What an earlier run killed mid-write left behind.
    for d in [cfg.out.clone(), cfg.out.join("line"), cfg.out.join("color")] {
        data_prep::fs::remove_stale_temporaries(&d)
            .with_context(|| format!("{}: cannot clean up temporary files", d.display()))?;
    }
    eprintln!(
        "prep: {} inputs -> {} ({})",
        plan.jobs.len(),
        cfg.out.display(),
        cfg.settings()
    );
    Ok(plan)
}

/// Runs every job in parallel, in the plan's order. Ctrl-C: the images in flight are
/// finished, the others come back as `None`, so the manifest lists what is done.
fn process(plan: &Plan, cfg: &PrepConfig, quiet: bool) -> Vec<Option<Outcome>> {
    let pb = progress(plan.jobs.len() as u64, quiet);
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    let outcomes = plan
        .jobs
        .par_iter()
        .map(|job| {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            let outcome = plan.process(job, cfg);
            pb.inc(1);
            Some(outcome)
        })
        .collect();
    pb.finish_and_clear();
    outcomes
}

/// `OUT/manifest.jsonl` and `OUT/skipped.txt`, each written atomically.
fn write_outputs(cfg: &PrepConfig, tally: &Tally) -> Result<()> {
    let path = cfg.out.join(MANIFEST_FILE);
    manifest::write(&path, tally.entries.values())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    let path = cfg.out.join(SKIPPED_FILE);
    write_atomic(&path, tally.skipped_text().as_bytes())
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// The first skipped inputs on stderr, then the summary on stdout.
fn report(cfg: &PrepConfig, tally: &Tally, secs: f64) -> Result<()> {
    for s in tally.skipped.iter().take(SKIPPED_SHOWN) {
        eprintln!("skipped: {}", s.message);
    }
    let n_skipped = tally.skipped.len();
    if n_skipped > SKIPPED_SHOWN {
        eprintln!("skipped: ... and {} more", n_skipped - SKIPPED_SHOWN);
    }
    outln!(
        "prep: {} pairs in {} (train {}, val {}, test {}); this run: {} written, {} already up to date",
        tally.entries.len(),
        cfg.out.display(),
        tally.count(Split::Train),
        tally.count(Split::Val),
        tally.count(Split::Test),
        tally.written,
        tally.up_to_date,
    )?;
    if n_skipped > 0 {
        let parts: Vec<String> = tally
            .skip_counts()
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        outln!(
            "prep: skipped {n_skipped}: {} (full list in {})",
            parts.join(", "),
            cfg.out.join(SKIPPED_FILE).display()
        )?;
    }
    outln!(
        "prep: {:.1} s, {:.1} images/s",
        secs,
        tally.processed as f64 / secs.max(1e-9)
    )?;
    Ok(())
}

/// Exit status (`data_prep::exit`, shared with `colorize`): 0 done, 1 error or nothing
/// written, 2 bad command line, 130 stopped by Ctrl-C; a closed stdout (`| head`) is 0.
fn main() -> ExitCode {
    exit::setup();
    let cli: Cli = match exit::parse_args() {
        Ok(cli) => cli,
        Err(status) => return status,
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn,usvg=error"))
        .init();
    match run(cli) {
        Ok(Ending::Done) => ExitCode::from(exit::SUCCESS),
        Ok(Ending::NothingWritten) => {
            eprintln!("error: no pair could be written (see the skipped lines above)");
            ExitCode::from(exit::FAILURE)
        }
        Ok(Ending::Interrupted(n)) => {
            eprintln!("interrupted: {n} inputs not processed (run again to continue)");
            ExitCode::from(exit::INTERRUPTED)
        }
        Err(e) => exit::failure(&e),
    }
}
