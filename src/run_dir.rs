//! The run / model directory format: every file name in it, where checkpoints go, which
//! model directory a command uses, and reading (and writing) its configuration typed.
//!
//! ```text
//! RUN/config.json                      the full TrainConfig (shape + hyper-parameters),
//!                                      written before the first step
//! RUN/checkpoints/step-N.safetensors   G and D weights + optimiser state (crate::checkpoint)
//! RUN/generator.safetensors            the latest generator alone: what `infer` loads
//! RUN/events.out.tfevents.*            TensorBoard summaries (crate::summary)
//! RUN/log.jsonl                        with `--json-log`: one JSON object per logged step
//! RUN/eval.json                        the reports of the last `colorize eval`
//! ```
//! A model directory (`colorize export RUN DIR`, `models/default`) holds the same
//! `generator.safetensors`, `config.json` and `eval.json`, plus a `README.md` model card.

use std::path::{Path, PathBuf};

use crate::config::{ModelConfig, TrainConfig};
use crate::{Error, Result};

/// The training configuration of a run or model directory (its `model` field is the shape).
pub const CONFIG_FILE: &str = "config.json";
/// The generator's weights alone, keys exactly its variable names: what inference loads.
pub const GENERATOR_FILE: &str = "generator.safetensors";
/// Sub-directory of a run holding the checkpoints (`step-N.safetensors`).
pub const CHECKPOINTS_DIR: &str = "checkpoints";
/// `RUN/log.jsonl`: one JSON object per logged step (`colorize train --json-log`).
pub const LOG_FILE: &str = "log.jsonl";
/// The reports of the last `colorize eval` of a model (an array of `EvalReport`).
pub const EVAL_FILE: &str = "eval.json";
/// The model card `colorize export` writes into a model directory.
pub const MODEL_CARD_FILE: &str = "README.md";
/// Start of every TensorBoard event file name (TensorBoard only reads files named so).
pub const EVENTS_PREFIX: &str = "events.out.tfevents.";
/// The model directory used when `--model` is not given.
pub const DEFAULT_MODEL_DIR: &str = "models/default";

const CHECKPOINT_PREFIX: &str = "step-";
const CHECKPOINT_SUFFIX: &str = ".safetensors";

/// `RUN/checkpoints/step-N.safetensors`.
pub fn checkpoint_path(run_dir: &Path, step: i64) -> PathBuf {
    run_dir
        .join(CHECKPOINTS_DIR)
        .join(format!("{CHECKPOINT_PREFIX}{step}{CHECKPOINT_SUFFIX}"))
}

/// The step of a checkpoint file name (`step-N.safetensors`); `None` for any other name
/// (temporary files included).
pub fn checkpoint_step(file_name: &str) -> Option<i64> {
    file_name
        .strip_prefix(CHECKPOINT_PREFIX)?
        .strip_suffix(CHECKPOINT_SUFFIX)?
        .parse()
        .ok()
}

/// Picks the model directory: `--model` when given, else `models/default` when it exists,
/// else an error that says how to get a model.
pub fn resolve_model_dir(model: Option<&Path>) -> Result<PathBuf> {
    if let Some(m) = model {
        return Ok(m.to_path_buf());
    }
    let default = PathBuf::from(DEFAULT_MODEL_DIR);
    if default.join(GENERATOR_FILE).is_file() {
        return Ok(default);
    }
    Err(Error::NoModel(format!(
        "no model given and no default model at {DEFAULT_MODEL_DIR}/{GENERATOR_FILE}. \
         Run `make demo` (trains a small model and exports it to {DEFAULT_MODEL_DIR}), \
         or train one with `colorize train --data DATASET --out runs/NAME` and pass \
         `--model runs/NAME` (or `colorize export runs/NAME {DEFAULT_MODEL_DIR}`)"
    )))
}

/// Reads the `model` field of a model directory's `config.json` (a full `TrainConfig`; only
/// the network's shape matters to inference, so the training options may evolve freely).
pub fn read_model_config(dir: &Path) -> Result<ModelConfig> {
    let path = dir.join(CONFIG_FILE);
    let model_err = |reason: String| Error::Model {
        path: path.clone(),
        reason,
    };
    if !dir.is_dir() {
        return Err(Error::Model {
            path: dir.to_path_buf(),
            reason: format!("not a directory (expected {GENERATOR_FILE} + {CONFIG_FILE})"),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|e| {
        model_err(format!(
            "cannot read the model's configuration ({e}); a model directory holds \
             {GENERATOR_FILE} and {CONFIG_FILE}"
        ))
    })?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| model_err(format!("not valid JSON: {e}")))?;
    let model = json
        .get("model")
        .ok_or_else(|| model_err("has no `model` field (the network's shape)".into()))?;
    let cfg: ModelConfig = serde_json::from_value(model.clone())
        .map_err(|e| model_err(format!("bad `model` field: {e}")))?;
    cfg.validate().map_err(|e| model_err(e.to_string()))?;
    Ok(cfg)
}

/// Reads the whole `TrainConfig` of a run (or model) directory.
pub fn read_train_config(run_dir: &Path) -> Result<TrainConfig> {
    let path = run_dir.join(CONFIG_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::Run {
        path: run_dir.to_path_buf(),
        reason: format!("cannot read {CONFIG_FILE} ({e}); is this a training run directory?"),
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Run {
        path,
        reason: format!("{CONFIG_FILE} is not a training config: {e}"),
    })
}

/// Writes `run_dir/config.json` atomically (`data_prep::fs::write_atomic`), creating the
/// directory.
pub fn write_train_config(run_dir: &Path, cfg: &TrainConfig) -> Result<()> {
    std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
    let path = run_dir.join(CONFIG_FILE);
    let mut text = serde_json::to_string_pretty(cfg).expect("config serialises");
    text.push('\n');
    data_prep::fs::write_atomic(&path, text.as_bytes()).map_err(|e| Error::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loss::GanMode;

    #[test]
    fn config_json_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let c = TrainConfig::for_mode(GanMode::Hinge, "data".into());
        write_train_config(dir.path(), &c).unwrap();
        assert_eq!(read_train_config(dir.path()).unwrap(), c);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn checkpoint_names_round_trip() {
        let path = checkpoint_path(Path::new("run"), 42);
        assert_eq!(path, Path::new("run/checkpoints/step-42.safetensors"));
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(checkpoint_step(name), Some(42));
        assert_eq!(checkpoint_step(".step-42.safetensors.7.tmp"), None);
        assert_eq!(checkpoint_step("step-x.safetensors"), None);
    }
}
