//! `colorize infer`: one sketch -> one PNG, or many (files and directories) -> a directory.
//!
//! The model is loaded once; a background thread decodes inputs in parallel (rayon) while
//! the network runs on the main thread, and a writer thread encodes and writes the PNGs.
//! The decoder's and writer's threads run at a lower scheduling priority (nice +10), so that
//! on a machine with as many cores as libtorch has threads they take the cores only when
//! the network leaves them: the network runs as fast as alone, and the other stages fill
//! its gaps (measured in bench/README.md, "## infer").
//! A bad input is skipped with one line (path, reason) and the others still get coloured.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::JoinHandle;
use std::time::Instant;

use anyhow::{bail, Context};
use colorize::hints::{load_hints_image, UserHints};
use colorize::infer::{self, Colorizer, InferOptions, WorkCanvas};
use colorize::regions::RegionOptions;
use colorize::run_dir;
use colorize::suggest::{self, draw_markers, SuggestOptions, Suggestion};
use data_prep::outln;
use image::{GrayImage, RgbImage, RgbaImage};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::cli::InferArgs;

mod plan;

use plan::{plan, Job, Plan, Skipped};

/// What the writer thread gets for one input: the job, the sketch, the network's colour on
/// the working canvas, the canvas (to crop and scale the colour back) and the user's hints
/// at the sketch's size (the `flat` and `shaded` styles fill areas with them).
/// Last, the suggestions where to hint next (`--suggest N`).
type Coloured = (
    Job,
    GrayImage,
    RgbImage,
    WorkCanvas,
    Option<RgbaImage>,
    Option<Vec<Suggestion>>,
);

/// What the decoder thread sends for one input: the job, the decoded sketch (or why it
/// could not be read), and the seconds decoding took.
type Decoded = (Job, colorize::Result<GrayImage>, f64);

/// Colours every planned input: plan, load the model, then three stages running at once
/// (decoder thread -> network on this thread -> writer thread), then the report.
pub fn run(args: InferArgs) -> anyhow::Result<()> {
    let Plan {
        jobs,
        skipped: mut failures,
        single,
    } = plan(&args)?;
    let hints = user_hints(&args, single)?;
    report_planned_skips(&jobs, &failures, single)?;
    let planned_skips = failures.len();
    let total = jobs.len();
    let t = Instant::now();
    let (colorizer, model_dir) = load_model(&args, total > 1)?;
    if args.timings {
        eprintln!(
            "timing: model load {:.1} ms ({})",
            t.elapsed().as_secs_f64() * 1e3,
            match colorizer.has_fast_path() {
                true => "weights read, checked, folded and packed for the fast path",
                false => "weights read and checked; plain network",
            }
        );
    }
    if !hints.is_empty() && !colorizer.model_config().takes_hints() {
        return Err(colorize::Error::NoHintChannels).context(format!(
            "--hints/--hint with the model {}",
            model_dir.display()
        ));
    }
    let opts = InferOptions {
        work_size: args.work_size,
        raw: args.raw,
        train_mode: args.train_mode,
        style: args.style,
        layers: args.layers.is_some(),
        regions: RegionOptions {
            gap: args.gap,
            min_area: args.min_area,
            ..RegionOptions::default()
        },
        keep_paper: args.keep_paper,
    };
    let pb = progress_bar(single, total);

    let (decoder, decoded) = spawn_decoder(jobs);
    let (colour_tx, colour_rx) = sync_channel::<Coloured>(2);
    let writer = spawn_writer(colour_rx, pb.clone(), opts.clone(), args.timings);
    let loop_result = network_loop(
        &colorizer,
        (&opts, &hints, args.suggest.map(|n| n as usize)),
        decoded,
        &colour_tx,
        &pb,
        single,
        args.timings,
    );
    drop(colour_tx);
    failures.extend(loop_result?);
    decoder
        .join()
        .map_err(|_| anyhow::anyhow!("the decoder thread panicked"))?;
    let write_failures = writer
        .join()
        .map_err(|_| anyhow::anyhow!("the writer thread panicked"))??;
    for (path, reason) in &write_failures {
        if !single {
            pb.suspend(|| eprintln!("skipped {}: {reason}", path.display()));
        }
    }
    failures.extend(write_failures);
    pb.finish_and_clear();
    report(&failures, single, total + planned_skips)
}

/// Lists the inputs the plan skipped; fails when there is nothing left to colour, or when
/// the one input of single mode was skipped.
fn report_planned_skips(jobs: &[Job], skipped: &Skipped, single: bool) -> anyhow::Result<()> {
    if single {
        if let Some((path, reason)) = skipped.first() {
            bail!("{}: {reason}", path.display());
        }
    }
    for (path, reason) in skipped {
        eprintln!("skipped {}: {reason}", path.display());
    }
    if jobs.is_empty() {
        bail!("nothing to colour ({} input(s) skipped)", skipped.len());
    }
    Ok(())
}

/// The user's `--hints` image and `--hint` points (for a single input only).
fn user_hints(args: &InferArgs, single: bool) -> anyhow::Result<UserHints> {
    let hints = UserHints {
        image: args.hints.as_deref().map(load_hints_image).transpose()?,
        points: args.hint.clone(),
    };
    if !hints.is_empty() && !single {
        bail!("--hints and --hint steer one sketch: give exactly one input file");
    }
    Ok(hints)
}

/// Sets the threads and device and loads the model `--model` (or the search order of
/// `run_dir::find_model_dir`) names; returns it with its directory. The CPU fast path
/// (folded, packed weights) is prepared only for `several` inputs: preparing it costs
/// about as much as it saves on one image (bench/README.md, "## infer").
fn load_model(args: &InferArgs, several: bool) -> anyhow::Result<(Colorizer, PathBuf)> {
    colorize::device::set_threads(args.threads);
    let device = args.device.resolve()?;
    let found = run_dir::find_model_dir(args.model.as_deref())?;
    let fast = several && !args.plain_network;
    let colorizer = Colorizer::load_for(&found.dir, device, fast, args.work_size)?;
    log::info!(
        "model {} (from {}; {} px, ngf {}) on {device:?}",
        found.dir.display(),
        found.source,
        colorizer.model_config().image_size,
        colorizer.model_config().ngf
    );
    Ok((colorizer, found.dir))
}

/// A progress bar on stderr for several inputs; none for a single one.
fn progress_bar(single: bool, total: usize) -> ProgressBar {
    let pb = if single {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total as u64)
    };
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {per_sec} ETA {eta} {msg}")
            .expect("valid template"),
    );
    pb
}

/// Decoder: rayon workers decode the inputs in parallel; the bounded channel keeps at most
/// a few decoded images waiting, so memory stays flat on big directories. Stops early once
/// the receiving side is gone.
fn spawn_decoder(jobs: Vec<Job>) -> (JoinHandle<()>, Receiver<Decoded>) {
    let (decoded_tx, decoded_rx) = sync_channel::<Decoded>(4);
    let decoder = std::thread::spawn(move || {
        lower_thread_priority();
        let decode_all = || {
            let _ = jobs
                .into_par_iter()
                .try_for_each_with(decoded_tx, |tx, job| {
                    let t = Instant::now();
                    let gray = infer::load_sketch(&job.input);
                    // Only whether the receiver is gone matters, not the unsent item.
                    tx.send((job, gray, t.elapsed().as_secs_f64()))
                        .map_err(|_| ())
                });
        };
        // Its own pool, whose workers also yield to the network.
        match rayon::ThreadPoolBuilder::new()
            .start_handler(|_| lower_thread_priority())
            .build()
        {
            Ok(pool) => pool.install(decode_all),
            Err(_) => decode_all(),
        }
    });
    (decoder, decoded_rx)
}

/// Nice value of the decoder's and writer's threads where `SCHED_IDLE` is refused: their
/// CPU share against the network's threads (nice 0) is then about 1:10 while both want a
/// core.
const HELPER_NICE: i32 = 10;

/// Moves the calling thread to Linux's `SCHED_IDLE` class (it runs only on a core nothing
/// else wants, so the network's threads keep theirs), or failing that lowers its priority
/// to [`HELPER_NICE`] (both are per thread). Best effort: elsewhere, or if both fail, the
/// thread keeps its priority.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid has no preconditions; sched_setscheduler and setpriority on our own
    // thread id only change this thread's scheduling (lowering it needs no privilege), and
    // `param` outlives the call.
    unsafe {
        let tid = libc::gettid();
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param) != 0 {
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, HELPER_NICE);
        }
    }
}

/// Writer: finishing (resize back, recombine) and PNG encoding off the network's thread.
/// Prints each written path on stdout; returns the inputs whose output could not be
/// written, or the error of stdout itself (a closed pipe ends the run).
fn spawn_writer(
    coloured: Receiver<Coloured>,
    pb: ProgressBar,
    opts: InferOptions,
    timings: bool,
) -> JoinHandle<anyhow::Result<Skipped>> {
    std::thread::spawn(move || {
        lower_thread_priority();
        let mut failures = Vec::new();
        for (job, gray, colour, canvas, hints, suggestions) in coloured {
            let t = Instant::now();
            let out = infer::finish_styled(&colour, &canvas, &gray, hints.as_ref(), &opts);
            let t_finish = t.elapsed().as_secs_f64();
            let written = (|| -> colorize::Result<()> {
                if let Some(dir) = job.output.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| colorize::Error::io(dir, e))?;
                }
                infer::save_png_atomic(&out.image, &job.output)?;
                if let (Some(path), Some(layers)) = (&job.layers, &out.layers) {
                    colorize::layers::write_ora(layers, path)?;
                }
                if let (Some(path), Some(found)) = (&job.overlay, &suggestions) {
                    let mut img = out.image.clone();
                    draw_markers(&mut img, found);
                    infer::save_png_atomic(&img, path)?;
                }
                Ok(())
            })();
            match written {
                Ok(()) => {
                    pb.suspend(|| outln!("{}", job.output.display()))?;
                    for path in job.layers.iter().chain(&job.overlay) {
                        pb.suspend(|| outln!("{}", path.display()))?;
                    }
                    if timings {
                        let ms = t.elapsed().as_secs_f64() * 1e3;
                        pb.suspend(|| {
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
            pb.inc(1);
        }
        Ok(failures)
    })
}

/// The network, on this thread: each decoded sketch -> its working canvas -> the colour,
/// handed to the writer. Returns the inputs that could not be decoded; stops early (without
/// error) when the writer is gone, whose own result says why.
fn network_loop(
    colorizer: &Colorizer,
    (opts, hints, suggest_n): (&InferOptions, &UserHints, Option<usize>),
    decoded: Receiver<Decoded>,
    colour_tx: &SyncSender<Coloured>,
    pb: &ProgressBar,
    single: bool,
    timings: bool,
) -> anyhow::Result<Skipped> {
    let mut failures = Vec::new();
    for (job, gray, t_decode) in decoded {
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
        // The levelled sketch, when levelling changes it (no copy of a clean drawing).
        let levelled = match opts.sketch(&gray) {
            Cow::Owned(g) => Some(g),
            Cow::Borrowed(_) => None,
        };
        let gray = levelled.unwrap_or(gray);
        let mut canvas = colorizer.canvas(&gray, opts);
        let (map, rgba) = match hints.is_empty() {
            true => (None, None),
            false => {
                let work = canvas.placement.w.max(canvas.placement.h);
                let what = || format!("hints for {}", job.input.display());
                let rgba = hints
                    .for_sketch(gray.width(), gray.height(), work)
                    .map_err(colorize::Error::from)
                    .with_context(what)?;
                let map = colorizer
                    .canvas_hints(&mut canvas, &rgba)
                    .with_context(what)?;
                (Some(map), Some(rgba))
            }
        };
        let t_canvas = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let (colour, t_forward) = colorizer
            .run_canvas_timed(&canvas, map.as_ref(), opts.mode())
            .with_context(|| format!("running the network on {}", job.input.display()))?;
        let t_net = t.elapsed().as_secs_f64();
        if timings {
            pb.suspend(|| {
                eprintln!(
                    "timing {}: decode {:.1} ms, canvas {:.1} ms, network {:.1} ms \
                     (forward {:.1} ms) ({}x{})",
                    job.input.display(),
                    t_decode * 1e3,
                    t_canvas * 1e3,
                    t_net * 1e3,
                    t_forward * 1e3,
                    canvas.image.width(),
                    canvas.image.height()
                )
            });
        }
        let suggestions = suggest_n
            .map(|n| {
                let s = SuggestOptions {
                    n,
                    regions: opts.regions,
                    ..SuggestOptions::default()
                }
                .for_colouring(opts);
                suggest::suggest(colorizer, &gray, rgba.as_ref(), &s)
                    .with_context(|| format!("suggesting hints for {}", job.input.display()))
            })
            .transpose()?;
        if colour_tx
            .send((job, gray, colour, canvas, rgba, suggestions))
            .is_err()
        {
            break; // the writer is gone; its result says why
        }
    }
    Ok(failures)
}

/// The outcome: single mode fails with its input's reason; several inputs fail when any
/// was skipped (they are listed above) out of `inputs` in all.
fn report(failures: &Skipped, single: bool, inputs: usize) -> anyhow::Result<()> {
    if single {
        if let Some((path, reason)) = failures.first() {
            bail!("{}: {reason}", path.display());
        }
    } else if !failures.is_empty() {
        bail!(
            "coloured {} of {inputs} inputs; {} skipped (listed above)",
            inputs - failures.len(),
            failures.len()
        );
    } else {
        log::info!("coloured {inputs} input(s)");
    }
    Ok(())
}
