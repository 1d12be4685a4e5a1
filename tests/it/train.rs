//! Training behaviour: every GAN mode steps with finite losses, a 4-pair overfit, same seed =
//! same losses, resume continues exactly, a NaN stops training and keeps the last
//! checkpoint, config.json comes first, resume refuses a different model shape, and EBGAN
//! logs its energies and reads configs made before it existed.

use clap::ValueEnum;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use colorize::checkpoint;
use colorize::config::TrainConfig;
use colorize::data::{Dataset, Loader};
use colorize::loss::GanMode;
use colorize::metrics::{l1, Planes};
use colorize::run_dir;
use colorize::summary::{NullSink, SummarySink};
use colorize::tensor_image::{gray_to_tensor, rgb_to_tensor};
use colorize::train::{self, FitOptions, FitOutcome, StepLosses, Trainer};
use colorize::Error;
use data_prep::manifest::Split;
use tch::{Device, Tensor};

use crate::support::{
    make_dataset, manifest_entry, rng_lock, run_colorize, run_steps, stdout_of, tiny_config,
};

/// `fit` into `run`, recording (step, lr, losses); sets the stop flag after `stop_after`.
fn fit_recording(
    trainer: &mut Trainer,
    run: &Path,
    stop_after: Option<u64>,
) -> (colorize::Result<FitOutcome>, Vec<(u64, f64, StepLosses)>) {
    let stop = Arc::new(AtomicBool::new(false));
    let opts = FitOptions {
        run_dir: run.to_path_buf(),
        stop: Some(Arc::clone(&stop)),
        json_log: false,
    };
    let mut seen = Vec::new();
    let result = train::fit(trainer, &opts, &mut NullSink, &mut |p| {
        seen.push((p.step, p.lr, p.losses));
        if Some(p.step) == stop_after {
            stop.store(true, Ordering::SeqCst);
        }
    });
    (result, seen)
}

fn all_finite(l: &StepLosses) -> bool {
    [
        l.d_real, l.d_fake, l.d_gp, l.g_gan, l.g_l1, l.e_real, l.e_fake, l.g_pt,
    ]
    .iter()
    .all(|v| v.is_finite())
}

#[test]
fn every_gan_mode_runs_a_few_steps_with_finite_losses() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 6, 0);
    for &mode in GanMode::value_variants() {
        let cfg = tiny_config(mode, &data, 2);
        let mut trainer = Trainer::new(cfg, Device::Cpu).unwrap();
        let losses = run_steps(&mut trainer, 2);
        assert_eq!(trainer.steps_done(), 2);
        for l in &losses {
            assert!(all_finite(l), "{mode:?}: {l:?}");
            assert!(
                l.g_l1 > 0.0 && l.g_gan != 0.0 && l.d_real != 0.0,
                "{mode:?}: {l:?}"
            );
        }
        if mode == GanMode::WganGp {
            assert!(losses.iter().all(|l| l.d_gp > 0.0), "{losses:?}");
        }
        // EBGAN records the energies (D's real term is the real pairs' energy) and the
        // pull-away term, a mean squared cosine; the other modes leave them at 0.
        for l in &losses {
            let energies = [l.e_real, l.e_fake, l.g_pt];
            if mode == GanMode::Ebgan {
                assert!(
                    l.e_real > 0.0 && l.e_fake > 0.0 && l.d_real == l.e_real,
                    "{l:?}"
                );
                assert!((0.0..=1.0).contains(&l.g_pt), "{l:?}");
            } else {
                assert_eq!(energies, [0.0; 3], "{mode:?}");
            }
        }
        if mode == GanMode::Wgan {
            // Weight clipping keeps every critic weight in [-0.01, 0.01].
            for t in trainer.discriminator_vars().trainable_variables() {
                let max = t.abs().max().double_value(&[]);
                assert!(max <= 0.01 + 1e-7, "critic weight {max} escaped the clip");
            }
        }
    }
}

/// Training decodes through `prep`'s loader (`data_prep::load`); on the files `prep` writes
/// (8-bit grey line art, 8-bit RGB colour) and on grey line art saved as RGB, the tensors are
/// bit-identical to the `image` crate's plain decoding that training used before.
#[test]
fn training_pairs_decode_to_the_png_files_own_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("line")).unwrap();
    std::fs::create_dir_all(root.join("color")).unwrap();
    // Every grey level and a spread of colours.
    let grey = image::GrayImage::from_fn(16, 16, |x, y| image::Luma([(y * 16 + x) as u8]));
    let rgb = image::RgbImage::from_fn(16, 16, |x, y| {
        let v = (y * 16 + x) as u8;
        image::Rgb([v, v.wrapping_mul(7), 255 - v])
    });
    let grey_as_rgb = image::DynamicImage::ImageLuma8(grey.clone()).to_rgb8();
    grey.save(root.join("line/l8.png")).unwrap();
    grey_as_rgb.save(root.join("line/rgb.png")).unwrap();
    rgb.save(root.join("color/l8.png")).unwrap();
    rgb.save(root.join("color/rgb.png")).unwrap();
    let entries = ["l8", "rgb"].map(|id| manifest_entry(id, Split::Train, 16));
    data_prep::manifest::write(&root.join(data_prep::manifest::MANIFEST_FILE), &entries).unwrap();

    let set = Dataset::open(root, Split::Train).unwrap();
    let aug = colorize::data::Augment::plain(16, 16, false);
    for (i, id) in ["l8", "rgb"].iter().enumerate() {
        let old_line = image::open(root.join(format!("line/{id}.png")))
            .unwrap()
            .to_luma8();
        let old_color = image::open(root.join(format!("color/{id}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(old_line, grey, "{id}");
        let (line, color) = set.load_pair(i).unwrap();
        assert_eq!(line, old_line, "{id}: line art");
        assert_eq!(color, old_color, "{id}: colour");
        let (line_t, color_t) = set.eval_pair(i, &aug).unwrap();
        assert!(
            line_t.equal(&gray_to_tensor(&old_line)),
            "{id}: line tensor"
        );
        assert!(
            color_t.equal(&rgb_to_tensor(&old_color)),
            "{id}: colour tensor"
        );
    }
}

#[test]
fn a_bad_manifest_line_is_an_error_naming_the_manifest_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 2, 0);
    let path = data.join(data_prep::manifest::MANIFEST_FILE);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"id\": \"x\", \"split\": \"tarin\"}\n");
    std::fs::write(&path, text).unwrap();
    let err = Dataset::open(&data, Split::Train).unwrap_err();
    assert!(matches!(err, Error::Dataset { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("manifest.jsonl") && msg.contains("line 3: unknown variant `tarin`"),
        "{msg}"
    );
}

#[test]
fn l1_only_overfits_four_pairs() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 0);
    let mut cfg = tiny_config(GanMode::Vanilla, &data, 80);
    cfg.l1_only = true;
    cfg.batch_size = 4;
    cfg.lr = 2e-3;
    cfg.decay_steps = 0;
    cfg.model.dropout = false;
    let set = Dataset::open(&data, Split::Train).unwrap();
    let aug = train::loader_config(&cfg).aug;
    let pairs: Vec<_> = (0..4).map(|i| set.eval_pair(i, &aug).unwrap()).collect();
    let mean_l1 = |t: &Trainer| -> f64 {
        let sum: f64 = pairs
            .iter()
            .map(|(line, color)| {
                let fake = t.generate(&line.unsqueeze(0)).squeeze_dim(0);
                l1(
                    &Planes::from_tensor(&fake).unwrap(),
                    &Planes::from_tensor(color).unwrap(),
                )
                .unwrap()
            })
            .sum();
        sum / 4.0
    };
    let mut trainer = Trainer::new(cfg, Device::Cpu).unwrap();
    let before = mean_l1(&trainer);
    let losses = run_steps(&mut trainer, 80);
    let after = mean_l1(&trainer);
    eprintln!("L1 on the 4 pairs: {before:.4} -> {after:.4}");
    assert!(losses.iter().all(|l| l.d_real == 0.0 && l.g_gan == 0.0));
    assert!(
        after <= before / 2.0,
        "L1 on the 4 training pairs went {before:.4} -> {after:.4}, not halved"
    );
}

#[test]
fn same_seed_and_data_give_identical_losses() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 6, 0);
    let cfg = tiny_config(GanMode::Vanilla, &data, 3);
    let run =
        |cfg: &TrainConfig| run_steps(&mut Trainer::new(cfg.clone(), Device::Cpu).unwrap(), 3);
    let a = run(&cfg);
    assert_eq!(a, run(&cfg), "same seed, different losses");
    let mut other = cfg.clone();
    other.seed += 1;
    assert_ne!(a, run(&other), "a different seed should change the losses");
}

#[test]
fn resume_continues_at_the_right_step_with_the_same_lr_and_losses() {
    let _rng = rng_lock();
    // Adam (vanilla), RMSprop + clipping (wgan), random interpolates (wgan-gp), the
    // auto-encoder discriminator (ebgan).
    for mode in [
        GanMode::Vanilla,
        GanMode::Wgan,
        GanMode::WganGp,
        GanMode::Ebgan,
    ] {
        resume_matches_an_uninterrupted_run(mode, false, Geometry::TINY);
    }
}

#[test]
fn resume_is_exact_where_the_discriminator_uses_its_winograd_layer() {
    let _rng = rng_lock();
    // 128 px, batch 4: the stride-1 layer has 4 x 25 output blocks, enough for the Winograd
    // form (`model::winograd::MIN_TILES`); WGAN-GP also differentiates it twice.
    let geometry = Geometry {
        size: 128,
        batch: 4,
        filters: 4,
    };
    const { assert!(4 * 25 >= colorize::model::winograd::MIN_TILES) };
    for mode in [GanMode::Vanilla, GanMode::WganGp] {
        resume_matches_an_uninterrupted_run(mode, false, geometry);
    }
}

/// Image side, batch and filters (ngf = ndf) of a resume test.
#[derive(Clone, Copy)]
struct Geometry {
    size: u32,
    batch: usize,
    filters: i64,
}

impl Geometry {
    /// `tiny_config`'s.
    const TINY: Geometry = Geometry {
        size: 32,
        batch: 2,
        filters: 8,
    };
}

#[test]
fn amp_on_the_cpu_is_bfloat16_and_resumes_exactly() {
    let _rng = rng_lock();
    resume_matches_an_uninterrupted_run(GanMode::Vanilla, true, Geometry::TINY);
    // Autocast is really on: the same steps in float32 give other losses.
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 0);
    let mut cfg = tiny_config(GanMode::Vanilla, &data, 2);
    let fp32 = run_steps(&mut Trainer::new(cfg.clone(), Device::Cpu).unwrap(), 2);
    cfg.amp = true;
    let bf16 = run_steps(&mut Trainer::new(cfg, Device::Cpu).unwrap(), 2);
    assert_ne!(fp32, bf16);
    // ... but close: bfloat16 keeps about three significant digits.
    let (a, b) = (fp32[1].g_l1, bf16[1].g_l1);
    assert!(
        (a - b).abs() < 0.05 * a.abs(),
        "L1 {a} (float32) vs {b} (bfloat16)"
    );
}

fn resume_matches_an_uninterrupted_run(mode: GanMode, amp: bool, geometry: Geometry) {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), geometry.size, 5, 1);
    let mut cfg = tiny_config(mode, &data, 6);
    cfg.model.image_size = i64::from(geometry.size);
    cfg.load_size = geometry.size;
    cfg.batch_size = geometry.batch;
    cfg.model.ngf = geometry.filters;
    cfg.model.ndf = geometry.filters;
    cfg.save_every = 3;
    cfg.amp = amp;
    let new_trainer = || Trainer::new(cfg.clone(), Device::Cpu).unwrap();
    let (whole, full) = fit_recording(&mut new_trainer(), &dir.path().join("a"), None);
    assert_eq!(whole.unwrap().step, 6);

    let run_b = dir.path().join("b");
    let (first, head) = fit_recording(&mut new_trainer(), &run_b, Some(3));
    let first = first.unwrap();
    assert!(first.interrupted);
    assert_eq!((first.step, head.len()), (3, 3));
    assert_eq!(first.checkpoint, run_dir::checkpoint_path(&run_b, 3));
    // The discriminator's keys follow its fields: `layer{k}` (PatchGAN), `enc{k}` (EBGAN).
    let keys: Vec<String> = Tensor::read_safetensors(&first.checkpoint)
        .unwrap()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let d_key = match mode {
        GanMode::Ebgan => "d.enc0.conv.weight",
        _ => "d.layer0.conv.weight",
    };
    assert!(keys.iter().any(|k| k == d_key), "{mode:?}: {keys:?}");

    let mut resumed = Trainer::resume(cfg.clone(), Device::Cpu, &first.checkpoint).unwrap();
    assert_eq!(resumed.steps_done(), 3);
    let (rest, tail) = fit_recording(&mut resumed, &run_b, None);
    assert_eq!(rest.unwrap().step, 6);
    let steps: Vec<u64> = tail.iter().map(|t| t.0).collect();
    assert_eq!(steps, [4, 5, 6], "{mode:?}");
    assert_eq!(&full[..3], &head[..], "{mode:?}: diverged before stopping");
    // Same learning rates (the schedule continues) and, bit for bit, the same losses.
    assert_eq!(&full[3..], &tail[..], "{mode:?}: resumed steps differ");
    assert!(
        tail[0].1 < cfg.lr,
        "step 4 of 6 should be in the decay phase"
    );
}

#[test]
fn nan_loss_stops_naming_the_step_and_keeps_the_last_checkpoint() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 0);
    let run = dir.path().join("run");
    let mut cfg = tiny_config(GanMode::Vanilla, &data, 2);
    cfg.save_every = 2;
    let (ok, _) = fit_recording(
        &mut Trainer::new(cfg.clone(), Device::Cpu).unwrap(),
        &run,
        None,
    );
    let ckpt = ok.unwrap().checkpoint;
    let gen_path = run.join(run_dir::GENERATOR_FILE);
    let (ckpt_bytes, gen_bytes) = (
        std::fs::read(&ckpt).unwrap(),
        std::fs::read(&gen_path).unwrap(),
    );

    // An absurd learning rate blows the weights up within a step or two.
    cfg.lr = 1e30;
    cfg.steps = 20;
    cfg.save_every = 1;
    let mut trainer = Trainer::resume(cfg, Device::Cpu, &ckpt).unwrap();
    let (result, seen) = fit_recording(&mut trainer, &run, None);
    let err = result.unwrap_err();
    eprintln!("{} finite steps after resuming, then: {err}", seen.len());
    let Error::NonFinite { step, .. } = &err else {
        panic!("expected a NonFinite error, got {err}")
    };
    assert_eq!(
        *step,
        3 + seen.len() as u64,
        "the failing step follows the last good one"
    );
    assert!(
        err.to_string().contains(&format!("at step {step}")),
        "{err}"
    );
    // Every step that finished had finite losses and was saved; the failing one saved nothing.
    let saved: Vec<i64> = checkpoint::list_checkpoints(&run)
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(*saved.last().unwrap(), *step as i64 - 1, "{saved:?}");
    if seen.is_empty() {
        assert_eq!(std::fs::read(&ckpt).unwrap(), ckpt_bytes);
        assert_eq!(std::fs::read(&gen_path).unwrap(), gen_bytes);
    }
    let last = run_dir::checkpoint_path(&run, *step as i64 - 1);
    Trainer::resume(tiny_config(GanMode::Vanilla, &data, 2), Device::Cpu, &last)
        .expect("the last checkpoint stays loadable");
}

#[test]
fn config_json_is_written_before_the_first_step() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 3, 0);
    // Corrupt every colour image: the run fails as soon as it reads data.
    for entry in std::fs::read_dir(data.join("color")).unwrap() {
        std::fs::write(entry.unwrap().path(), b"not a png").unwrap();
    }
    let run = dir.path().join("run");
    let cfg = tiny_config(GanMode::Vanilla, &data, 3);
    let (result, seen) = fit_recording(
        &mut Trainer::new(cfg.clone(), Device::Cpu).unwrap(),
        &run,
        None,
    );
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Dataset { .. }), "{err}");
    assert!(seen.is_empty(), "no step can have run");
    assert_eq!(run_dir::read_train_config(&run).unwrap(), cfg);
}

#[test]
fn resume_refuses_a_different_model_shape() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 1);
    let run = dir.path().join("run");
    let (ds, run_s) = (data.to_str().unwrap(), run.to_str().unwrap());
    let tiny = [
        "--size", "32", "--ngf", "8", "--ndf", "8", "--device", "cpu",
    ];
    let mut first = vec!["train", "--data", ds, "--out", run_s, "--steps", "2"];
    first.extend(tiny);
    let (ok, stdout, stderr) = run_colorize(&first);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("trained 2 steps"), "{stdout}");

    let (ok, _, stderr) =
        run_colorize(&["train", "--resume", run_s, "--ngf", "16", "--steps", "4"]);
    assert!(!ok);
    assert!(
        stderr.contains("refusing to resume") && stderr.contains("shape"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_colorize(&first);
    assert!(
        !ok && stderr.contains("already holds a training run"),
        "{stderr}"
    );

    let (ok, stdout, stderr) = run_colorize(&[
        "train", "--resume", run_s, "--steps", "3", "--device", "cpu",
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("from step 2") && stdout.contains("trained 3 steps"),
        "{stderr}\n{stdout}"
    );
    let cfg = run_dir::read_train_config(&run).unwrap();
    assert_eq!((cfg.steps, cfg.model.ngf), (3, 8));
}

#[test]
fn generate_gives_rgb_in_tanh_range() {
    let _rng = rng_lock();
    // The generator output is [B, 3, S, S] in [-1, 1] (Tanh), what the metrics expect.
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 2, 0);
    let t = Trainer::new(tiny_config(GanMode::Vanilla, &data, 1), Device::Cpu).unwrap();
    let out = t.generate(&Tensor::zeros(
        [2, 1, 32, 32],
        (tch::Kind::Float, Device::Cpu),
    ));
    assert_eq!(out.size(), [2, 3, 32, 32]);
    assert!(out.abs().max().double_value(&[]) <= 1.0);
}

#[test]
fn several_scales_and_rough_line_art_are_seeded_and_touch_only_what_they_say() {
    // 64 px pairs trained at 32: plain resizes each to 32; --scale-max 64 takes 32 px crops
    // of pictures resized to 32..=64; --rough 1 roughens every line art but not the colour.
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 64, 6, 0);
    let set = Arc::new(Dataset::open(&data, Split::Train).unwrap());
    let mut train_cfg = tiny_config(GanMode::Vanilla, &data, 1);
    train_cfg.model.in_channels = 1; // line art alone: the input is what the network sees
    let base = train::loader_config(&train_cfg);
    let run = |scale_max: u32, rough: f64, threads: usize| -> Vec<(Tensor, Tensor)> {
        let mut c = base;
        c.hints = None;
        c.batch_size = 6;
        c.threads = threads;
        c.aug.scale_max = scale_max;
        c.aug.rough = rough;
        let mut loader = Loader::new(Arc::clone(&set), c, 0).unwrap();
        (0..3)
            .map(|_| {
                let b = loader.next_batch().unwrap();
                (b.input, b.color)
            })
            .collect()
    };
    let plain = run(0, 0.0, 1);
    let scaled = run(64, 0.0, 1);
    let rough = run(0, 1.0, 1);
    for (a, b) in scaled
        .iter()
        .zip(&run(64, 0.0, 2))
        .chain(rough.iter().zip(&run(0, 1.0, 3)))
    {
        assert!(
            a.0.equal(&b.0) && a.1.equal(&b.1),
            "seeded, whatever the threads"
        );
    }
    assert_eq!(scaled[0].0.size(), [6, 1, 32, 32]);
    // Scales: some crops are of a larger picture, so they differ from every plain sample.
    let plain_colors: Vec<Tensor> = (0..6)
        .map(|i| set.eval_pair(i, &base.aug).unwrap().1)
        .collect();
    let differs = |c: &Tensor| {
        !plain_colors
            .iter()
            .any(|p| p.equal(c) || p.flip([2]).equal(c))
    };
    let larger = scaled
        .iter()
        .flat_map(|(_, c)| (0..6).map(move |k| c.get(k)))
        .filter(differs)
        .count();
    assert!(
        larger >= 6,
        "{larger} of 18 samples came from a larger scale"
    );
    // Rough: the same samples (colour bit for bit), other line art.
    for (p, r) in plain.iter().zip(&rough) {
        assert!(p.1.equal(&r.1), "colour untouched");
        assert!(!p.0.equal(&r.0), "line art roughened");
    }
}

#[test]
fn loader_batches_depend_only_on_seed_and_batch_number() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 5, 0);
    let set = Arc::new(Dataset::open(&data, Split::Train).unwrap());
    let train_cfg = tiny_config(GanMode::Vanilla, &data, 1);
    let mut cfg = train::loader_config(&train_cfg);
    cfg.batch_size = 3; // 5 pairs: batches straddle epochs
    let batches = |threads: usize, start: u64, n: usize| -> Vec<(Tensor, Tensor)> {
        let mut c = cfg;
        c.threads = threads;
        let mut loader = Loader::new(Arc::clone(&set), c, start).unwrap();
        (0..n)
            .map(|_| {
                let b = loader.next_batch().unwrap();
                (b.input, b.color)
            })
            .collect()
    };
    let one = batches(1, 0, 6);
    // Line art, then (models with hint channels) the simulated hints: drawn by the loader.
    assert_eq!(one[0].0.size(), [3, train_cfg.model.in_channels, 32, 32]);
    assert_eq!(one[0].1.size(), [3, 3, 32, 32]);
    let three = batches(3, 0, 6);
    let resumed = batches(2, 4, 2);
    for (a, b) in one.iter().zip(&three).chain(one[4..].iter().zip(&resumed)) {
        assert!(a.0.equal(&b.0) && a.1.equal(&b.1));
    }
    // Every sample is one of the pairs, mirrored or not, and both kinds occur.
    let aug = cfg.aug;
    let plain: Vec<Tensor> = (0..5).map(|i| set.eval_pair(i, &aug).unwrap().1).collect();
    let (mut flipped, mut unflipped) = (0, 0);
    for (_, colors) in &one {
        for k in 0..3 {
            let c = colors.get(k);
            if plain.iter().any(|p| p.equal(&c)) {
                unflipped += 1;
            } else if plain.iter().any(|p| p.flip([2]).equal(&c)) {
                flipped += 1;
            } else {
                panic!("sample {k} is neither a pair nor its mirror image");
            }
        }
    }
    assert!(
        flipped > 0 && unflipped > 0,
        "{flipped} flipped, {unflipped} not"
    );
}

#[test]
fn ctrl_c_finishes_the_step_saves_and_exits() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 0);
    let run = dir.path().join("run");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("colorize"))
        .args(["train", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&run)
        .args([
            "--steps", "100000", "--size", "32", "--ngf", "8", "--ndf", "8",
        ])
        .args([
            "--log-every",
            "1",
            "--save-every",
            "100000",
            "--threads",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        stderr.push_str(&line);
        stderr.push('\n');
        if line.contains(" step 2/100000") {
            let pid = child.id().to_string();
            let kill = std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status();
            assert!(kill.unwrap().success());
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = stdout_of(&out);
    // Saved, but not finished: the shell's status for a command stopped by SIGINT.
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let step: i64 = stdout
        .strip_prefix("interrupted after step ")
        .and_then(|s| s.split(':').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("unexpected output: {stdout}\n{stderr}"));
    assert!(step >= 2, "{stdout}");
    assert!(stderr.contains(&format!(" step {step}/100000")), "{stderr}");
    let saved: Vec<i64> = checkpoint::list_checkpoints(&run)
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(saved, [step]);
    assert!(run.join(run_dir::GENERATOR_FILE).is_file());
}

/// Records every scalar `fit` logs as (tag, step, value).
#[derive(Default)]
struct Scalars(Vec<(String, u64, f64)>);

impl SummarySink for Scalars {
    fn scalar(&mut self, tag: &str, step: u64, value: f64) -> colorize::Result<()> {
        self.0.push((tag.to_string(), step, value));
        Ok(())
    }
    fn image(&mut self, _: &str, _: u64, _: &image::RgbImage) -> colorize::Result<()> {
        Ok(())
    }
    fn flush(&mut self) -> colorize::Result<()> {
        Ok(())
    }
}

#[test]
fn ebgan_logs_its_energies_and_pull_away_term() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 1);
    type Field = fn(&StepLosses) -> f64;
    let tags: [(&str, Field); 3] = [
        ("loss/E_real", |l| l.e_real),
        ("loss/E_fake", |l| l.e_fake),
        ("loss/G_pt", |l| l.g_pt),
    ];
    for mode in [GanMode::Ebgan, GanMode::Vanilla] {
        let opts = FitOptions {
            run_dir: dir.path().join(format!("{mode:?}")),
            ..FitOptions::default()
        };
        let mut trainer = Trainer::new(tiny_config(mode, &data, 2), Device::Cpu).unwrap();
        let mut sink = Scalars::default();
        let mut seen = Vec::new();
        train::fit(&mut trainer, &opts, &mut sink, &mut |p| seen.push(p.losses)).unwrap();
        for (tag, field) in tags {
            let points: Vec<(u64, f64)> = sink
                .0
                .iter()
                .filter(|(t, _, _)| t == tag)
                .map(|&(_, step, v)| (step, v))
                .collect();
            let expected: Vec<(u64, f64)> = match mode {
                GanMode::Ebgan => vec![(1, field(&seen[0])), (2, field(&seen[1]))],
                _ => Vec::new(),
            };
            assert_eq!(points, expected, "{mode:?} {tag}");
        }
    }
}

#[test]
fn configs_made_before_ebgan_load_without_its_fields() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plain-model-v0");
    let old = run_dir::read_train_config(&fixture).unwrap();
    assert_eq!((old.margin, old.pt_weight), (None, None));
    old.validate().unwrap();
    // An EBGAN run's config keeps them; other modes refuse them.
    let dir = tempfile::tempdir().unwrap();
    let cfg = tiny_config(GanMode::Ebgan, Path::new("ds"), 2);
    run_dir::write_train_config(dir.path(), &cfg).unwrap();
    let back = run_dir::read_train_config(dir.path()).unwrap();
    assert_eq!(back, cfg);
    assert!(back.margin.is_some() && back.pt_weight.is_some());
    let mut vanilla = tiny_config(GanMode::Vanilla, Path::new("ds"), 2);
    vanilla.margin = cfg.margin;
    let err = vanilla.validate().unwrap_err().to_string();
    assert!(err.contains("ebgan"), "{err}");
}

#[test]
fn weighted_datasets_repeat_or_subsample_their_pairs_each_epoch() {
    use colorize::config::DataSource;
    let dir = tempfile::tempdir().unwrap();
    let a = make_dataset(&dir.path().join("a"), 32, 6, 1);
    let b = make_dataset(&dir.path().join("b"), 32, 4, 1);
    let sources = [
        DataSource {
            path: a.clone(),
            weight: 2.0,
        },
        DataSource {
            path: b.clone(),
            weight: 0.5,
        },
    ];
    let ds = Dataset::open_all(&sources, Split::Train).unwrap();
    assert_eq!((ds.len(), ds.counts()), (10, vec![6, 4]));
    // Interleaved: a, b, a, b, ... then the rest of a; ids name their dataset.
    assert_eq!(ds.root(0), a.as_path());
    assert_eq!(ds.root(1), b.as_path());
    assert_eq!(ds.root(9), a.as_path());
    assert_eq!(ds.id(1), "b-pair000");
    assert_eq!(ds.epoch_len(), 2 * 6 + 2);
    let from_b = |order: &[usize]| {
        let mut v: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| ds.root(i) == b.as_path())
            .collect();
        v.sort_unstable();
        v
    };
    let mut seen_b = std::collections::BTreeSet::new();
    for epoch in 0..6 {
        let order = ds.epoch_samples(3, epoch);
        assert_eq!(order.len(), 14);
        assert_eq!(order, ds.epoch_samples(3, epoch), "a pure function");
        // Every pair of `a` exactly twice; two distinct pairs of `b`.
        for i in (0..10).filter(|&i| ds.root(i) == a.as_path()) {
            assert_eq!(order.iter().filter(|&&j| j == i).count(), 2);
        }
        let bs = from_b(&order);
        assert_eq!(bs.len(), 2);
        assert_ne!(bs[0], bs[1]);
        seen_b.extend(bs);
    }
    assert!(seen_b.len() > 2, "the half of b is drawn anew each epoch");
    // One dataset of weight 1: every pair once, the order of the single-dataset runs.
    let one = Dataset::open(&a, Split::Train).unwrap();
    let mut order = one.epoch_samples(3, 0);
    assert_ne!(order, (0..6).collect::<Vec<_>>(), "shuffled");
    order.sort_unstable();
    assert_eq!(order, (0..6).collect::<Vec<_>>());
}

#[test]
fn train_on_two_datasets_records_them_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let a = make_dataset(&dir.path().join("a"), 32, 5, 1);
    let b = make_dataset(&dir.path().join("b"), 32, 3, 1);
    let train = |run: &Path, steps: &str, extra: &[&str]| {
        let mut args = vec![
            "train".to_string(),
            "--data".into(),
            a.display().to_string(),
            "--data".into(),
            format!("{}:2", b.display()),
            "--out".into(),
            run.display().to_string(),
            "--steps".into(),
            steps.into(),
            "--size".into(),
            "32".into(),
            "--ngf".into(),
            "8".into(),
            "--ndf".into(),
            "8".into(),
            "--batch-size".into(),
            "2".into(),
            "--save-every".into(),
            "2".into(),
            "--threads".into(),
            "1".into(),
            "--amp".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        run_colorize(&args)
    };
    let whole = dir.path().join("whole");
    let (ok, _, err) = train(&whole, "4", &[]);
    assert!(ok, "{err}");
    // --amp runs bf16 autocast on the CPU too; it warns only where bf16 is emulated.
    let native_bf16 = std::fs::read_to_string("/proc/cpuinfo")
        .is_ok_and(|i| i.contains(" avx512_bf16") || i.contains(" amx_bf16"));
    assert_eq!(err.contains("bfloat16 is emulated"), !native_bf16, "{err}");
    let cfg = run_dir::read_train_config(&whole).unwrap();
    assert_eq!(cfg.data.len(), 2);
    assert_eq!(
        (cfg.data[0].path.as_path(), cfg.data[0].weight),
        (a.as_path(), 1.0)
    );
    assert_eq!(
        (cfg.data[1].path.as_path(), cfg.data[1].weight),
        (b.as_path(), 2.0)
    );
    assert!(cfg.amp);

    // A run that stopped after its step-2 checkpoint, resumed without --data: the run's own
    // datasets and weights are used, and the weights equal the uninterrupted run's.
    let part = dir.path().join("part");
    let (ok, _, err) = train(&part, "4", &[]);
    assert!(ok, "{err}");
    std::fs::remove_file(run_dir::checkpoint_path(&part, 4)).unwrap();
    std::fs::remove_file(part.join(run_dir::GENERATOR_FILE)).unwrap();
    let (ok, _, err) = run_colorize(&[
        "train",
        "--resume",
        part.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("steps 2 -> 4"), "{err}");
    let read = |run: &Path| std::fs::read(run.join(run_dir::GENERATOR_FILE)).unwrap();
    assert!(read(&whole) == read(&part), "resumed weights differ");
}

#[test]
fn init_from_starts_the_generator_from_a_model_of_the_same_shape() {
    let dir = tempfile::tempdir().unwrap();
    let data = make_dataset(&dir.path().join("ds"), 32, 4, 1);
    let ds = data.to_str().unwrap();
    let tiny = [
        "--size", "32", "--ngf", "8", "--ndf", "8", "--device", "cpu",
    ];
    let train = |out: &Path, extra: &[&str]| {
        let mut args = vec!["train", "--data", ds, "--out", out.to_str().unwrap()];
        args.extend(tiny);
        args.extend(extra);
        run_colorize(&args)
    };
    let base = dir.path().join("base");
    let (ok, _, stderr) = train(&base, &["--steps", "2"]);
    assert!(ok, "{stderr}");
    // Learning rate 1e-30: one step moves no weight by a float32 ulp.
    let weights = |run: &Path| -> Vec<(String, Tensor)> {
        let mut w = Tensor::read_safetensors(run.join("generator.safetensors")).unwrap();
        w.retain(|(k, _)| !k.contains("running") && !k.contains("num_batches"));
        w.sort_by(|a, b| a.0.cmp(&b.0));
        w
    };
    let same = |a: &[(String, Tensor)], b: &[(String, Tensor)]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|((ka, ta), (kb, tb))| ka == kb && ta.equal(tb))
    };
    let tuned = dir.path().join("tuned");
    let base_s = base.to_str().unwrap();
    let (ok, _, stderr) = train(
        &tuned,
        &["--steps", "1", "--lr", "1e-30", "--init-from", base_s],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("generator initialised from"), "{stderr}");
    assert!(
        same(&weights(&base), &weights(&tuned)),
        "the base's weights"
    );
    let cfg = run_dir::read_train_config(&tuned).unwrap();
    assert_eq!(cfg.init_from.as_deref(), Some(base.as_path()));
    // Without --init-from the same run starts elsewhere (the test can fail).
    let fresh = dir.path().join("fresh");
    let (ok, _, stderr) = train(&fresh, &["--steps", "1", "--lr", "1e-30", "--seed", "7"]);
    assert!(ok, "{stderr}");
    assert!(!same(&weights(&base), &weights(&fresh)));
    // Another shape is refused, naming the model.
    let (ok, _, stderr) = run_colorize(&[
        "train",
        "--data",
        ds,
        "--out",
        dir.path().join("wide").to_str().unwrap(),
        "--size",
        "32",
        "--ngf",
        "16",
        "--ndf",
        "8",
        "--device",
        "cpu",
        "--steps",
        "1",
        "--init-from",
        base_s,
    ]);
    assert!(
        !ok && stderr.contains("different network") && stderr.contains(base_s),
        "{stderr}"
    );
}
