//! Saving and loading: the generator file bit for bit, checkpoints with optimiser state,
//! keep-last-K, atomic writes and clear errors on bad files.

use std::fs;
use std::path::{Path, PathBuf};

use colorize::checkpoint::{
    latest_checkpoint, list_checkpoints, load_checkpoint, load_generator_into, prune_checkpoints,
    save_checkpoint, save_generator, write_safetensors_atomic,
};
use colorize::config::ModelConfig;
use colorize::loss::{self, GanMode};
use colorize::model::layers::init_weights;
use colorize::model::{PatchDiscriminator, UnetGenerator};
use colorize::optim::{build, OptimKind, Optimizer};
use colorize::run_dir;
use colorize::Error;
use tch::{nn, Device, Kind, Tensor};

use crate::support::{model_config, rand_pm1, rng_lock};

/// Models of 64 px with `ngf` = `ndf` filters.
fn cfg(ngf: i64) -> ModelConfig {
    model_config(64, ngf)
}

struct Nets {
    gvs: nn::VarStore,
    dvs: nn::VarStore,
    g: UnetGenerator,
    d: PatchDiscriminator,
    opt_g: Box<dyn Optimizer>,
    opt_d: Box<dyn Optimizer>,
}

fn nets(c: &ModelConfig, seed: i64) -> Nets {
    tch::manual_seed(seed);
    let gvs = nn::VarStore::new(Device::Cpu);
    let dvs = nn::VarStore::new(Device::Cpu);
    let g = UnetGenerator::new(&gvs.root(), c);
    let d = PatchDiscriminator::new(&dvs.root(), c);
    init_weights(&gvs);
    init_weights(&dvs);
    let opt_g = build(OptimKind::Adam, &gvs, 0.5, 0.999, 0.0).unwrap();
    let opt_d = build(OptimKind::Adam, &dvs, 0.5, 0.999, 0.0).unwrap();
    Nets {
        gvs,
        dvs,
        g,
        d,
        opt_g,
        opt_d,
    }
}

impl Nets {
    /// Saves a checkpoint of step `step` into the run directory `run`.
    fn save(&self, run: &Path, step: i64) -> PathBuf {
        let (opt_g, opt_d) = (self.opt_g.as_ref(), self.opt_d.as_ref());
        save_checkpoint(run, step, &self.gvs, &self.dvs, opt_g, opt_d).unwrap()
    }

    /// Loads the checkpoint at `path` into these networks and optimisers.
    fn load(&mut self, path: &Path) -> colorize::Result<i64> {
        let (opt_g, opt_d) = (self.opt_g.as_mut(), self.opt_d.as_mut());
        load_checkpoint(path, &self.gvs, &self.dvs, opt_g, opt_d)
    }
}

/// One pix2pix step on fixed data (dropout off so it is deterministic across instances).
fn train_step(n: &mut Nets, line: &Tensor, color: &Tensor) {
    let fake = n.g.forward_t(line, true);
    let l_d = loss::discriminator_loss(
        GanMode::Vanilla,
        &n.d.forward_t(line, color, true),
        &n.d.forward_t(line, &fake.detach(), true),
    )
    .total;
    n.opt_d.backward_step(&l_d, 2e-4);
    let l_g = loss::generator_gan_loss(GanMode::Vanilla, &n.d.forward_t(line, &fake, true))
        + loss::l1(&fake, color) * 100.0;
    n.opt_g.backward_step(&l_g, 2e-4);
}

fn data() -> (Tensor, Tensor) {
    tch::manual_seed(11);
    (rand_pm1(&[2, 1, 64, 64]), rand_pm1(&[2, 3, 64, 64]))
}

fn no_dropout(ngf: i64) -> ModelConfig {
    ModelConfig {
        dropout: false,
        ..cfg(ngf)
    }
}

fn assert_same_vars(a: &nn::VarStore, b: &nn::VarStore) {
    let vb = b.variables();
    for (name, t) in a.variables() {
        assert!(t.equal(&vb[&name]), "{name} differs");
    }
}

fn tmp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn generator_save_load_reproduces_output_bit_for_bit() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generator.safetensors");
    let c = cfg(8);
    let mut a = nets(&c, 1);
    let (line, color) = data();
    // Train a step so BatchNorm running statistics differ from their initial values.
    train_step(&mut a, &line, &color);
    save_generator(&a.gvs, &path).unwrap();

    let mut b = nets(&c, 2);
    load_generator_into(&mut b.gvs, &path).unwrap();
    let ya = a.g.forward_t(&line, false);
    let yb = b.g.forward_t(&line, false);
    assert!(ya.equal(&yb), "eval outputs differ after save -> load");

    // The file holds exactly the generator's variable names, running statistics included.
    let mut keys: Vec<String> = Tensor::read_safetensors(&path)
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut names: Vec<String> = a.gvs.variables().into_keys().collect();
    keys.sort();
    names.sort();
    assert_eq!(keys, names);
    assert!(keys.contains(&"down2.norm.running_mean".to_string()));
    assert!(tmp_files(dir.path()).is_empty());
}

#[test]
fn checkpoint_round_trip_restores_weights_step_and_optimiser_moments() {
    let _rng = rng_lock();
    let run = tempfile::tempdir().unwrap();
    let c = no_dropout(4);
    let (line, color) = data();
    let mut a = nets(&c, 1);
    for _ in 0..2 {
        train_step(&mut a, &line, &color);
    }
    let path = a.save(run.path(), 2);
    assert_eq!(path, run.path().join("checkpoints/step-2.safetensors"));

    let mut b = nets(&c, 99);
    let step = b.load(&path).unwrap();
    assert_eq!(step, 2);
    assert_same_vars(&a.gvs, &b.gvs);
    assert_same_vars(&a.dvs, &b.dvs);
    assert_eq!(b.opt_g.steps(), 2);
    for (opt_a, opt_b) in [(&a.opt_g, &b.opt_g), (&a.opt_d, &b.opt_d)] {
        let sb = opt_b.state();
        for ((na, ta), (nb, tb)) in opt_a.state().iter().zip(&sb) {
            assert_eq!(na, nb);
            assert!(ta.equal(tb), "{na} differs");
        }
    }
    // Continuing from the checkpoint = never having stopped.
    train_step(&mut a, &line, &color);
    train_step(&mut b, &line, &color);
    assert_same_vars(&a.gvs, &b.gvs);
    assert_same_vars(&a.dvs, &b.dvs);
}

#[test]
fn keep_last_k_and_latest_checkpoint() {
    let _rng = rng_lock();
    let run = tempfile::tempdir().unwrap();
    let n = nets(&cfg(2), 1);
    for step in [5, 9, 10, 100] {
        n.save(run.path(), step);
    }
    // A stale temporary file from a crash is not a checkpoint.
    fs::write(
        run.path().join("checkpoints/.step-200.safetensors.1.tmp"),
        b"partial",
    )
    .unwrap();
    let (step, path) = latest_checkpoint(run.path()).unwrap().unwrap();
    assert_eq!(step, 100, "numeric, not lexicographic order");
    assert!(path.ends_with("step-100.safetensors"));
    prune_checkpoints(run.path(), 2).unwrap();
    let steps: Vec<i64> = list_checkpoints(run.path())
        .unwrap()
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert_eq!(steps, vec![10, 100]);
    assert!(!run.path().join("checkpoints/step-5.safetensors").exists());
    let empty = tempfile::tempdir().unwrap();
    assert!(latest_checkpoint(empty.path()).unwrap().is_none());
}

#[test]
fn atomic_write_replaces_whole_files_and_a_failed_write_leaves_the_old_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.safetensors");
    let t = |v: f32| {
        vec![(
            "a".to_string(),
            Tensor::full([1000], v as f64, (Kind::Float, Device::Cpu)),
        )]
    };
    write_safetensors_atomic(&t(1.0), &path).unwrap();
    let first = fs::read(&path).unwrap();
    write_safetensors_atomic(&t(2.0), &path).unwrap();
    let second = fs::read(&path).unwrap();
    assert_eq!(first.len(), second.len());
    assert_ne!(first, second);
    // A write that fails (complex numbers have no safetensors dtype) changes nothing.
    let bad = vec![(
        "z".to_string(),
        Tensor::zeros([4], (Kind::ComplexFloat, Device::Cpu)),
    )];
    assert!(write_safetensors_atomic(&bad, &path).is_err());
    assert_eq!(fs::read(&path).unwrap(), second);
    // A write into a missing directory fails without creating anything.
    let missing = dir.path().join("nope/y.safetensors");
    assert!(write_safetensors_atomic(&t(3.0), &missing).is_err());
    assert!(
        tmp_files(dir.path()).is_empty(),
        "temporary files left behind"
    );
}

#[test]
fn missing_truncated_and_mismatched_files_give_clear_errors() {
    let _rng = rng_lock();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("generator.safetensors");
    let mut small = nets(&cfg(4), 1);
    let before = small.gvs.variables()["down2.conv.weight"].copy();

    let err = load_generator_into(&mut small.gvs, &path).unwrap_err();
    assert!(matches!(err, Error::Model { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("generator.safetensors") && msg.contains("cannot read"),
        "{msg}"
    );

    // A generator with ngf 8 does not fit an ngf 4 model.
    let big = nets(&cfg(8), 1);
    save_generator(&big.gvs, &path).unwrap();
    let msg = load_generator_into(&mut small.gvs, &path)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("generator.safetensors"), "{msg}");
    assert!(
        msg.contains("shape mismatch") && msg.contains("down1.conv.weight"),
        "{msg}"
    );
    assert!(
        small.gvs.variables()["down2.conv.weight"].equal(&before),
        "nothing loaded"
    );

    // Truncated: cut the valid file in half.
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let msg = load_generator_into(&mut small.gvs, &path)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("generator.safetensors") && msg.contains("truncated"),
        "{msg}"
    );

    // Not a safetensors file at all.
    fs::write(&path, b"hello").unwrap();
    let msg = load_generator_into(&mut small.gvs, &path)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not a valid safetensors file"), "{msg}");

    // A file with a different model's generator but right names: extra tensors reported.
    let other = dir.path().join("other.safetensors");
    let mut named: Vec<(String, Tensor)> = small.gvs.variables().into_iter().collect();
    named.push((
        "extra.weight".into(),
        Tensor::zeros([1], (Kind::Float, Device::Cpu)),
    ));
    write_safetensors_atomic(&named, &other).unwrap();
    let msg = load_generator_into(&mut small.gvs, &other)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("unexpected tensors: extra.weight"), "{msg}");
}

#[test]
fn checkpoint_of_another_model_shape_is_refused_without_changing_anything() {
    let _rng = rng_lock();
    let run = tempfile::tempdir().unwrap();
    let a = nets(&cfg(4), 1);
    let path = a.save(run.path(), 1);
    // Same generator shape, different discriminator (ndf 8): G must stay untouched.
    let c = ModelConfig { ndf: 8, ..cfg(4) };
    let mut b = nets(&c, 2);
    let g_before = b.gvs.variables()["down2.conv.weight"].copy();
    let err = b.load(&path).unwrap_err();
    assert!(matches!(err, Error::Checkpoint { .. }));
    let msg = err.to_string();
    assert!(
        msg.contains("step-1.safetensors") && msg.contains("discriminator"),
        "{msg}"
    );
    assert!(b.gvs.variables()["down2.conv.weight"].equal(&g_before));
    assert_eq!(b.opt_g.steps(), 0);
    assert_eq!(run_dir::CHECKPOINTS_DIR, "checkpoints");
}
