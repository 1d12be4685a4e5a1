//! The page in a real browser (`tests/browser/page.test.mjs`: Debian's Chromium driven by
//! playwright-core), against a real server with a model that follows hints: a tiny model
//! trained here in seconds on flat-coloured shapes whose colours only the hints tell. Also
//! the style selector (a change re-colours with the new style), the layers download and the
//! "where to hint next" markers (`/api/suggest`).
//! Ignored by a plain `cargo test` (it needs Chromium and `npm ci` in tests/browser);
//! `make test` runs it, after `scripts/setup-browser.sh` installed both.

use std::path::{Path, PathBuf};
use std::process::Command;

use data_prep::manifest::Split;
use image::{GrayImage, Luma, Rgb, RgbImage};

use super::TestServer;
use crate::support::{run_colorize, write_pairs};

/// Training pairs of the shapes dataset (at 32 px).
const PAIRS: usize = 48;
/// Steps of the hint model's training (measured: see `train_hint_model`).
const STEPS: &str = "120";

/// A rectangle outline (`thick` px of ink) from `(x0, y0)` to `(x1, y1)` inclusive.
fn in_outline(x: u32, y: u32, (x0, y0, x1, y1): (u32, u32, u32, u32), thick: u32) -> bool {
    let inside = (x0..=x1).contains(&x) && (y0..=y1).contains(&y);
    inside && (x < x0 + thick || x + thick > x1 || y < y0 + thick || y + thick > y1)
}

/// `PAIRS` pairs of `size` px: two outlined rectangles on white paper, each filled with a
/// random colour, so a model can only get the colours right by following the hints.
fn shapes_dataset(dir: &Path, size: u32) -> PathBuf {
    let mut seed = 0x9e37_79b9_u64;
    let mut next = move |n: u32| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        ((seed >> 33) % u64::from(n)) as u32
    };
    let mut pairs = Vec::new();
    for i in 0..PAIRS {
        let id = format!("shapes{i:03}");
        let half = size / 2;
        let rects = [
            (next(4), next(4), half - 2 + next(4), size - 1 - next(6)),
            (
                half + 1 + next(4),
                next(6),
                size - 1 - next(4),
                size - 1 - next(4),
            ),
        ];
        let colours = [0, 1].map(|_| Rgb([next(256) as u8, next(256) as u8, next(256) as u8]));
        let line = GrayImage::from_fn(size, size, |x, y| {
            let ink = rects.iter().any(|&r| in_outline(x, y, r, 1));
            Luma([if ink { 0 } else { 255 }])
        });
        let colour = RgbImage::from_fn(size, size, |x, y| {
            if line[(x, y)][0] == 0 {
                return Rgb([0, 0, 0]);
            }
            rects
                .iter()
                .zip(colours)
                .find(|(&(x0, y0, x1, y1), _)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y))
                .map_or(Rgb([255, 255, 255]), |(_, c)| c)
        });
        let split = if i + 4 < PAIRS {
            Split::Train
        } else {
            Split::Val
        };
        pairs.push((id, line, colour, split));
    }
    write_pairs(dir, pairs)
}

/// Trains a 32 px hint model with `colorize train`, every sample hinted. Measured on this
/// 2-core machine (shared): the plain L1 objective at a high learning rate learns to follow
/// hints in 120 steps, 6-30 s depending on the load, after which a stroke's colour comes
/// back 7-26 levels from the hint (seeds 1-3; the check allows 90, the colour without the
/// stroke is ~150 away). The pix2pix default (GAN + L1, lr 2e-4) needs ~300 steps of a wider
/// model for 43 levels: 85 s.
fn train_hint_model(data: &Path, run: &Path) {
    let (ok, _out, err) = run_colorize(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        run.to_str().unwrap(),
        "--steps",
        STEPS,
        "--size",
        "32",
        "--ngf",
        "8",
        "--ndf",
        "8",
        "--batch-size",
        "8",
        "--l1-only",
        "--lr",
        "0.003",
        "--hint-none-share",
        "0",
        "--hint-mean-count",
        "4",
        "--hint-spread",
        "8",
        "--no-dropout",
        "--seed",
        "3",
        "--save-every",
        "100000",
        "--val-every",
        "100000",
        "--sample-every",
        "100000",
    ]);
    assert!(ok, "training the test model failed: {err}");
}

#[test]
#[ignore = "needs Chromium and tests/browser/node_modules: `make test` runs it"]
fn the_page_colours_a_sketch_and_follows_a_painted_stroke_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let data = shapes_dataset(&tmp.path().join("shapes"), 32);
    let run = tmp.path().join("run");
    train_hint_model(&data, &run);
    let server = TestServer::start(&run, super::test_limits(), 4);

    // The sketch: the dataset's kind of picture at 8x the size, lines 8 px thick.
    let sketch = GrayImage::from_fn(256, 256, |x, y| {
        let ink = [(16, 24, 120, 232), (136, 16, 240, 240)]
            .iter()
            .any(|&r| in_outline(x, y, r, 8));
        Luma([if ink { 0 } else { 255 }])
    });
    let sketch_path = tmp.path().join("sketch.png");
    sketch.save(&sketch_path).unwrap();

    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        dir.join("node_modules/playwright-core").is_dir(),
        "tests/browser/node_modules is missing: run scripts/setup-browser.sh (or `make test`)"
    );
    let status = Command::new("node")
        .current_dir(&dir)
        .arg("page.test.mjs")
        .args(["--url", &format!("{}/", server.url)])
        .arg("--sketch")
        .arg(&sketch_path)
        .arg("--out")
        .arg(&out)
        // A vertical stroke inside the left rectangle, in blue (palette key 5).
        .args([
            "--stroke",
            "60,90,60,170",
            "--key",
            "5",
            "--colour",
            "#1e88e5",
        ])
        .args(["--max-distance", "90"])
        // The left rectangle's inside (the stroke's area), and a stroke in the right one
        // while the suggestions are off (palette key 3).
        .args(["--stroke-area", "24,32,112,224"])
        .args(["--toggle-stroke", "190,60,190,140,3"])
        .status()
        .expect("running node (is it installed?)");
    assert!(
        status.success(),
        "the browser test failed (its output is above)"
    );
    assert!(out.join("serve-page.png").is_file(), "screenshot saved");
    assert!(
        out.join("serve-page-flat.png").is_file(),
        "screenshot in flat style saved"
    );
    assert!(
        out.join("serve-page-suggest.png").is_file(),
        "screenshot with the markers saved"
    );
    assert!(out.join("layers.ora").is_file(), "layers downloaded");
}
