//! The colorize integration tests, one binary (libtorch linked once, one lock on its global
//! RNG in `support`) with a module per theme. All run on the CPU in seconds.

mod checkpoint;
mod cli;
mod eval;
mod faults;
mod hints;
mod infer;
mod layers;
mod model;
mod model_search;
mod regions;
mod serve;
mod suggest;
mod summary;
mod support;
mod torch_smoke;
mod train;
