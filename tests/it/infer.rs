//! `colorize infer` and the Colorizer: any input size comes back at exactly that size,
//! transparency becomes white paper, ink stays dark, batches survive bad files, and every
//! way a model directory can be broken gives a clear error naming the file.
//!
//! Models are tiny untrained generators (ngf 4, 32 px) written into temporary directories.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use colorize::infer::{self, Colorizer, InferOptions, WorkCanvas};
use colorize::model::generator::ForwardMode;
use image::{GenericImageView, GrayImage, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use tch::{Device, Kind, Tensor};
use tempfile::TempDir;

use crate::support::{
    assert_quiet_success, colorize_cmd, colorize_confined, colorize_export,
    colorize_into_closed_pipe, make_dataset, make_model, rand_pm1, rng_lock, stderr_of, stdout_of,
};

/// A sketch: white paper with a black frame and a diagonal line.
fn sketch(w: u32, h: u32) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        let edge = x < 2 || y < 2 || x + 2 >= w || y + 2 >= h;
        let diag = (i64::from(x) * i64::from(h) - i64::from(y) * i64::from(w)).abs()
            <= 2 * i64::from(w.max(h));
        Luma([if edge || diag { 0 } else { 255 }])
    })
}

/// A temporary directory with an untrained model (ngf 4) in `m/` (draws: hold `rng_lock`).
fn tmp_with_model() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let model = make_model(&tmp.path().join("m"), 4);
    (tmp, model)
}

/// `colorize infer --model MODEL`, ready for inputs and options.
fn infer_cmd(model: &Path) -> Command {
    let mut cmd = colorize_cmd();
    cmd.args(["infer", "--model"]).arg(model);
    cmd
}

#[test]
fn odd_sizes_come_back_at_exactly_the_input_size() {
    let _rng = rng_lock();
    let (tmp, model) = tmp_with_model();
    let c = Colorizer::load(&model, Device::Cpu).unwrap();
    for (w, h) in [(1, 1), (129, 77), (3000, 200), (77, 129)] {
        for raw in [false, true] {
            let opts = InferOptions {
                raw,
                ..Default::default()
            };
            let out = c.colorize(&sketch(w, h), &opts).unwrap();
            assert_eq!(out.dimensions(), (w, h), "raw={raw}");
        }
    }
    // And through the command line, with a non-default working size.
    let input = tmp.path().join("odd.png");
    sketch(129, 77).save(&input).unwrap();
    let out = infer_cmd(&model)
        .arg(&input)
        .args(["--work-size", "48"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let written = tmp.path().join("odd_color.png");
    assert_eq!(stdout_of(&out).trim(), written.display().to_string());
    assert_eq!(image::open(&written).unwrap().dimensions(), (129, 77));
}

#[test]
fn work_canvas_keeps_the_aspect_ratio_and_pads_with_white() {
    let c = WorkCanvas::new(&sketch(129, 77), 32, 32);
    let p = c.placement;
    assert_eq!(c.image.dimensions(), (32, 32));
    assert_eq!((p.w, p.h), (32, 19)); // 77 * 32 / 129 = 19.1
    assert_eq!((p.x, p.y), (0, 6));
    assert_eq!(c.image.get_pixel(16, 0)[0], 255, "padding is white");
    // The 2 px frame, shrunk 4x with INTER_AREA, is a grey half-pixel line.
    assert!(
        c.image.get_pixel(16, 6)[0] < 200,
        "the sketch's top edge is ink"
    );
    let c = WorkCanvas::new(&sketch(3000, 200), 128, 32);
    let p = c.placement;
    assert_eq!(
        (p.w, p.h, c.image.width(), c.image.height()),
        (128, 9, 128, 32)
    );
    let p = WorkCanvas::new(&sketch(1, 1), 32, 32).placement;
    assert_eq!((p.w, p.h), (32, 32));
}

#[test]
fn transparent_input_becomes_white_paper() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();
    // Transparent pixels hide black RGB (as many clip-art PNGs do); one opaque black stroke.
    let path = tmp.path().join("alpha.png");
    RgbaImage::from_fn(40, 30, |x, _| {
        if x == 20 {
            Rgba([0, 0, 0, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    })
    .save(&path)
    .unwrap();
    let gray = infer::load_sketch(&path).unwrap();
    assert_eq!(gray.get_pixel(5, 5)[0], 255, "transparent -> white");
    assert_eq!(gray.get_pixel(20, 5)[0], 0, "opaque ink stays black");
    let model = make_model(&tmp.path().join("m"), 4);
    let out = infer_cmd(&model).arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let img = image::open(tmp.path().join("alpha_color.png"))
        .unwrap()
        .to_rgb8();
    // Paper shows the (untrained, mid-grey) colour, never the black hidden under alpha.
    let paper = img.get_pixel(5, 5);
    assert!(
        paper.0.iter().all(|&v| v > 40),
        "paper came out black: {paper:?}"
    );
    assert!(img.get_pixel(20, 5).0.iter().all(|&v| v == 0));
}

#[test]
fn ink_pixels_stay_dark_and_lines_are_recombined() {
    let _rng = rng_lock();
    let (_tmp, model) = tmp_with_model();
    let c = Colorizer::load(&model, Device::Cpu).unwrap();
    let gray = sketch(200, 150);
    let out = c.colorize(&gray, &InferOptions::default()).unwrap();
    let mut ink = 0;
    for (x, y, g) in gray.enumerate_pixels() {
        let p = out.get_pixel(x, y);
        // Multiplying by the line art never brightens a pixel beyond its grey level.
        assert!(p.0.iter().all(|&v| v <= g[0]), "({x},{y}) {p:?} > {g:?}");
        if g[0] < 50 {
            ink += 1;
            assert!(p.0.iter().all(|&v| v < 50));
        }
    }
    assert!(ink > 500, "the sketch has lines");
}

#[test]
fn recombine_multiplies_and_fill_ink_removes_the_networks_lines() {
    let colour = RgbImage::from_pixel(3, 1, Rgb([200, 100, 50]));
    let gray = GrayImage::from_raw(3, 1, vec![255, 128, 0]).unwrap();
    let out = infer::recombine(&colour, &gray);
    assert_eq!(out.as_raw(), &[200, 100, 50, 100, 50, 25, 0, 0, 0]);

    // The network drew a dark line where the sketch has ink: flat colour takes it away.
    let line = GrayImage::from_fn(5, 5, |x, _| Luma([if x == 2 { 0 } else { 255 }]));
    let mut colour = RgbImage::from_fn(5, 5, |x, _| {
        if x == 2 {
            Rgb([10, 10, 10])
        } else {
            Rgb([200, 100, 50])
        }
    });
    infer::fill_ink(&mut colour, &line);
    assert!(colour.pixels().all(|p| p.0 == [200, 100, 50]));
}

#[test]
fn batch_skips_a_corrupt_file_and_colours_the_rest() {
    let _rng = rng_lock();
    let (tmp, model) = tmp_with_model();
    let inputs = tmp.path().join("in");
    std::fs::create_dir_all(inputs.join("sub")).unwrap();
    sketch(40, 30).save(inputs.join("a.png")).unwrap();
    sketch(33, 64).save(inputs.join("sub/b.png")).unwrap();
    image::DynamicImage::ImageLuma8(sketch(20, 20))
        .to_rgb8()
        .save(inputs.join("c.jpg"))
        .unwrap();
    let png = std::fs::read(inputs.join("a.png")).unwrap();
    std::fs::write(inputs.join("broken.png"), &png[..png.len() / 2]).unwrap();
    let outdir = tmp.path().join("out");
    let out = infer_cmd(&model)
        .arg(&inputs)
        .arg("-o")
        .arg(&outdir)
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert!(
        !out.status.success(),
        "a skipped file makes the exit status non-zero"
    );
    assert!(!err.contains("panicked"), "{err}");
    let skipped: Vec<&str> = err.lines().filter(|l| l.starts_with("skipped")).collect();
    assert_eq!(skipped.len(), 1, "{err}");
    assert!(skipped[0].contains("broken.png"), "{err}");
    assert!(err.contains("coloured 3 of 4 inputs"), "{err}");
    for (rel, size) in [
        ("a_color.png", (40, 30)),
        ("sub/b_color.png", (33, 64)),
        ("c_color.png", (20, 20)),
    ] {
        let img = image::open(outdir.join(rel)).unwrap();
        assert_eq!(img.dimensions(), size, "{rel}");
    }
    assert!(!outdir.join("broken_color.png").exists());
    let stdout = stdout_of(&out);
    assert_eq!(stdout.lines().count(), 3, "{stdout}");
}

#[test]
fn existing_outputs_and_inputs_are_never_overwritten() {
    let _rng = rng_lock();
    let (tmp, model) = tmp_with_model();
    let input = tmp.path().join("s.png");
    sketch(20, 20).save(&input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let run = |extra: &[&str]| infer_cmd(&model).arg(&input).args(extra).output().unwrap();
    let out = run(&["-o", input.to_str().unwrap(), "--force"]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("would overwrite the input"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);

    let target = tmp.path().join("s_color.png");
    std::fs::write(&target, b"keep me").unwrap();
    let out = run(&[]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--force"), "{}", stderr_of(&out));
    assert_eq!(std::fs::read(&target).unwrap(), b"keep me");
    let out = run(&["--force"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(image::open(&target).unwrap().dimensions(), (20, 20));
}

/// Runs `colorize infer` with `model` and returns stderr, checking it failed cleanly.
/// Without `--model`, no other place of the model search holds one.
fn infer_error(tmp: &TempDir, model: Option<&Path>) -> String {
    let input = tmp.path().join("s.png");
    sketch(20, 20).save(&input).unwrap();
    let mut cmd = colorize_confined(tmp.path());
    cmd.current_dir(tmp.path()).arg("infer").arg(&input);
    if let Some(m) = model {
        cmd.arg("--model").arg(m);
    }
    let out = cmd.output().unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!tmp.path().join("s_color.png").exists());
    err
}

#[test]
fn every_broken_model_gives_a_clear_error_naming_the_file() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();

    // No model at all: lists the places searched and says how to get one.
    let err = infer_error(&tmp, None);
    assert!(
        err.contains("no model found (searched: ")
            && err.contains("project/models/default (project)")
            && err.contains("--model runs/NAME"),
        "{err}"
    );

    // Missing weights.
    let m = make_model(&tmp.path().join("no-weights"), 4);
    std::fs::remove_file(m.join("generator.safetensors")).unwrap();
    let err = infer_error(&tmp, Some(&m));
    assert!(
        err.contains("no-weights/generator.safetensors") && err.contains("missing"),
        "{err}"
    );

    // Truncated weights.
    let m = make_model(&tmp.path().join("truncated"), 4);
    let w = m.join("generator.safetensors");
    let bytes = std::fs::read(&w).unwrap();
    std::fs::write(&w, &bytes[..bytes.len() / 2]).unwrap();
    let err = infer_error(&tmp, Some(&m));
    assert!(err.contains("truncated/generator.safetensors"), "{err}");

    // Weights of another shape (ngf 8) under a config that says ngf 4.
    let m = make_model(&tmp.path().join("mismatch"), 4);
    let other = make_model(&tmp.path().join("ngf8"), 8);
    std::fs::copy(
        other.join("generator.safetensors"),
        m.join("generator.safetensors"),
    )
    .unwrap();
    let err = infer_error(&tmp, Some(&m));
    assert!(err.contains("mismatch/generator.safetensors"), "{err}");

    // Missing and broken config.
    let m = make_model(&tmp.path().join("no-config"), 4);
    std::fs::remove_file(m.join("config.json")).unwrap();
    let err = infer_error(&tmp, Some(&m));
    assert!(err.contains("no-config/config.json"), "{err}");
    std::fs::write(m.join("config.json"), b"{\"steps\": 3}").unwrap();
    let err = infer_error(&tmp, Some(&m));
    assert!(
        err.contains("no-config/config.json") && err.contains("model"),
        "{err}"
    );

    // A model path that does not exist.
    let err = infer_error(&tmp, Some(&tmp.path().join("nowhere")));
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn export_makes_a_model_directory_with_a_card() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();
    let run = make_model(&tmp.path().join("run"), 4);
    let dest = tmp.path().join("models/tiny");
    let out = colorize_export(&run, &dest);
    assert!(out.status.success(), "{}", stderr_of(&out));
    for f in ["generator.safetensors", "config.json", "README.md"] {
        assert!(dest.join(f).is_file(), "{f}");
    }
    let card = std::fs::read_to_string(dest.join("README.md")).unwrap();
    assert!(card.contains("ngf 4") && card.contains("data/x"), "{card}");
    assert!(card.contains("colorize infer sketch.png --model"), "{card}");
    // The exported model loads and a second export refuses to overwrite it.
    Colorizer::load(&dest, Device::Cpu).unwrap();
    let out = colorize_export(&run, &dest);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--force"));
    // --notes appends a Markdown file to the card; a missing one is an error naming it.
    let notes = tmp.path().join("notes.md");
    std::fs::write(&notes, "## Hint-AUC\n\n12.3 dB\n").unwrap();
    let export_with = |notes: &Path| {
        colorize_cmd()
            .arg("export")
            .arg(&run)
            .arg(&dest)
            .arg("--force")
            .arg("--notes")
            .arg(notes)
            .output()
            .unwrap()
    };
    let out = export_with(&notes);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let card = std::fs::read_to_string(dest.join("README.md")).unwrap();
    assert!(card.ends_with("\n## Hint-AUC\n\n12.3 dB\n"), "{card}");
    assert!(card.contains("## Data"), "the card is kept: {card}");
    let out = export_with(&tmp.path().join("absent.md"));
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("absent.md"), "{}", stderr_of(&out));
}

#[test]
fn export_blend_averages_two_generators() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();
    let a = make_model(&tmp.path().join("a"), 4);
    let b = make_model(&tmp.path().join("b"), 4);
    // make_model seeds its draws: b gets other weights by hand.
    let wb = b.join("generator.safetensors");
    let moved: Vec<(String, Tensor)> = Tensor::read_safetensors(&wb)
        .unwrap()
        .into_iter()
        .map(|(n, t)| {
            let t = if t.is_floating_point() {
                &t * -0.5 + 0.1
            } else {
                t
            };
            (n, t)
        })
        .collect();
    Tensor::write_safetensors(&moved, &wb).unwrap();
    // The run's own figures are not the blend's: they must not travel with it.
    std::fs::write(a.join("eval.json"), b"[]").unwrap();
    let dest = tmp.path().join("blend");
    let export = |with: &Path, share: &str, extra: &[&str]| {
        colorize_cmd()
            .arg("export")
            .arg(&a)
            .arg(&dest)
            .arg("--force")
            .arg("--blend-with")
            .arg(with)
            .args(["--blend", share])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = export(&b, "0.25", &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let read = |d: &Path| -> std::collections::HashMap<String, Tensor> {
        Tensor::read_safetensors(d.join("generator.safetensors"))
            .unwrap()
            .into_iter()
            .collect()
    };
    let (ta, tb, tm) = (read(&a), read(&b), read(&dest));
    assert_eq!(tm.len(), ta.len());
    let mut differing = 0;
    for (name, m) in &tm {
        let (x, y) = (&ta[name], &tb[name]);
        if m.is_floating_point() {
            let want = x * 0.25 + y * 0.75;
            let err = (m - &want).abs().max().double_value(&[]);
            assert!(err < 1e-6, "{name}: off by {err}");
            differing += i32::from((x - y).abs().max().double_value(&[]) > 1e-3);
        } else {
            assert!(m.equal(x), "{name}: integer tensors come from RUN");
        }
    }
    assert!(
        differing > 0,
        "the two random models must differ for the test to mean anything"
    );
    assert!(!dest.join("eval.json").exists());
    let card = std::fs::read_to_string(dest.join("README.md")).unwrap();
    assert!(
        card.contains("## Blend") && card.contains("0.25 x"),
        "{card}"
    );
    assert!(card.contains("Not evaluated yet"), "{card}");
    Colorizer::load(&dest, Device::Cpu).unwrap();

    // Another network, a share outside 0..=1 and unreadable figures are refused, by name.
    let wide = make_model(&tmp.path().join("wide"), 8);
    let out = export(&wide, "0.5", &[]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("different network"),
        "{}",
        stderr_of(&out)
    );
    let out = export(&b, "1.5", &[]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("1.5"), "{}", stderr_of(&out));
    let figures = tmp.path().join("figures.json");
    std::fs::write(&figures, b"{not json").unwrap();
    let out = export(&b, "0.5", &["--eval", figures.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("figures.json"),
        "{}",
        stderr_of(&out)
    );

    // The blend's own figures (`eval --json`) go into its card and eval.json.
    let data = make_dataset(&tmp.path().join("ds"), 32, 2, 2);
    let out = colorize_cmd()
        .arg("eval")
        .arg("--model")
        .arg(&dest)
        .arg("--data")
        .arg(&data)
        .args(["--split", "val", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    std::fs::write(&figures, &out.stdout).unwrap();
    let out = export(&b, "0.5", &["--eval", figures.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let saved: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(dest.join("eval.json")).unwrap()).unwrap();
    assert_eq!(saved.len(), 1);
    let card = std::fs::read_to_string(dest.join("README.md")).unwrap();
    assert!(!card.contains("Not evaluated yet"), "{card}");
    assert!(card.contains("| ds | 2 | this model |"), "{card}");
}

/// Exports `run` as float32 and with `--half` into `tmp`, checks the half file's tensor kinds
/// and card, and returns both file sizes and the largest difference between the two models'
/// eval-mode outputs (in [-1, 1]) on `inputs`.
fn half_vs_full(run: &Path, tmp: &Path, inputs: &Tensor) -> (u64, u64, f64) {
    let (full, half) = (tmp.join("full"), tmp.join("half"));
    let out = colorize_export(run, &full);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let out = colorize_cmd()
        .arg("export")
        .arg(run)
        .arg(&half)
        .arg("--half")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let weights = |d: &Path| d.join("generator.safetensors");
    let size = |d: &Path| std::fs::metadata(weights(d)).unwrap().len();
    for (name, t) in Tensor::read_safetensors(weights(&half)).unwrap() {
        let want = if t.is_floating_point() {
            Kind::Half
        } else {
            Kind::Int64
        };
        assert_eq!(t.kind(), want, "{name}");
    }
    let card = std::fs::read_to_string(half.join("README.md")).unwrap();
    assert!(card.contains("weights stored in float16"), "{card}");
    let card = std::fs::read_to_string(full.join("README.md")).unwrap();
    assert!(card.contains("weights stored in float32"), "{card}");
    let a = Colorizer::load(&full, Device::Cpu).unwrap();
    let b = Colorizer::load(&half, Device::Cpu).unwrap();
    let (ya, yb) = (
        a.forward(inputs, ForwardMode::Eval),
        b.forward(inputs, ForwardMode::Eval),
    );
    assert_eq!(yb.kind(), Kind::Float, "loading converts to float32");
    let diff = (ya - yb).abs().max().double_value(&[]);
    (size(&full), size(&half), diff)
}

#[test]
fn export_half_stores_float16_and_colours_like_float32() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();
    let run = make_model(&tmp.path().join("run"), 8);
    tch::manual_seed(3);
    let inputs = rand_pm1(&[4, 1, 32, 32]).sign(); // ink and paper
    let (full, half, diff) = half_vs_full(&run, tmp.path(), &inputs);
    let ratio = half as f64 / full as f64;
    eprintln!("--half: {full} -> {half} bytes ({ratio:.3}), max |diff| {diff:.2e}");
    assert!((0.45..0.55).contains(&ratio), "{full} -> {half} bytes");
    assert!(diff > 0.0 && diff < 1e-2, "max |diff| {diff}");
    // A float16 model directory exported again keeps float16, and its card says so.
    let again = tmp.path().join("again");
    let out = colorize_export(&tmp.path().join("half"), &again);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let card = std::fs::read_to_string(again.join("README.md")).unwrap();
    assert!(card.contains("weights stored in float16"), "{card}");
}

#[test]
fn export_average_last_takes_the_mean_of_the_last_checkpoints() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();
    let run = make_model(&tmp.path().join("run"), 4);
    let read = |f: &Path| -> std::collections::HashMap<String, Tensor> {
        Tensor::read_safetensors(f).unwrap().into_iter().collect()
    };
    let start = read(&run.join("generator.safetensors"));
    // Three checkpoints whose generators differ: step k holds w * k + 0.1 k.
    let ckpt = |k: i64| run.join(format!("checkpoints/step-{k}.safetensors"));
    std::fs::create_dir_all(run.join("checkpoints")).unwrap();
    let at = |k: i64, t: &Tensor| {
        if t.is_floating_point() {
            t * k as f64 + 0.1 * k as f64
        } else {
            t + k
        }
    };
    for k in 1..=3 {
        let mut named: Vec<(String, Tensor)> = start
            .iter()
            .map(|(n, t)| (format!("g.{n}"), at(k, t)))
            .collect();
        named.push(("meta.step".into(), Tensor::from_slice(&[k])));
        Tensor::write_safetensors(&named, ckpt(k)).unwrap();
    }
    let export = |dest: &Path, more: &[&str]| {
        colorize_cmd()
            .arg("export")
            .arg(&run)
            .arg(dest)
            .args(more)
            .output()
            .unwrap()
    };
    // The run's own figures are not the average's: they must not travel with it.
    std::fs::write(run.join("eval.json"), b"[]").unwrap();
    let two = tmp.path().join("two");
    let out = export(&two, &["--average-last", "2"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = read(&two.join("generator.safetensors"));
    assert_eq!(got.len(), start.len());
    for (name, t) in &got {
        let w = &start[name];
        if t.is_floating_point() {
            // (w * 2 + 0.2 + w * 3 + 0.3) / 2
            let want = w * 2.5 + 0.25;
            let err = (t - &want).abs().max().double_value(&[]);
            assert!(err < 1e-5, "{name}: off by {err}");
        } else {
            assert!(
                t.equal(&at(3, w)),
                "{name}: integers come from the last checkpoint"
            );
        }
    }
    let card = std::fs::read_to_string(two.join("README.md")).unwrap();
    assert!(
        card.contains("## Checkpoint average") && card.contains("last 2 checkpoints (steps 2, 3;"),
        "{card}"
    );
    assert!(card.contains("Not evaluated yet"), "{card}");
    assert!(!two.join("eval.json").exists());
    // Blended, the mean is what gets blended.
    let other = make_model(&tmp.path().join("other"), 4);
    let blend = tmp.path().join("blend");
    let out = export(
        &blend,
        &[
            "--average-last",
            "3",
            "--blend-with",
            other.to_str().unwrap(),
            "--blend",
            "0.5",
        ],
    );
    assert!(out.status.success(), "{}", stderr_of(&out));
    let got = read(&blend.join("generator.safetensors"));
    let theirs = read(&other.join("generator.safetensors"));
    for (name, t) in got.iter().filter(|(_, t)| t.is_floating_point()) {
        let want = (&start[name] * 2.0 + 0.2) * 0.5 + &theirs[name] * 0.5;
        let err = (t - &want).abs().max().double_value(&[]);
        assert!(err < 1e-5, "{name}: off by {err}");
    }
    let card = std::fs::read_to_string(blend.join("README.md")).unwrap();
    assert!(
        card.contains("then blended as below") && card.contains("## Blend"),
        "{card}"
    );
    // More than the run keeps, or fewer than two, is refused.
    let out = export(&tmp.path().join("four"), &["--average-last", "4"]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("has 3 checkpoint(s), fewer than the 4 to average"),
        "{}",
        stderr_of(&out)
    );
    assert!(!tmp.path().join("four").exists(), "nothing written");
    let out = export(&tmp.path().join("one"), &["--average-last", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_of(&out));
}

#[test]
fn export_int8_stores_8_bit_weights_and_colours_like_float32() {
    let _rng = rng_lock();
    let tmp = TempDir::new().unwrap();
    let run = make_model(&tmp.path().join("run"), 8);
    let (full, small) = (tmp.path().join("full"), tmp.path().join("int8"));
    let out = colorize_export(&run, &full);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let export_int8 = |from: &Path, to: &Path, more: &[&str]| {
        colorize_cmd()
            .arg("export")
            .arg(from)
            .arg(to)
            .arg("--int8")
            .args(more)
            .output()
            .unwrap()
    };
    let out = export_int8(&run, &small, &[]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let weights = |d: &Path| d.join("generator.safetensors");
    let stored: std::collections::HashMap<String, Tensor> =
        Tensor::read_safetensors(weights(&small))
            .unwrap()
            .into_iter()
            .collect();
    let mut eight_bit = 0;
    for (name, t) in &stored {
        let scale = format!("{name}.int8_scale");
        let want = match (name.strip_suffix(".int8_scale"), t.dim()) {
            (Some(base), _) => {
                assert_eq!(t.size(), [stored[base].size()[0]], "{name}");
                Kind::Float
            }
            (None, d) if d >= 2 => {
                assert!(stored.contains_key(&scale), "{name} has no scale");
                eight_bit += 1;
                Kind::Int8
            }
            _ if name.ends_with("num_batches_tracked") => Kind::Int64,
            _ => Kind::Half,
        };
        assert_eq!(t.kind(), want, "{name}");
    }
    let convs = Tensor::read_safetensors(weights(&full))
        .unwrap()
        .iter()
        .filter(|(_, t)| t.dim() >= 2)
        .count();
    assert!(convs >= 2);
    assert_eq!(eight_bit, convs, "every convolution's weight is 8-bit");
    let size = |d: &Path| std::fs::metadata(weights(d)).unwrap().len() as f64;
    let ratio = size(&small) / size(&full);
    let a = Colorizer::load(&full, Device::Cpu).unwrap();
    let b = Colorizer::load(&small, Device::Cpu).unwrap();
    tch::manual_seed(3);
    let inputs = rand_pm1(&[4, 1, 32, 32]).sign(); // ink and paper
    let (ya, yb) = (
        a.forward(&inputs, ForwardMode::Eval),
        b.forward(&inputs, ForwardMode::Eval),
    );
    assert_eq!(yb.kind(), Kind::Float, "loading converts to float32");
    let diff = (ya - yb).abs().max().double_value(&[]);
    eprintln!("--int8: {ratio:.3} of the float32 file, max |diff| {diff:.2e}");
    assert!((0.2..0.35).contains(&ratio), "{ratio}");
    assert!(diff > 0.0 && diff < 1e-2, "max |diff| {diff}");
    let card = std::fs::read_to_string(small.join("README.md")).unwrap();
    assert!(card.contains("weights stored as 8-bit integers"), "{card}");
    // Exported again without a flag, the weights stay 8-bit and the card says so.
    let again = tmp.path().join("again");
    let out = colorize_export(&small, &again);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_eq!(
        std::fs::read(weights(&again)).unwrap(),
        std::fs::read(weights(&small)).unwrap()
    );
    let card = std::fs::read_to_string(again.join("README.md")).unwrap();
    assert!(card.contains("weights stored as 8-bit integers"), "{card}");
    // One storage at a time.
    let out = export_int8(&run, &tmp.path().join("both"), &["--half"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("cannot be used with"),
        "{}",
        stderr_of(&out)
    );
}

/// The same on a trained run (`$COLORIZE_HALF_RUN`, default the demo's `runs/demo`) and the
/// first line art of its dataset's test split: `cargo test --test it half -- --ignored
/// --nocapture` prints the figures.
#[test]
#[ignore = "needs a trained run (make demo)"]
fn export_half_of_a_trained_run_colours_like_float32() {
    let _rng = rng_lock();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run =
        std::env::var_os("COLORIZE_HALF_RUN").map_or_else(|| root.join("runs/demo"), PathBuf::from);
    let cfg = colorize::run_dir::read_train_config(&run).unwrap();
    let data = root.join(&cfg.data[0].path);
    let manifest = std::fs::read_to_string(data.join("manifest.jsonl")).unwrap();
    let size = cfg.model.image_size as u32;
    let sketches: Vec<Tensor> = manifest
        .lines()
        .filter(|l| l.contains("\"test\""))
        .take(16)
        .map(|l| {
            let e: serde_json::Value = serde_json::from_str(l).unwrap();
            let img = image::open(data.join(e["line"].as_str().unwrap())).unwrap();
            let img = img.resize_exact(size, size, image::imageops::FilterType::Triangle);
            colorize::tensor_image::gray_to_tensor(&img.to_luma8())
        })
        .collect();
    let inputs = Tensor::stack(&sketches, 0); // [B, 1, S, S]
    let tmp = TempDir::new().unwrap();
    let (full, half, diff) = half_vs_full(&run, tmp.path(), &inputs);
    eprintln!(
        "{}: {full} -> {half} bytes ({:.3}), max |diff| {diff:.2e} over {} sketches",
        run.display(),
        half as f64 / full as f64,
        sketches.len()
    );
    assert!(diff < 1e-2, "max |diff| {diff}");
}

#[test]
fn infer_into_a_closed_pipe_ends_quietly() {
    let _rng = rng_lock();
    // `colorize infer DIR | head -0`: the writer thread meets a reader that has gone.
    let (tmp, model) = tmp_with_model();
    let inputs = tmp.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for name in ["a.png", "b.png", "c.png"] {
        sketch(24, 20).save(inputs.join(name)).unwrap();
    }
    let out = colorize_into_closed_pipe(&[
        "infer".as_ref(),
        "--model".as_ref(),
        model.as_os_str(),
        inputs.as_os_str(),
    ]);
    assert_quiet_success(&out);
    let written = ["a", "b", "c"]
        .iter()
        .filter(|n| inputs.join(format!("{n}_color.png")).is_file())
        .count();
    assert!(
        written >= 1,
        "the output written before its path is printed stays"
    );
}

#[test]
fn a_scan_on_grey_paper_colours_as_the_clean_drawing_unless_keep_paper() {
    let _rng = rng_lock();
    let (tmp, model) = tmp_with_model();
    let c = Colorizer::load(&model, Device::Cpu).unwrap();
    let clean = sketch(96, 64);
    // The same drawing on paper at 222: white becomes 222, black stays black.
    let mut scan = clean.clone();
    data_prep::rough::paper(&mut scan, 222);
    assert_eq!(infer::level_paper(&scan), clean);
    let opts = InferOptions::default();
    let want = c.colorize(&clean, &opts).unwrap();
    assert_eq!(c.colorize(&scan, &opts).unwrap(), want);
    let kept = InferOptions {
        keep_paper: true,
        ..Default::default()
    };
    let as_scanned = c.colorize(&scan, &kept).unwrap();
    assert_ne!(as_scanned, want);
    // Laid over as scanned, the paper's tone darkens the colour of every paper pixel.
    let mean = |img: &RgbImage| img.as_raw().iter().map(|&v| f64::from(v)).sum::<f64>();
    assert!(mean(&as_scanned) < mean(&want));

    // The command line: the default levels, --keep-paper does not.
    let input = tmp.path().join("scan.png");
    scan.save(&input).unwrap();
    for (flag, same) in [(None, true), (Some("--keep-paper"), false)] {
        let out = tmp.path().join("out.png");
        let mut cmd = infer_cmd(&model);
        cmd.arg(&input).arg("-o").arg(&out).arg("--force");
        if let Some(f) = flag {
            cmd.arg(f);
        }
        let run = cmd.output().unwrap();
        assert!(run.status.success(), "{}", stderr_of(&run));
        let written = image::open(&out).unwrap().to_rgb8();
        assert_eq!(written == want, same, "{flag:?}");
    }
}
