//! The hints decoder `colorize infer --hints` uses (`data_prep::load::decode_rgba`: RGBA,
//! alpha kept), with a 1 Mpx pixel guard.
#![no_main]

use std::path::Path;

use data_prep::load::{decode_rgba, LoadLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = LoadLimits {
        max_pixels: 1 << 20,
        ..LoadLimits::default()
    };
    let _ = decode_rgba(Path::new("fuzz"), data, &limits);
});
