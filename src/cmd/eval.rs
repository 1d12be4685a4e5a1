//! `colorize eval`: figures of a model (its outputs finished in each `--style`) and/or a
//! trivial baseline on a dataset split, as a table or JSON on stdout; optionally contact
//! sheets; `eval.json` beside the model.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use colorize::data::Dataset;
use colorize::eval::{self, EvalOptions, EvalReport, OutputSource, Scored, ALL_DATA};
use colorize::hints::HintMap;
use colorize::infer::{self, Colorizer};
use colorize::run_dir::{self, EVAL_FILE, MODEL_CARD_FILE};
use colorize::style::Style;
use colorize::Error;
use data_prep::outln;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{BaselineArg, EvalArgs, EvalStyle};

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    colorize::device::set_threads(args.threads);
    if let Some(steps) = args.suggest {
        return super::eval_suggest::run(&args, steps as usize);
    }
    let mut opts = EvalOptions {
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
        style: None,
    };
    let mut styles: Vec<Option<Style>> = Vec::new();
    for EvalStyle(s) in &args.style {
        if !styles.contains(s) {
            styles.push(*s);
        }
    }

    // With --baseline alone only the baseline is scored; with --model too, both (one table).
    let mut reports: Vec<EvalReport> = Vec::new();
    let mut sheets = Vec::new();
    let model_dir = if args.model.is_some() || args.baseline.is_none() {
        Some(run_dir::resolve_model_dir(args.model.as_deref())?)
    } else {
        None
    };
    let data = datasets(&args, model_dir.as_deref())?;
    // Several datasets share the contact sheet's rows.
    opts.sheet_count = opts.sheet_count.div_ceil(data.len());
    if let Some(dir) = &model_dir {
        let device = args.device.resolve()?;
        let colorizer = Colorizer::load(dir, device)?;
        let source = OutputSource::Model {
            colorizer: &colorizer,
            train_mode: args.train_mode,
            keep_paper: args.keep_paper,
        };
        let name = dir.display().to_string();
        for n in hint_counts(&args.hints, colorizer.model_config().takes_hints(), &name) {
            let opts = EvalOptions { hints: n, ..opts };
            let parts: Vec<(&OutputSource, &str)> =
                data.iter().map(|_| (&source, &*name)).collect();
            let by_style = score_each(&data, &parts, &opts, &styles)?;
            if let (Some(dir), Some((_, _, hints))) = (&args.save_hints, by_style.first()) {
                save_hints(dir, n, hints)?;
            }
            for (style, (rows, examples, _)) in styles.iter().zip(by_style) {
                let label = match styles.len() {
                    1 => format!("hints{n}"),
                    _ => format!("{}-hints{n}", eval::finish_name(*style)),
                };
                sheets.push((label, n, examples));
                reports.extend(rows);
            }
        }
    }
    if let Some(baseline) = args.baseline {
        let mut parts = Vec::new();
        for path in &data {
            let (source, name) = match baseline {
                BaselineArg::Gray => (OutputSource::Gray, "baseline:gray"),
                BaselineArg::MeanColor => {
                    let c = eval::mean_colour(path)?;
                    log::info!("mean colour of {}'s train split: {c:?}", path.display());
                    (OutputSource::Flat(c), "baseline:mean-color")
                }
            };
            parts.push((source, name));
        }
        let parts: Vec<(&OutputSource, &str)> = parts.iter().map(|(s, n)| (s, *n)).collect();
        let (rows, examples, _) = score_each(&data, &parts, &opts, &[None])?.remove(0);
        if sheets.is_empty() {
            sheets.push(("hints0".into(), 0, examples));
        }
        reports.extend(rows);
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

/// The datasets to score: `--data`, else the datasets the model was trained on (its
/// `config.json`).
pub(super) fn datasets(args: &EvalArgs, model_dir: Option<&Path>) -> anyhow::Result<Vec<PathBuf>> {
    if !args.data.is_empty() {
        return Ok(args.data.clone());
    }
    let Some(dir) = model_dir else {
        bail!("--data is required with --baseline alone");
    };
    let cfg = run_dir::read_train_config(dir).with_context(|| {
        format!(
            "no --data given, and {} does not say what it was trained on",
            dir.display()
        )
    })?;
    let paths: Vec<PathBuf> = cfg.data.into_iter().map(|d| d.path).collect();
    log::info!(
        "no --data given: evaluating on the model's own datasets ({})",
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(paths)
}

/// Rows of one output source in one finish: one per dataset, then `all`; the examples and
/// their hints.
type Scores = (Vec<EvalReport>, eval::Examples, Vec<(String, HintMap)>);

/// Scores `sources[k]` on `data[k]` for each k, once per finish of `styles` (one network
/// call per batch for them all): for each style one row per dataset, and with several
/// datasets a last row `all` pooling every image (each image counts once).
fn score_each(
    data: &[PathBuf],
    sources: &[(&OutputSource, &str)],
    opts: &EvalOptions,
    styles: &[Option<Style>],
) -> anyhow::Result<Vec<Scores>> {
    let mut out: Vec<Scores> = styles.iter().map(|_| Scores::default()).collect();
    let mut parts: Vec<Vec<Scored>> = styles.iter().map(|_| Vec::new()).collect();
    for (path, (source, name)) in data.iter().zip(sources) {
        let scored = score(path, source, name, opts, styles)?;
        for (k, mut scored) in scored.into_iter().enumerate() {
            let (rows, examples, hints) = &mut out[k];
            rows.push(scored.report(name, &path.display().to_string(), opts));
            let (ex, h) = scored.take_examples();
            examples.extend(ex);
            hints.extend(h);
            parts[k].push(scored);
        }
    }
    if data.len() > 1 {
        for (k, p) in parts.into_iter().enumerate() {
            out[k]
                .0
                .push(Scored::pooled(p).report(sources[0].1, ALL_DATA, opts));
        }
    }
    Ok(out)
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

/// Writes the contact sheets: `PATH` for one, else `STEM-LABEL.EXT` for each, the label
/// `hintsN` (one style) or `STYLE-hintsN` (several).
fn save_sheets(path: &Path, sheets: &[(String, usize, eval::Examples)]) -> anyhow::Result<()> {
    for (label, n, examples) in sheets {
        let file = match sheets.len() {
            1 => path.to_path_buf(),
            _ => {
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                let ext = path
                    .extension()
                    .map_or("png".into(), |e| e.to_string_lossy());
                path.with_file_name(format!("{stem}-{label}.{ext}"))
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

/// One evaluation of one dataset in each finish of `styles`, with a progress bar on stderr.
fn score(
    data: &Path,
    source: &OutputSource,
    name: &str,
    opts: &EvalOptions,
    styles: &[Option<Style>],
) -> anyhow::Result<Vec<Scored>> {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{prefix} {bar:30} {pos}/{len} {per_sec} ETA {eta}")
            .expect("valid template"),
    );
    pb.set_prefix(format!("{name} on {}", data.display()));
    let scored = Dataset::open(data, opts.split)
        .and_then(|ds| {
            eval::score_styles(&ds, source, opts, styles, |done, total| {
                pb.set_length(total as u64);
                pb.set_position(done as u64);
            })
        })
        .with_context(|| format!("evaluating {name} on {}", data.display()))?;
    pb.finish_and_clear();
    Ok(scored)
}

/// Writes `eval.json` into a run directory so `colorize export` can put the figures in the
/// model card; a read-only directory only gets a warning. An exported model (one with a
/// model card, `README.md`, such as the shipped `models/default`) keeps the figures its card
/// was made with: evaluating it on other data must not replace them.
fn save_reports(dir: &Path, reports: &[EvalReport]) {
    let path = dir.join(EVAL_FILE);
    if dir.join(MODEL_CARD_FILE).is_file() {
        log::info!(
            "figures not saved: {} is an exported model whose card keeps its own (--json prints them)",
            dir.display()
        );
        return;
    }
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
