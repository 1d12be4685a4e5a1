//! `colorize export RUN models/NAME`: a self-contained model directory from a training run
//! (`generator.safetensors`, `config.json`, `eval.json` when the run was evaluated) with a
//! `README.md` model card: data, steps, command, eval figures.

use std::path::Path;

use anyhow::{bail, Context};
use colorize::checkpoint;
use colorize::cli::ExportArgs;
use colorize::infer::{self, Colorizer, CONFIG_FILE, WEIGHTS_FILE};
use serde_json::Value;

use super::eval::EVAL_FILE;

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    // Loading validates the run (config present, weights complete and of the right shape)
    // before anything is written.
    let colorizer = Colorizer::load(&args.run, tch::Device::Cpu)
        .with_context(|| format!("{} is not an exportable run", args.run.display()))?;
    let dest = &args.dest;
    if dest.join(WEIGHTS_FILE).exists() && !args.force {
        bail!(
            "{} already holds a model (use --force to replace it)",
            dest.display()
        );
    }
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;

    let mut files = vec![WEIGHTS_FILE, CONFIG_FILE];
    if args.run.join(EVAL_FILE).is_file() {
        files.push(EVAL_FILE);
    }
    for name in &files {
        let (from, to) = (args.run.join(name), dest.join(name));
        let bytes = std::fs::read(&from).with_context(|| format!("reading {}", from.display()))?;
        infer::write_atomic(&to, &bytes)?;
    }
    let card = model_card(&args.run, dest, &colorizer)?;
    infer::write_atomic(&dest.join("README.md"), card.as_bytes())?;
    log::info!("exported {} -> {}", args.run.display(), dest.display());
    println!("{}", dest.display());
    Ok(())
}

/// The model card, from the run's `config.json`, its last checkpoint and `eval.json`.
fn model_card(run: &Path, dest: &Path, colorizer: &Colorizer) -> anyhow::Result<String> {
    let cfg_path = run.join(CONFIG_FILE);
    let cfg: Value = serde_json::from_slice(&std::fs::read(&cfg_path)?)
        .with_context(|| format!("reading {}", cfg_path.display()))?;
    let get = |k: &str| match cfg.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => "?".into(),
    };
    let m = colorizer.model_config();
    let name = dest.file_name().unwrap_or_default().to_string_lossy();
    let trained = checkpoint::latest_checkpoint(run)
        .ok()
        .flatten()
        .map_or_else(|| "?".to_string(), |(step, _)| step.to_string());
    let data = get("data");
    let mut s = format!("# {name}\n\n");
    s += "A colorize line-art colouring model: a pix2pix U-Net generator \
          (`generator.safetensors`) and the training configuration it came from \
          (`config.json`).\n\n";
    s += &format!(
        "```\ncolorize infer sketch.png --model {}\n```\n\n",
        dest.display()
    );
    s += "## Network\n\n";
    s += &format!(
        "- U-Net, {} px training size ({} down-blocks; inputs are padded to multiples of {}), \
         ngf {}, {} -> {} channels, dropout {}\n- {:.1} M parameters\n\n",
        m.image_size,
        m.num_downs(),
        m.size_multiple(),
        m.ngf,
        m.in_channels,
        m.out_channels,
        if m.dropout { "0.5 (innermost)" } else { "off" },
        colorizer.parameter_count() as f64 / 1e6
    );
    s += "## Training\n\n";
    s += &format!(
        "- data: `{data}`\n- steps trained: {trained} (of {} configured), batch size {}\n\
         - GAN mode: {}{}, lambda L1 {}, lr {}\n- exported from: `{}`\n",
        get("steps"),
        get("batch_size"),
        get("gan_mode"),
        if cfg.get("l1_only") == Some(&Value::Bool(true)) {
            " (L1 only)"
        } else {
            ""
        },
        get("lambda_l1"),
        get("lr"),
        run.display()
    );
    s += &format!(
        "- equivalent command: `colorize train --data {data} --out {} --steps {} \
         --batch-size {} --size {} --ngf {} --ndf {} --gan-mode {} --lambda-l1 {} --seed {}`\n\n",
        run.display(),
        get("steps"),
        get("batch_size"),
        m.image_size,
        m.ngf,
        m.ndf,
        get("gan_mode"),
        get("lambda_l1"),
        get("seed")
    );
    s += "## Evaluation\n\n";
    match std::fs::read(run.join(EVAL_FILE)) {
        Ok(bytes) => {
            let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
            s += &eval_table(&v);
        }
        Err(_) => {
            s += &format!(
                "Not evaluated yet: `colorize eval --model {} --data DATASET --baseline gray`.\n",
                dest.display()
            )
        }
    }
    if data.to_lowercase().contains("openmoji") {
        s += "\n## Data licence\n\nTrained on OpenMoji (https://openmoji.org, the open-source \
              emoji and icon project), licensed CC BY-SA 4.0: outputs derived from it should \
              credit OpenMoji.\n";
    }
    Ok(s)
}

/// A Markdown table of the reports in `eval.json` (an array of `EvalReport`).
fn eval_table(v: &Value) -> String {
    let Some(rows) = v.as_array().filter(|r| !r.is_empty()) else {
        return "eval.json could not be read.\n".into();
    };
    let num = |r: &Value, k: &str, d: usize| match &r[k] {
        Value::Number(n) => format!("{:.*}", d, n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => s.clone(),
        _ => "n/a".into(),
    };
    let mut s = format!(
        "Split `{}` of `{}`, {} pairs (raw network output at the dataset size):\n\n",
        rows[0]["split"].as_str().unwrap_or("?"),
        rows[0]["data"].as_str().unwrap_or("?"),
        rows[0]["count"]
    );
    s += "| model | L1 | PSNR dB | SSIM | colourfulness | target | ratio |\n";
    s += "|---|---|---|---|---|---|---|\n";
    for r in rows {
        let model = r["model"].as_str().unwrap_or("?");
        let model = if model.starts_with("baseline:") {
            model.to_string()
        } else {
            "this model".to_string()
        };
        s += &format!(
            "| {model} | {} | {} | {} | {} | {} | {} |\n",
            num(r, "l1", 4),
            num(r, "psnr", 2),
            num(r, "ssim", 4),
            num(r, "colourfulness_output", 1),
            num(r, "colourfulness_target", 1),
            num(r, "colourfulness_ratio", 3)
        );
    }
    if let Some(d) = rows[0]["definitions"].as_str() {
        s += &format!("\n{d}.\n");
    }
    s
}
