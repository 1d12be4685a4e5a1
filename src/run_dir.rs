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
//!
//! Without `--model`, a command looks for its model in this order ([`find_model_dir`]):
//! `$COLORIZE_MODEL`, then the user's data directory (`$XDG_DATA_HOME/colorize/models/default`,
//! `~/.local/share/...` when that is unset), then the project's `models/default`: the
//! checkout this binary was built from, its absolute path baked in at compile time, so it
//! is found from any working directory and after `cargo install --path .` (as long as the
//! checkout is there). The working directory's own `models/default` is *not* searched: a
//! model picked by where one happens to stand would change silently from one directory to
//! the next (inside the checkout, it is the project's anyway).

use std::ffi::OsString;
use std::fmt;
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
/// The project's model directory, relative to the checkout: the last place a model is looked
/// for when `--model` is not given.
pub const DEFAULT_MODEL_DIR: &str = "models/default";
/// The environment variable naming the model to use when `--model` is not given.
pub const MODEL_ENV: &str = "COLORIZE_MODEL";
/// The environment variable naming the checkout whose `models/default` is the last fallback
/// (default: the checkout this binary was built from). Tests point it elsewhere.
pub const PROJECT_DIR_ENV: &str = "COLORIZE_PROJECT_DIR";
/// The user's model, relative to the user's data directory (`$XDG_DATA_HOME`).
pub const USER_MODEL_DIR: &str = "colorize/models/default";

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

/// Where the model a command uses came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelSource {
    /// `--model`.
    Flag,
    /// `$COLORIZE_MODEL`.
    Env,
    /// `$XDG_DATA_HOME/colorize/models/default`.
    UserData,
    /// The project's `models/default`.
    Project,
}

impl fmt::Display for ModelSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelSource::Flag => "--model",
            ModelSource::Env => "$COLORIZE_MODEL",
            ModelSource::UserData => "user data dir",
            ModelSource::Project => "project",
        })
    }
}

/// The model directory a command uses and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundModel {
    /// The model (or run) directory.
    pub dir: PathBuf,
    /// Which place of the search order named it.
    pub source: ModelSource,
}

/// What [`ModelSearch::lookup`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// A model (from `--model`: not checked yet).
    Found(FoundModel),
    /// The first place that is set or exists is not a model: where, and why.
    Unusable(ModelSource, PathBuf, String),
    /// No place holds anything.
    NotFound,
}

/// The places a model is looked for when `--model` is not given, in order (see the module
/// documentation). [`ModelSearch::from_env`] reads them from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSearch {
    /// `$COLORIZE_MODEL` when set and not empty: it must be a model.
    pub env: Option<PathBuf>,
    /// The user's model (`None` when there is neither an absolute `$XDG_DATA_HOME` nor a
    /// `$HOME`): used when it exists, which then must be a model.
    pub user_data: Option<PathBuf>,
    /// The project's `models/default`: used when it exists, which then must be a model.
    pub project: PathBuf,
}

impl ModelSearch {
    /// The places of this process's environment.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        let project_root = var(PROJECT_DIR_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        ModelSearch {
            env: var(MODEL_ENV).map(PathBuf::from),
            user_data: user_data_dir(var("XDG_DATA_HOME"), var("HOME"))
                .map(|d| d.join(USER_MODEL_DIR)),
            project: project_root.join(DEFAULT_MODEL_DIR),
        }
    }

    /// The places looked at, in order, for messages ("searched: ...").
    pub fn places(&self) -> Vec<(ModelSource, PathBuf)> {
        let mut places = Vec::new();
        if let Some(env) = &self.env {
            places.push((ModelSource::Env, env.clone()));
        }
        if let Some(user) = &self.user_data {
            places.push((ModelSource::UserData, user.clone()));
        }
        places.push((ModelSource::Project, self.project.clone()));
        places
    }

    /// The model to use: `flag` (`--model`) as given when there is one (loading it checks
    /// it), else the first place of the search order that holds something. A
    /// `$COLORIZE_MODEL`, or a user or project directory that exists, which is not a model
    /// is an error naming it, never skipped: it was put there to be used.
    pub fn find(&self, flag: Option<&Path>) -> Result<FoundModel> {
        self.resolve(self.lookup(flag))
    }

    /// A [`Lookup`] as a result: the model, or the error that says what is wrong or lists
    /// every place searched.
    pub fn resolve(&self, lookup: Lookup) -> Result<FoundModel> {
        match lookup {
            Lookup::Found(found) => Ok(found),
            Lookup::Unusable(source, dir, reason) => Err(Error::NoModel(format!(
                "{} is not a usable model ({reason}); {}",
                describe_place(source, &dir),
                match source {
                    ModelSource::Env => format!(
                        "point {MODEL_ENV} at a model directory ({GENERATOR_FILE} + \
                         {CONFIG_FILE}) or unset it"
                    ),
                    _ => "repair or remove it, or pass --model".to_string(),
                }
            ))),
            Lookup::NotFound => Err(Error::NoModel(self.not_found_message())),
        }
    }

    /// [`ModelSearch::find`]'s answer, typed.
    pub fn lookup(&self, flag: Option<&Path>) -> Lookup {
        if let Some(dir) = flag {
            return Lookup::Found(FoundModel {
                dir: dir.to_path_buf(),
                source: ModelSource::Flag,
            });
        }
        for (source, dir) in self.places() {
            if source != ModelSource::Env && !dir.exists() {
                continue;
            }
            return match check_model_dir(&dir) {
                Ok(()) => Lookup::Found(FoundModel { dir, source }),
                Err(reason) => Lookup::Unusable(source, dir, reason),
            };
        }
        Lookup::NotFound
    }

    /// "searched: ..." for messages: every place, with where it comes from.
    pub fn searched(&self) -> String {
        let mut parts = vec!["--model (not given)".to_string()];
        if self.env.is_none() {
            parts.push(format!("${MODEL_ENV} (not set)"));
        }
        if self.user_data.is_none() {
            parts.push("user data dir (neither $XDG_DATA_HOME nor $HOME set)".into());
        }
        parts.extend(
            self.places()
                .into_iter()
                .map(|(source, dir)| format!("{} ({source})", dir.display())),
        );
        parts.join(", ")
    }

    fn not_found_message(&self) -> String {
        let export_to = self
            .user_data
            .as_ref()
            .map_or_else(|| "DIR".to_string(), |d| d.display().to_string());
        format!(
            "no model found (searched: {}). Pass `--model runs/NAME` (a training run or model \
             directory), set {MODEL_ENV}=runs/NAME, or make it your default with \
             `colorize export runs/NAME {export_to}`; the project's {DEFAULT_MODEL_DIR} comes \
             with its git checkout, and `make demo` trains a small model in runs/demo",
            self.searched()
        )
    }
}

/// "$COLORIZE_MODEL (PATH)", "the user data dir's model PATH", ...
fn describe_place(source: ModelSource, dir: &Path) -> String {
    match source {
        ModelSource::Flag => format!("--model {}", dir.display()),
        ModelSource::Env => format!("${MODEL_ENV} ({})", dir.display()),
        ModelSource::UserData => format!("the user data dir's model {}", dir.display()),
        ModelSource::Project => format!("the project's model {}", dir.display()),
    }
}

/// The user's data directory: `$XDG_DATA_HOME` when it is absolute (the XDG spec ignores a
/// relative one), else `$HOME/.local/share`; `None` without either.
pub fn user_data_dir(xdg_data_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let xdg = xdg_data_home.map(PathBuf::from).filter(|p| p.is_absolute());
    xdg.or_else(|| {
        home.filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".local/share"))
    })
}

/// Whether `dir` looks like a model: a readable, valid `config.json` and a
/// `generator.safetensors` file (loading checks the weights themselves).
fn check_model_dir(dir: &Path) -> std::result::Result<(), String> {
    read_model_config(dir).map_err(|e| e.to_string())?;
    let weights = dir.join(GENERATOR_FILE);
    if !weights.is_file() {
        return Err(format!("{} is missing", weights.display()));
    }
    Ok(())
}

/// The model directory a command uses and where it came from: `--model` when given, else
/// the search order of [`ModelSearch::from_env`]; an error lists every place searched.
pub fn find_model_dir(model: Option<&Path>) -> Result<FoundModel> {
    ModelSearch::from_env().find(model)
}

/// [`find_model_dir`]'s directory alone.
pub fn resolve_model_dir(model: Option<&Path>) -> Result<PathBuf> {
    find_model_dir(model).map(|found| found.dir)
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

    /// A directory that passes `check_model_dir` (config + a weights file, unchecked).
    fn fake_model(dir: &Path) -> PathBuf {
        let c = TrainConfig::for_mode(GanMode::Hinge, "data".into());
        write_train_config(dir, &c).unwrap();
        std::fs::write(dir.join(GENERATOR_FILE), b"weights").unwrap();
        dir.to_path_buf()
    }

    #[test]
    fn model_search_takes_the_first_place_that_exists_and_refuses_a_broken_one() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let search = ModelSearch {
            env: None,
            user_data: Some(t.join("user")),
            project: t.join("project"),
        };
        // Nothing anywhere: the message lists every place.
        let err = search.find(None).unwrap_err().to_string();
        let places = ["user (user data dir)", "project (project)"];
        for part in [
            "--model (not given)",
            "$COLORIZE_MODEL (not set)",
            places[0],
            places[1],
        ] {
            assert!(err.contains(part), "{part}: {err}");
        }
        let project = fake_model(&t.join("project"));
        let found = search.find(None).unwrap();
        assert_eq!((found.dir, found.source), (project, ModelSource::Project));
        // A user model that exists comes first; a broken one is an error, not skipped.
        std::fs::create_dir_all(t.join("user")).unwrap();
        let err = search.find(None).unwrap_err().to_string();
        assert!(
            err.contains("user data dir's model") && err.contains("user"),
            "{err}"
        );
        let user = fake_model(&t.join("user"));
        let found = search.find(None).unwrap();
        assert_eq!((found.dir, found.source), (user, ModelSource::UserData));
        // $COLORIZE_MODEL before both, and it must be a model even when absent.
        let env = ModelSearch {
            env: Some(t.join("env")),
            ..search.clone()
        };
        let err = env.find(None).unwrap_err().to_string();
        assert!(
            err.starts_with("$COLORIZE_MODEL (") && err.contains("env"),
            "{err}"
        );
        let env_dir = fake_model(&t.join("env"));
        assert_eq!(env.find(None).unwrap().source, ModelSource::Env);
        assert_eq!(env.find(None).unwrap().dir, env_dir);
        // --model wins over everything, unchecked here (loading checks it).
        let found = env.find(Some(Path::new("nowhere"))).unwrap();
        assert_eq!(
            (found.dir, found.source),
            ("nowhere".into(), ModelSource::Flag)
        );
    }

    #[test]
    fn user_data_dir_follows_xdg() {
        let dir = |xdg: Option<&str>, home: Option<&str>| {
            user_data_dir(xdg.map(Into::into), home.map(Into::into))
        };
        assert_eq!(
            dir(Some("/x/data"), Some("/home/u")),
            Some("/x/data".into())
        );
        // A relative $XDG_DATA_HOME is ignored, as the XDG spec says.
        assert_eq!(
            dir(Some("rel"), Some("/home/u")),
            Some("/home/u/.local/share".into())
        );
        assert_eq!(
            dir(None, Some("/home/u")),
            Some("/home/u/.local/share".into())
        );
        assert_eq!(dir(None, None), None);
        assert_eq!(dir(Some(""), Some("")), None);
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
