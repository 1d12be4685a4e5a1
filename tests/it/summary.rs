//! TensorBoard event files are read back by TensorBoard's own reader (Python
//! `EventAccumulator` from the project venv): our writer directly, and a `colorize train`
//! run whose scalars must match the figures it logged to `log.jsonl`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use colorize::summary::{EventWriter, SummarySink};
use serde_json::Value;

use crate::support::{colorize_cmd, make_dataset, stderr_of};

/// Prints `{"scalars": {tag: [[step, value], ...]}, "images": {tag: [[step, w, h], ...]}}`.
const READER: &str = r#"
import json, sys
from tensorboard.backend.event_processing import event_accumulator as ea
acc = ea.EventAccumulator(sys.argv[1], size_guidance={k: 0 for k in
    (ea.SCALARS, ea.IMAGES, ea.TENSORS, ea.HISTOGRAMS, ea.AUDIO, ea.COMPRESSED_HISTOGRAMS)})
acc.Reload()
tags = acc.Tags()
print(json.dumps({
    "scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)] for t in tags["scalars"]},
    "images": {t: [[e.step, e.width, e.height] for e in acc.Images(t)] for t in tags["images"]},
}))
"#;

/// What TensorBoard reads from one event file.
fn tensorboard_read(event_file: &Path) -> Value {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run `make setup` (scripts/setup.sh) first; this test needs \
         TensorBoard's own reader from the project venv",
        python.display()
    );
    let out = std::process::Command::new(&python)
        .args(["-c", READER])
        .arg(event_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "TensorBoard's reader failed on {}:\n{}",
        event_file.display(),
        stderr_of(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn event_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("events.out.tfevents.")
        })
        .collect()
}

/// Runs `colorize train --data DATA --out RUN ARGS --device cpu --threads 1` to completion
/// and returns its output (the status is checked by the caller).
fn train_run(data: &Path, run: &Path, args: &[&str]) -> std::process::Output {
    colorize_cmd()
        .args(["train", "--data"])
        .arg(data)
        .arg("--out")
        .arg(run)
        .args(args)
        .args(["--device", "cpu", "--threads", "1"])
        .output()
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + b.abs()) // values are stored as f32
}

#[test]
fn tensorboard_reads_our_scalars_and_non_square_images() {
    let dir = tempfile::tempdir().unwrap();
    let mut w = EventWriter::create(dir.path()).unwrap();
    for step in [1u64, 2, 10] {
        w.scalar("loss/G_L1", step, 0.5 / step as f64).unwrap();
    }
    w.scalar("lr", 3, 2e-4).unwrap();
    // 40 wide, 24 tall, red left half: a transposed image would show up in the sizes.
    let img = image::RgbImage::from_fn(40, 24, |x, _| {
        image::Rgb([if x < 20 { 255 } else { 0 }, 0, 0])
    });
    w.image("samples/grid", 7, &img).unwrap();
    // No flush or drop before reading: each call has already reached the file.
    let got = tensorboard_read(w.path());
    let g_l1 = got["scalars"]["loss/G_L1"].as_array().unwrap();
    let pairs: Vec<(u64, f64)> = g_l1
        .iter()
        .map(|e| (e[0].as_u64().unwrap(), e[1].as_f64().unwrap()))
        .collect();
    assert_eq!(pairs.iter().map(|p| p.0).collect::<Vec<_>>(), [1, 2, 10]);
    assert!(close(pairs[2].1, 0.05), "{pairs:?}");
    assert!(
        close(got["scalars"]["lr"][0][1].as_f64().unwrap(), 2e-4),
        "{got}"
    );
    assert_eq!(
        got["images"]["samples/grid"],
        serde_json::json!([[7, 40, 24]])
    );
}

#[test]
fn colorize_train_event_file_matches_its_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 6, 2);
    let run = dir.path().join("run");
    let out = train_run(
        &data,
        &run,
        &[
            "--steps",
            "4",
            "--size",
            "32",
            "--ngf",
            "8",
            "--ndf",
            "8",
            "--batch-size",
            "2",
            "--log-every",
            "2",
            "--val-every",
            "2",
            "--sample-every",
            "4",
            "--num-samples",
            "2",
            "--json-log",
        ],
    );
    let stderr = stderr_of(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("step 4/4"), "{stderr}");

    let files = event_files(&run);
    assert_eq!(files.len(), 1, "{files:?}");
    let got = tensorboard_read(&files[0]);
    let scalars = got["scalars"].as_object().unwrap();
    let tb = |tag: &str| -> Vec<(u64, f64)> {
        scalars[tag]
            .as_array()
            .unwrap_or_else(|| panic!("no scalar tag {tag} in {got}"))
            .iter()
            .map(|e| (e[0].as_u64().unwrap(), e[1].as_f64().unwrap()))
            .collect()
    };

    // The run's own record of what it logged, keyed by step.
    let log = std::fs::read_to_string(run.join("log.jsonl")).unwrap();
    let mut losses: HashMap<u64, Value> = HashMap::new();
    let mut vals: HashMap<u64, Value> = HashMap::new();
    for line in log.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let step = v["step"].as_u64().unwrap();
        if v.get("val").is_some() {
            vals.insert(step, v["val"].clone());
        } else {
            losses.insert(step, v);
        }
    }
    // A tag's points are at steps 2 and 4 and equal the figure `logged(step, key)`.
    let matches_log = |tags: [(&str, &str); 4], logged: &dyn Fn(u64, &str) -> f64| {
        for (tag, key) in tags {
            let points = tb(tag);
            assert_eq!(
                points.iter().map(|p| p.0).collect::<Vec<_>>(),
                [2, 4],
                "{tag}"
            );
            for (step, value) in points {
                let logged = logged(step, key);
                assert!(close(value, logged), "{tag} at {step}: {value} vs {logged}");
            }
        }
    };
    matches_log(
        [
            ("loss/D_real", "d_real"),
            ("loss/D_fake", "d_fake"),
            ("loss/G_gan", "g_gan"),
            ("loss/G_L1", "g_l1"),
        ],
        &|step, key| losses[&step]["losses"][key].as_f64().unwrap(),
    );
    for (step, value) in tb("lr") {
        assert!(close(value, losses[&step]["lr"].as_f64().unwrap()));
    }
    assert_eq!(tb("perf/imgs_per_s").len(), 2);
    assert!(tb("perf/imgs_per_s").iter().all(|p| p.1 > 0.0));
    matches_log(
        [
            ("val/L1", "l1"),
            ("val/PSNR", "psnr_of_mean_mse"),
            ("val/SSIM", "ssim"),
            ("val/colourfulness", "colourfulness"),
        ],
        &|step, key| vals[&step][key].as_f64().unwrap(),
    );
    // A new run's model takes hints: line | generated | hints over the line | generated with
    // them | target, for 2 samples of 32 px: 160 wide, 64 tall.
    assert_eq!(
        got["images"]["samples/line_generated_target"],
        serde_json::json!([[4, 160, 64]])
    );
}

#[test]
fn a_short_run_logs_its_last_step_whatever_the_intervals() {
    // Default intervals (losses every 10 steps, validation and samples every 500): a 3-step
    // run used to leave an event file without a single scalar or image.
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 2);
    let run = dir.path().join("run");
    let out = train_run(
        &data,
        &run,
        &["--steps", "3", "--size", "32", "--ngf", "4", "--ndf", "4"],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = tensorboard_read(&event_files(&run)[0]);
    let steps = |kind: &str, tag: &str| -> Vec<u64> {
        got[kind][tag]
            .as_array()
            .unwrap_or_else(|| panic!("no {kind} tag {tag} in {got}"))
            .iter()
            .map(|e| e[0].as_u64().unwrap())
            .collect()
    };
    for tag in ["loss/G_L1", "loss/D_real", "lr", "val/PSNR", "val/SSIM"] {
        assert_eq!(steps("scalars", tag), [3], "{tag}");
    }
    // A new run takes hints: validation is also scored with 20 hint dots per image.
    assert_eq!(steps("scalars", "val/PSNR_hints_0"), [3]);
    assert_eq!(steps("scalars", "val/PSNR_hints_20"), [3]);
    assert_eq!(steps("images", "samples/line_generated_target"), [3]);
}

/// `val/hue_entropy`, `val/hue_jsd`, `val/mottle` and `val/leak` for every run,
/// `val/diversity` (3 dropout samples per validation pair) only for a generator with dropout
/// layers (64 px and up, not `--no-dropout`); TensorBoard's values are those of `log.jsonl`.
#[test]
fn validation_logs_the_hue_figures_and_the_diversity_of_dropout_models() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 64, 4, 2);
    let train = |name: &str, extra: &[&str]| -> (Value, Value) {
        let run = dir.path().join(name);
        let mut args = vec!["--steps", "1", "--size", "64", "--ngf", "4", "--ndf", "4"];
        args.extend(["--batch-size", "2", "--json-log"]);
        args.extend(extra);
        let out = train_run(&data, &run, &args);
        assert!(out.status.success(), "{}", stderr_of(&out));
        let got = tensorboard_read(&event_files(&run)[0]);
        let log = std::fs::read_to_string(run.join("log.jsonl")).unwrap();
        let val = log
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|v| v.get("val").is_some())
            .unwrap();
        (got["scalars"].clone(), val)
    };
    let point = |scalars: &Value, tag: &str| -> f64 {
        let points = scalars[tag]
            .as_array()
            .unwrap_or_else(|| panic!("no {tag}"));
        assert_eq!(points.len(), 1, "{tag}");
        assert_eq!(points[0][0], 1, "{tag}");
        points[0][1].as_f64().unwrap()
    };

    let (scalars, val) = train("dropout", &[]);
    for (tag, logged) in [
        ("val/hue_entropy", &val["val"]["hue_entropy"]),
        ("val/hue_jsd", &val["val"]["hue_jsd"]),
        ("val/diversity", &val["val_diversity"]),
        ("val/mottle", &val["val_mottle"]),
        ("val/leak", &val["val_leak"]),
    ] {
        let (tb, logged) = (point(&scalars, tag), logged.as_f64().unwrap());
        assert!(close(tb, logged), "{tag}: {tb} vs {logged}");
    }
    assert!(point(&scalars, "val/diversity") > 0.0);
    let jsd = point(&scalars, "val/hue_jsd");
    assert!((0.0..=1.0).contains(&jsd), "{jsd}");
    // Each validation pair is a box outline between two colours (`make_dataset`): a leak
    // share of 0, 1/2 or 1 of its 2 pairs of neighbours.
    let leak = point(&scalars, "val/leak");
    assert!([0.0, 0.5, 1.0].contains(&leak), "{leak}");
    assert!(point(&scalars, "val/mottle") >= 0.0);

    let (scalars, val) = train("plain", &["--no-dropout"]);
    assert!(scalars.get("val/diversity").is_none(), "{scalars}");
    assert!(val.get("val_diversity").is_none(), "{val}");
    point(&scalars, "val/hue_entropy");
}
