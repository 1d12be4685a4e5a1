//! Colour hints end to end: a model made before hints still colours as it did, an
//! all-transparent hints image changes nothing, hints are obeyed (a model that cannot know
//! a region's colour without them follows them), and the `infer` / `eval` hint options.

use std::path::{Path, PathBuf};

use colorize::config::{TrainConfig, HINTED_CHANNELS, PLAIN_CHANNELS};

use colorize::hints::{hint_channels, HintMap};
use colorize::infer::{Colorizer, InferOptions};
use colorize::loss::GanMode;
use colorize::tensor_image::{gray_to_tensor, tensor_to_rgb};
use colorize::train::Trainer;
use colorize::{checkpoint, run_dir};
use data_prep::manifest::Split;
use image::{GrayImage, Luma, Rgb, RgbImage, RgbaImage};
use tch::{Device, Tensor};

use crate::support::{rng_lock, run_colorize, run_steps, tiny_config, write_pairs};

/// `tests/fixtures/plain-model-v0`: a 1-channel model and what colorize wrote with it
/// before hints existed (see its README).
fn plain_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plain-model-v0")
}

fn rgb(path: &Path) -> RgbImage {
    image::open(path).unwrap().to_rgb8()
}

/// Pixels of `a` and `b` (same size) that differ, and the largest channel difference.
fn differences(a: &RgbImage, b: &RgbImage) -> (usize, u8) {
    assert_eq!(a.dimensions(), b.dimensions());
    let mut n = 0;
    let mut max = 0;
    for (p, q) in a.pixels().zip(b.pixels()) {
        let d = (0..3).map(|c| p[c].abs_diff(q[c])).max().unwrap();
        n += usize::from(d > 0);
        max = max.max(d);
    }
    (n, max)
}

#[test]
fn a_model_made_before_hints_loads_and_colours_as_it_did() {
    let _rng = rng_lock();
    let dir = plain_fixture();
    let text = std::fs::read_to_string(dir.join("config.json")).unwrap();
    assert!(!text.contains("hints"), "the fixture predates hints");
    let colorizer = Colorizer::load(&dir, Device::Cpu).unwrap();
    assert_eq!(colorizer.model_config().in_channels, PLAIN_CHANNELS);
    let sketch = colorize::infer::load_sketch(&dir.join("sketch.png")).unwrap();
    for (file, opts) in [
        ("expected.png", InferOptions::default()),
        (
            "expected_raw.png",
            InferOptions {
                raw: true,
                ..InferOptions::default()
            },
        ),
        (
            "expected_w64.png",
            InferOptions {
                work_size: Some(64),
                ..InferOptions::default()
            },
        ),
    ] {
        let out = colorizer.colorize(&sketch, &opts).unwrap();
        let (n, max) = differences(&out, &rgb(&dir.join(file)));
        // Bit for bit on the machine that made the fixture; another CPU's kernels may
        // round a last float bit differently, which can move a pixel by one level.
        assert!(
            max <= 1 && n * 100 <= out.len() / 3,
            "{file}: {n} pixels differ, by up to {max}"
        );
    }
    // Hints need hint channels: a clear error, not a shape failure inside libtorch.
    let hints = RgbaImage::new(sketch.width(), sketch.height());
    let err = colorizer
        .colorize_hinted(&sketch, &hints, &InferOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("no hint channels"), "{err}");
}

#[test]
fn a_run_made_before_hints_resumes_as_a_plain_model() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = two_fills_dataset(&dir.path().join("ds"));
    let mut cfg = tiny_config(GanMode::Vanilla, &data, 4);
    cfg.model.in_channels = PLAIN_CHANNELS;
    cfg.save_every = 2;
    let run = dir.path().join("run");
    let mut trainer = Trainer::new(cfg.clone(), Device::Cpu).unwrap();
    run_steps(&mut trainer, 2);
    trainer.save(&run).unwrap();
    // config.json as written before hints existed: no `hints` field.
    let mut json = serde_json::to_value(&cfg).unwrap();
    json.as_object_mut().unwrap().remove("hints");
    std::fs::write(run.join("config.json"), json.to_string()).unwrap();
    let old = run_dir::read_train_config(&run).unwrap();
    assert_eq!(old.model.in_channels, PLAIN_CHANNELS);
    let (_, ckpt) = checkpoint::latest_checkpoint(&run).unwrap().unwrap();
    let mut resumed = Trainer::resume(old, Device::Cpu, &ckpt).unwrap();
    run_steps(&mut resumed, 2);
    assert_eq!(resumed.steps_done(), 4);
}

const RED: [u8; 3] = [220, 30, 30];
const BLUE: [u8; 3] = [30, 30, 220];
/// The square region of `two_fills_dataset` (inside its outline).
const INSIDE: std::ops::Range<u32> = 9..23;

/// Two 32 px pairs with the same line art (a square outline) whose inside is red in one
/// and blue in the other: without a hint, nothing tells the model which.
fn two_fills_dataset(dir: &Path) -> PathBuf {
    let outline = |x: u32, y: u32| {
        (7..25).contains(&x)
            && (7..25).contains(&y)
            && !(INSIDE.contains(&x) && INSIDE.contains(&y))
    };
    let line = GrayImage::from_fn(32, 32, |x, y| Luma([if outline(x, y) { 0 } else { 255 }]));
    let pairs = [("red", RED), ("blue", BLUE)].map(|(id, fill)| {
        let color = RgbImage::from_fn(32, 32, |x, y| {
            if outline(x, y) {
                Rgb([0, 0, 0])
            } else if INSIDE.contains(&x) && INSIDE.contains(&y) {
                Rgb(fill)
            } else {
                Rgb([255, 255, 255])
            }
        });
        (id.to_string(), line.clone(), color, Split::Train)
    });
    write_pairs(dir, pairs)
}

/// The mean colour of `img` inside the square.
fn mean_inside(img: &RgbImage) -> [f64; 3] {
    let mut sum = [0.0; 3];
    let mut n = 0.0;
    for y in INSIDE {
        for x in INSIDE {
            let p = img.get_pixel(x, y);
            (0..3).for_each(|c| sum[c] += f64::from(p[c]));
            n += 1.0;
        }
    }
    sum.map(|s| s / n)
}

/// A 3x3 dot of `colour` inside the square.
fn dot(colour: [u8; 3]) -> HintMap {
    let mut map = HintMap::empty(32, 32);
    for y in 14..17 {
        for x in 14..17 {
            map.set(x, y, Rgb(colour));
        }
    }
    map
}

/// Trains a small hint model on `two_fills_dataset` (L1 alone: fast and enough to learn
/// the mapping); every sample gets hints, so it learns to follow them.
fn train_two_fills(dir: &Path, steps: u64) -> Trainer {
    let data = two_fills_dataset(&dir.join("ds"));
    let mut cfg: TrainConfig = tiny_config(GanMode::Vanilla, &data, steps);
    assert_eq!(
        cfg.model.in_channels, HINTED_CHANNELS,
        "new runs take hints"
    );
    cfg.l1_only = true;
    cfg.flip = false;
    cfg.lr = 1e-3;
    cfg.decay_steps = 0;
    cfg.hints.none_share = 0.0;
    cfg.hints.mean_count = 3.0;
    let mut trainer = Trainer::new(cfg, Device::Cpu).unwrap();
    run_steps(&mut trainer, steps);
    trainer
}

#[test]
fn hints_are_obeyed_red_when_hinted_red_blue_when_hinted_blue() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let trainer = train_two_fills(dir.path(), 300);
    let line = image::open(dir.path().join("ds/line/red.png"))
        .unwrap()
        .to_luma8();
    let colour_with = |map: &HintMap| {
        let spread = trainer.config().model.hint_spread;
        let hints = hint_channels(&line, map, spread);
        let input = Tensor::cat(&[gray_to_tensor(&line), hints], 0).unsqueeze(0);
        tensor_to_rgb(&trainer.generate(&input).squeeze_dim(0)).unwrap()
    };
    let red = mean_inside(&colour_with(&dot(RED)));
    let blue = mean_inside(&colour_with(&dot(BLUE)));
    assert!(red[0] > red[2] + 100.0, "hinted red, got mean {red:?}");
    assert!(blue[2] > blue[0] + 100.0, "hinted blue, got mean {blue:?}");
}

#[test]
fn an_all_transparent_hints_image_colours_exactly_as_no_hints() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let trainer = train_two_fills(dir.path(), 2);
    let model = dir.path().join("model");
    trainer.save(&model).unwrap();
    run_dir::write_train_config(&model, trainer.config()).unwrap();
    let colorizer = Colorizer::load(&model, Device::Cpu).unwrap();
    let sketch = image::open(plain_fixture().join("sketch.png"))
        .unwrap()
        .to_luma8();
    let opts = InferOptions::default();
    let plain = colorizer.colorize(&sketch, &opts).unwrap();
    let transparent = RgbaImage::new(sketch.width(), sketch.height());
    assert_eq!(
        colorizer
            .colorize_hinted(&sketch, &transparent, &opts)
            .unwrap(),
        plain
    );
    // A hints image of another size is refused with both sizes named.
    let wrong = RgbaImage::new(sketch.width() + 1, sketch.height());
    let err = colorizer
        .colorize_hinted(&sketch, &wrong, &opts)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("hints image is 97x80 but the sketch is 96x80"),
        "{err}"
    );
}

#[test]
fn infer_hint_options_check_what_they_are_given() {
    let fixture = plain_fixture();
    let sketch = fixture.join("sketch.png");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.png");
    let (_, _, err) = run_colorize(&[
        "infer".as_ref(),
        sketch.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "--model".as_ref(),
        fixture.as_os_str(),
        "--hint".as_ref(),
        "10,10,#ff0000".as_ref(),
    ]);
    assert!(err.contains("no hint channels"), "{err}");
    assert!(!out.exists());
    let (ok, _, err) = run_colorize(&["infer", "x.png", "--hint", "10,10,red"]);
    assert!(
        !ok && err.contains("colour `red` is not 6 hexadecimal digits"),
        "{err}"
    );
    let (ok, _, err) = run_colorize(&["infer", "a.png", "b.png", "--hint", "1,2,#000000"]);
    assert!(!ok && err.contains("exactly one input file"), "{err}");
}

#[test]
fn eval_scores_each_hint_count_with_hint_fidelity() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    {
        let _rng = rng_lock();
        let trainer = train_two_fills(dir.path(), 2);
        trainer.save(&model).unwrap();
        run_dir::write_train_config(&model, trainer.config()).unwrap();
    }
    let data = dir.path().join("ds");
    let hints_dir = dir.path().join("hints");
    let (ok, out, err) = run_colorize(&[
        "eval".as_ref(),
        "--model".as_ref(),
        model.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
        "--split".as_ref(),
        "train".as_ref(),
        "--hints".as_ref(),
        "0,3".as_ref(),
        "--json".as_ref(),
        "--save-hints".as_ref(),
        hints_dir.as_os_str(),
        "--threads".as_ref(),
        "1".as_ref(),
    ]);
    assert!(ok, "{err}");
    let reports: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(
        (reports[0]["hints"].as_u64(), reports[1]["hints"].as_u64()),
        (Some(0), Some(3))
    );
    assert!(reports[0]["hint_fidelity"].is_null());
    let fidelity = reports[1]["hint_fidelity"].as_f64().unwrap();
    assert!((0.0..=255.0).contains(&fidelity), "{fidelity}");
    // The hints eval used, ready for `infer --hints`: 3 dots of 5 pixels on each pair.
    for id in ["red", "blue"] {
        let hints = image::open(hints_dir.join(format!("{id}.hints3.png")))
            .unwrap()
            .to_rgba8();
        assert_eq!(hints.dimensions(), (32, 32));
        let opaque = hints.pixels().filter(|p| p[3] == 255).count();
        assert!((1..=15).contains(&opaque), "{id}: {opaque} hinted pixels");
    }
    // A model without hint channels is scored without hints, with a warning.
    let plain = plain_fixture();
    let (ok, out, err) = run_colorize(&[
        "eval".as_ref(),
        "--model".as_ref(),
        plain.as_os_str(),
        "--data".as_ref(),
        data.as_os_str(),
        "--split".as_ref(),
        "train".as_ref(),
        "--hints".as_ref(),
        "0,3".as_ref(),
        "--json".as_ref(),
        "--no-save".as_ref(),
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("no hint channels"), "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
