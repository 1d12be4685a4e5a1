//! `colorize train`: arguments -> `TrainConfig` (`config_from_args`), run directory checks,
//! Ctrl-C, progress bar.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{bail, Context};
use colorize::checkpoint;
use colorize::config::{
    TrainConfig, DEFAULT_EPOCHS, DEFAULT_GAN_MODE, PLAIN_CHANNELS, RMSPROP_BETAS,
};
use colorize::data::Dataset;
use colorize::loss::GanMode;
use colorize::optim::OptimKind;
use colorize::run_dir::{self, CONFIG_FILE, GENERATOR_FILE};
use colorize::summary::EventWriter;
use colorize::train::{self, FitOptions, Progress, Trainer};
use colorize::Error;
use data_prep::manifest::Split;
use data_prep::{exit, outln};
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::TrainArgs;

/// Trains; `ExitCode::SUCCESS` when every step ran, [`exit::INTERRUPTED`] when Ctrl-C
/// stopped the run after its checkpoint was saved.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    let (run_dir, base, resume_from) = plan_run(&args)?;
    let device = args.device.resolve()?;
    let data = if args.data.is_empty() {
        base.as_ref().map(|b| b.data.clone()).unwrap_or_default()
    } else {
        args.data.clone()
    };
    if data.is_empty() {
        bail!("--data is required");
    }
    let train_set = Dataset::open_all(&data, Split::Train)?;
    let cfg = config_from_args(&args, base.as_ref(), train_set.epoch_len())?;
    // Before any tensor work. A resumed run keeps its recorded count unless --threads says
    // otherwise (`config_from_args`): bit-exact resume.
    colorize::device::set_threads(cfg.threads);
    let mut trainer = match &resume_from {
        Some(ckpt) => Trainer::resume(cfg, device, ckpt)
            .with_context(|| format!("resuming from {}", ckpt.display()))?,
        None => {
            let init = cfg.init_from.clone();
            let mut t = Trainer::new(cfg, device)?;
            if let Some(model) = init {
                t.init_generator_from(&model)
                    .with_context(|| format!("--init-from {}", model.display()))?;
                log::info!("generator initialised from {}", model.display());
            }
            t
        }
    };
    let cfg = trainer.config().clone();
    if cfg.amp && !trainer.device().is_cuda() && !cpu_has_bf16() {
        log::warn!(
            "--amp on a CPU without AVX512-BF16 or AMX: bfloat16 is emulated, slower than \
             float32 here"
        );
    }
    if cfg.data.len() > 1 {
        for (src, n) in cfg.data.iter().zip(train_set.counts()) {
            log::info!("  {src}: {n} training pairs");
        }
    }
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
        bar.set_message(progress_message(p, &cfg));
        bar.set_position(p.step);
        if quiet_bar && (p.step % cfg.log_every == 0 || p.step == p.steps) {
            log::info!("step {}/{} {}", p.step, p.steps, progress_message(p, &cfg));
        }
    };
    let result = train::fit(&mut trainer, &opts, &mut sink, &mut on_step);
    bar.finish_and_clear();
    let outcome = result.with_context(|| format!("training run {}", run_dir.display()))?;
    let gen = run_dir.join(GENERATOR_FILE);
    if outcome.interrupted {
        outln!(
            "interrupted after step {}: saved {}; continue with: colorize train --resume {}",
            outcome.step,
            outcome.checkpoint.display(),
            run_dir.display()
        )?;
        // Saved, but the run did not finish: scripts (`make demo`) must not go on as if
        // it had. 130 is what a shell reports for a command stopped by SIGINT.
        return Ok(ExitCode::from(exit::INTERRUPTED));
    }
    outln!(
        "trained {} steps: {} (checkpoint {}); TensorBoard: tensorboard --logdir {}",
        outcome.step,
        gen.display(),
        outcome.checkpoint.display(),
        run_dir.display()
    )?;
    Ok(ExitCode::from(exit::SUCCESS))
}

/// Turns the command line into a config: the `--gan-mode`'s defaults (or the resumed run's
/// config, `base`) overridden by every flag given. `train_pairs` converts `--epochs` to
/// steps. Resuming refuses a different model shape, GAN mode or optimiser.
fn config_from_args(
    args: &TrainArgs,
    base: Option<&TrainConfig>,
    train_pairs: usize,
) -> colorize::Result<TrainConfig> {
    let hp = &args.hp;
    let mode = hp
        .gan_mode
        .or(base.map(|b| b.gan_mode))
        .unwrap_or(DEFAULT_GAN_MODE);
    let data = match (&args.data[..], base) {
        ([], Some(b)) => b.data.clone(),
        ([], None) => return Err(Error::Config("--data is required".into())),
        (given, _) => given.to_vec(),
    };
    let fresh = base.is_none();
    let mut c = base
        .cloned()
        .unwrap_or_else(|| TrainConfig::for_mode(mode, data[0].path.clone()));
    c.data = data;
    c.gan_mode = mode;
    let m = &mut c.model;
    set(&mut m.image_size, hp.size);
    set(&mut m.ngf, hp.ngf);
    set(&mut m.ndf, hp.ndf);
    set(&mut m.n_layers_d, hp.n_layers_d);
    set(&mut m.norm_d, hp.norm);
    m.dropout &= !hp.no_dropout;
    if hp.no_hints {
        m.in_channels = PLAIN_CHANNELS;
        m.hint_spread = 0;
    }
    set(&mut c.hints.none_share, hp.hint_none_share);
    set(&mut c.hints.mean_count, hp.hint_mean_count);
    set(&mut c.model.hint_spread, hp.hint_spread);
    c.load_size = hp.load_size.unwrap_or(if fresh {
        c.model.image_size as u32
    } else {
        c.load_size
    });
    c.l1_only |= hp.l1_only;
    c.amp |= args.amp;
    if let Some(m) = &args.init_from {
        c.init_from = Some(m.clone());
    }
    c.flip &= !hp.no_flip;
    set(&mut c.scale_max, hp.scale_max);
    set(&mut c.rough, hp.rough);
    set(&mut c.lambda_l1, hp.lambda_l1);
    set(&mut c.batch_size, hp.batch_size);
    if hp.optimizer == Some(OptimKind::RmsProp) && c.optimizer != OptimKind::RmsProp {
        // RMSprop's own defaults (no momentum, alpha 0.99) unless given.
        (c.beta1, c.beta2) = RMSPROP_BETAS;
    }
    set(&mut c.optimizer, hp.optimizer);
    set(&mut c.lr, hp.lr);
    set(&mut c.beta1, hp.beta1);
    set(&mut c.beta2, hp.beta2);
    set(&mut c.weight_decay, hp.weight_decay);
    set(&mut c.n_critic, hp.n_critic);
    c.clip = hp.clip.or(c.clip);
    c.gp_lambda = hp.gp_lambda.or(c.gp_lambda);
    c.margin = hp.margin.or(c.margin);
    c.pt_weight = hp.pt_weight.or(c.pt_weight);
    set(&mut c.seed, hp.seed);
    set(&mut c.save_every, hp.save_every);
    set(&mut c.keep, hp.keep);
    set(&mut c.log_every, hp.log_every);
    set(&mut c.sample_every, hp.sample_every);
    set(&mut c.num_samples, hp.num_samples);
    set(&mut c.val_every, hp.val_every);
    set(&mut c.val_pairs, hp.val_pairs);
    set(&mut c.loader_threads, hp.loader_threads);
    c.threads = args.threads.or(c.threads);
    // A new run with neither --steps nor --epochs trains pix2pix's 200 epochs.
    let default_epochs = (fresh && args.steps.is_none()).then_some(DEFAULT_EPOCHS);
    if let Some(epochs) = args.epochs.or(default_epochs) {
        let per_step = (c.batch_size as u64 * c.batches_per_step()) as f64;
        c.steps = (epochs * train_pairs as f64 / per_step).ceil().max(1.0) as u64;
    }
    set(&mut c.steps, args.steps);
    // pix2pix: half the run at constant lr, half decaying.
    let default_decay = if fresh {
        c.steps / 2
    } else {
        c.decay_steps.min(c.steps)
    };
    c.decay_steps = hp.decay_steps.unwrap_or(default_decay);
    if let Some(b) = base {
        check_resumable(b, &c)?;
    }
    c.validate()?;
    Ok(c)
}

/// Overwrites `field` with the flag's value when the flag was given.
fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// A resumed run must keep what its checkpoint's tensors depend on.
fn check_resumable(old: &TrainConfig, new: &TrainConfig) -> colorize::Result<()> {
    if old.model != new.model {
        return Err(Error::Config(format!(
            "refusing to resume: the model's shape would change (checkpoint: {:?}; asked for: {:?})",
            old.model, new.model
        )));
    }
    if old.gan_mode != new.gan_mode || old.optimizer != new.optimizer || old.l1_only != new.l1_only
    {
        return Err(Error::Config(
            "refusing to resume: --gan-mode, --optimizer and --l1-only must stay as the run started".into(),
        ));
    }
    Ok(())
}

/// The run directory, the config to resume (if any) and its latest checkpoint. A fresh run
/// refuses a directory that already holds one, so nothing is overwritten by accident.
fn plan_run(args: &TrainArgs) -> anyhow::Result<(PathBuf, Option<TrainConfig>, Option<PathBuf>)> {
    let Some(src) = &args.resume else {
        let out = args.out.clone().context("--out is required")?;
        refuse_existing_run(&out, "--resume it")?;
        return Ok((out, None, None));
    };
    let base = run_dir::read_train_config(src).context("cannot resume")?;
    let out = args.out.clone().unwrap_or_else(|| src.clone());
    if !data_prep::fs::same_file(&out, src) {
        refuse_existing_run(&out, "pick an empty --out")?;
    }
    // A run stopped before its first checkpoint (killed, power cut) has its config.json and
    // nothing else: it starts again from step 0 with that config, which is what resuming
    // from "no steps done" means (a fresh run would refuse the directory).
    let Some((step, ckpt)) = checkpoint::latest_checkpoint(src)? else {
        log::info!("{}: no checkpoint yet, starting from step 0", src.display());
        return Ok((out, Some(base), None));
    };
    log::info!("resuming {} from step {step}", src.display());
    Ok((out, Some(base), Some(ckpt)))
}

fn refuse_existing_run(out: &Path, hint: &str) -> anyhow::Result<()> {
    if out.join(CONFIG_FILE).exists() {
        bail!(
            "{} already holds a training run ({CONFIG_FILE}); {hint} or choose another --out",
            out.display()
        );
    }
    Ok(())
}

/// First Ctrl-C: finish the step, save, exit. A second one exits at once.
fn install_ctrl_c(stop: Arc<AtomicBool>) {
    let result = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            eprintln!("\nsecond Ctrl-C: exiting without saving");
            std::process::exit(exit::INTERRUPTED.into());
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

fn progress_message(p: &Progress, cfg: &TrainConfig) -> String {
    let l = &p.losses;
    let gan = if cfg.l1_only {
        String::new()
    } else if cfg.gan_mode == GanMode::Ebgan {
        // Energies of real / fake pairs (D pushes fakes up to the margin), pull-away term.
        format!("E {:.4}/{:.4} PT {:.3} ", l.e_real, l.e_fake, l.g_pt)
    } else {
        format!("D {:.3}/{:.3} G {:.3} ", l.d_real, l.d_fake, l.g_gan)
    };
    format!(
        "ep {:.2} {gan}L1 {:.4} lr {:.2e} {:.2} img/s",
        p.epoch, l.g_l1, p.lr, p.imgs_per_s
    )
}

/// Whether this CPU computes bfloat16 natively (oneDNN's bf16 kernels: AVX512-BF16 or AMX),
/// from the flags Linux lists in /proc/cpuinfo (elsewhere: assumed not).
fn cpu_has_bf16() -> bool {
    std::fs::read_to_string("/proc/cpuinfo").is_ok_and(|info| {
        info.lines().filter(|l| l.starts_with("flags")).any(|l| {
            l.split_whitespace()
                .any(|f| f == "avx512_bf16" || f == "amx_bf16")
        })
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use colorize::config::{DataSource, NormKind};
    use colorize::loss::GanMode;

    use super::*;

    fn args(data: &str) -> TrainArgs {
        TrainArgs {
            data: vec![DataSource::new(data)],
            out: Some(PathBuf::from("run")),
            ..TrainArgs::default()
        }
    }

    #[test]
    fn each_mode_gets_its_paper_defaults_unless_overridden() {
        let mut a = args("d");
        a.hp.gan_mode = Some(GanMode::Wgan);
        let c = config_from_args(&a, None, 100).unwrap();
        assert_eq!(
            (c.optimizer, c.lr, c.n_critic, c.clip),
            (OptimKind::RmsProp, 5e-5, 5, Some(0.01))
        );
        a.hp.gan_mode = Some(GanMode::WganGp);
        a.hp.lr = Some(3e-4);
        let c = config_from_args(&a, None, 100).unwrap();
        assert_eq!((c.lr, c.beta2, c.gp_lambda), (3e-4, 0.9, Some(10.0)));
        assert_eq!(c.model.norm_d, NormKind::Instance);
        a.hp.optimizer = Some(OptimKind::RmsProp);
        let c = config_from_args(&a, None, 100).unwrap();
        assert_eq!(
            (c.optimizer, c.beta1, c.beta2, c.lr),
            (OptimKind::RmsProp, 0.0, 0.99, 3e-4)
        );
        a.hp.optimizer = None;
        a.hp.norm = Some(NormKind::Batch);
        let err = config_from_args(&a, None, 100).unwrap_err();
        assert!(err.to_string().contains("batch norm"), "{err}");
    }

    #[test]
    fn ebgan_takes_a_margin_and_a_pull_away_weight() {
        let mut a = args("d");
        a.hp.gan_mode = Some(GanMode::Ebgan);
        let c = config_from_args(&a, None, 100).unwrap();
        assert_eq!(
            (c.margin, c.pt_weight, c.optimizer, c.lr),
            (
                Some(colorize::config::EBGAN_MARGIN),
                Some(0.1),
                OptimKind::Adam,
                2e-4
            )
        );
        (a.hp.margin, a.hp.pt_weight) = (Some(0.5), Some(0.0));
        let c = config_from_args(&a, None, 100).unwrap();
        assert_eq!((c.margin, c.pt_weight), (Some(0.5), Some(0.0)));
        a.hp.margin = Some(0.0);
        let err = config_from_args(&a, None, 100).unwrap_err();
        assert!(err.to_string().contains("--margin > 0"), "{err}");
        a.hp.gan_mode = Some(GanMode::Lsgan);
        a.hp.margin = Some(0.5);
        let err = config_from_args(&a, None, 100).unwrap_err();
        assert!(err.to_string().contains("ebgan only"), "{err}");
    }

    #[test]
    fn epochs_become_steps_and_half_decay() {
        let mut a = args("d");
        a.epochs = Some(2.0);
        a.hp.batch_size = Some(4);
        let c = config_from_args(&a, None, 10).unwrap();
        assert_eq!((c.steps, c.decay_steps), (5, 2)); // ceil(2 * 10 / 4)
        a.hp.gan_mode = Some(GanMode::WganGp); // 5 batches per step
        let c = config_from_args(&a, None, 10).unwrap();
        assert_eq!(c.steps, 1);
    }

    #[test]
    fn resume_keeps_the_run_and_refuses_a_new_shape() {
        let mut a = args("d");
        a.hp.ngf = Some(8);
        a.hp.lr = Some(1e-3);
        a.steps = Some(10);
        let base = config_from_args(&a, None, 10).unwrap();
        let mut r = TrainArgs {
            steps: Some(20),
            ..TrainArgs::default()
        };
        let c = config_from_args(&r, Some(&base), 10).unwrap();
        assert_eq!(
            (c.model.ngf, c.lr, c.steps, c.data.clone()),
            (8, 1e-3, 20, base.data.clone())
        );
        r.hp.ngf = Some(16);
        let err = config_from_args(&r, Some(&base), 10).unwrap_err();
        assert!(err.to_string().contains("shape"), "{err}");
        r.hp.ngf = None;
        r.hp.gan_mode = Some(GanMode::Wgan);
        assert!(config_from_args(&r, Some(&base), 10).is_err());
    }
}
