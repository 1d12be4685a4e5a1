//! Typed errors of the colorize library. Binaries wrap them with `anyhow` context.

use std::path::PathBuf;

/// Everything the library can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed. The I/O error is part of the message, not a
    /// `source`, so an anyhow chain (`{:#}`) does not print the reason twice.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        reason: std::io::Error,
    },
    /// libtorch reported an error.
    #[error("torch: {0}")]
    Torch(#[from] tch::TchError),
    /// A value given by the user (flag, config field) is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A failure inside colorize itself, not caused by the user's input or configuration
    /// (a worker thread that stopped, a tensor of an unexpected shape): a bug to report.
    #[error("internal error: {0}")]
    Internal(String),
    /// User hints (`--hints` image, `--hint` value) cannot be used as given.
    #[error(transparent)]
    Hint(#[from] crate::hints::HintError),
    /// Hints were given to a model without hint channels.
    #[error(
        "this model has no hint channels (it was trained with --no-hints, or before hints \
         existed): colour without hints, or use a model trained with them"
    )]
    NoHintChannels,
    /// The requested device cannot be used.
    #[error("device: {0}")]
    Device(String),
    /// A model directory or one of its files is missing, truncated or does not fit its config.
    #[error("model {}: {reason}", path.display())]
    Model {
        /// The model directory or the file in it.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        reason: String,
    },
    /// No `--model` was given and there is no default model.
    #[error("{0}")]
    NoModel(String),
    /// An input image cannot be read or decoded.
    #[error("{}: {reason}", path.display())]
    Image {
        /// The image file.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// An input image cannot be loaded (the message names the file and the reason).
    #[error(transparent)]
    Load(#[from] data_prep::Error),
    /// A dataset directory (manifest, line/, color/) is missing or malformed.
    #[error("dataset {}: {reason}", path.display())]
    Dataset {
        /// The dataset directory or the file in it.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A training checkpoint is missing, truncated or does not fit the model / optimiser.
    #[error("checkpoint {}: {reason}", path.display())]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong (the first mismatching tensors, ...).
        reason: String,
    },
    /// Optimiser state (moments, step) does not match the variables it is loaded into.
    #[error("optimiser state: {0}")]
    OptimState(String),
    /// A training loss became NaN or infinite; training stopped without saving that step.
    #[error("{what} is {value} at step {step}: training stopped; the last checkpoint was left intact (try a lower --lr)")]
    NonFinite {
        /// The step (1-based) whose loss it was.
        step: u64,
        /// Which loss.
        what: String,
        /// Its value (NaN or an infinity).
        value: f64,
    },
    /// A layers file (OpenRaster) could not be made.
    #[error(transparent)]
    Layers(#[from] crate::layers::LayersError),
    /// A run directory is not usable (already holds a run, or lacks one to resume).
    #[error("run {}: {reason}", path.display())]
    Run {
        /// The run directory or the file in it.
        path: PathBuf,
        /// What is wrong, and what to do about it.
        reason: String,
    },
}

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, reason: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            reason,
        }
    }
}
