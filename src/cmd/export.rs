//! `colorize export RUN models/NAME`: a self-contained model directory from a training run
//! (`generator.safetensors`, float16 with `--half`, 8-bit with `--int8`; `config.json`; `eval.json` when the run
//! was evaluated) with a `README.md` model card: data, steps, command, eval figures.

use std::path::Path;

use anyhow::{bail, Context};
use colorize::checkpoint::{self, Storage};
use colorize::eval::EvalReport;
use colorize::infer::Colorizer;
use colorize::run_dir::{self, CONFIG_FILE, EVAL_FILE, GENERATOR_FILE, MODEL_CARD_FILE};
use colorize::Error;
use data_prep::fs::write_atomic;
use data_prep::outln;

use crate::cli::ExportArgs;

mod card;

use card::model_card;

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    // Loading validates the run (config present, weights complete and of the right shape)
    // before anything is written.
    let colorizer = Colorizer::load(&args.run, tch::Device::Cpu)
        .with_context(|| format!("{} is not an exportable run", args.run.display()))?;
    let cfg = run_dir::read_train_config(&args.run)
        .with_context(|| format!("{} is not an exportable run", args.run.display()))?;
    // The figures of a blend or an average are not the run's: only --eval gives them.
    let own_weights = args.blend_with.is_none() && args.average_last.is_none();
    let reports = match (&args.eval, own_weights) {
        (Some(file), _) => {
            let bytes =
                std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
            let rows: Vec<EvalReport> = serde_json::from_slice(&bytes).with_context(|| {
                format!("{}: not `colorize eval --json` output", file.display())
            })?;
            Some(Ok(rows))
        }
        (None, false) => None,
        (None, true) => read_eval_reports(&args.run),
    };
    if let Some(other) = &args.blend_with {
        let with = Colorizer::load(other, tch::Device::Cpu)
            .with_context(|| format!("{} cannot be blended in", other.display()))?;
        if with.model_config() != colorizer.model_config() {
            bail!(
                "{} is a different network from {} (model configs differ); only the same \
                 network can be blended",
                other.display(),
                args.run.display()
            );
        }
    }
    let averaged = match args.average_last {
        Some(k) => Some(last_checkpoints(&args.run, usize::from(k))?),
        None => None,
    };
    let dest = &args.dest;
    if dest.join(GENERATOR_FILE).exists() && !args.force {
        bail!(
            "{} already holds a model (use --force to replace it)",
            dest.display()
        );
    }
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;

    let mut files = vec![GENERATOR_FILE, CONFIG_FILE];
    if args.eval.is_none() && own_weights && args.run.join(EVAL_FILE).is_file() {
        files.push(EVAL_FILE);
    }
    // Without --half or --int8 the weights are copied as they are (a blend: float32).
    let storage = match (args.half, args.int8) {
        (_, true) => Some(Storage::Int8),
        (true, false) => Some(Storage::Float16),
        (false, false) => None,
    };
    for name in &files {
        let (mut from, to) = (args.run.join(name), dest.join(name));
        if let (true, Some(steps)) = (*name == GENERATOR_FILE, &averaged) {
            let paths: Vec<&Path> = steps.iter().map(|(_, p)| p.as_path()).collect();
            if args.blend_with.is_none() {
                let storage = storage.unwrap_or(Storage::Float32);
                checkpoint::write_checkpoint_average(&paths, storage, &to)?;
                continue;
            }
            // The mean in float32 beside the destination, then blended from there.
            checkpoint::write_checkpoint_average(&paths, Storage::Float32, &to)?;
            from = to.clone();
        }
        if let (true, Some(other)) = (*name == GENERATOR_FILE, &args.blend_with) {
            let theirs = other.join(GENERATOR_FILE);
            let storage = storage.unwrap_or(Storage::Float32);
            checkpoint::write_blend(&from, &theirs, args.blend, storage, &to)?;
            continue;
        }
        if let (true, Some(storage)) = (*name == GENERATOR_FILE, storage) {
            checkpoint::write_stored_copy(&from, &to, storage)?;
            continue;
        }
        let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        write_atomic(&to, &bytes).map_err(|e| Error::io(&to, e))?;
    }
    let eval_path = dest.join(EVAL_FILE);
    match &reports {
        Some(Ok(rows)) if args.eval.is_some() => {
            let bytes = serde_json::to_vec_pretty(rows)?;
            write_atomic(&eval_path, &bytes).map_err(|e| Error::io(&eval_path, e))?;
        }
        // No figures of this model: an old eval.json must not stay beside it.
        None if eval_path.is_file() => std::fs::remove_file(&eval_path)
            .with_context(|| format!("removing {}", eval_path.display()))?,
        _ => {}
    }
    // What the card says is what the file holds (a model directory exported again without
    // --half or --int8 keeps its float16 or 8-bit weights).
    let storage = checkpoint::stored_as(&dest.join(GENERATOR_FILE))?;
    let mut card = model_card(
        (&args.run, dest),
        &cfg,
        &colorizer,
        storage,
        args.trained_on.as_deref(),
        reports.as_ref(),
    );
    if let Some(steps) = &averaged {
        let list = steps
            .iter()
            .map(|(step, _)| step.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        card += &format!(
            "\n## Checkpoint average\n\nThe weights are the mean of the generators of `{}`'s \
             last {} checkpoints (steps {list}; `colorize export --average-last {}`){}; the \
             eval figures above, if any, are the average's own when given with `--eval`.\n",
            args.run.display(),
            steps.len(),
            steps.len(),
            if args.blend_with.is_some() {
                ", then blended as below"
            } else {
                ""
            }
        );
    }
    if let Some(other) = &args.blend_with {
        card += &format!(
            "\n## Blend\n\nThe weights are the average {:.2} x `{}` + {:.2} x `{}` \
             (`colorize export --blend-with {} --blend {}`); the eval figures above, if any, \
             are the blend's own when given with `--eval`.\n",
            args.blend,
            args.run.display(),
            1.0 - args.blend,
            other.display(),
            other.display(),
            args.blend
        );
    }
    if let Some(notes) = &args.notes {
        let text = std::fs::read_to_string(notes)
            .with_context(|| format!("{}: cannot read the notes", notes.display()))?;
        card += "
";
        card += text.trim_end();
        card += "
";
    }
    let card_path = dest.join(MODEL_CARD_FILE);
    write_atomic(&card_path, card.as_bytes()).map_err(|e| Error::io(&card_path, e))?;
    log::info!("exported {} -> {}", args.run.display(), dest.display());
    outln!("{}", dest.display())?;
    Ok(())
}

/// The last `k` checkpoints of `run` (step, path), oldest first; an error when it has fewer.
fn last_checkpoints(run: &Path, k: usize) -> anyhow::Result<Vec<(i64, std::path::PathBuf)>> {
    let all = checkpoint::list_checkpoints(run)
        .with_context(|| format!("{}: cannot list its checkpoints", run.display()))?;
    if all.len() < k {
        bail!(
            "{} has {} checkpoint(s), fewer than the {k} to average (train with \
             --keep {k} or more)",
            run.display(),
            all.len()
        );
    }
    Ok(all[all.len() - k..].to_vec())
}

/// The run's `eval.json`: `None` when the run was never evaluated, `Some(Err(reason))` when
/// the file is there but unreadable (the card says so rather than failing the export).
fn read_eval_reports(run: &Path) -> Option<Result<Vec<EvalReport>, String>> {
    let bytes = std::fs::read(run.join(EVAL_FILE)).ok()?;
    Some(serde_json::from_slice(&bytes).map_err(|e| e.to_string()))
}
