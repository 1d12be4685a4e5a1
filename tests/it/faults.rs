//! Reliability regressions (docs/RELIABILITY.md): what the fault-injection scripts of
//! `bench/faults/` and the fuzzers of `fuzz/` found, kept as ordinary tests. The model
//! directory inputs the `model_dir` fuzz target keeps in `fuzz/regressions/model_dir/` are
//! replayed here through `Colorizer::load`, as the target calls it.

use std::path::Path;
use std::time::{Duration, Instant};

use colorize::infer::Colorizer;
use colorize::Error;
use tch::Device;

use crate::support::{make_dataset, make_model, rng_lock, run_colorize};

/// Writes `config.json` and `generator.safetensors` as the `model_dir` target does: the
/// input split at its first NUL byte.
fn model_dir_from(dir: &Path, data: &[u8]) {
    let split = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    std::fs::write(dir.join("config.json"), &data[..split]).unwrap();
    std::fs::write(
        dir.join("generator.safetensors"),
        data.get(split + 1..).unwrap_or(&[]),
    )
    .unwrap();
}

#[test]
fn model_dir_regressions_load_or_fail_cleanly() {
    let _rng = rng_lock();
    let inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/model_dir");
    let mut files: Vec<_> = std::fs::read_dir(&inputs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no inputs in {}", inputs.display());
    for path in files {
        let dir = tempfile::tempdir().unwrap();
        model_dir_from(dir.path(), &std::fs::read(&path).unwrap());
        let start = Instant::now();
        let _ = Colorizer::load(dir.path(), Device::Cpu);
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{}: took {:?}",
            path.display(),
            start.elapsed()
        );
    }
}

/// A shared model directory whose config.json asks for a network thousands of times larger
/// than its weights file used to be built (allocated and initialised) before the weights
/// were checked: a few bytes of JSON could exhaust memory. Now refused first, naming both.
#[test]
fn a_config_far_larger_than_its_weights_is_refused_before_allocating() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let model = make_model(&dir.path().join("m"), 4);
    let config = model.join("config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["model"]["ngf"] = 4096.into(); // about 10^10 weights: 40 GB of f32
    json["model"]["image_size"] = 1024.into();
    std::fs::write(&config, json.to_string()).unwrap();
    let start = Instant::now();
    let err = Colorizer::load(&model, Device::Cpu).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(matches!(err, Error::Model { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("generator.safetensors") && msg.contains("do not belong together"),
        "{msg}"
    );

    // Sizes whose layer widths would overflow are configuration errors, not panics.
    for (field, v) in [("ngf", i64::MAX), ("image_size", 1i64 << 62)] {
        let mut j = json.clone();
        j["model"][field] = v.into();
        std::fs::write(&config, j.to_string()).unwrap();
        let msg = Colorizer::load(&model, Device::Cpu)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("must be <="), "{field}: {msg}");
    }
}

/// kill -9 between `config.json` and the first checkpoint left a run that neither resumed
/// ("no checkpoint to resume from") nor restarted ("already holds a training run"). Resuming
/// it now starts again from step 0 with its config, and ends with the same weights.
#[test]
fn a_run_killed_before_its_first_checkpoint_resumes_from_step_zero() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 1);
    let run = dir.path().join("run");
    let (ds, run_s) = (data.to_str().unwrap(), run.to_str().unwrap());
    let (ok, _, stderr) = run_colorize(&[
        "train",
        "--data",
        ds,
        "--out",
        run_s,
        "--steps",
        "2",
        "--size",
        "32",
        "--ngf",
        "4",
        "--ndf",
        "4",
        "--device",
        "cpu",
        "--seed",
        "3",
        "--threads",
        "1",
    ]);
    assert!(ok, "{stderr}");
    let weights = run.join("generator.safetensors");
    let finished = std::fs::read(&weights).unwrap();
    // What a kill before the first checkpoint leaves: config.json (and event files).
    std::fs::remove_dir_all(run.join("checkpoints")).unwrap();
    std::fs::remove_file(&weights).unwrap();

    let (ok, stdout, stderr) = run_colorize(&["train", "--resume", run_s]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("no checkpoint yet") && stdout.contains("trained 2 steps"),
        "{stderr}\n{stdout}"
    );
    assert_eq!(std::fs::read(&weights).unwrap(), finished);
}

/// Under a file-size limit (`ulimit -f`), SIGXFSZ used to kill `colorize train` in the
/// middle of its first checkpoint, silently (status 153) and leaving the temporary file.
/// Both binaries ignore it now, so the write fails with EFBIG: an error naming the file.
#[test]
fn a_file_size_limit_is_an_error_naming_the_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 1);
    let run = dir.path().join("run");
    let colorize = assert_cmd::cargo::cargo_bin("colorize");
    // 300 KB: config.json fits, a checkpoint of this model (about 1 MB) does not.
    let out = std::process::Command::new("bash")
        .args(["-c", "ulimit -f 300 && exec \"$0\" \"$@\""])
        .arg(&colorize)
        .args(["train", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&run)
        .args([
            "--steps", "2", "--size", "32", "--ngf", "4", "--ndf", "4", "--device", "cpu",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("step-2.safetensors") && stderr.contains("File too large"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(run.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "no temporary file left: {left:?}");
}
