//! Layers files (OpenRaster) read back by an independent reader,
//! `tests/layers/read_ora.py` (Python's zipfile + ElementTree + Pillow, the project venv's
//! interpreter), which composites the visible layers itself.

use std::path::Path;
use std::process::Command;

use colorize::layers::{ora_bytes, write_ora};
use colorize::regions::{RegionOptions, Regions};
use colorize::style::{self, hard_light, multiply_lines, Layers, Style};
use image::{GrayImage, Luma, Rgb, RgbImage};
use serde_json::Value;

/// Runs the reader on `layers` written to a temporary .ora; its JSON report.
fn read_back(layers: &Layers) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("picture.ora");
    write_ora(layers, &path).unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: the project venv (with Pillow) is needed",
        python.display()
    );
    let out = Command::new(&python)
        .arg(root.join("tests/layers/read_ora.py"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The structure every file must have, whatever the picture.
fn assert_structure(report: &Value, w: u32, h: u32) {
    assert_eq!(report["first"], "mimetype");
    assert_eq!(report["first_stored"], true);
    assert_eq!(report["mimetype"], "image/openraster");
    assert_eq!(report["size"], serde_json::json!([w, h]));
    let layers = report["layers"].as_array().unwrap();
    let names: Vec<&str> = layers.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["merged", "lines", "shading", "flats"],
        "top to bottom"
    );
    let field = |i: usize, k: &str| layers[i][k].as_str().unwrap().to_string();
    assert_eq!(field(0, "visibility"), "hidden");
    assert_eq!(field(1, "mode"), "RGBA", "lines carry their alpha");
    assert_eq!(field(2, "composite_op"), "svg:hard-light");
    for i in [0, 1, 3] {
        assert_eq!(field(i, "composite_op"), "svg:src-over");
    }
    for i in 1..4 {
        assert_eq!(field(i, "visibility"), "visible");
    }
    let entries: Vec<&str> = report["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for e in [
        "stack.xml",
        "data/lines.png",
        "data/shading.png",
        "data/flats.png",
        "data/merged.png",
        "mergedimage.png",
        "Thumbnails/thumbnail.png",
    ] {
        assert!(entries.contains(&e), "{e} missing from {entries:?}");
    }
    // The flats are opaque, so the picture is too.
    assert_eq!(report["min_alpha"], 1.0);
}

#[test]
fn every_shade_and_line_level_composites_to_the_merged_picture_within_a_level() {
    // 256 x 64: every shading value against every line value somewhere, over varied flats.
    let (w, h) = (256u32, 64u32);
    let flats = RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 7 % 256) as u8, (y * 4) as u8, 255 - x as u8])
    });
    let shading = GrayImage::from_fn(w, h, |x, _| Luma([x as u8]));
    let lines = GrayImage::from_fn(w, h, |x, y| Luma([((x * 3 + y * 29) % 256) as u8]));
    let merged = multiply_lines(
        &RgbImage::from_fn(w, h, |x, y| {
            Rgb(flats[(x, y)].0.map(|c| hard_light(c, shading[(x, y)][0])))
        }),
        &lines,
    );
    let layers = Layers {
        lines,
        flats,
        shading,
        merged,
    };
    let report = read_back(&layers);
    assert_structure(&report, w, h);
    assert!(report["max_diff"].as_u64().unwrap() <= 1, "{report}");
    assert_eq!(report["thumbnail"], serde_json::json!([256, 64]));
}

#[test]
fn a_shaded_picture_read_back_composites_to_its_png() {
    // A 300 x 120 sketch: a frame split in two rooms; the network's colour a vertical
    // lightness ramp (so there is shading) over red and blue rooms.
    let (w, h) = (300u32, 120u32);
    let gray = GrayImage::from_fn(w, h, |x, y| {
        let frame = (20..280).contains(&x) && (10..110).contains(&y);
        let wall = frame
            && ((20..23).contains(&x)
                || (277..280).contains(&x)
                || (10..13).contains(&y)
                || (107..110).contains(&y)
                || (149..152).contains(&x));
        Luma([if wall { 0 } else { 255 }])
    });
    let colour = RgbImage::from_fn(w, h, |x, y| {
        let d = y as i32 - 60;
        let base: [i32; 3] = if x < 150 {
            [200, 50, 40]
        } else {
            [50, 70, 200]
        };
        Rgb(base.map(|c| (c + d).clamp(0, 255) as u8))
    });
    let regions = Regions::compute(&gray, &RegionOptions::default());
    let layers = style::finish(Style::Shaded, &gray, &colour, Some(&regions), None);
    assert!(layers
        .shading
        .pixels()
        .any(|p| p[0] != style::NEUTRAL_SHADE));
    let report = read_back(&layers);
    assert_structure(&report, w, h);
    assert!(report["max_diff"].as_u64().unwrap() <= 1, "{report}");
    // Thumbnail: longest side 256, aspect kept (120 * 256 / 300 = 102.4).
    assert_eq!(report["thumbnail"], serde_json::json!([256, 102]));
}

#[test]
fn the_same_layers_give_the_same_bytes() {
    let lines = GrayImage::from_fn(8, 8, |x, _| Luma([(x * 30) as u8]));
    let flats = RgbImage::from_pixel(8, 8, Rgb([10, 200, 30]));
    let layers = Layers {
        merged: multiply_lines(&flats, &lines),
        shading: GrayImage::from_pixel(8, 8, Luma([style::NEUTRAL_SHADE])),
        lines,
        flats,
    };
    let a = ora_bytes(&layers).unwrap();
    assert_eq!(a, ora_bytes(&layers).unwrap());
    // `mimetype` stored first, right after its 30-byte local header and its 8-byte name.
    assert_eq!(&a[30..38], b"mimetype");
    assert_eq!(&a[38..54], b"image/openraster");
}
