//! Every image format `prep` and `infer` accept (PNG, JPEG, WebP, BMP, GIF, TIFF, SVG,
//! SVGZ) through `prep`'s own path for one input (`pipeline::make_pair`: load, size checks,
//! square, INTER_AREA resize, line-art extraction, ink check) and `infer`'s loader
//! (`load::load_gray`). The pixel guard is 1 Mpx, so that each run takes milliseconds and
//! any allocation beyond libFuzzer's memory limit is a bug. The input's length picks the
//! squaring and extraction options.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use data_prep::dataset::Job;
use data_prep::geometry::Square;
use data_prep::lineart::{LineMethod, Xdog};
use data_prep::load::{load_gray, LoadLimits};
use data_prep::pipeline::{make_pair, ExtractAt, PrepConfig};
use libfuzzer_sys::fuzz_target;

fn file() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fuzz-image-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("input")
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = LoadLimits {
        max_pixels: 1 << 20,
        ..LoadLimits::default()
    };
    let cfg = PrepConfig {
        out: PathBuf::from("unused"),
        size: 32,
        method: LineMethod::Xdog(Xdog::default()),
        extract_at: [ExtractAt::Target, ExtractAt::Source][data.len() % 2],
        square: [Square::Pad, Square::Crop][data.len() / 2 % 2],
        upscale: true,
        val: 0.1,
        test: 0.1,
        min_ink: 0.0,
        limits: limits.clone(),
        lines: None,
        force: false,
    };
    std::fs::write(file(), data).unwrap();
    let job = Job {
        id: "fuzz".into(),
        color: file().clone(),
        rel_stem: "fuzz".into(),
    };
    let _ = make_pair(&job, None, &cfg);
    let _ = load_gray(file(), &limits);
});
