//! Evaluation of a model (or a trivial baseline) on a dataset split: mean L1, PSNR, SSIM,
//! colourfulness, the hue distribution, and mottle and leak over the line art's areas of
//! the outputs against the targets, optionally the diversity of dropout samples
//! (definitions in `crate::metrics`), and a contact sheet (line | output | target) of the
//! first examples.
//!
//! A model is judged on its network output at the dataset's size finished in a style
//! (`EvalOptions::style`, through `infer::finish_styled` as `infer` finishes a picture), or
//! on the raw network output alone (`None`: the definition of training's `val/*` scalars).
//! One network call serves every style scored ([`score_styles`]).

use std::path::Path;

use data_prep::manifest::{Split, MANIFEST_FILE};
use image::{GrayImage, Luma, Rgb, RgbImage};
use rayon::prelude::*;
use tch::Tensor;

use crate::data::Dataset;
use crate::hints::HintMap;
use crate::infer::{self, Colorizer, InferOptions};
use crate::metrics::{ImageMetrics, MetricsMean, Planes};
use crate::model::generator::ForwardMode;
use crate::style::Style;
use crate::tensor_image::tensor_to_rgb;
use crate::{Error, Result};

mod areas;
mod report;
mod score;
mod styled;

pub use areas::{AreaPool, PairAreas, NEIGHBOUR_REACH};
use report::DEFINITIONS;
pub use report::{format_table, EvalReport};
pub use score::{score, score_styles};
pub use styled::{finish_name, RAW};

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
        /// The line art as it is, without `infer`'s levelling of the paper to white
        /// (`InferOptions::keep_paper`).
        keep_paper: bool,
    },
    /// Baseline: the line art itself as grey RGB.
    Gray,
    /// Baseline: a flat image of one colour (`mean_colour` of the train split's targets).
    Flat([u8; 3]),
}

impl OutputSource<'_> {
    /// Outputs for a batch of line-art images and their hints (`None`: no hints; the
    /// baselines ignore hints). `sample`: a model runs with dropout on and BatchNorm in eval
    /// mode (one draw of its noise) instead of its scored mode; the baselines have no noise.
    fn outputs(
        &self,
        lines: &[GrayImage],
        hints: &[Option<HintMap>],
        sample: bool,
    ) -> Result<Outputs> {
        match self {
            OutputSource::Gray => Ok(Outputs::Images(lines.iter().map(gray_as_rgb).collect())),
            OutputSource::Flat(c) => Ok(Outputs::Images(
                lines
                    .iter()
                    .map(|l| RgbImage::from_pixel(l.width(), l.height(), Rgb(*c)))
                    .collect(),
            )),
            OutputSource::Model {
                colorizer,
                train_mode,
                keep_paper,
            } => {
                let lines = &levelled(lines, *keep_paper);
                let mode = if sample {
                    ForwardMode::Dropout
                } else {
                    ForwardMode::from_train(*train_mode)
                };
                if let Some(x) = styled::batched_input(colorizer, lines, hints)? {
                    // One network call for the whole batch: [B, 3, H, W], unquantised.
                    return Ok(Outputs::Tensor(colorizer.try_forward(&x, mode)?));
                }
                let colours = styled::network_colours(colorizer, mode, lines, hints)?;
                Ok(Outputs::Images(
                    colours
                        .iter()
                        .zip(lines)
                        .map(|((colour, canvas), l)| infer::finish(colour, canvas, l, true))
                        .collect(),
                ))
            }
        }
    }

    /// The scored outputs of a batch, once per finish of `styles` (`None`: raw); one network
    /// call serves them all. The baselines have no style: each finish gets their images.
    fn finished(
        &self,
        lines: &[GrayImage],
        hints: &[Option<HintMap>],
        styles: &[Option<Style>],
    ) -> Result<Vec<Vec<RgbImage>>> {
        let OutputSource::Model {
            colorizer,
            train_mode,
            keep_paper,
        } = self
        else {
            let images = self.outputs(lines, hints, false)?.images()?;
            return Ok(vec![images; styles.len()]);
        };
        let lines = &levelled(lines, *keep_paper);
        let mode = ForwardMode::from_train(*train_mode);
        let colours = styled::network_colours(colorizer, mode, lines, hints)?;
        Ok(styles
            .iter()
            .map(|&style| {
                colours
                    .par_iter()
                    .zip(lines)
                    .zip(hints)
                    .map(|(((colour, canvas), line), map)| {
                        styled::finish(colour, canvas, line, map.as_ref(), style)
                    })
                    .collect()
            })
            .collect())
    }
}

/// The line art a model colours: as `infer` levels it (`InferOptions::sketch`), or as it is.
fn levelled(lines: &[GrayImage], keep_paper: bool) -> Vec<GrayImage> {
    let opts = InferOptions {
        keep_paper,
        ..InferOptions::default()
    };
    lines
        .par_iter()
        .map(|l| opts.sketch(l).into_owned())
        .collect()
}

/// A batch of outputs: the network's raw `[B, 3, H, W]` (one batched call), or images.
enum Outputs {
    Tensor(Tensor),
    Images(Vec<RgbImage>),
}

impl Outputs {
    /// As 8-bit images (what is scored and shown).
    fn images(self) -> Result<Vec<RgbImage>> {
        match self {
            Outputs::Tensor(t) => (0..t.size()[0]).map(|i| tensor_to_rgb(&t.get(i))).collect(),
            Outputs::Images(v) => Ok(v),
        }
    }

    /// As float planes: a network's output unquantised (differences below a grey level
    /// count), images as they are.
    fn planes(&self) -> Result<Vec<Planes>> {
        match self {
            Outputs::Tensor(t) => (0..t.size()[0])
                .map(|i| Planes::from_tensor(&t.get(i)))
                .collect(),
            Outputs::Images(v) => Ok(v.iter().map(Planes::from_rgb).collect()),
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
    /// Also colour each sketch this many times (at least 2) with dropout on and report the
    /// diversity of the samples (`crate::metrics::diversity`); `None`: not measured.
    pub diversity: Option<usize>,
    /// The style a model's outputs are finished in before they are scored (what `infer`
    /// would write at the dataset's size); `None`: the raw network output (training's
    /// `val/*` definition). The baselines ignore it.
    pub style: Option<Style>,
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

/// Scores the outputs of `source` on the pairs of `opts.split` of one dataset directory;
/// `progress(done, total)` is called after each batch. Pairs are decoded and scored in
/// parallel (rayon).
pub fn evaluate(
    data: &Path,
    source: &OutputSource,
    model_name: &str,
    opts: &EvalOptions,
    progress: impl FnMut(usize, usize),
) -> Result<Evaluation> {
    let ds = Dataset::open(data, opts.split)?;
    let scored = score(&ds, source, opts, progress)?;
    Ok(scored.into_evaluation(model_name, &data.display().to_string(), opts))
}

/// The `data` of a report pooling the images of several datasets.
pub const ALL_DATA: &str = "all";

/// Per-image figures of one evaluation, kept so that evaluations of several datasets can be
/// pooled into one overall report (`Scored::pooled`).
#[derive(Debug, Default)]
pub struct Scored {
    /// `raw` or the style of a model's outputs; `None` for a baseline.
    style: Option<&'static str>,
    scores: Vec<ImageMetrics>,
    /// Mottle and leak over the line art's areas.
    areas: AreaPool,
    /// Per pair; empty unless diversity was measured.
    diversity: Vec<f64>,
    /// (sum of per-image mean colour errors x hinted pixels, hinted pixels)
    fidelity: (f64, usize),
    examples: Examples,
    example_hints: Vec<(String, HintMap)>,
}

impl Scored {
    /// Everything of several evaluations as one (each image counts once; their examples
    /// are dropped).
    pub fn pooled(parts: Vec<Scored>) -> Scored {
        let mut all = Scored::default();
        for p in parts {
            all.style = all.style.or(p.style);
            all.scores.extend(p.scores);
            all.areas.extend(p.areas);
            all.diversity.extend(p.diversity);
            all.fidelity.0 += p.fidelity.0;
            all.fidelity.1 += p.fidelity.1;
        }
        all
    }

    /// The examples kept for the contact sheet and their hints, taken out.
    pub fn take_examples(&mut self) -> (Examples, Vec<(String, HintMap)>) {
        (
            std::mem::take(&mut self.examples),
            std::mem::take(&mut self.example_hints),
        )
    }

    /// The report and the examples.
    pub fn into_evaluation(
        mut self,
        model_name: &str,
        data: &str,
        opts: &EvalOptions,
    ) -> Evaluation {
        let report = self.report(model_name, data, opts);
        let (examples, example_hints) = self.take_examples();
        Evaluation {
            report,
            examples,
            example_hints,
        }
    }

    /// The figures of these scores.
    pub fn report(&self, model_name: &str, data: &str, opts: &EvalOptions) -> EvalReport {
        let mean = MetricsMean::of(&self.scores);
        EvalReport {
            model: model_name.to_string(),
            data: data.to_string(),
            split: opts.split,
            style: self.style.map(str::to_string),
            count: mean.count,
            hints: opts.hints,
            hint_fidelity: (self.fidelity.1 > 0).then(|| self.fidelity.0 / self.fidelity.1 as f64),
            l1: mean.l1,
            psnr: mean.psnr_of_mean_mse,
            psnr_mean_per_image: mean.psnr,
            identical_pairs: self
                .scores
                .iter()
                .filter(|m| m.psnr == f64::INFINITY)
                .count(),
            ssim: mean.ssim,
            colourfulness_output: mean.colourfulness,
            colourfulness_target: mean.target_colourfulness,
            colourfulness_ratio: mean.colourfulness_ratio,
            hue_entropy_output: mean.hue_entropy,
            hue_entropy_target: mean.target_hue_entropy,
            hue_jsd: mean.hue_jsd,
            diversity: opts
                .diversity
                .map(|_| self.diversity.iter().sum::<f64>() / self.diversity.len().max(1) as f64),
            mottle: self.areas.mottle(),
            leak: self.areas.leak().share(),
            leak_pairs: Some(self.areas.leak()),
            definitions: DEFINITIONS.to_string(),
        }
    }
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
