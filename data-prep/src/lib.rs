//! data-prep: turns colour illustrations (or existing line art + colour pairs) into the
//! 128 px (line art, colour) dataset that `colorize train` reads. No libtorch here, so it
//! builds in seconds. It is also the library both crates share: the dataset contract
//! (`manifest`), file handling (`fs`: walk, extensions, atomic writes), image loading,
//! grey conversion, padding and INTER_AREA resize, so that training and inference see
//! exactly what `prep` wrote.

#![warn(missing_docs)]

pub mod dataset;
pub mod error;
pub mod exit;
pub mod fs;
pub mod geometry;
pub mod gray;
pub mod lineart;
pub mod load;
pub mod manifest;
pub mod outline;
pub mod paper;
pub mod pipeline;
pub mod resize;
pub mod rng;
pub mod rough;
pub mod run;

pub use error::Error;
