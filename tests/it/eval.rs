//! `colorize eval` on hand-made datasets whose figures are known in advance, the baselines,
//! the JSON output, the contact sheet and `eval.json`.

use std::path::{Path, PathBuf};

use colorize::eval::{self, EvalOptions, EvalReport, Evaluation, OutputSource};
use data_prep::manifest::{self, Split, MANIFEST_FILE};
use image::{GrayImage, Luma, Rgb, RgbImage};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{
    colorize_cmd, colorize_export, make_model, manifest_entry, rng_lock, stderr_of,
};

/// A dataset of `n` pairs per split (train, test) in a new temporary directory's `d/`;
/// `target(line)` makes each colour image.
fn dataset_with_targets(n: usize, target: impl Fn(&GrayImage) -> RgbImage) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("d");
    std::fs::create_dir_all(root.join("line")).unwrap();
    std::fs::create_dir_all(root.join("color")).unwrap();
    let mut entries = Vec::new();
    for split in [Split::Train, Split::Test] {
        for i in 0..n {
            let id = format!("{split}-{i}");
            let line = GrayImage::from_fn(32, 32, |x, y| {
                Luma([if (x + y + i as u32) % 9 == 0 { 20 } else { 230 }])
            });
            target(&line)
                .save(root.join("color").join(format!("{id}.png")))
                .unwrap();
            line.save(root.join("line").join(format!("{id}.png")))
                .unwrap();
            entries.push(manifest_entry(&id, split, 32));
        }
    }
    manifest::write(&root.join(MANIFEST_FILE), &entries).unwrap();
    (tmp, root)
}

fn grey_rgb(line: &GrayImage, offset: u8) -> RgbImage {
    RgbImage::from_fn(line.width(), line.height(), |x, y| {
        let v = line.get_pixel(x, y)[0] + offset;
        Rgb([v, v, v])
    })
}

/// The grey baseline (the line art as the output) scored on `split` of `data`.
fn evaluate_gray(data: &Path, split: Split) -> colorize::Result<Evaluation> {
    let opts = EvalOptions {
        split,
        limit: None,
        batch_size: 3,
        sheet_count: 2,
        hints: 0,
    };
    eval::evaluate(data, &OutputSource::Gray, "gray", &opts, |_, _| {})
}

fn eval_json(args: &[&str]) -> Vec<Value> {
    let out = colorize_cmd()
        .arg("eval")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

#[test]
fn identical_outputs_give_l1_zero_ssim_one_and_infinite_psnr() {
    let (_tmp, data) = dataset_with_targets(5, |l| grey_rgb(l, 0));
    let ev = evaluate_gray(&data, Split::Test).unwrap();
    let r = &ev.report;
    assert_eq!(r.count, 5);
    assert_eq!(r.l1, 0.0);
    assert!((r.ssim - 1.0).abs() < 1e-12, "{}", r.ssim);
    assert_eq!(r.psnr, f64::INFINITY);
    assert_eq!(r.psnr_mean_per_image, f64::INFINITY);
    assert_eq!(r.identical_pairs, 5);
    assert_eq!(r.colourfulness_output, 0.0);
    assert_eq!(r.colourfulness_ratio, None, "grey targets: ratio undefined");
    assert_eq!(ev.examples.len(), 2);

    // The JSON keeps infinity readable and the table prints it.
    let json = eval_json(&["--data", data.to_str().unwrap(), "--baseline", "gray"]);
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["psnr"], "inf");
    assert_eq!(json[0]["l1"], 0.0);
    assert_eq!(json[0]["colourfulness_ratio"], Value::Null);
    assert!(eval::format_table(&[ev.report]).contains(" inf "));
}

#[test]
fn a_known_offset_gives_the_computed_psnr_and_l1() {
    let (_tmp, data) = dataset_with_targets(4, |l| grey_rgb(l, 10));
    let ev = evaluate_gray(&data, Split::Test).unwrap();
    // Every pixel off by 10 levels: MSE = (10/255)^2, PSNR = 20 log10(25.5) dB.
    let expected = 20.0 * 25.5f64.log10();
    assert!(
        (ev.report.psnr - expected).abs() < 1e-9,
        "{}",
        ev.report.psnr
    );
    assert!((ev.report.l1 - 20.0 / 255.0).abs() < 1e-12);
    assert!(ev.report.ssim < 1.0 && ev.report.ssim > 0.9);
}

#[test]
fn mean_color_baseline_uses_the_train_targets() {
    let (_tmp, data) = dataset_with_targets(3, |l| {
        RgbImage::from_pixel(l.width(), l.height(), Rgb([200, 120, 40]))
    });
    assert_eq!(eval::mean_colour(&data).unwrap(), [200, 120, 40]);
    let json = eval_json(&["--data", data.to_str().unwrap(), "--baseline", "mean-color"]);
    assert_eq!(json[0]["model"], "baseline:mean-color");
    assert_eq!(json[0]["l1"], 0.0);
    assert_eq!(json[0]["psnr"], "inf");
    let c = json[0]["colourfulness_output"].as_f64().unwrap();
    assert!(c > 30.0, "a flat orange is colourful by its mean: {c}");
    assert!((json[0]["colourfulness_ratio"].as_f64().unwrap() - 1.0).abs() < 1e-9);
}

#[test]
fn a_model_is_scored_with_a_sheet_and_eval_json() {
    let _rng = rng_lock();
    let (tmp, data) = dataset_with_targets(5, |l| grey_rgb(l, 5));
    let model = make_model(&tmp.path().join("m"), 4);

    let sheet = tmp.path().join("sheet.png");
    let json = eval_json(&[
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--baseline",
        "gray",
        "--save-sheet",
        sheet.to_str().unwrap(),
        "-n",
        "3",
    ]);
    assert_eq!(json.len(), 2, "model and baseline");
    assert_eq!(json[0]["count"], 5);
    assert_eq!(json[1]["model"], "baseline:gray");
    for k in ["l1", "psnr", "ssim", "colourfulness_output"] {
        assert!(json[0][k].as_f64().unwrap().is_finite(), "{k}: {}", json[0]);
    }
    // 3 rows of (line | output | target), 32 px cells with 4 px gutters.
    let img = image::open(&sheet).unwrap();
    assert_eq!(img.width(), 3 * 32 + 4 * 4);
    assert_eq!(img.height(), 3 * 32 + 4 * 4);
    let saved: Vec<Value> =
        serde_json::from_slice(&std::fs::read(model.join("eval.json")).unwrap()).unwrap();
    assert_eq!(saved, json);
    // `eval.json` reads back typed, and the model card of an export shows its figures.
    let reports: Vec<EvalReport> = serde_json::from_value(Value::Array(saved)).unwrap();
    assert_eq!(reports[1].model, "baseline:gray");
    let dest = tmp.path().join("exported");
    let out = colorize_export(&model, &dest);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let card = std::fs::read_to_string(dest.join("README.md")).unwrap();
    let row = format!("| this model | {:.4} |", reports[0].l1);
    assert!(
        card.contains(&row) && card.contains("| baseline:gray |"),
        "{card}"
    );
    assert!(
        card.contains("GAN mode: vanilla") && card.contains("batch size 1"),
        "{card}"
    );
}

#[test]
fn a_misspelt_split_is_a_usage_error_listing_the_splits() {
    let out = colorize_cmd()
        .args([
            "eval",
            "--baseline",
            "gray",
            "--data",
            "d",
            "--split",
            "tset",
        ])
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'tset'") && err.contains("[possible values: train, val, test]"),
        "{err}"
    );
}

#[test]
fn a_missing_split_or_dataset_is_a_clear_error() {
    let (tmp, data) = dataset_with_targets(2, |l| grey_rgb(l, 0));
    let err = evaluate_gray(&data, Split::Val).unwrap_err();
    assert!(err.to_string().contains("no pairs in split `val`"), "{err}");
    let out = colorize_cmd()
        .args(["eval", "--baseline", "gray", "--data"])
        .arg(tmp.path().join("nope"))
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(!out.status.success());
    assert!(
        err.contains("nope/manifest.jsonl") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn one_identical_pair_does_not_make_the_psnr_infinite() {
    // Pair 0 of each split equals its line art; the others are 10 levels off.
    let (_tmp, data) = dataset_with_targets(4, |l| {
        let first = l.get_pixel(0, 0)[0] == 20; // (x + y + i) % 9 == 0 at (0, 0) only for i = 0
        grey_rgb(l, if first { 0 } else { 10 })
    });
    let ev = evaluate_gray(&data, Split::Test).unwrap();
    let r = &ev.report;
    assert_eq!(r.identical_pairs, 1);
    assert_eq!(r.psnr_mean_per_image, f64::INFINITY);
    // Mean MSE = 3/4 (10/255)^2, so PSNR = 20 log10(25.5) - 10 log10(0.75).
    let expected = 20.0 * 25.5f64.log10() - 10.0 * 0.75f64.log10();
    assert!((r.psnr - expected).abs() < 1e-9, "{}", r.psnr);
}
