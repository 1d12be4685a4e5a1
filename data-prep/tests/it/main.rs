//! The data-prep integration tests, one binary with a module per theme: the `prep` command
//! end to end, the OpenCV goldens, and image loading.

mod cli;
mod common;
mod fuzz_replay;
mod golden;
mod hostile;
mod load;
