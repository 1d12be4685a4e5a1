//! Replays every input kept in `fuzz/regressions/<target>/` (crashes, hangs and bombs the
//! fuzzers found, plus hand-made hostile files) through the same entry points as the fuzz
//! targets in `fuzz/fuzz_targets/`, with the same limits, so that a fixed bug stays fixed in
//! the ordinary `cargo test` (the long fuzzing itself is `fuzz/run.sh`). Each input must
//! come back as `Ok` or a typed error, without panicking, within seconds.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use data_prep::dataset::Job;
use data_prep::geometry::Square;
use data_prep::lineart::{LineMethod, Xdog};
use data_prep::load::{decode_rgba, load_gray, LoadLimits};
use data_prep::manifest::{parse_lenient, parse_strict, to_text};
use data_prep::pipeline::{make_pair, ExtractAt, PrepConfig, Skip};

/// The `image_load` target's pixel guard.
fn fuzz_limits() -> LoadLimits {
    LoadLimits {
        max_pixels: 1 << 20,
        ..LoadLimits::default()
    }
}

/// The kept inputs of one fuzz target, by name.
fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", dir.display());
    files
}

/// Runs `f` on every kept input of `target`, each within a generous time bound (the hangs
/// found took hours; a debug build decodes these small files in milliseconds).
fn replay(target: &str, mut f: impl FnMut(&Path, &[u8])) {
    for path in regressions(target) {
        let bytes = std::fs::read(&path).unwrap();
        let start = Instant::now();
        f(&path, &bytes);
        let took = start.elapsed();
        assert!(
            took < Duration::from_secs(20),
            "{}: took {took:?}",
            path.display()
        );
    }
}

/// `prep`'s processing of one input as the `image_load` target drives it.
fn prep_one(path: &Path, square: Square, extract_at: ExtractAt) -> Result<(), Skip> {
    let cfg = PrepConfig {
        out: PathBuf::from("unused"),
        size: 32,
        method: LineMethod::Xdog(Xdog::default()),
        extract_at,
        square,
        upscale: true,
        val: 0.1,
        test: 0.1,
        min_ink: 0.0,
        limits: fuzz_limits(),
        lines: None,
        force: false,
    };
    let job = Job {
        id: "fuzz".into(),
        color: path.to_owned(),
        rel_stem: "fuzz".into(),
    };
    make_pair(&job, None, &cfg).map(|_| ())
}

#[test]
fn image_load_regressions_load_or_fail_cleanly() {
    replay("image_load", |path, _| {
        for square in [Square::Pad, Square::Crop] {
            for at in [ExtractAt::Target, ExtractAt::Source] {
                let _ = prep_one(path, square, at);
            }
        }
        let _ = load_gray(path, &fuzz_limits());
    });
}

#[test]
fn hints_image_regressions_load_or_fail_cleanly() {
    replay("hints_image", |path, bytes| {
        let _ = decode_rgba(path, bytes, &fuzz_limits());
    });
}

#[test]
fn manifest_regressions_parse_or_fail_cleanly() {
    replay("manifest", |path, bytes| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        let lenient = parse_lenient(text);
        if let Ok(entries) = parse_strict(path, text) {
            assert_eq!(parse_strict(path, &to_text(&entries)).unwrap(), entries);
            assert!(lenient.len() <= entries.len());
        }
    });
}

/// Found by `image_load` in its first minutes: a 12 x 13833 JPEG and a 3 x 21760 WebP pass
/// the pixel guard, but `prep` padded them to a 13833 x 13833 square before resizing (and
/// allocated it, extracting at the source): minutes of work, and for a 1 x 256M-pixel
/// strip under the default limits, hours or an abort. Now skipped as too large.
#[test]
fn thin_strips_that_would_pad_to_a_huge_square_are_skipped() {
    for name in [
        "jpeg-12x13833-square-resize-hang.jpg",
        "webp-3x21760-square-resize-slow.webp",
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/regressions/image_load")
            .join(name);
        for at in [ExtractAt::Target, ExtractAt::Source] {
            let skip = prep_one(&path, Square::Pad, at).unwrap_err();
            assert_eq!(skip.kind, "too large", "{name}: {}", skip.message);
            assert!(
                skip.message.contains("once made square"),
                "{}",
                skip.message
            );
        }
    }
}
