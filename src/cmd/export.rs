//! `colorize export RUN models/NAME`: a self-contained model directory from a training run
//! (`generator.safetensors`, float16 with `--half`, 8-bit with `--int8`; `config.json`; `eval.json` when the run
//! was evaluated) with a `README.md` model card: data, steps, command, eval figures.

use std::path::Path;

use anyhow::{bail, Context};
use clap::ValueEnum;
use colorize::checkpoint::{self, Storage};
use colorize::config::TrainConfig;
use colorize::eval::EvalReport;
use colorize::infer::Colorizer;
use colorize::run_dir::{self, CONFIG_FILE, EVAL_FILE, GENERATOR_FILE, MODEL_CARD_FILE};
use colorize::Error;
use data_prep::fs::write_atomic;
use data_prep::outln;

use crate::cli::ExportArgs;

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

/// The name of a value as `colorize train` takes it on the command line (`wgan-gp`).
fn flag_value(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// The model card, from the run's config, its last checkpoint and `eval.json`.
fn model_card(
    (run, dest): (&Path, &Path),
    cfg: &TrainConfig,
    colorizer: &Colorizer,
    storage: Storage,
    trained_on: Option<&str>,
    reports: Option<&Result<Vec<EvalReport>, String>>,
) -> String {
    let m = colorizer.model_config();
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let trained = checkpoint::latest_checkpoint(run)
        .ok()
        .flatten()
        .map(|(step, _)| step.to_string())
        .or_else(|| last_logged_step(run).map(|s| s.to_string()))
        .unwrap_or_else(|| "?".to_string());
    let data = cfg
        .data
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" --data ");
    let gan_mode = flag_value(cfg.gan_mode);
    let mut s = format!("# {name}\n\n");
    s += &format!(
        "A colorize line-art colouring model: a pix2pix U-Net generator \
         (`{GENERATOR_FILE}`) and the training configuration it came from \
         (`{CONFIG_FILE}`).\n\n"
    );
    s += &format!(
        "```\ncolorize infer sketch.png --model {}\n```\n\n",
        dest.display()
    );
    s += "## Network\n\n";
    s += &format!(
        "- U-Net, {} px training size ({} down-blocks; inputs are padded to multiples of {}), \
         ngf {}, {} -> {} channels, dropout {}\n- {:.1} M parameters, {}\n\n",
        m.image_size,
        m.num_downs(),
        m.size_multiple(),
        m.ngf,
        m.in_channels,
        m.out_channels,
        if m.dropout { "0.5 (innermost)" } else { "off" },
        colorizer.parameter_count() as f64 / 1e6,
        storage.describe()
    );
    s += "## Training\n\n";
    s += &format!(
        "- data: `{data}` (see Data below)\n- steps trained: {trained} (of {} configured), batch size {}\n\
         - GAN mode: {gan_mode}{}, lambda L1 {}, lr {}{}\n- exported from: `{}`\n",
        cfg.steps,
        cfg.batch_size,
        if cfg.l1_only { " (L1 only)" } else { "" },
        cfg.lambda_l1,
        cfg.lr,
        if cfg.amp {
            ", bfloat16 autocast (--amp)"
        } else {
            ""
        },
        run.display()
    );
    if let Some(from) = &cfg.init_from {
        s += &format!(
            "- initialised from: `{}` (its generator's weights; a fine-tune with a fresh \
             discriminator and optimisers)\n",
            from.display()
        );
    }
    if let Some(text) = trained_on {
        s += &format!("- hardware and budget: {text}\n");
    }
    s += &format!(
        "- equivalent command: `colorize train --data {data} --out {} --steps {} \
         --batch-size {} --size {} --ngf {} --ndf {} --gan-mode {gan_mode} --lambda-l1 {} \
         --seed {}{}`\n\n",
        run.display(),
        cfg.steps,
        cfg.batch_size,
        m.image_size,
        m.ngf,
        m.ndf,
        cfg.lambda_l1,
        cfg.seed,
        if m.takes_hints() {
            format!(
                " --hint-none-share {} --hint-mean-count {} --hint-spread {}",
                cfg.hints.none_share, cfg.hints.mean_count, m.hint_spread
            )
        } else {
            " --no-hints".to_string()
        } + &cfg
            .init_from
            .as_ref()
            .map_or(String::new(), |p| format!(" --init-from {}", p.display()))
            + if cfg.amp { " --amp" } else { "" }
            + &augment_flags(cfg)
    );
    s += "## Evaluation\n\n";
    match reports {
        Some(Ok(rows)) if !rows.is_empty() => s += &eval_table(rows),
        Some(_) => s += &format!("{EVAL_FILE} could not be read.\n"),
        None => {
            s += &format!(
                "Not evaluated yet: `colorize eval --model {} --data DATASET --baseline gray`.\n",
                dest.display()
            )
        }
    }
    s += &data_section(cfg);
    s
}

/// `--scale-max` and `--rough` as the run used them (nothing when off).
fn augment_flags(cfg: &TrainConfig) -> String {
    let mut s = String::new();
    if cfg.scale_max > 0 {
        s += &format!(" --scale-max {}", cfg.scale_max);
    }
    if cfg.rough > 0.0 {
        s += &format!(" --rough {}", cfg.rough);
    }
    s
}

/// Credit and licence of the datasets colorize's fetch scripts make, recognised by the
/// dataset directory's name.
const CREDITS: &[(&str, &str)] = &[
    (
        "openmoji",
        "OpenMoji (https://openmoji.org), CC BY-SA 4.0: outputs derived from it should credit OpenMoji",
    ),
    (
        "fluent",
        "Fluent Emoji © Microsoft (Flat and High Contrast styles), MIT licence",
    ),
    (
        "streamline",
        "Streamline Emojis by Streamline (https://streamlinehq.com), CC BY 4.0",
    ),
    (
        "dicebear",
        "Adventurer by Lisa Wischofsky via DiceBear (https://dicebear.com), CC BY 4.0 (code MIT)",
    ),
    ("openclipart", "openclipart (https://openclipart.org), public domain"),
    (
        "open-peeps",
        "Open Peeps by Pablo Stanley via DiceBear (https://www.openpeeps.com), CC0 1.0 (code MIT)",
    ),
];

/// The card's data section: each dataset with its weight and, when known, its credit.
fn data_section(cfg: &TrainConfig) -> String {
    let mut s = "\n## Data\n\n".to_string();
    for d in &cfg.data {
        let name = d.name().to_lowercase();
        let credit = CREDITS.iter().find(|(key, _)| name.contains(key)).map_or(
            "credit unknown: see where the dataset came from",
            |(_, c)| c,
        );
        s += &format!("- `{}` (weight {}): {credit}\n", d.path.display(), d.weight);
    }
    s
}

/// A Markdown table of the reports in `eval.json` (`rows` is not empty), one row per
/// dataset, hint count and model or baseline.
fn eval_table(rows: &[EvalReport]) -> String {
    let num = |v: f64, d: usize| format!("{v:.d$}");
    let mut s = format!(
        "Split `{}` (raw network output at the dataset size; `{}` pools every image of \
         the datasets above it):\n\n",
        rows[0].split,
        colorize::eval::ALL_DATA
    );
    s += "| data | pairs | model | hints | L1 | PSNR dB | SSIM | colourfulness | target | ratio | hint fidelity | hue entropy (target) | hue JSD |\n";
    s += "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    // Grouped by dataset (`all` last), in the order the datasets first appear (a stable
    // sort keeps the order within a dataset).
    let order = |d: &str| match d {
        colorize::eval::ALL_DATA => usize::MAX,
        d => rows.iter().position(|r| r.data == d).unwrap_or(0),
    };
    let mut grouped: Vec<&EvalReport> = rows.iter().collect();
    grouped.sort_by_key(|r| order(&r.data));
    for r in grouped {
        let model = if r.model.starts_with("baseline:") {
            r.model.as_str()
        } else {
            "this model"
        };
        let opt = |v: Option<f64>, d: usize| v.map_or("-".into(), |v| num(v, d));
        s += &format!(
            "| {} | {} | {model} | {} | {} | {} | {} | {} | {} | {} | {} | {} ({}) | {} |\n",
            r.data.rsplit('/').next().unwrap_or(&r.data),
            r.count,
            r.hints,
            num(r.l1, 4),
            num(r.psnr, 2),
            num(r.ssim, 4),
            num(r.colourfulness_output, 1),
            num(r.colourfulness_target, 1),
            r.colourfulness_ratio.map_or("n/a".into(), |v| num(v, 3)),
            opt(r.hint_fidelity, 1),
            opt(r.hue_entropy_output, 2),
            opt(r.hue_entropy_target, 2),
            opt(r.hue_jsd, 3)
        );
    }
    s += &format!("\n{}.\n", rows[0].definitions);
    s
}

/// The last step of `RUN/log.jsonl` (`--json-log`): how far a run got when its checkpoints
/// are not there (e.g. a run trained elsewhere, brought back without them).
fn last_logged_step(run: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(run.join(colorize::run_dir::LOG_FILE)).ok()?;
    text.lines().rev().find_map(|l| {
        serde_json::from_str::<serde_json::Value>(l)
            .ok()?
            .get("step")?
            .as_u64()
    })
}
