//! `colorize regions`: the false-colour map of a sketch's areas, its summary, and the
//! file-safety rules every command keeps.

use image::{GrayImage, Luma};

use crate::support::{colorize_cmd, stderr_of};

/// A 40 x 30 sketch: a closed square outline from (5, 5) to (20, 20), inside and outside.
fn write_sketch(dir: &std::path::Path) -> std::path::PathBuf {
    let img = GrayImage::from_fn(40, 30, |x, y| {
        let on = (5..=20).contains(&x)
            && (5..=20).contains(&y)
            && (x == 5 || x == 20 || y == 5 || y == 20);
        Luma([if on { 0 } else { 255 }])
    });
    let path = dir.join("square.png");
    img.save(&path).unwrap();
    path
}

#[test]
fn regions_writes_the_map_at_the_sketch_size_and_prints_the_areas() {
    let dir = tempfile::tempdir().unwrap();
    let sketch = write_sketch(dir.path());
    let map = dir.path().join("map.png");
    let out = colorize_cmd()
        .arg("regions")
        .arg(&sketch)
        .arg("-o")
        .arg(&map)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let img = image::open(&map).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (40, 30));
    assert_eq!(img.get_pixel(5, 5).0, [0, 0, 0]);
    assert_ne!(img.get_pixel(0, 0), img.get_pixel(10, 10));
    assert!(stderr_of(&out).contains("2 areas (0 solid fills), ink below 128"));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let areas = summary["areas"].as_array().unwrap();
    // 14 x 14 inside; 1200 - 16 x 16 outside.
    assert_eq!(areas[1]["size"], 196);
    assert_eq!(areas[0]["size"], 1200 - 256);
    assert_eq!(areas[0]["kind"], "paper");
    assert_eq!(areas[0]["touches_border"], true);
    assert_eq!(areas[1]["touches_border"], false);
    assert_eq!(summary["threshold"], 128);
}

#[test]
fn regions_never_overwrites_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let sketch = write_sketch(dir.path());
    let map = dir.path().join("map.png");
    std::fs::write(&map, b"keep me").unwrap();
    let out = colorize_cmd()
        .arg("regions")
        .arg(&sketch)
        .arg("-o")
        .arg(&map)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("exists (use --force"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(std::fs::read(&map).unwrap(), b"keep me");
    // Not the sketch itself either, even with --force.
    let out = colorize_cmd()
        .arg("regions")
        .arg(&sketch)
        .arg("-o")
        .arg(&sketch)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("would overwrite the sketch"));
    let out = colorize_cmd()
        .arg("regions")
        .arg(&sketch)
        .arg("-o")
        .arg(&map)
        .arg("--force")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(image::open(&map).unwrap().width(), 40);
}

#[test]
fn regions_names_a_missing_or_corrupt_sketch() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothere.png");
    let map = dir.path().join("map.png");
    let out = colorize_cmd()
        .arg("regions")
        .arg(&missing)
        .arg("-o")
        .arg(&map)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("nothere.png"),
        "{}",
        stderr_of(&out)
    );
    let corrupt = dir.path().join("broken.png");
    std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let out = colorize_cmd()
        .arg("regions")
        .arg(&corrupt)
        .arg("-o")
        .arg(&map)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("broken.png"),
        "{}",
        stderr_of(&out)
    );
    assert!(!map.exists());
}
