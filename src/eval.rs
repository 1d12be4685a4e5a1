//! Evaluation of a model (or a trivial baseline) on a dataset split: mean L1, PSNR, SSIM and
//! colourfulness of the outputs against the targets (definitions in `crate::metrics`), and a
//! contact sheet (line | output | target) of the first examples.
//!
//! A model is judged on its raw network output at the dataset's size (the same figures as
//! training's `val/*` scalars), not on the line-recombined image `colorize infer` writes.

use std::path::Path;

use data_prep::manifest::{Split, MANIFEST_FILE};
use image::{GrayImage, Luma, Rgb, RgbImage};
use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tch::Tensor;

use crate::data::Dataset;
use crate::hint_sim::eval_hints;
use crate::hints::{draw_over_line, hint_channels, hint_fidelity, HintMap};
use crate::infer::{Colorizer, InferOptions};
use crate::metrics::{ImageMetrics, MetricsMean};
use crate::tensor_image::{gray_to_tensor, tensor_to_rgb};
use crate::{Error, Result};

/// Where the scored outputs come from: a trained model, or one of the trivial baselines
/// that put a model's figures in context.
#[derive(Debug)]
pub enum OutputSource<'a> {
    /// A trained generator's raw output at the dataset's size.
    Model {
        /// The loaded model.
        colorizer: &'a Colorizer,
        /// pix2pix's "train mode at test time" (batch statistics + dropout).
        train_mode: bool,
    },
    /// Baseline: the line art itself as grey RGB.
    Gray,
    /// Baseline: a flat image of one colour (`mean_colour` of the train split's targets).
    Flat([u8; 3]),
}

impl OutputSource<'_> {
    /// Outputs for a batch of line-art images and their hints (`None`: no hints; the
    /// baselines ignore hints).
    fn outputs(&self, lines: &[GrayImage], hints: &[Option<HintMap>]) -> Result<Vec<RgbImage>> {
        match self {
            OutputSource::Gray => Ok(lines.iter().map(gray_as_rgb).collect()),
            OutputSource::Flat(c) => Ok(lines
                .iter()
                .map(|l| RgbImage::from_pixel(l.width(), l.height(), Rgb(*c)))
                .collect()),
            OutputSource::Model {
                colorizer,
                train_mode,
            } => {
                let m = colorizer.model_config().size_multiple() as u32;
                let same = lines
                    .iter()
                    .all(|l| l.dimensions() == lines[0].dimensions());
                let (w, h) = lines[0].dimensions();
                let hinted = hints.iter().any(Option::is_some);
                if hinted && !colorizer.model_config().takes_hints() {
                    return Err(Error::NoHintChannels);
                }
                if same && w % m == 0 && h % m == 0 {
                    // One network call for the whole batch.
                    let xs: Vec<Tensor> = lines
                        .iter()
                        .zip(hints)
                        .map(|(l, map)| match map {
                            Some(map) => {
                                let spread = colorizer.model_config().hint_spread;
                                Tensor::cat(&[gray_to_tensor(l), hint_channels(l, map, spread)], 0)
                            }
                            None => gray_to_tensor(l),
                        })
                        .collect();
                    // [B, 1 or 5, H, W] -> [B, 3, H, W]
                    let out = colorizer.forward(&Tensor::stack(&xs, 0), *train_mode);
                    (0..lines.len() as i64)
                        .map(|i| tensor_to_rgb(&out.get(i)))
                        .collect()
                } else {
                    // Sizes the U-Net cannot take directly: the padding pipeline of `infer`.
                    let opts = InferOptions {
                        work_size: Some(w.max(h)),
                        raw: true,
                        train_mode: *train_mode,
                    };
                    lines
                        .iter()
                        .zip(hints)
                        .map(|(l, map)| match map {
                            Some(map) => colorizer.colorize_hinted(l, &map.to_rgba(), &opts),
                            None => colorizer.colorize(l, &opts),
                        })
                        .collect()
                }
            }
        }
    }
}

/// Options of one evaluation.
#[derive(Debug, Clone, Copy)]
pub struct EvalOptions {
    /// The split of the manifest scored.
    pub split: Split,
    /// Evaluate only the first N pairs of the split.
    pub limit: Option<usize>,
    /// Images per network call.
    pub batch_size: usize,
    /// Examples kept for the contact sheet.
    pub sheet_count: usize,
    /// Evaluation dots per image (`hint_sim::eval_hints`: fixed per pair, so every model
    /// sees the same hints); 0 = no hints.
    pub hints: usize,
}

/// The figures `colorize eval` prints (and writes as `eval.json`, read back by
/// `colorize export` for the model card).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EvalReport {
    /// Model directory, or `baseline:gray` / `baseline:mean-color`.
    pub model: String,
    /// The dataset directory.
    pub data: String,
    /// The split of the manifest scored.
    pub split: Split,
    /// Number of pairs scored.
    pub count: usize,
    /// Evaluation dots per image (0: without hints).
    #[serde(default)]
    pub hints: usize,
    /// Hint fidelity: mean |output - hint colour| over every hinted pixel and RGB channel
    /// (0..255 scale); `null` without hints.
    #[serde(default)]
    pub hint_fidelity: Option<f64>,
    /// Mean absolute error on the [-1, 1] scale (as the training loss G_L1).
    pub l1: f64,
    /// PSNR in dB (data range 1) of the mean squared error over all pairs, so one identical
    /// pair does not make it infinite; `"inf"` only when every pair is identical.
    #[serde(serialize_with = "finite_or_inf", deserialize_with = "number_or_inf")]
    pub psnr: f64,
    /// Mean of per-image PSNR (training's `val/PSNR` definition); `"inf"` as soon as one
    /// pair is identical.
    #[serde(serialize_with = "finite_or_inf", deserialize_with = "number_or_inf")]
    pub psnr_mean_per_image: f64,
    /// Pairs whose output equals the target exactly (infinite per-image PSNR).
    pub identical_pairs: usize,
    /// Mean SSIM over pairs (definition in `crate::metrics`).
    pub ssim: f64,
    /// Mean Hasler-Suesstrunk colourfulness of the outputs (0..255 scale).
    pub colourfulness_output: f64,
    /// Mean colourfulness of the targets (0..255 scale).
    pub colourfulness_target: f64,
    /// output / target colourfulness: near 0 for the flat "sepia" collapse, near 1 when the
    /// outputs are as colourful as the targets; `null` when all targets are grey.
    pub colourfulness_ratio: Option<f64>,
    /// How the figures are defined.
    pub definitions: String,
}

const DEFINITIONS: &str = "L1: mean |output - target| on the [-1, 1] scale; PSNR: \
10 log10(1 / MSE) on [0, 1] values with the MSE averaged over all pairs (psnr_mean_per_image: \
the mean of per-image PSNR); SSIM: Wang et al. 2004, 11x11 Gaussian window (sigma 1.5), K1 \
0.01, K2 0.03, data range 1, per RGB channel over valid windows, averaged over pairs; \
colourfulness: Hasler-Suesstrunk 2003 on 0..255 RGB, mean over pairs; hints: N dots of 5 \
pixels per image at positions fixed per pair, on paper inside one colour region, each of the \
mean target colour under it; hint fidelity: mean |output - hint| over all hinted pixels and \
channels on 0..255; outputs are the raw network output at the dataset size, in eval mode \
unless --train-mode";

/// JSON has no infinity: infinite values are written as the strings `"inf"` / `"-inf"`.
fn finite_or_inf<S: Serializer>(v: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(*v)
    } else {
        s.serialize_str(if *v > 0.0 { "inf" } else { "-inf" })
    }
}

/// The inverse of `finite_or_inf`.
fn number_or_inf<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<f64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrText {
        Number(f64),
        Text(String),
    }
    match NumberOrText::deserialize(d)? {
        NumberOrText::Number(v) => Ok(v),
        NumberOrText::Text(t) if t == "inf" => Ok(f64::INFINITY),
        NumberOrText::Text(t) if t == "-inf" => Ok(f64::NEG_INFINITY),
        NumberOrText::Text(t) => Err(serde::de::Error::custom(format!(
            "expected a number, \"inf\" or \"-inf\", got \"{t}\""
        ))),
    }
}

/// Contact-sheet rows: (input as shown: the line art with any hints painted over it,
/// output, target).
pub type Examples = Vec<(RgbImage, RgbImage, RgbImage)>;

/// Result of `evaluate`: the figures and the first `sheet_count` examples.
#[derive(Debug)]
pub struct Evaluation {
    /// The figures.
    pub report: EvalReport,
    /// The first examples, for the contact sheet.
    pub examples: Examples,
    /// The hints of those examples (with hints only), with the pair's id.
    pub example_hints: Vec<(String, HintMap)>,
}

/// Scores the outputs of `source` on the pairs of `opts.split`; `progress(done, total)` is
/// called after each batch. Pairs are decoded and scored in parallel (rayon).
pub fn evaluate(
    data: &Path,
    source: &OutputSource,
    model_name: &str,
    opts: &EvalOptions,
    mut progress: impl FnMut(usize, usize),
) -> Result<Evaluation> {
    let mut ds = Dataset::open(data, opts.split)?;
    if let Some(n) = opts.limit {
        ds = ds.truncated(n);
    }
    if ds.is_empty() {
        return Err(Error::Dataset {
            path: data.join(MANIFEST_FILE),
            reason: format!("no pairs in split `{}`", opts.split),
        });
    }
    let total = ds.len();
    let mut scores = Vec::with_capacity(total);
    let mut examples = Vec::new();
    let mut example_hints = Vec::new();
    let mut fidelity = (0.0, 0usize); // (sum of per-image means x pixels, hinted pixels)
    for start in (0..total).step_by(opts.batch_size.max(1)) {
        let end = (start + opts.batch_size.max(1)).min(total);
        let pairs: Vec<(GrayImage, RgbImage, Option<HintMap>)> = (start..end)
            .into_par_iter()
            .map(|i| {
                let (line, target) = ds.load_pair(i)?;
                let map = (opts.hints > 0).then(|| eval_hints(&line, &target, opts.hints, i));
                Ok((line, target, map))
            })
            .collect::<Result<_>>()?;
        for (i, (_, _, map)) in (start..end).zip(&pairs) {
            if let Some(map) = map.as_ref().filter(|_| i < opts.sheet_count) {
                example_hints.push((ds.id(i).to_string(), map.clone()));
            }
        }
        let lines: Vec<GrayImage> = pairs.iter().map(|p| p.0.clone()).collect();
        let maps: Vec<Option<HintMap>> = pairs.iter().map(|p| p.2.clone()).collect();
        let outputs = source.outputs(&lines, &maps)?;
        let batch: Vec<ImageMetrics> = outputs
            .par_iter()
            .zip(pairs.par_iter())
            .map(|(out, (_, target, _))| ImageMetrics::from_rgb(out, target))
            .collect::<Result<_>>()?;
        scores.extend(batch);
        for ((line, target, map), out) in pairs.into_iter().zip(outputs) {
            if let Some(map) = &map {
                if let Some(f) = hint_fidelity(&out, map) {
                    fidelity.0 += f * map.hinted_count() as f64;
                    fidelity.1 += map.hinted_count();
                }
            }
            if examples.len() < opts.sheet_count {
                let shown = match &map {
                    Some(map) => draw_over_line(&line, map),
                    None => gray_as_rgb(&line),
                };
                examples.push((shown, out, target));
            }
        }
        progress(end, total);
    }
    let mean = MetricsMean::of(&scores);
    let report = EvalReport {
        model: model_name.to_string(),
        data: data.display().to_string(),
        split: opts.split,
        count: mean.count,
        hints: opts.hints,
        hint_fidelity: (fidelity.1 > 0).then(|| fidelity.0 / fidelity.1 as f64),
        l1: mean.l1,
        psnr: mean.psnr_of_mean_mse,
        psnr_mean_per_image: mean.psnr,
        identical_pairs: scores.iter().filter(|m| m.psnr == f64::INFINITY).count(),
        ssim: mean.ssim,
        colourfulness_output: mean.colourfulness,
        colourfulness_target: mean.target_colourfulness,
        colourfulness_ratio: mean.colourfulness_ratio,
        definitions: DEFINITIONS.to_string(),
    };
    Ok(Evaluation {
        report,
        examples,
        example_hints,
    })
}

/// Mean colour of the targets of the `train` split (the `mean-color` baseline): the best
/// flat colour under an L2 criterion that a model could learn without looking at the lines.
pub fn mean_colour(data: &Path) -> Result<[u8; 3]> {
    let ds = Dataset::open(data, Split::Train)?;
    if ds.is_empty() {
        return Err(Error::Dataset {
            path: data.join(MANIFEST_FILE),
            reason: "no pairs in split `train` to take the mean colour from".into(),
        });
    }
    let sums = (0..ds.len())
        .into_par_iter()
        .map(|i| {
            let (_, colour) = ds.load_pair(i)?;
            let mut s = [0f64; 4];
            for p in colour.pixels() {
                (0..3).for_each(|c| s[c] += f64::from(p[c]));
                s[3] += 1.0;
            }
            Ok::<_, Error>(s)
        })
        .try_reduce(|| [0f64; 4], |a, b| Ok([0, 1, 2, 3].map(|i| a[i] + b[i])))?;
    Ok([0, 1, 2].map(|c| (sums[c] / sums[3].max(1.0)).round() as u8))
}

/// Grey line art as an RGB image.
pub fn gray_as_rgb(line: &GrayImage) -> RgbImage {
    RgbImage::from_fn(line.width(), line.height(), |x, y| {
        let Luma([v]) = *line.get_pixel(x, y);
        Rgb([v, v, v])
    })
}

/// A contact sheet: one row per example, `input | output | target` (the input is the line
/// art, with any hints painted over it), on white with a 4 px gutter. Cells take the
/// largest width and height among the examples.
pub fn contact_sheet(examples: &[(RgbImage, RgbImage, RgbImage)]) -> RgbImage {
    const GAP: u32 = 4;
    let cw = examples.iter().map(|e| e.0.width()).max().unwrap_or(1);
    let ch = examples.iter().map(|e| e.0.height()).max().unwrap_or(1);
    let rows = examples.len().max(1) as u32;
    let mut sheet = RgbImage::from_pixel(
        3 * cw + 4 * GAP,
        rows * ch + (rows + 1) * GAP,
        Rgb([255, 255, 255]),
    );
    for (r, (line, out, target)) in examples.iter().enumerate() {
        let y = i64::from(GAP + r as u32 * (ch + GAP));
        for (c, cell) in [line, out, target].iter().enumerate() {
            let x = i64::from(GAP + c as u32 * (cw + GAP));
            image::imageops::replace(&mut sheet, *cell, x, y);
        }
    }
    sheet
}

/// The report as an aligned table for humans.
pub fn format_table(reports: &[EvalReport]) -> String {
    let mw = reports
        .iter()
        .map(|r| r.model.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut s = format!(
        "{:<mw$} {:>6} {:>5} {:>8} {:>9} {:>7} {:>9} {:>9} {:>7} {:>8}\n",
        "model", "pairs", "hints", "L1", "PSNR dB", "SSIM", "colour", "target", "ratio", "fidelity"
    );
    for r in reports {
        let psnr = if r.psnr.is_finite() {
            format!("{:.2}", r.psnr)
        } else {
            "inf".into()
        };
        let ratio = r
            .colourfulness_ratio
            .map_or("n/a".into(), |v| format!("{v:.3}"));
        let fidelity = r.hint_fidelity.map_or("-".into(), |v| format!("{v:.1}"));
        s += &format!(
            "{:<mw$} {:>6} {:>5} {:>8.4} {:>9} {:>7.4} {:>9.2} {:>9.2} {:>7} {:>8}\n",
            r.model,
            r.count,
            r.hints,
            r.l1,
            psnr,
            r.ssim,
            r.colourfulness_output,
            r.colourfulness_target,
            ratio,
            fidelity
        );
    }
    s
}
