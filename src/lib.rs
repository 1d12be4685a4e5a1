//! colorize: colours line art with a pix2pix-style conditional GAN.
//!
//! The library holds the work (model, losses, data, training, inference, metrics,
//! TensorBoard summaries, the run directory format); the `colorize` binary (`main.rs`,
//! `cli.rs`, `cmd/`) only parses arguments, shows progress and turns errors into exit codes.
//!
//! Conventions: tensors are NCHW `f32` in `[-1, 1]`; line art has one channel (white paper
//! = +1, black ink = -1), colour three (RGB).

#![warn(missing_docs)]

pub mod checkpoint;
pub mod config;
pub mod data;
pub mod device;
pub mod error;
pub mod eval;
pub mod hint_sim;
pub mod hints;
pub mod infer;
pub mod layers;
pub mod loss;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod native;
pub mod optim;
pub mod regions;
pub mod run_dir;
pub mod serve;
pub mod style;
pub mod suggest;
pub mod summary;
pub mod tensor_image;
pub mod train;

pub use error::{Error, Result};
