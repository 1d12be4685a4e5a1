//! Command handlers of the binary: argument -> config, progress display, anyhow context.

pub mod eval;
pub mod eval_suggest;
pub mod export;
pub mod infer;
pub mod info;
pub mod regions;
pub mod serve;
pub mod suggest;
pub mod train;
