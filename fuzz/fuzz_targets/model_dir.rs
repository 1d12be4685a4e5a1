//! Loading a model directory someone shared (`colorize infer --model DIR`): `config.json`
//! and `generator.safetensors`, both from the input (split at its first NUL byte, which
//! JSON text cannot contain), through `Colorizer::load`, the function `infer` calls.
//! Links libtorch: build with `--features torch`.
#![no_main]

use std::sync::OnceLock;

use colorize::infer::Colorizer;
use libfuzzer_sys::fuzz_target;
use tch::Device;

fn dir() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("temporary directory"))
        .path()
}

fuzz_target!(|data: &[u8]| {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let (config, weights) = (&data[..split], data.get(split + 1..).unwrap_or(&[]));
    std::fs::write(dir().join("config.json"), config).unwrap();
    std::fs::write(dir().join("generator.safetensors"), weights).unwrap();
    let _ = Colorizer::load(dir(), Device::Cpu);
});
