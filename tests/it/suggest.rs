//! Where to hint next, through the binary, with the shipped model (`models/default`):
//! `colorize suggest` (its JSON, repeatability, hints so far), `infer --suggest N` (the
//! overlay beside the picture) and `eval --suggest` (the hint-efficiency curve's report).

use std::path::{Path, PathBuf};

use colorize::regions::{AreaKind, RegionOptions, Regions};
use data_prep::manifest::Split;
use image::{GrayImage, Luma, Rgb, RgbImage};

use crate::support::{colorize_cmd, stderr_of, stdout_of, write_pairs};

fn shipped_model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default")
}

/// A 200 x 150 page: a frame around the page's middle split into three rooms by two walls,
/// a small box below it; lines 3 px wide. Five areas: the background, the rooms, the box.
pub fn rooms() -> GrayImage {
    GrayImage::from_fn(200, 150, |x, y| {
        let frame = (20..180).contains(&x) && (20..130).contains(&y);
        let border = frame && !((23..177).contains(&x) && (23..127).contains(&y));
        let wall = frame && ((80..83).contains(&x) || (120..123).contains(&x));
        let bx = (150..195).contains(&x) && (135..148).contains(&y);
        let box_edge = bx && !((153..192).contains(&x) && (138..145).contains(&y));
        Luma([if border || wall || box_edge { 0 } else { 255 }])
    })
}

fn write_rooms(dir: &Path) -> PathBuf {
    let path = dir.join("rooms.png");
    rooms().save(&path).unwrap();
    path
}

/// `colorize suggest SKETCH --json ARGS...`, parsed.
fn suggest_json(sketch: &Path, args: &[&str]) -> serde_json::Value {
    let out = colorize_cmd()
        .arg("suggest")
        .arg(sketch)
        .args(["--json", "--model"])
        .arg(shipped_model())
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn points(json: &serde_json::Value) -> Vec<(u32, u32)> {
    json["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["x"].as_u64().unwrap() as u32,
                s["y"].as_u64().unwrap() as u32,
            )
        })
        .collect()
}

#[test]
fn suggest_json_lists_unhinted_areas_best_first_and_repeats_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let sketch = write_rooms(dir.path());
    let json = suggest_json(&sketch, &["-n", "3"]);
    assert_eq!(
        json,
        suggest_json(&sketch, &["-n", "3"]),
        "seeded: repeatable"
    );
    let list = json["suggestions"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{json}");
    let regions = Regions::compute(&rooms(), &RegionOptions::default());
    let mut last = f64::INFINITY;
    for s in list {
        let keys: Vec<&str> = s.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        assert_eq!(keys, ["area", "score", "x", "y"], "{s}");
        let (x, y) = (
            s["x"].as_u64().unwrap() as u32,
            s["y"].as_u64().unwrap() as u32,
        );
        let area = regions
            .area(regions.label(x, y))
            .expect("the point is in an area");
        assert_eq!(area.kind, AreaKind::Paper);
        assert_eq!(u64::from(area.size), s["area"].as_u64().unwrap(), "{s}");
        let score = s["score"].as_f64().unwrap();
        assert!(score >= 0.0 && score <= last, "best first: {json}");
        last = score;
    }
    // The largest-first yardstick lists the areas by size.
    let largest = suggest_json(&sketch, &["-n", "5", "--method", "largest"]);
    let sizes: Vec<u64> = largest["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["area"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
    // The box's inside (39 x 7 = 273 px) is over the 30-pixel floor; the background, the
    // three rooms and the box are the five areas.
    assert_eq!(sizes.len(), 5, "{largest}");
}

#[test]
fn a_hinted_area_is_not_suggested_again() {
    let dir = tempfile::tempdir().unwrap();
    let sketch = write_rooms(dir.path());
    let before = points(&suggest_json(&sketch, &["-n", "5"]));
    let (x, y) = before[0];
    let hint = format!("{x},{y},#e03020");
    let after = points(&suggest_json(&sketch, &["-n", "5", "--hint", &hint]));
    assert!(!after.contains(&(x, y)), "{before:?} -> {after:?}");
    assert_eq!(after.len(), before.len() - 1, "{before:?} -> {after:?}");
    // A hints image does the same: one dot in the second suggestion's area.
    let mut layer = image::RgbaImage::new(200, 150);
    let (x2, y2) = before[1];
    layer.put_pixel(x2, y2, image::Rgba([20, 200, 20, 255]));
    let hints = dir.path().join("hints.png");
    layer.save(&hints).unwrap();
    let after = points(&suggest_json(
        &sketch,
        &["-n", "5", "--hints", hints.to_str().unwrap()],
    ));
    assert!(
        !after.contains(&(x2, y2)) && after.contains(&(x, y)),
        "{after:?}"
    );
}

#[test]
fn suggest_names_a_bad_sketch_and_a_hints_image_of_another_size() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.png");
    std::fs::write(&bad, b"not a png").unwrap();
    let out = colorize_cmd()
        .args(["suggest", bad.to_str().unwrap(), "--model"])
        .arg(shipped_model())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("bad.png"), "{}", stderr_of(&out));
    let sketch = write_rooms(dir.path());
    let hints = dir.path().join("small.png");
    image::RgbaImage::new(20, 20).save(&hints).unwrap();
    let out = colorize_cmd()
        .arg("suggest")
        .arg(&sketch)
        .arg("--hints")
        .arg(&hints)
        .arg("--model")
        .arg(shipped_model())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(err.contains("20x20") && err.contains("200x150"), "{err}");
}

#[test]
fn infer_suggest_writes_the_markers_beside_the_picture() {
    let dir = tempfile::tempdir().unwrap();
    let sketch = write_rooms(dir.path());
    let run = || {
        colorize_cmd()
            .arg("infer")
            .arg(&sketch)
            .args(["--suggest", "2", "--model"])
            .arg(shipped_model())
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let picture = dir.path().join("rooms_color.png");
    let overlay = dir.path().join("rooms_color_suggest.png");
    assert!(stdout_of(&out).contains("rooms_color_suggest.png"));
    let pic = image::open(&picture).unwrap().to_rgb8();
    let ov = image::open(&overlay).unwrap().to_rgb8();
    assert_eq!(ov.dimensions(), pic.dimensions());
    // The overlay is the picture, except within a marker's reach of the two suggestions.
    let found = points(&suggest_json(&sketch, &["-n", "2"]));
    let r = colorize::suggest::marker_radius(200, 150) as i64 + 1;
    let near = |x: u32, y: u32| {
        found.iter().any(|&(px, py)| {
            (i64::from(x) - i64::from(px)).abs() <= r && (i64::from(y) - i64::from(py)).abs() <= r
        })
    };
    let mut changed = 0;
    for (x, y, p) in ov.enumerate_pixels() {
        if p != pic.get_pixel(x, y) {
            assert!(near(x, y), "({x}, {y}) changed away from the markers");
            changed += 1;
        }
    }
    assert!(changed > 50, "{changed} pixels of markers");
    // A second run does not overwrite the overlay without --force, and says so.
    std::fs::remove_file(&picture).unwrap();
    let out = run();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("rooms_color_suggest.png exists"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn eval_suggest_reports_a_curve_per_method_and_its_area() {
    let dir = tempfile::tempdir().unwrap();
    let pairs = (0..3).map(|i| {
        let line = rooms();
        let colour = RgbImage::from_fn(200, 150, |x, y| {
            if line[(x, y)][0] == 0 {
                Rgb([0, 0, 0])
            } else if (24..80).contains(&x) && (24..126).contains(&y) {
                Rgb([200, 40 * i, 40])
            } else {
                Rgb([255, 255, 255])
            }
        });
        (format!("p{i}"), line, colour, Split::Test)
    });
    let data = write_pairs(&dir.path().join("data"), pairs);
    let out = colorize_cmd()
        .args([
            "eval",
            "--suggest",
            "3",
            "--style",
            "flat",
            "--json",
            "--data",
        ])
        .arg(&data)
        .arg("--model")
        .arg(shipped_model())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["steps"], 3);
    assert_eq!(json["style"], "flat");
    let rows = json["datasets"][0]["rows"].as_array().unwrap();
    let methods: Vec<&str> = rows.iter().map(|r| r["method"].as_str().unwrap()).collect();
    assert_eq!(methods, ["dropout", "spread", "largest", "random"]);
    for r in rows {
        assert_eq!(r["pairs"], 3);
        let psnr: Vec<f64> = r["psnr"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(psnr.len(), 4, "{r}");
        let area = (psnr[1] + psnr[2] + psnr[3]) / 3.0;
        assert!((r["area"].as_f64().unwrap() - area).abs() < 1e-9, "{r}");
        // Every curve starts from the same unhinted picture.
        assert_eq!(psnr[0], rows[0]["psnr"][0].as_f64().unwrap());
    }
    // The largest-first order hints the background, then the left room (which holds all the
    // colour), then the right one, each in its own mean colour: in the flat style a hint
    // fills its area exactly, so the curve must gain.
    let largest = &rows[2]["psnr"];
    assert!(
        largest[3].as_f64().unwrap() > largest[0].as_f64().unwrap() + 1.0,
        "{largest}"
    );
}

#[test]
fn dropout_scores_follow_the_seed_and_a_model_without_dropout_gets_spread() {
    use colorize::infer::Colorizer;
    use colorize::suggest::{suggest, Method, SuggestOptions};
    let _rng = crate::support::rng_lock();
    let gray = rooms();
    let shipped = Colorizer::load(&shipped_model(), tch::Device::Cpu).unwrap();
    assert!(shipped.has_dropout());
    let run = |c: &Colorizer, method, seed| {
        let opts = SuggestOptions {
            n: 10,
            method,
            seed,
            ..Default::default()
        };
        suggest(c, &gray, None, &opts).unwrap()
    };
    let a = run(&shipped, Method::Dropout, 3);
    assert_eq!(a, run(&shipped, Method::Dropout, 3));
    let b = run(&shipped, Method::Dropout, 4);
    assert_eq!(a.len(), b.len());
    assert!(
        a.iter().zip(&b).any(|(p, q)| p.score != q.score),
        "other samples"
    );
    assert!(
        a.iter().all(|s| s.score > 0.0),
        "dropout disagrees somewhere: {a:?}"
    );
    // A 32 px model has no dropout layers: its disagreement would be zero everywhere.
    let dir = tempfile::tempdir().unwrap();
    let plain = crate::support::make_model(dir.path(), 4);
    let plain = Colorizer::load(&plain, tch::Device::Cpu).unwrap();
    assert!(!plain.has_dropout());
    assert_eq!(
        run(&plain, Method::Dropout, 0),
        run(&plain, Method::Spread, 0)
    );
}

#[test]
fn a_folder_run_does_not_take_its_own_overlays_as_sketches() {
    let dir = tempfile::tempdir().unwrap();
    write_rooms(dir.path());
    for _ in 0..2 {
        let out = colorize_cmd()
            .arg("infer")
            .arg(dir.path())
            .args(["--suggest", "1", "--force", "--model"])
            .arg(shipped_model())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["rooms.png", "rooms_color.png", "rooms_color_suggest.png"]
    );
}

#[test]
fn in_the_flat_styles_the_paper_around_the_drawing_comes_last() {
    use colorize::infer::Colorizer;
    use colorize::style::Style;
    use colorize::suggest::{suggest, Method, SuggestOptions};
    let _rng = crate::support::rng_lock();
    let gray = rooms();
    let regions = Regions::compute(&gray, &RegionOptions::default());
    let background = regions.label(0, 0);
    let model = Colorizer::load(&shipped_model(), tch::Device::Cpu).unwrap();
    for method in [Method::Dropout, Method::Spread] {
        let run = |style| {
            let opts = SuggestOptions {
                n: 10,
                method,
                style,
                ..Default::default()
            };
            suggest(&model, &gray, None, &opts).unwrap()
        };
        let soft = run(Style::Soft);
        let flat = run(Style::Flat);
        assert_eq!(soft.len(), 5);
        assert_eq!(flat.len(), 5);
        let bg = |list: &[colorize::suggest::Suggestion]| {
            list.iter().position(|s| s.label == background).unwrap()
        };
        assert!(soft[bg(&soft)].score > 0.0, "{method}: {soft:?}");
        assert_eq!(bg(&flat), 4, "{method}: last in flat: {flat:?}");
        assert_eq!(flat[4].score, 0.0);
        // The other areas keep their scores.
        for s in &flat[..4] {
            assert_eq!(
                soft.iter().find(|t| t.label == s.label).unwrap().score,
                s.score
            );
        }
        assert_eq!(run(Style::Shaded), flat);
    }
}

#[test]
fn keep_paper_measures_a_scan_as_scanned_and_leaves_white_paper_alone() {
    use colorize::infer::Colorizer;
    use colorize::suggest::{suggest, Method, SuggestOptions, Suggestion};
    let _rng = crate::support::rng_lock();
    let model = Colorizer::load(&shipped_model(), tch::Device::Cpu).unwrap();
    let clean = rooms();
    let mut scan = clean.clone();
    data_prep::rough::paper(&mut scan, 200);
    let run = |gray: &GrayImage, keep_paper| {
        let opts = SuggestOptions {
            method: Method::Spread,
            keep_paper,
            ..Default::default()
        };
        suggest(&model, gray, None, &opts).unwrap()
    };
    let scores = |s: &[Suggestion]| s.iter().map(|s| (s.label, s.score)).collect::<Vec<_>>();
    // On white paper there is nothing to level: the same suggestions either way.
    assert_eq!(run(&clean, true), run(&clean, false));
    // On grey paper the default levels it first, as `infer` does: the network sees the
    // clean drawing; kept, it sees the scan, and the scores change.
    let (levelled, kept) = (run(&scan, false), run(&scan, true));
    assert_eq!(levelled.len(), 5);
    assert_eq!(scores(&levelled), scores(&run(&clean, false)));
    assert_ne!(scores(&kept), scores(&levelled));
}
