//! The training loop around `Trainer::step`: data loading, learning-rate schedule,
//! TensorBoard logging, validation metrics and sample grids, checkpoints, Ctrl-C.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use data_prep::manifest::Split;

use super::{StepLosses, Trainer};
use crate::config::TrainConfig;
use crate::data::{Augment, Dataset, Loader, LoaderConfig};
use crate::loss::GanMode;
use crate::run_dir::{self, LOG_FILE};
use crate::summary::SummarySink;
use crate::{Error, Result};

use super::val::{log_validation, ValFigures, ValSet, VAL_HINTS};

/// Where and how `fit` runs.
#[derive(Debug, Clone, Default)]
pub struct FitOptions {
    /// The run directory (config, checkpoints, generator, logs).
    pub run_dir: PathBuf,
    /// Set (by a Ctrl-C handler) to finish the current step, save and return.
    pub stop: Option<Arc<AtomicBool>>,
    /// Also append every logged step's figures to `RUN/log.jsonl`.
    pub json_log: bool,
}

/// What the progress display gets after every step.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Steps completed.
    pub step: u64,
    /// Steps of the whole run.
    pub steps: u64,
    /// Passes over the training split so far (fractional).
    pub epoch: f64,
    /// Learning rate the step used.
    pub lr: f64,
    /// The step's losses.
    pub losses: StepLosses,
    /// Training images per second over the current logging window.
    pub imgs_per_s: f64,
}

/// How `fit` ended.
#[derive(Debug, Clone)]
pub struct FitOutcome {
    /// Steps completed.
    pub step: u64,
    /// The checkpoint written last.
    pub checkpoint: PathBuf,
    /// Stopped early by the stop flag (Ctrl-C).
    pub interrupted: bool,
}

/// Trains until `cfg.steps` (or the stop flag), writing `config.json` before the first
/// step. A NaN/Inf loss returns `Error::NonFinite` without saving anything more.
pub fn fit(
    trainer: &mut Trainer,
    opts: &FitOptions,
    sink: &mut dyn SummarySink,
    on_step: &mut dyn FnMut(&Progress),
) -> Result<FitOutcome> {
    let cfg = trainer.config().clone();
    run_dir::write_train_config(&opts.run_dir, &cfg)?;
    let train = Arc::new(Dataset::open_all(&cfg.data, Split::Train)?);
    let val = ValSet::load(&cfg, &train)?;
    let per_step = cfg.batches_per_step();
    let start = trainer.steps_done() * per_step;
    let mut loader = Loader::new(Arc::clone(&train), loader_config(&cfg), start)?;
    let mut json = opts
        .json_log
        .then(|| JsonLog::open(&opts.run_dir))
        .transpose()?;
    let mut meter = Meter::new();
    let mut saved = None;
    let stopped = || opts.stop.as_ref().is_some_and(|s| s.load(Ordering::SeqCst));
    while trainer.steps_done() < cfg.steps && !stopped() {
        let waiting = Instant::now();
        let batches = (0..per_step)
            .map(|_| loader.next_batch())
            .collect::<Result<Vec<_>>>()?;
        meter.waited += waiting.elapsed().as_secs_f64();
        let lr = cfg.lr_at(trainer.steps_done());
        let losses = trainer.step(&batches)?;
        let step = trainer.steps_done();
        meter.images += per_step * cfg.batch_size as u64;
        let imgs_per_s = meter.imgs_per_s();
        // The run's last step (the end, or Ctrl-C) is always logged, whatever the intervals.
        let last = step == cfg.steps || stopped();
        if step % cfg.log_every == 0 || last {
            log_losses(sink, &cfg, step, lr, &losses, imgs_per_s)?;
            sink.scalar("perf/data_wait_frac", step, meter.wait_fraction())?;
            if let Some(j) = json.as_mut() {
                j.write(step, lr, &losses, imgs_per_s)?;
            }
            meter = Meter::new();
        }
        if step % cfg.val_every == 0 || last {
            let m = val.evaluate(trainer)?;
            log_validation(sink, step, &m)?;
            if let Some(j) = json.as_mut() {
                j.write_val(step, &m)?;
            }
        }
        if step % cfg.sample_every == 0 || last {
            sink.image("samples/line_generated_target", step, &val.grid(trainer)?)?;
        }
        if step % cfg.save_every == 0 {
            saved = Some((step, trainer.save(&opts.run_dir)?));
            sink.flush()?;
        }
        let epoch = (step * per_step * cfg.batch_size as u64) as f64 / train.len() as f64;
        on_step(&Progress {
            step,
            steps: cfg.steps,
            epoch,
            lr,
            losses,
            imgs_per_s,
        });
    }
    let step = trainer.steps_done();
    let checkpoint = match saved {
        Some((s, path)) if s == step => path,
        _ => trainer.save(&opts.run_dir)?,
    };
    sink.flush()?;
    Ok(FitOutcome {
        step,
        checkpoint,
        interrupted: step < cfg.steps,
    })
}

/// Throughput over a logging window, and the share of it spent waiting for data.
struct Meter {
    start: Instant,
    images: u64,
    waited: f64,
}

impl Meter {
    fn new() -> Self {
        Meter {
            start: Instant::now(),
            images: 0,
            waited: 0.0,
        }
    }

    fn imgs_per_s(&self) -> f64 {
        self.images as f64 / self.start.elapsed().as_secs_f64().max(1e-9)
    }

    /// Near 0 when the loader threads keep ahead of the training step.
    fn wait_fraction(&self) -> f64 {
        self.waited / self.start.elapsed().as_secs_f64().max(1e-9)
    }
}

/// How the loop's `Loader` samples for `cfg` (tests build the same one).
pub fn loader_config(cfg: &TrainConfig) -> LoaderConfig {
    LoaderConfig {
        batch_size: cfg.batch_size,
        aug: Augment {
            size: cfg.model.image_size as u32,
            load_size: cfg.load_size,
            flip: cfg.flip,
            scale_max: cfg.scale_max,
            rough: cfg.rough,
        },
        seed: cfg.seed,
        hints: cfg.model.takes_hints().then_some(cfg.hints),
        hint_spread: cfg.model.hint_spread,
        threads: cfg.loader_threads,
        prefetch: 4,
    }
}

/// `loss/*`, `lr`, `perf/imgs_per_s`: the scalar tags docs/training.md documents for TensorBoard
/// (EBGAN adds the energies `loss/E_real`, `loss/E_fake` and the pull-away term `loss/G_pt`).
fn log_losses(
    sink: &mut dyn SummarySink,
    cfg: &TrainConfig,
    step: u64,
    lr: f64,
    l: &StepLosses,
    imgs_per_s: f64,
) -> Result<()> {
    if !cfg.l1_only {
        sink.scalar("loss/D_real", step, l.d_real)?;
        sink.scalar("loss/D_fake", step, l.d_fake)?;
        sink.scalar("loss/G_gan", step, l.g_gan)?;
        if cfg.gan_mode == GanMode::Ebgan {
            sink.scalar("loss/E_real", step, l.e_real)?;
            sink.scalar("loss/E_fake", step, l.e_fake)?;
            sink.scalar("loss/G_pt", step, l.g_pt)?;
        }
    }
    if cfg.gp_lambda.is_some() {
        sink.scalar("loss/D_gp", step, l.d_gp)?;
    }
    sink.scalar("loss/G_L1", step, l.g_l1)?;
    sink.scalar("lr", step, lr)?;
    sink.scalar("perf/imgs_per_s", step, imgs_per_s)
}

/// `RUN/log.jsonl`, appended and flushed line by line.
struct JsonLog {
    path: PathBuf,
    file: File,
}

impl JsonLog {
    fn open(run_dir: &Path) -> Result<Self> {
        let path = run_dir.join(LOG_FILE);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        Ok(JsonLog { path, file })
    }

    fn line(&mut self, value: serde_json::Value) -> Result<()> {
        writeln!(self.file, "{value}").map_err(|e| Error::io(&self.path, e))
    }

    fn write(&mut self, step: u64, lr: f64, l: &StepLosses, imgs_per_s: f64) -> Result<()> {
        self.line(serde_json::json!({
            "step": step, "lr": lr, "losses": l, "imgs_per_s": imgs_per_s,
        }))
    }

    fn write_val(&mut self, step: u64, v: &ValFigures) -> Result<()> {
        let mut line = serde_json::json!({ "step": step, "val": v.plain });
        if let Some(h) = &v.hinted {
            line[format!("val_hints_{VAL_HINTS}")] = serde_json::json!(h);
        }
        if let Some(d) = v.diversity {
            line["val_diversity"] = serde_json::json!(d);
        }
        line["val_mottle"] = serde_json::json!(v.areas.mottle());
        line["val_leak"] = serde_json::json!(v.areas.leak().share());
        self.line(line)
    }
}
