//! `colorize train`: arguments -> `TrainConfig`, run directory checks, Ctrl-C, progress bar.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use colorize::checkpoint;
use colorize::cli::TrainArgs;
use colorize::config::{TrainConfig, CONFIG_FILE};
use colorize::data::Dataset;
use colorize::summary::EventWriter;
use colorize::train::{self, FitOptions, Progress, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

/// Exit status of a run stopped by Ctrl-C (after saving, or at once on a second Ctrl-C).
const INTERRUPTED_EXIT: u8 = 130;

/// Trains; `ExitCode::SUCCESS` when every step ran, [`INTERRUPTED_EXIT`] when Ctrl-C
/// stopped the run after its checkpoint was saved.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    colorize::device::set_threads(args.threads);
    let device = args.device.resolve()?;
    let (run_dir, base, resume_from) = plan_run(&args)?;
    let data = args
        .data
        .clone()
        .or_else(|| base.as_ref().map(|b| b.data.clone()))
        .context("--data is required")?;
    let train_set = Dataset::open(&data, "train")?;
    let cfg = TrainConfig::from_args(&args, base.as_ref(), train_set.len())?;
    let mut trainer = match &resume_from {
        Some(ckpt) => Trainer::resume(cfg, device, ckpt)
            .with_context(|| format!("resuming from {}", ckpt.display()))?,
        None => Trainer::new(cfg, device)?,
    };
    let cfg = trainer.config().clone();
    log::info!(
        "{} training pairs, {} px, ngf {}, {:?}{}, batch {}, steps {} -> {} on {device:?}",
        train_set.len(),
        cfg.model.image_size,
        cfg.model.ngf,
        cfg.gan_mode,
        if cfg.l1_only { " (L1 only)" } else { "" },
        cfg.batch_size,
        trainer.steps_done(),
        cfg.steps,
        device = trainer.device()
    );
    let stop = Arc::new(AtomicBool::new(false));
    install_ctrl_c(Arc::clone(&stop));
    let mut sink = EventWriter::create(&run_dir)?;
    let opts = FitOptions {
        run_dir: run_dir.clone(),
        stop: Some(stop),
        json_log: args.json_log,
    };
    let bar = progress_bar(trainer.steps_done(), cfg.steps);
    let quiet_bar = bar.is_hidden();
    let mut on_step = |p: &Progress| {
        bar.set_message(progress_message(p, cfg.l1_only));
        bar.set_position(p.step);
        if quiet_bar && (p.step % cfg.log_every == 0 || p.step == p.steps) {
            log::info!(
                "step {}/{} {}",
                p.step,
                p.steps,
                progress_message(p, cfg.l1_only)
            );
        }
    };
    let result = train::fit(&mut trainer, &opts, &mut sink, &mut on_step);
    bar.finish_and_clear();
    let outcome = result.with_context(|| format!("training run {}", run_dir.display()))?;
    let gen = run_dir.join(checkpoint::GENERATOR_FILE);
    if outcome.interrupted {
        println!(
            "interrupted after step {}: saved {}; continue with: colorize train --resume {}",
            outcome.step,
            outcome.checkpoint.display(),
            run_dir.display()
        );
        // Saved, but the run did not finish: scripts (`make demo`) must not go on as if
        // it had. 130 is what a shell reports for a command stopped by SIGINT.
        return Ok(ExitCode::from(INTERRUPTED_EXIT));
    }
    println!(
        "trained {} steps: {} (checkpoint {}); TensorBoard: tensorboard --logdir {}",
        outcome.step,
        gen.display(),
        outcome.checkpoint.display(),
        run_dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The run directory, the config to resume (if any) and its latest checkpoint. A fresh run
/// refuses a directory that already holds one, so nothing is overwritten by accident.
fn plan_run(args: &TrainArgs) -> anyhow::Result<(PathBuf, Option<TrainConfig>, Option<PathBuf>)> {
    let Some(src) = &args.resume else {
        let out = args.out.clone().context("--out is required")?;
        refuse_existing_run(&out, "--resume it")?;
        return Ok((out, None, None));
    };
    let base = TrainConfig::load(src).context("cannot resume")?;
    let (step, ckpt) = checkpoint::latest_checkpoint(src)?
        .with_context(|| format!("{}: no checkpoint to resume from", src.display()))?;
    let out = args.out.clone().unwrap_or_else(|| src.clone());
    if !same_dir(&out, src) {
        refuse_existing_run(&out, "pick an empty --out")?;
    }
    log::info!("resuming {} from step {step}", src.display());
    Ok((out, Some(base), Some(ckpt)))
}

fn refuse_existing_run(out: &Path, hint: &str) -> anyhow::Result<()> {
    if out.join(CONFIG_FILE).exists() {
        bail!(
            "{} already holds a training run (config.json); {hint} or choose another --out",
            out.display()
        );
    }
    Ok(())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// First Ctrl-C: finish the step, save, exit. A second one exits at once.
fn install_ctrl_c(stop: Arc<AtomicBool>) {
    let result = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            eprintln!("\nsecond Ctrl-C: exiting without saving");
            std::process::exit(INTERRUPTED_EXIT.into());
        }
        eprintln!(
            "\nCtrl-C: finishing this step, then saving a checkpoint (Ctrl-C again to abort)"
        );
    });
    if let Err(e) = result {
        log::warn!("cannot install the Ctrl-C handler ({e}); Ctrl-C will not save");
    }
}

fn progress_bar(done: u64, steps: u64) -> ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(steps)
    } else {
        ProgressBar::hidden()
    };
    bar.set_position(done);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] step {pos}/{len} {msg} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}

fn progress_message(p: &Progress, l1_only: bool) -> String {
    let l = &p.losses;
    let gan = if l1_only {
        String::new()
    } else {
        format!("D {:.3}/{:.3} G {:.3} ", l.d_real, l.d_fake, l.g_gan)
    };
    format!(
        "ep {:.2} {gan}L1 {:.4} lr {:.2e} {:.2} img/s",
        p.epoch, l.g_l1, p.lr, p.imgs_per_s
    )
}
