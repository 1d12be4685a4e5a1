//! The figures of one evaluation as `colorize eval` prints them: `EvalReport` (the JSON of
//! `--json` and `eval.json`, read back by `colorize export`), their definitions, and the
//! table for humans.

use data_prep::manifest::Split;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::metrics::LeakCount;

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
    /// How a model's outputs were finished before scoring: `soft`, `flat`, `shaded` (the
    /// styles of `colorize infer --style`) or `raw` (the network's output alone, training's
    /// `val/*` definition); `null` for a baseline, and in files from before styles (raw).
    #[serde(default)]
    pub style: Option<String>,
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
    /// output / target colourfulness: well below 1 for grey or washed-out outputs, near 1
    /// when the outputs are as colourful as the targets (the one-hue "sepia" collapse can
    /// score near 1 too: see the hue figures); `null` when all targets are grey.
    pub colourfulness_ratio: Option<f64>,
    /// Entropy in bits of the outputs' chroma-weighted hue histogram pooled over the pairs:
    /// far below the targets' = the one-hue sepia collapse, far above = hue noise; `null`
    /// when every output is grey.
    #[serde(default)]
    pub hue_entropy_output: Option<f64>,
    /// Entropy in bits of the targets' pooled hue histogram.
    #[serde(default)]
    pub hue_entropy_target: Option<f64>,
    /// Jensen-Shannon divergence (base 2, 0..1) between the outputs' and the targets'
    /// pooled hue histograms: 0 = the same hues in the same proportions.
    #[serde(default)]
    pub hue_jsd: Option<f64>,
    /// Mean pairwise L1 ([-1, 1] scale) between K dropout samples per sketch, 0 = the
    /// generator ignores its noise; `null` when not asked (`--diversity K`).
    #[serde(default)]
    pub diversity: Option<f64>,
    /// Mean over pairs of the mean over the line art's areas of how much more the output's
    /// chroma varies inside an area than the target's (CIELAB units, floored at 0 per area;
    /// `crate::metrics::areas`): colour that wanders or bleeds in across lines. `null` when
    /// no pair had an area to score, and in files from before the figure.
    #[serde(default)]
    pub mottle: Option<f64>,
    /// Share of neighbouring areas of different target colours (ΔE00 > 10) whose output
    /// colours came out alike (ΔE00 < 5): `leak_pairs.leaking / leak_pairs.eligible`;
    /// `null` without eligible pairs.
    #[serde(default)]
    pub leak: Option<f64>,
    /// The counts behind `leak`, summed over the pairs.
    #[serde(default)]
    pub leak_pairs: Option<LeakCount>,
    /// How the figures are defined.
    pub definitions: String,
}

pub(super) const DEFINITIONS: &str = "L1: mean |output - target| on the [-1, 1] scale; PSNR: \
10 log10(1 / MSE) on [0, 1] values with the MSE averaged over all pairs (psnr_mean_per_image: \
the mean of per-image PSNR); SSIM: Wang et al. 2004, 11x11 Gaussian window (sigma 1.5), K1 \
0.01, K2 0.03, data range 1, per RGB channel over valid windows, averaged over pairs; \
colourfulness: Hasler-Suesstrunk 2003 on 0..255 RGB, mean over pairs; hints: N dots of 5 \
pixels per image at positions fixed per pair, on paper or inside a solid fill of ink, within one colour region, each of the \
mean target colour under it; hint fidelity: mean |output - hint| over all hinted pixels and \
channels on 0..255; a model's outputs are its network output at the dataset size (eval mode \
unless --train-mode), finished in the row's style; hue H: entropy in bits of the chroma-weighted hue histogram (CIE Lab, \
D65; 36 bins of 10 degrees of atan2(b*, a*), each pixel weighted by its chroma), summed over \
all pairs and normalised (tgt H: of the targets); JSD: Jensen-Shannon divergence, base 2, \
between the outputs' and the targets' histograms; diversity: mean pairwise L1 on the [-1, 1] \
scale between K outputs per sketch with dropout on and BatchNorm in eval mode (fixed seed), \
averaged over pairs of outputs and sketches; style: a model's outputs finished as `colorize infer \
--style` finishes them at the dataset size (raw: the network output alone); areas: the line \
art's closed areas (colorize regions, default options), areas under 16 pixels left out; mottle: \
per area, the mean CIELAB (a*, b*) distance of its pixels from their mean in the output minus \
the same in the target, floored at 0, averaged over areas (each counts once), then over pairs; \
leak: among neighbouring areas (across one line) whose target colours (per-channel CIELAB \
medians) differ by CIEDE2000 > 10, the share whose output colours differ by < 5, pairs of areas \
summed over the split";

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

/// The report as an aligned table for humans.
pub fn format_table(reports: &[EvalReport]) -> String {
    let mw = reports
        .iter()
        .map(|r| r.model.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let with_diversity = reports.iter().any(|r| r.diversity.is_some());
    // Several datasets: a first column names each row's dataset (its directory's name).
    let data_name = |r: &EvalReport| {
        std::path::Path::new(&r.data)
            .file_name()
            .map_or_else(|| r.data.clone(), |n| n.to_string_lossy().into_owned())
    };
    let several = reports.iter().any(|r| r.data != reports[0].data);
    let dw = if several {
        reports
            .iter()
            .map(|r| data_name(r).len())
            .max()
            .unwrap_or(4)
            .max(4)
    } else {
        0
    };
    let mut s = String::new();
    if several {
        s += &format!("{:<dw$} ", "data");
    }
    s += &format!(
        "{:<mw$} {:>6} {:>5} {:>8} {:>9} {:>7} {:>9} {:>9} {:>7} {:>8} {:>6} {:>6} {:>6}",
        "model",
        "pairs",
        "hints",
        "L1",
        "PSNR dB",
        "SSIM",
        "colour",
        "target",
        "ratio",
        "fidelity",
        "hue H",
        "tgt H",
        "JSD"
    );
    if with_diversity {
        s += &format!(" {:>9}", "diversity");
    }
    s += &format!(" {:>6} {:>6} {:>6}", "style", "mottle", "leak");
    s += "\n";
    for r in reports {
        if several {
            s += &format!("{:<dw$} ", data_name(r));
        }
        let psnr = if r.psnr.is_finite() {
            format!("{:.2}", r.psnr)
        } else {
            "inf".into()
        };
        let ratio = r
            .colourfulness_ratio
            .map_or("n/a".into(), |v| format!("{v:.3}"));
        let fidelity = r.hint_fidelity.map_or("-".into(), |v| format!("{v:.1}"));
        let figure =
            |v: Option<f64>, places: usize| v.map_or("n/a".into(), |v| format!("{v:.places$}"));
        s += &format!(
            "{:<mw$} {:>6} {:>5} {:>8.4} {:>9} {:>7.4} {:>9.2} {:>9.2} {:>7} {:>8} {:>6} {:>6} {:>6}",
            r.model,
            r.count,
            r.hints,
            r.l1,
            psnr,
            r.ssim,
            r.colourfulness_output,
            r.colourfulness_target,
            ratio,
            fidelity,
            figure(r.hue_entropy_output, 2),
            figure(r.hue_entropy_target, 2),
            figure(r.hue_jsd, 3)
        );
        if with_diversity {
            s += &format!(
                " {:>9}",
                r.diversity.map_or("-".into(), |v| format!("{v:.4}"))
            );
        }
        s += &format!(
            " {:>6} {:>6} {:>6}",
            r.style.as_deref().unwrap_or("-"),
            figure(r.mottle, 2),
            r.leak
                .map_or("n/a".into(), |v| format!("{:.1}%", 100.0 * v))
        );
        s += "\n";
    }
    s
}
