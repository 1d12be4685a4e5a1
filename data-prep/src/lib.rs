//! data-prep: turns colour illustrations (or existing line art + colour pairs) into the
//! 128 px (line art, colour) dataset that `colorize train` reads. No libtorch here, so it
//! builds in seconds; `colorize` reuses its image loading, grey conversion and INTER_AREA
//! resize so that inference sees exactly what training saw.

pub mod dataset;
pub mod error;
pub mod exit;
pub mod geometry;
pub mod gray;
pub mod lineart;
pub mod load;
pub mod pipeline;
pub mod resize;
pub mod rng;

pub use error::Error;
