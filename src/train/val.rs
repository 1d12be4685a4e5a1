//! Validation during training: fixed pairs decoded once, scored at 0 hints (and, for a
//! model with hint channels, at `VAL_HINTS` evaluation dots), mottle and leak over the
//! line art's areas (found once) of the outputs finished in the `soft` style, the diversity
//! of `VAL_DIVERSITY_SAMPLES` dropout samples (models with dropout), and the sample grid.

use image::{GrayImage, RgbImage};
use tch::{Device, Tensor};

use super::Trainer;
use crate::config::TrainConfig;
use crate::data::Dataset;
use crate::eval::{AreaPool, PairAreas};
use crate::hint_sim::eval_hints;
use crate::hints::{draw_over_line, hint_channels};
use crate::infer::{self, WorkCanvas};
use crate::metrics::{mean_pairwise_l1, ImageMetrics, MetricsMean, Planes, DIVERSITY_SEED};
use crate::model::generator::ForwardMode;
use crate::summary::SummarySink;
use crate::tensor_image::{rgb_to_tensor, tensor_to_rgb};
use crate::Result;
use data_prep::manifest::Split;

/// Evaluation dots per validation image for the hinted figures (`val/PSNR_hints_20`).
pub const VAL_HINTS: usize = 20;

/// Dropout samples per validation pair for `val/diversity`.
pub const VAL_DIVERSITY_SAMPLES: usize = 3;

/// Validation figures of one step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ValFigures {
    /// Without hints (every model).
    pub plain: MetricsMean,
    /// With `VAL_HINTS` dots per image (models with hint channels).
    pub hinted: Option<MetricsMean>,
    /// Mean pairwise L1 between `VAL_DIVERSITY_SAMPLES` dropout samples per pair, without
    /// hints (`crate::metrics::diversity`); `None` for a generator without dropout.
    pub diversity: Option<f64>,
    /// Mottle and leak (`crate::metrics::areas`) of the outputs without hints, finished in
    /// the `soft` style (the lines laid over, as `colorize eval` scores by default).
    #[serde(skip)]
    pub areas: AreaPool,
}

/// The hints of the validation pairs: `[N, 4, S, S]` channels and `[N, 3, S, S]` overlays.
struct ValHints {
    channels: Tensor,
    overlay: Tensor,
}

/// One validation pair as images, with its line art's areas (found once, at load).
struct ValPair {
    line: GrayImage,
    target: RgbImage,
    areas: PairAreas,
}

/// Fixed validation pairs, decoded once: `line [N, 1, S, S]`, `color [N, 3, S, S]`.
pub(super) struct ValSet {
    line: Tensor,
    color: Tensor,
    pairs: Vec<ValPair>,
    hints: Option<ValHints>,
    num_samples: i64,
}

impl ValSet {
    /// The first pairs of the val split, or of the training split when there is none.
    pub(super) fn load(cfg: &TrainConfig, train: &Dataset) -> Result<Self> {
        let n = cfg.val_pairs.max(cfg.num_samples).max(1);
        let val = Dataset::open_all(&cfg.data, Split::Val)?;
        let set = if val.is_empty() {
            log::warn!(
                "the dataset has no `val` split: validation and samples use the first {} \
                 training pairs (flattering figures)",
                n.min(train.len())
            );
            train.truncated(n)
        } else {
            val.truncated(n)
        };
        let aug = super::loader_config(cfg).aug;
        let pairs = (0..set.len())
            .map(|i| set.eval_images(i, &aug))
            .collect::<Result<Vec<_>>>()?;
        let stack = |f: &dyn Fn(usize) -> Tensor| {
            Tensor::stack(&(0..pairs.len()).map(f).collect::<Vec<_>>(), 0)
        };
        let hints = cfg.model.takes_hints().then(|| {
            let maps: Vec<_> = (0..pairs.len())
                .map(|i| eval_hints(&pairs[i].0, &pairs[i].1, VAL_HINTS, i))
                .collect();
            ValHints {
                channels: stack(&|i| hint_channels(&pairs[i].0, &maps[i], cfg.model.hint_spread)),
                overlay: stack(&|i| rgb_to_tensor(&draw_over_line(&pairs[i].0, &maps[i]))),
            }
        });
        let num_samples = cfg.num_samples.min(pairs.len()) as i64;
        Ok(ValSet {
            line: stack(&|i| crate::tensor_image::gray_to_tensor(&pairs[i].0)),
            color: stack(&|i| rgb_to_tensor(&pairs[i].1)),
            hints,
            pairs: pairs
                .into_iter()
                .map(|(line, target)| ValPair {
                    areas: PairAreas::of(&line),
                    line,
                    target,
                })
                .collect(),
            num_samples,
        })
    }

    /// The generator's output (in `mode`) for the first `n` pairs, with their hints or
    /// without.
    fn generate(&self, trainer: &Trainer, n: i64, hinted: bool, mode: ForwardMode) -> Tensor {
        let line = self.line.narrow(0, 0, n);
        let input = match (&self.hints, hinted) {
            (Some(h), true) => Tensor::cat(&[line, h.channels.narrow(0, 0, n)], 1),
            _ => line, // `Trainer::generate` adds empty hints where the model takes them
        };
        let chunks: Vec<Tensor> = input
            .split(8, 0)
            .iter()
            .map(|x| trainer.generate_mode(x, mode).to_device(Device::Cpu))
            .collect();
        Tensor::cat(&chunks, 0)
    }

    /// `val/diversity`: `VAL_DIVERSITY_SAMPLES` outputs of every pair (no hints) with dropout
    /// on and BatchNorm in eval mode, libtorch's RNG seeded with `DIVERSITY_SEED` (the next
    /// training step re-seeds it, so training draws are unaffected).
    fn diversity(&self, trainer: &Trainer) -> Result<f64> {
        tch::manual_seed(DIVERSITY_SEED);
        let n = self.line.size()[0];
        let samples: Vec<Tensor> = (0..VAL_DIVERSITY_SAMPLES)
            .map(|_| self.generate(trainer, n, false, ForwardMode::Dropout)) // [N, 3, S, S]
            .collect();
        let per_image = (0..n)
            .map(|i| {
                let of_i = samples
                    .iter()
                    .map(|s| Planes::from_tensor(&s.get(i)))
                    .collect::<Result<Vec<_>>>()?;
                mean_pairwise_l1(&of_i)
            })
            .collect::<Result<Vec<f64>>>()?;
        Ok(per_image.iter().sum::<f64>() / n.max(1) as f64)
    }

    /// The means of the figures, and the outputs `[N, 3, S, S]` they are of.
    fn score(&self, trainer: &Trainer, hinted: bool) -> Result<(MetricsMean, Tensor)> {
        let n = self.line.size()[0];
        let fake = self.generate(trainer, n, hinted, ForwardMode::Eval);
        let per_image = (0..n)
            .map(|i| ImageMetrics::from_tensors(&fake.get(i), &self.color.get(i)))
            .collect::<Result<Vec<_>>>()?;
        Ok((MetricsMean::of(&per_image), fake))
    }

    /// Mottle and leak of the outputs `fake` (`[N, 3, S, S]`) finished in the `soft` style:
    /// the lines laid over the network's colour, as `infer` and `eval` finish it.
    fn areas(&self, fake: &Tensor) -> Result<AreaPool> {
        let mut pool = AreaPool::default();
        for (i, pair) in self.pairs.iter().enumerate() {
            let colour = tensor_to_rgb(&fake.get(i as i64))?;
            let (w, h) = pair.line.dimensions();
            let canvas = WorkCanvas::new(&pair.line, w.max(h), 1); // the sketch itself
            let soft = infer::finish(&colour, &canvas, &pair.line, false);
            pool.add(pair.areas.figures(&soft, &pair.target));
        }
        Ok(pool)
    }

    /// Metrics of every validation pair, without hints and (hint models) with them.
    pub(super) fn evaluate(&self, trainer: &Trainer) -> Result<ValFigures> {
        let (plain, fake) = self.score(trainer, false)?;
        Ok(ValFigures {
            plain,
            areas: self.areas(&fake)?,
            hinted: match self.hints {
                Some(_) => Some(self.score(trainer, true)?.0),
                None => None,
            },
            diversity: if trainer.has_dropout() {
                Some(self.diversity(trainer)?)
            } else {
                None
            },
        })
    }

    /// One row per sample: line | generated | target; for a model with hints
    /// line | generated without hints | hints over the line | generated with them | target.
    pub(super) fn grid(&self, trainer: &Trainer) -> Result<RgbImage> {
        let n = self.num_samples.max(1);
        let line = self.line.narrow(0, 0, n).repeat([1, 3, 1, 1]); // grey -> [N, 3, S, S]
        let mut columns = vec![line, self.generate(trainer, n, false, ForwardMode::Eval)];
        if let Some(h) = &self.hints {
            columns.push(h.overlay.narrow(0, 0, n));
            columns.push(self.generate(trainer, n, true, ForwardMode::Eval));
        }
        columns.push(self.color.narrow(0, 0, n));
        let rows = Tensor::cat(&columns, 3); // [N, 3, S, k*S]
        let grid = rows.permute([1, 0, 2, 3]).reshape([3, -1, rows.size()[3]]); // [3, N*S, k*S]
        tensor_to_rgb(&grid)
    }
}

/// `val/L1`, `val/PSNR`, `val/SSIM`, `val/colourfulness[_ratio]`, `val/hue_entropy`,
/// `val/hue_jsd`, `val/mottle`, `val/leak` without hints, `val/diversity` for a model with
/// dropout, and for a model with hints `val/PSNR_hints_0` and `val/PSNR_hints_20`
/// (+ `val/SSIM_hints_20`). `val/mottle` and `val/leak` only when defined (an area to
/// score; neighbouring areas of different target colours).
pub(super) fn log_validation(sink: &mut dyn SummarySink, step: u64, v: &ValFigures) -> Result<()> {
    let m = &v.plain;
    sink.scalar("val/L1", step, m.l1)?;
    sink.scalar("val/PSNR", step, m.psnr_of_mean_mse)?;
    sink.scalar("val/SSIM", step, m.ssim)?;
    sink.scalar("val/colourfulness", step, m.colourfulness)?;
    if let Some(r) = m.colourfulness_ratio {
        sink.scalar("val/colourfulness_ratio", step, r)?;
    }
    if let Some(h) = m.hue_entropy {
        sink.scalar("val/hue_entropy", step, h)?;
    }
    if let Some(jsd) = m.hue_jsd {
        sink.scalar("val/hue_jsd", step, jsd)?;
    }
    if let Some(d) = v.diversity {
        sink.scalar("val/diversity", step, d)?;
    }
    if let Some(m) = v.areas.mottle() {
        sink.scalar("val/mottle", step, m)?;
    }
    if let Some(l) = v.areas.leak().share() {
        sink.scalar("val/leak", step, l)?;
    }
    if let Some(h) = &v.hinted {
        sink.scalar("val/PSNR_hints_0", step, m.psnr_of_mean_mse)?;
        sink.scalar(
            &format!("val/PSNR_hints_{VAL_HINTS}"),
            step,
            h.psnr_of_mean_mse,
        )?;
        sink.scalar(&format!("val/SSIM_hints_{VAL_HINTS}"), step, h.ssim)?;
    }
    Ok(())
}
