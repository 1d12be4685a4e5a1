//! `colorize eval`: figures of a model and/or a trivial baseline on a dataset split, as a
//! table or JSON on stdout; optionally a contact sheet; `eval.json` beside the model.

use std::path::Path;

use anyhow::Context;
use colorize::eval::{self, EvalOptions, EvalReport, OutputSource};
use colorize::hints::HintMap;
use colorize::infer::{self, Colorizer};
use colorize::run_dir::{self, EVAL_FILE};
use colorize::Error;
use data_prep::outln;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{BaselineArg, EvalArgs};

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    colorize::device::set_threads(args.threads);
    let opts = EvalOptions {
        split: args.split,
        limit: args.limit,
        batch_size: args.batch_size,
        sheet_count: if args.save_sheet.is_some() || args.save_hints.is_some() {
            args.sheet_count
        } else {
            0
        },
        hints: 0,
        diversity: args.diversity.map(usize::from),
    };

    // With --baseline alone only the baseline is scored; with --model too, both (one table).
    let mut reports: Vec<EvalReport> = Vec::new();
    let mut sheets = Vec::new();
    let mut model_dir = None;
    if args.model.is_some() || args.baseline.is_none() {
        let dir = run_dir::resolve_model_dir(args.model.as_deref())?;
        let device = args.device.resolve()?;
        let colorizer = Colorizer::load(&dir, device)?;
        let source = OutputSource::Model {
            colorizer: &colorizer,
            train_mode: args.train_mode,
        };
        let name = dir.display().to_string();
        for n in hint_counts(&args.hints, colorizer.model_config().takes_hints(), &name) {
            let ev = score(
                &args.data,
                &source,
                &name,
                &EvalOptions { hints: n, ..opts },
            )?;
            if let Some(dir) = &args.save_hints {
                save_hints(dir, n, &ev.example_hints)?;
            }
            sheets.push((n, ev.examples));
            reports.push(ev.report);
        }
        model_dir = Some(dir);
    }
    if let Some(baseline) = args.baseline {
        let (source, name) = match baseline {
            BaselineArg::Gray => (OutputSource::Gray, "baseline:gray"),
            BaselineArg::MeanColor => {
                let c = eval::mean_colour(&args.data)?;
                log::info!("mean colour of the train split's targets: {c:?}");
                (OutputSource::Flat(c), "baseline:mean-color")
            }
        };
        let ev = score(&args.data, &source, name, &opts)?;
        if sheets.is_empty() {
            sheets.push((0, ev.examples));
        }
        reports.push(ev.report);
    }

    if args.json {
        outln!("{}", serde_json::to_string_pretty(&reports)?)?;
    } else {
        outln!("{}", eval::format_table(&reports).trim_end_matches('\n'))?;
        outln!("({})", reports[0].definitions)?;
    }
    if let Some(path) = &args.save_sheet {
        save_sheets(path, &sheets)?;
    }
    if let (Some(dir), false) = (model_dir, args.no_save) {
        save_reports(&dir, &reports);
    }
    Ok(())
}

/// The hint counts to score a model at: all of them for a model with hint channels; only 0
/// (with a warning) for one without, whose output cannot depend on hints.
fn hint_counts(asked: &[usize], takes_hints: bool, name: &str) -> Vec<usize> {
    let mut counts = asked.to_vec();
    counts.dedup();
    if !takes_hints && counts.iter().any(|&n| n > 0) {
        log::warn!("{name} has no hint channels: scored without hints only");
        counts = vec![0];
    }
    counts
}

/// Writes each example's hints as `DIR/<id>.hints<N>.png`.
fn save_hints(dir: &Path, n: usize, hints: &[(String, HintMap)]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (id, map) in hints {
        let path = dir.join(format!("{id}.hints{n}.png"));
        infer::save_png_atomic(&map.to_rgba(), &path)?;
    }
    if !hints.is_empty() {
        log::info!(
            "hints of {} examples ({n} dots each): {}",
            hints.len(),
            dir.display()
        );
    }
    Ok(())
}

/// Writes the contact sheets: `PATH` for one hint count, `STEM-hintsN.EXT` for each of
/// several.
fn save_sheets(path: &Path, sheets: &[(usize, eval::Examples)]) -> anyhow::Result<()> {
    for (n, examples) in sheets {
        let file = match sheets.len() {
            1 => path.to_path_buf(),
            _ => {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                let ext = path
                    .extension()
                    .map_or("png".into(), |e| e.to_string_lossy());
                path.with_file_name(format!("{stem}-hints{n}.{ext}"))
            }
        };
        let img = eval::contact_sheet(examples);
        infer::save_png_atomic(&img, &file)
            .with_context(|| format!("writing the contact sheet {}", file.display()))?;
        log::info!(
            "contact sheet (input | output | target, {} rows, {n} hints): {}",
            examples.len(),
            file.display()
        );
    }
    Ok(())
}

/// One evaluation with a progress bar on stderr.
fn score(
    data: &Path,
    source: &OutputSource,
    name: &str,
    opts: &EvalOptions,
) -> anyhow::Result<eval::Evaluation> {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {per_sec} ETA {eta}")
            .expect("valid template"),
    );
    pb.set_prefix(name.to_string());
    let ev = eval::evaluate(data, source, name, opts, |done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })
    .with_context(|| format!("evaluating {name} on {}", data.display()))?;
    pb.finish_and_clear();
    Ok(ev)
}

/// Writes `eval.json` into the model directory so `colorize export` can put the figures in
/// the model card; a read-only model directory only gets a warning.
fn save_reports(dir: &Path, reports: &[EvalReport]) {
    let path = dir.join(EVAL_FILE);
    let result = serde_json::to_vec_pretty(reports)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            data_prep::fs::write_atomic(&path, &bytes).map_err(|e| Error::io(&path, e).to_string())
        });
    match result {
        Ok(()) => log::info!("figures saved to {}", path.display()),
        Err(e) => log::warn!("could not save {}: {e}", path.display()),
    }
}
