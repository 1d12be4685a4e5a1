//! `colorize eval` on hand-made datasets whose figures are known in advance, the baselines,
//! the JSON output, the contact sheet and `eval.json`, the hue figures, `--diversity`, and
//! `--style` with the area figures (mottle, leak).

use std::path::{Path, PathBuf};

use colorize::config::ModelConfig;
use colorize::eval::{self, EvalOptions, EvalReport, Evaluation, OutputSource};
use colorize::infer::Colorizer;
use colorize::metrics::hue::srgb_to_lab;
use data_prep::manifest::{self, Split, MANIFEST_FILE};
use image::{GrayImage, Luma, Rgb, RgbImage};
use serde_json::Value;
use tempfile::TempDir;

use crate::support::{
    colorize_cmd, colorize_export, make_model, make_model_of, manifest_entry, model_config,
    rng_lock, stderr_of,
};

/// A dataset of `n` pairs of 32 px per split (train, test) in a new temporary directory's
/// `d/`; `target(line)` makes each colour image.
fn dataset_with_targets(n: usize, target: impl Fn(&GrayImage) -> RgbImage) -> (TempDir, PathBuf) {
    dataset_sized(n, 32, target)
}

/// [`dataset_with_targets`] of `size` px.
fn dataset_sized(
    n: usize,
    size: u32,
    target: impl Fn(&GrayImage) -> RgbImage,
) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("d");
    std::fs::create_dir_all(root.join("line")).unwrap();
    std::fs::create_dir_all(root.join("color")).unwrap();
    let mut entries = Vec::new();
    for split in [Split::Train, Split::Test] {
        for i in 0..n {
            let id = format!("{split}-{i}");
            let line = GrayImage::from_fn(size, size, |x, y| {
                Luma([if (x + y + i as u32) % 9 == 0 { 20 } else { 230 }])
            });
            target(&line)
                .save(root.join("color").join(format!("{id}.png")))
                .unwrap();
            line.save(root.join("line").join(format!("{id}.png")))
                .unwrap();
            entries.push(manifest_entry(&id, split, size));
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

/// Options scoring all of `split` in batches of 3, without hints or diversity.
fn options(split: Split) -> EvalOptions {
    EvalOptions {
        split,
        limit: None,
        batch_size: 3,
        sheet_count: 2,
        hints: 0,
        diversity: None,
        style: None,
    }
}

/// The grey baseline (the line art as the output) scored on `split` of `data`.
fn evaluate_gray(data: &Path, split: Split) -> colorize::Result<Evaluation> {
    eval::evaluate(
        data,
        &OutputSource::Gray,
        "gray",
        &options(split),
        |_, _| {},
    )
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
    let row = format!("| this model | 0 | {:.4} |", reports[0].l1);
    assert!(
        card.contains(&row) && card.contains("| baseline:gray |"),
        "{card}"
    );
    assert!(
        card.contains("GAN mode: vanilla") && card.contains("batch size 1"),
        "{card}"
    );
    // Evaluating the exported model (it has a card) on other data leaves its figures alone.
    let before = std::fs::read(dest.join("eval.json")).unwrap();
    let again = eval_json(&[
        "--model",
        dest.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(again.len(), 1, "the model alone");
    assert_eq!(std::fs::read(dest.join("eval.json")).unwrap(), before);
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

/// Targets of two hues: the left half red, the right half blue.
fn red_and_blue(line: &GrayImage) -> RgbImage {
    RgbImage::from_fn(line.width(), line.height(), |x, _| {
        Rgb(if x < line.width() / 2 {
            [220, 30, 30]
        } else {
            [30, 60, 220]
        })
    })
}

/// The collapse: a flat brown output has chroma, so its colourfulness ratio is no
/// alarm, but one hue (entropy 0) that the targets lack (JSD 1); an output equal to its
/// targets has their entropy and JSD 0; grey has no hue distribution at all.
#[test]
fn hue_figures_flag_a_flat_sepia_output_and_pass_a_copy() {
    let (_tmp, data) = dataset_with_targets(4, red_and_blue);
    let sepia = OutputSource::Flat([112, 66, 20]);
    let r = eval::evaluate(&data, &sepia, "sepia", &options(Split::Test), |_, _| {})
        .unwrap()
        .report;
    assert!(r.colourfulness_output > 20.0, "brown has chroma: {r:?}");
    assert_eq!(r.hue_entropy_output, Some(0.0));
    assert!(r.hue_entropy_output.unwrap().is_sign_positive());
    assert!((r.hue_jsd.unwrap() - 1.0).abs() < 1e-12, "{r:?}");
    // Targets: 16 columns of each hue, so the entropy of (chroma red, chroma blue).
    let chroma = |c: [f64; 3]| {
        let [_, a, b] = srgb_to_lab(c.map(|v| v / 255.0));
        a.hypot(b)
    };
    let (cr, cb) = (chroma([220.0, 30.0, 30.0]), chroma([30.0, 60.0, 220.0]));
    let (pr, pb) = (cr / (cr + cb), cb / (cr + cb));
    let expected = -(pr * pr.log2() + pb * pb.log2());
    let target = r.hue_entropy_target.unwrap();
    assert!((target - expected).abs() < 1e-9, "{target} vs {expected}");

    // A copy of (flat orange) targets: the same entropy (0: one hue) and JSD 0.
    let (_tmp, data) = dataset_with_targets(3, |l| {
        RgbImage::from_pixel(l.width(), l.height(), Rgb([200, 120, 40]))
    });
    let copy = OutputSource::Flat([200, 120, 40]);
    let r = eval::evaluate(&data, &copy, "copy", &options(Split::Test), |_, _| {})
        .unwrap()
        .report;
    assert_eq!(
        (r.hue_entropy_output, r.hue_entropy_target),
        (Some(0.0), Some(0.0))
    );
    assert_eq!(r.hue_jsd, Some(0.0));

    // Grey outputs and targets: no hue, so no figure (null in JSON, n/a in the table).
    let (_tmp, data) = dataset_with_targets(2, |l| grey_rgb(l, 0));
    let r = evaluate_gray(&data, Split::Test).unwrap().report;
    assert_eq!(
        (r.hue_entropy_output, r.hue_jsd, r.diversity),
        (None, None, None)
    );
    let table = eval::format_table(&[r]);
    assert!(table.contains("hue H") && table.contains("JSD"), "{table}");
    assert!(
        table.contains(" n/a ") && !table.contains("diversity"),
        "{table}"
    );
    let json = eval_json(&["--data", data.to_str().unwrap(), "--baseline", "gray"]);
    for k in [
        "hue_entropy_output",
        "hue_entropy_target",
        "hue_jsd",
        "diversity",
    ] {
        assert_eq!(json[0][k], Value::Null, "{k}");
    }
}

#[test]
fn an_eval_json_from_before_the_hue_and_diversity_figures_still_loads() {
    let (_tmp, data) = dataset_with_targets(2, red_and_blue);
    let ev = evaluate_gray(&data, Split::Test).unwrap();
    let mut old = serde_json::to_value(&ev.report).unwrap();
    for k in [
        "hue_entropy_output",
        "hue_entropy_target",
        "hue_jsd",
        "diversity",
        "style",
        "mottle",
        "leak",
        "leak_pairs",
    ] {
        old.as_object_mut().unwrap().remove(k).unwrap();
    }
    let back: EvalReport = serde_json::from_value(old).unwrap();
    assert_eq!(
        (back.hue_entropy_output, back.hue_jsd, back.diversity),
        (None, None, None)
    );
    assert_eq!(
        (back.style, back.mottle, back.leak_pairs),
        (None, None, None)
    );
    assert_eq!(back.l1, ev.report.l1);
}

/// Dropout is pix2pix's only noise: a generator without it gives the same output K times
/// (diversity exactly 0), an untrained one with it does not; the figure is reproducible
/// (fixed seed) and measuring it leaves the scored figures alone.
#[test]
fn diversity_is_zero_without_dropout_and_positive_with_it() {
    let _rng = rng_lock();
    let (tmp, data) = dataset_sized(3, 64, red_and_blue);
    let shape = |dropout| ModelConfig {
        dropout,
        ..model_config(64, 4)
    };
    let plain = Colorizer::load(
        &make_model_of(&tmp.path().join("plain"), shape(false)),
        tch::Device::Cpu,
    )
    .unwrap();
    let noisy = Colorizer::load(
        &make_model_of(&tmp.path().join("noisy"), shape(true)),
        tch::Device::Cpu,
    )
    .unwrap();
    assert!(!plain.has_dropout() && noisy.has_dropout());
    let run = |c: &Colorizer, data: &Path, diversity| {
        let source = OutputSource::Model {
            colorizer: c,
            train_mode: false,
            keep_paper: false,
        };
        let opts = EvalOptions {
            diversity,
            ..options(Split::Test)
        };
        eval::evaluate(data, &source, "m", &opts, |_, _| {})
            .unwrap()
            .report
    };
    assert_eq!(run(&plain, &data, Some(3)).diversity, Some(0.0));
    let with = run(&noisy, &data, Some(3));
    let d = with.diversity.unwrap();
    assert!(d > 0.0, "{d}");
    assert_eq!(run(&noisy, &data, Some(3)).diversity, Some(d), "seeded");
    let without = run(&noisy, &data, None);
    assert_eq!(without.diversity, None);
    assert_eq!((without.l1, without.ssim), (with.l1, with.ssim));
    assert!(eval::format_table(&[with]).contains("diversity"));
    // Sizes the U-Net cannot take directly (32 px for a 64 px model): the padding path,
    // whose samples are the 8-bit images (an untrained net's differences stay below a level).
    let (_tmp32, data32) = dataset_with_targets(2, red_and_blue);
    assert_eq!(run(&plain, &data32, Some(2)).diversity, Some(0.0));
    assert!(run(&noisy, &data32, Some(2)).diversity.unwrap() >= 0.0);
}

#[test]
fn eval_diversity_flag_reports_the_figure_and_needs_two_samples() {
    let (tmp, data) = dataset_with_targets(2, red_and_blue);
    let model = {
        let _rng = rng_lock();
        make_model(&tmp.path().join("m"), 4) // 32 px: no dropout layers
    };
    let args = [
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ];
    // Raw: the soft finish multiplies the lines in, and an untrained net's colour, a level
    // either side of grey, comes out exactly grey (no hue left to compare).
    let json = eval_json(
        &[
            &args[..],
            &["--diversity", "2", "--no-save", "--style", "raw"],
        ]
        .concat(),
    );
    assert_eq!(json[0]["diversity"], 0.0);
    assert!(json[0]["hue_jsd"].as_f64().is_some(), "{}", json[0]);
    let out = colorize_cmd()
        .arg("eval")
        .args(args)
        .args(["--diversity", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

#[test]
fn several_datasets_give_a_row_each_and_an_all_row_pooling_every_image() {
    let _rng = rng_lock();
    let (tmp, a) = dataset_with_targets(3, |l| grey_rgb(l, 5));
    let b = crate::support::make_dataset(&tmp.path().join("b"), 32, 2, 0);
    // `make_dataset` has no test split: score the train splits.
    let json = eval_json(&[
        "--baseline",
        "gray",
        "--split",
        "train",
        "--data",
        a.to_str().unwrap(),
        "--data",
        b.to_str().unwrap(),
    ]);
    assert_eq!(json.len(), 3, "{json:?}");
    let data: Vec<&str> = json.iter().map(|r| r["data"].as_str().unwrap()).collect();
    assert_eq!(data, [a.to_str().unwrap(), b.to_str().unwrap(), "all"]);
    let counts: Vec<u64> = json.iter().map(|r| r["count"].as_u64().unwrap()).collect();
    let a_count = counts[0];
    assert_eq!(counts[1], 2);
    assert_eq!(counts[2], a_count + 2);
    // The pooled L1 is the image-weighted mean of the two rows.
    let l1 = |i: usize| json[i]["l1"].as_f64().unwrap();
    let pooled = (l1(0) * a_count as f64 + l1(1) * 2.0) / (a_count + 2) as f64;
    assert!((l1(2) - pooled).abs() < 1e-9, "{} vs {pooled}", l1(2));
    assert_ne!(l1(0), l1(1));
}

#[test]
fn without_data_a_model_is_scored_on_its_own_datasets() {
    let _rng = rng_lock();
    let (tmp, data) = dataset_with_targets(2, |l| grey_rgb(l, 5));
    let model = make_model(&tmp.path().join("m"), 4);
    // The model's config names the datasets it was trained on.
    let cfg_path = model.join(colorize::run_dir::CONFIG_FILE);
    let mut cfg: Value = serde_json::from_slice(&std::fs::read(&cfg_path).unwrap()).unwrap();
    cfg["data"] = serde_json::json!([{ "path": data, "weight": 1.0 }]);
    std::fs::write(&cfg_path, serde_json::to_vec(&cfg).unwrap()).unwrap();
    let json = eval_json(&["--model", model.to_str().unwrap(), "--no-save"]);
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["data"], data.to_str().unwrap());
    let out = colorize_cmd()
        .args(["eval", "--baseline", "gray"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("--data is required"),
        "{}",
        stderr_of(&out)
    );
}

/// A 64 px sketch of two closed boxes on paper (1 px outlines): boxes at 8..=27 and
/// 36..=55 on both axes, so three areas (two boxes and the paper around them), with the
/// targets' box colours red and blue on white.
fn boxes_dataset(n: usize) -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("d");
    let inside = |v: u32, lo: u32| (lo..=lo + 19).contains(&v);
    let edge = |v: u32, lo: u32| v == lo || v == lo + 19;
    let boxes = [(8, 8), (36, 36)];
    let pairs = (0..2 * n).map(|i| {
        let line = GrayImage::from_fn(64, 64, |x, y| {
            let on = boxes
                .iter()
                .any(|&(bx, by)| (edge(x, bx) && inside(y, by)) || (edge(y, by) && inside(x, bx)));
            Luma([if on { 0 } else { 255 }])
        });
        let target = RgbImage::from_fn(64, 64, |x, y| {
            Rgb(match () {
                _ if line[(x, y)][0] == 0 => [0, 0, 0],
                _ if inside(x, 8) && inside(y, 8) => [220, 30, 30],
                _ if inside(x, 36) && inside(y, 36) => [30, 60, 220],
                _ => [255, 255, 255],
            })
        });
        let split = if i < n { Split::Train } else { Split::Test };
        (format!("{split}-{i}"), line, target, split)
    });
    crate::support::write_pairs(&root, pairs);
    (tmp, root)
}

/// `--style` scores a model's outputs as `infer` finishes them, one row per style from one
/// network call, with the area figures: `flat` has one colour per area, so no chroma wanders
/// inside an area (mottle 0, at most soft's); the boxes' areas next to the paper differ in
/// the targets, so leak has eligible pairs; the baseline rows have no style.
#[test]
fn eval_style_reports_mottle_and_leak_per_style() {
    let (tmp, data) = boxes_dataset(2);
    let model = {
        let _rng = rng_lock();
        make_model_of(&tmp.path().join("m"), model_config(64, 4))
    };
    let args = [
        "--model",
        model.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ];
    let flat = eval_json(&[&args[..], &["--style", "flat", "--no-save"]].concat());
    assert_eq!(flat.len(), 1);
    assert_eq!(flat[0]["style"], "flat");
    let mottle = flat[0]["mottle"].as_f64().unwrap();
    assert!(
        mottle.abs() < 1e-9,
        "flat: one colour per area: {}",
        flat[0]
    );
    // Two boxes next to the paper in each of 2 pairs: 4 eligible neighbours (red-white and
    // blue-white differ by far more than 10).
    assert_eq!(flat[0]["leak_pairs"]["eligible"], 4, "{}", flat[0]);
    let leaking = flat[0]["leak_pairs"]["leaking"].as_f64().unwrap();
    assert_eq!(flat[0]["leak"].as_f64().unwrap(), leaking / 4.0);

    let rows = eval_json(
        &[
            &args[..],
            &[
                "--style",
                "soft,flat,raw",
                "--baseline",
                "gray",
                "--no-save",
            ],
        ]
        .concat(),
    );
    let styles: Vec<&Value> = rows.iter().map(|r| &r["style"]).collect();
    let expected = ["soft", "flat", "raw"].map(Value::from);
    assert_eq!(styles[..3], expected.iter().collect::<Vec<_>>(), "{rows:?}");
    assert_eq!(styles[3], &Value::Null, "the baseline has no style");
    let soft = rows[0]["mottle"].as_f64().unwrap();
    assert!(
        rows[1]["mottle"].as_f64().unwrap() <= soft,
        "flat {} vs soft {soft}",
        rows[1]["mottle"]
    );
    // The same figures with other styles beside it (to the ulp JSON parsing may lose).
    for k in ["l1", "ssim", "mottle", "leak"] {
        let (a, b) = (rows[1][k].as_f64().unwrap(), flat[0][k].as_f64().unwrap());
        assert!((a - b).abs() < 1e-9, "{k}: {a} vs {b}");
    }
    // The grey baseline has no chroma at all: nothing wanders, every neighbour looks alike.
    assert_eq!(rows[3]["mottle"], 0.0);
    assert_eq!(rows[3]["leak"], 1.0);
    // The raw row is the network's output alone, as the library scores it without a style.
    let source_row = {
        let c = Colorizer::load(&model, tch::Device::Cpu).unwrap();
        let source = OutputSource::Model {
            colorizer: &c,
            train_mode: false,
            keep_paper: false,
        };
        eval::evaluate(&data, &source, "m", &options(Split::Test), |_, _| {})
            .unwrap()
            .report
    };
    // (serde_json parses floats to within an ulp, not exactly)
    assert!((rows[2]["l1"].as_f64().unwrap() - source_row.l1).abs() < 1e-12);
    assert_eq!(source_row.style.as_deref(), Some("raw"));
    let table = eval::format_table(&[source_row]);
    assert!(
        table.contains("mottle") && table.contains(" raw "),
        "{table}"
    );

    let out = colorize_cmd()
        .arg("eval")
        .args(args)
        .args(["--style", "glossy"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
    assert!(stderr_of(&out).contains("soft, flat, shaded or raw"));
}
