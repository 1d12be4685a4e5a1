//! What `GET /api/models` says about a model: its shape (from `config.json`), a summary of
//! its model card (`README.md`, written by `colorize export`) and its evaluation figures
//! (`eval.json`). Only the shape is required; a run directory without a card still serves.

use std::path::Path;

use serde::Serialize;

use crate::eval::EvalReport;
use crate::run_dir::{self, EVAL_FILE, MODEL_CARD_FILE};
use crate::Result;

/// One model as the API lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// The model directory's name (`default`, `demo`, ...).
    pub name: String,
    /// Training size: the default working size.
    pub image_size: i64,
    /// Generator filters in the outermost layer.
    pub ngf: i64,
    /// Whether the model takes colour hints.
    pub takes_hints: bool,
    /// The model card's first paragraph (empty without a card).
    pub summary: String,
    /// The bullet points of the card's "Training" section (data, steps, command).
    pub training: Vec<String>,
    /// Test-split figures from `eval.json`, one row per hint count.
    pub eval: Vec<EvalSummary>,
}

/// One row of a model's evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalSummary {
    /// Model or baseline evaluated (`baseline:gray` rows are context, not the model).
    pub model: String,
    /// Split and number of pairs, e.g. `test (211 pairs)`.
    pub split: String,
    /// Simulated hint dots per image.
    pub hints: usize,
    /// PSNR in dB.
    pub psnr: f64,
    /// SSIM.
    pub ssim: f64,
    /// Mean colour error at hinted pixels (0..255), with hints.
    pub hint_fidelity: Option<f64>,
}

impl ModelInfo {
    /// Describes the model in `dir` (its `config.json` must be readable).
    pub fn read(dir: &Path) -> Result<Self> {
        let cfg = run_dir::read_model_config(dir)?;
        let card = std::fs::read_to_string(dir.join(MODEL_CARD_FILE)).unwrap_or_default();
        let eval: Vec<EvalReport> = std::fs::read(dir.join(EVAL_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let name = std::path::absolute(dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "model".into());
        Ok(ModelInfo {
            name,
            image_size: cfg.image_size,
            ngf: cfg.ngf,
            takes_hints: cfg.takes_hints(),
            summary: first_paragraph(&card),
            training: section_bullets(&card, "Training"),
            eval: eval
                .into_iter()
                .map(|r| EvalSummary {
                    split: format!("{} ({} pairs)", r.split, r.count),
                    model: r.model,
                    hints: r.hints,
                    psnr: r.psnr,
                    ssim: r.ssim,
                    hint_fidelity: r.hint_fidelity,
                })
                .collect(),
        })
    }
}

/// The first paragraph of Markdown text that is not a heading.
fn first_paragraph(md: &str) -> String {
    md.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
        .unwrap_or_default()
        .replace('\n', " ")
}

/// The `- ` lines of the `## {title}` section, without the dash.
fn section_bullets(md: &str, title: &str) -> Vec<String> {
    let heading = format!("## {title}");
    md.lines()
        .skip_while(|l| l.trim() != heading)
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("- "))
        .map(|l| l.replace('`', ""))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_summary_is_its_first_paragraph_and_training_bullets() {
        let card = "# demo\n\nA colorize model:\na U-Net.\n\n## Training\n\n- data: `d`\n\
                    - steps trained: 3\n\n## Evaluation\n\n- not this\n";
        assert_eq!(first_paragraph(card), "A colorize model: a U-Net.");
        assert_eq!(
            section_bullets(card, "Training"),
            vec!["data: d", "steps trained: 3"]
        );
        assert_eq!(first_paragraph(""), "");
        assert!(section_bullets("", "Training").is_empty());
    }
}
