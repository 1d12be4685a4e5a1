//! `colorize infer`: one sketch -> one PNG, or many (files and directories) -> a directory.
//!
//! The model is loaded once; a background thread decodes inputs in parallel (rayon) while
//! the network runs on the main thread, and a writer thread encodes and writes the PNGs.
//! A bad input is skipped with one line (path, reason) and the others still get coloured.

use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{bail, Context};
use colorize::cli::InferArgs;
use colorize::infer::{self, Colorizer, InferOptions};
use image::{GrayImage, RgbImage};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

/// Extensions picked up when walking a directory (single files are decoded whatever their
/// name; the content decides).
const EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff", "svg",
];
const OUT_SUFFIX: &str = "_color";

/// Inputs that were skipped, with the reason.
type Skipped = Vec<(PathBuf, String)>;

/// One input and where its colour goes.
#[derive(Debug, Clone)]
struct Job {
    input: PathBuf,
    output: PathBuf,
}

pub fn run(args: InferArgs) -> anyhow::Result<()> {
    let (jobs, mut failures, single) = plan(&args)?;
    if single {
        if let Some((path, reason)) = failures.first() {
            bail!("{}: {reason}", path.display());
        }
    }
    for (path, reason) in &failures {
        eprintln!("skipped {}: {reason}", path.display());
    }
    let planned_skips = failures.len();
    if jobs.is_empty() {
        bail!("nothing to colour ({} input(s) skipped)", failures.len());
    }

    colorize::device::set_threads(args.threads);
    let device = args.device.resolve()?;
    let model_dir = infer::resolve_model_dir(args.model.as_deref())?;
    let colorizer = Colorizer::load(&model_dir, device)?;
    log::info!(
        "model {} ({} px, ngf {}) on {device:?}",
        model_dir.display(),
        colorizer.model_config().image_size,
        colorizer.model_config().ngf
    );
    let opts = InferOptions {
        work_size: args.work_size,
        raw: args.raw,
        train_mode: args.train_mode,
    };

    let total = jobs.len();
    let pb = if single {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total as u64)
    };
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} ETA {eta} {msg}")
            .expect("valid template"),
    );

    // Decoder: rayon workers decode in parallel; the bounded channel keeps at most a few
    // decoded images waiting, so memory stays flat on big directories.
    let (decoded_tx, decoded_rx) = sync_channel(4);
    let decode_jobs = jobs.clone();
    let decoder = std::thread::spawn(move || {
        decode_jobs
            .into_par_iter()
            .for_each_with(decoded_tx, |tx, job| {
                let t = Instant::now();
                let gray = infer::load_sketch(&job.input);
                let _ = tx.send((job, gray, t.elapsed().as_secs_f64()));
            });
    });
    // Writer: finishing (resize back, recombine) and PNG encoding off the network's thread.
    let (colour_tx, colour_rx) = sync_channel::<(Job, GrayImage, RgbImage, infer::WorkCanvas)>(2);
    let writer_pb = pb.clone();
    let raw = opts.raw;
    let timings = args.timings;
    let writer = std::thread::spawn(move || {
        let mut failures = Vec::new();
        for (job, gray, colour, canvas) in colour_rx {
            let t = Instant::now();
            let out = infer::finish(&colour, &canvas, &gray, raw);
            let t_finish = t.elapsed().as_secs_f64();
            let written = (|| -> colorize::Result<()> {
                if let Some(dir) = job.output.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| colorize::Error::io(dir, e))?;
                }
                infer::save_png_atomic(&out, &job.output)
            })();
            match written {
                Ok(()) => {
                    writer_pb.suspend(|| println!("{}", job.output.display()));
                    if timings {
                        let ms = t.elapsed().as_secs_f64() * 1e3;
                        writer_pb.suspend(|| {
                            eprintln!(
                                "timing {}: finish {:.1} ms, finish+write {ms:.1} ms",
                                job.input.display(),
                                t_finish * 1e3
                            )
                        });
                    }
                }
                Err(e) => failures.push((job.input.clone(), e.to_string())),
            }
            writer_pb.inc(1);
        }
        failures
    });

    for (job, gray, t_decode) in decoded_rx {
        let gray = match gray {
            Ok(g) => g,
            Err(e) => {
                // The loader's messages start with the path already.
                let msg = e.to_string();
                let prefix = format!("{}: ", job.input.display());
                let reason = msg.strip_prefix(&prefix).unwrap_or(&msg).to_string();
                if !single {
                    pb.suspend(|| eprintln!("skipped {}: {reason}", job.input.display()));
                }
                failures.push((job.input, reason));
                pb.inc(1);
                continue;
            }
        };
        let t = Instant::now();
        let canvas = colorizer.canvas(&gray, &opts);
        let t_canvas = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let colour = colorizer
            .run_canvas(&canvas, &opts)
            .with_context(|| format!("running the network on {}", job.input.display()))?;
        let t_net = t.elapsed().as_secs_f64();
        if args.timings {
            pb.suspend(|| {
                eprintln!(
                    "timing {}: decode {:.1} ms, canvas {:.1} ms, network {:.1} ms ({}x{})",
                    job.input.display(),
                    t_decode * 1e3,
                    t_canvas * 1e3,
                    t_net * 1e3,
                    canvas.image.width(),
                    canvas.image.height()
                )
            });
        }
        if colour_tx.send((job, gray, colour, canvas)).is_err() {
            break; // the writer is gone; its failures are reported below
        }
    }
    drop(colour_tx);
    decoder
        .join()
        .map_err(|_| anyhow::anyhow!("the decoder thread panicked"))?;
    let write_failures = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?;
    for (path, reason) in &write_failures {
        if !single {
            pb.suspend(|| eprintln!("skipped {}: {reason}", path.display()));
        }
    }
    failures.extend(write_failures);
    pb.finish_and_clear();

    if single {
        if let Some((path, reason)) = failures.first() {
            bail!("{}: {reason}", path.display());
        }
    } else if !failures.is_empty() {
        bail!(
            "coloured {} of {} inputs; {} skipped (listed above)",
            total + planned_skips - failures.len(),
            total + planned_skips,
            failures.len()
        );
    } else {
        log::info!("coloured {total} input(s)");
    }
    Ok(())
}

/// Expands the inputs into jobs. Returns (jobs, skipped inputs with reasons, single mode).
/// Single mode: exactly one input file and `-o` (if any) is not an existing directory.
fn plan(args: &InferArgs) -> anyhow::Result<(Vec<Job>, Skipped, bool)> {
    // `-o DIR/` (trailing slash) names a directory even before it exists.
    let out_is_dir = args.output.as_deref().is_some_and(|o| {
        o.is_dir()
            || o.as_os_str()
                .to_string_lossy()
                .ends_with(std::path::MAIN_SEPARATOR)
    });
    let single = args.inputs.len() == 1 && !args.inputs[0].is_dir() && !out_is_dir;
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    if single {
        let input = &args.inputs[0];
        let output = args
            .output
            .clone()
            .unwrap_or_else(|| beside(input, input.parent()));
        jobs.push(Job {
            input: input.clone(),
            output,
        });
    } else {
        if let Some(dir) = &args.output {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the output directory {}", dir.display()))?;
        }
        for input in &args.inputs {
            if input.is_dir() {
                for file in walk(input) {
                    let rel_dir = file
                        .parent()
                        .and_then(|p| p.strip_prefix(input).ok())
                        .unwrap_or(Path::new(""));
                    let dir = match &args.output {
                        Some(out) => out.join(rel_dir),
                        None => file.parent().unwrap_or(Path::new("")).to_path_buf(),
                    };
                    let output = beside(&file, Some(&dir));
                    jobs.push(Job {
                        input: file,
                        output,
                    });
                }
            } else {
                let dir = args.output.as_deref().or(input.parent());
                let output = beside(input, dir);
                jobs.push(Job {
                    input: input.clone(),
                    output,
                });
            }
        }
    }

    // Safety checks: inputs exist, never the input itself, no silent overwrite, no two
    // inputs writing the same output.
    let mut seen: std::collections::HashMap<PathBuf, PathBuf> = std::collections::HashMap::new();
    let mut kept = Vec::new();
    for job in jobs {
        let reason = if !job.input.is_file() {
            Some("no such file".to_string())
        } else if same_file(&job.input, &job.output) {
            Some(format!(
                "the output {} would overwrite the input",
                job.output.display()
            ))
        } else if let Some(first) = seen.get(&absolute(&job.output)) {
            Some(format!(
                "its output {} is also the output of {}",
                job.output.display(),
                first.display()
            ))
        } else if job.output.exists() && !args.force {
            Some(format!(
                "the output {} exists (use --force to overwrite it)",
                job.output.display()
            ))
        } else {
            None
        };
        match reason {
            Some(r) => failures.push((job.input, r)),
            None => {
                seen.insert(absolute(&job.output), job.input.clone());
                kept.push(job);
            }
        }
    }
    Ok((kept, failures, single))
}

/// `<dir>/<stem>_color.png`.
fn beside(input: &Path, dir: Option<&Path>) -> PathBuf {
    let stem = input.file_stem().unwrap_or_default().to_string_lossy();
    dir.unwrap_or(Path::new(""))
        .join(format!("{stem}{OUT_SUFFIX}.png"))
}

/// Image files under `dir`, sorted, without our own outputs (`*_color.png`).
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let ext = p.extension().map(|e| e.to_string_lossy().to_lowercase());
            let stem = p.file_stem().unwrap_or_default().to_string_lossy();
            ext.is_some_and(|e| EXTENSIONS.contains(&e.as_str())) && !stem.ends_with(OUT_SUFFIX)
        })
        .collect();
    files.sort();
    files
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Whether two paths name the same file (also when `b` does not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => absolute(a) == absolute(b),
    }
}
