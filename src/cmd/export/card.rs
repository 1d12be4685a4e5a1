//! The model card (`README.md`) that `colorize export` writes beside the weights: network,
//! training, evaluation table, data credits.

use std::path::Path;

use clap::ValueEnum;
use colorize::checkpoint::{self, Storage};
use colorize::config::TrainConfig;
use colorize::eval::EvalReport;
use colorize::infer::Colorizer;
use colorize::run_dir::{CONFIG_FILE, EVAL_FILE, GENERATOR_FILE};

/// The name of a value as `colorize train` takes it on the command line (`wgan-gp`).
fn flag_value(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string())
}

/// The model card, from the run's config, its last checkpoint and `eval.json`.
pub(super) fn model_card(
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
