//! The safetensors files of a run: their keys, atomic saves, loading with checks, resume.
//! (Where they go is `crate::run_dir`'s business.)
//!
//! ```text
//! RUN/checkpoints/step-N.safetensors   one file per checkpoint, keys:
//!     g.<var>      generator variables (BatchNorm running statistics included)
//!     d.<var>      discriminator variables
//!     opt_g.<key>  generator optimiser state (`step`, `<var>.exp_avg`, ... see optim.rs)
//!     opt_d.<key>  discriminator optimiser state
//!     meta.step    i64 scalar: optimisation steps completed
//! RUN/generator.safetensors            the generator's variables alone, keys exactly its
//!                                      var names (`down1.conv.weight`, ...): what infer loads
//!                                      (float32; `colorize export --half`: float16,
//!                                      `--int8`: 8-bit integers and a scale per output
//!                                      channel, see `stored`; float32 again on loading)
//! ```
//! Every file is written through `data_prep::fs::write_atomic_with` (a `.NAME.<pid>.<n>.tmp`
//! file in the destination directory, synced, then renamed over the destination, and the
//! directory synced), so a reader sees the old file or the new one, never a partial one.
//! Loading checks names and shapes before touching any variable and reports the file and
//! the first mismatches; it never panics on bad input.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use data_prep::fs::{remove_stale_temporaries, write_atomic_with};
use tch::{nn, Tensor};

mod stored;

pub use stored::{stored_as, write_blend, write_checkpoint_average, write_stored_copy, Storage};

use crate::optim::Optimizer;
use crate::run_dir::{self, CHECKPOINTS_DIR};
use crate::{Error, Result};

const G: &str = "g.";
const D: &str = "d.";
const OPT_G: &str = "opt_g.";
const OPT_D: &str = "opt_d.";
const META_STEP: &str = "meta.step";

/// How many mismatching names an error message lists before "and N more".
const LIST_MAX: usize = 5;

/// Writes named tensors to `path` atomically (`data_prep::fs::write_atomic_with`: temporary
/// file in the same directory, fsync, rename, fsync of the directory). On error the
/// destination is untouched and the temporary file removed.
pub fn write_safetensors_atomic(named: &[(String, Tensor)], path: &Path) -> Result<()> {
    // safetensors needs contiguous CPU-readable data; copies only when required.
    let tensors: Vec<(&str, Tensor)> = named
        .iter()
        .map(|(n, t)| (n.as_str(), t.detach().contiguous()))
        .collect();
    write_atomic_with(path, |tmp| {
        Tensor::write_safetensors(&tensors, tmp).map_err(|e| match e {
            // The operating system's error itself ("No space left on device", "File too
            // large"), not its debug form inside tch's message.
            tch::TchError::SafeTensorError {
                err: safetensors::SafeTensorError::IoError(io),
                ..
            } => io,
            other => std::io::Error::other(other),
        })
    })
    .map_err(|e| Error::io(path, e))
}

/// Reads every tensor of a safetensors file, 8-bit weights turned back into floating point
/// (`stored::dequantise`); `Err(reason)` names what is wrong.
fn read_named(path: &Path) -> std::result::Result<HashMap<String, Tensor>, String> {
    let mut named = read_stored(path)?;
    stored::dequantise(&mut named)?;
    Ok(named)
}

/// Reads every tensor of a safetensors file as stored; `Err(reason)` names what is wrong.
fn read_stored(path: &Path) -> std::result::Result<HashMap<String, Tensor>, String> {
    let meta = fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() {
        return Err("not a file".into());
    }
    match Tensor::read_safetensors(path) {
        Ok(v) => Ok(v.into_iter().collect()),
        Err(e) => Err(format!(
            "not a valid safetensors file (truncated or corrupt?): {}",
            e.to_string()
                .trim_start_matches("safetensors error ")
                .trim_start_matches(path.to_string_lossy().as_ref())
                .trim_start_matches(": ")
        )),
    }
}

fn list_some(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(LIST_MAX)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > LIST_MAX {
        s.push_str(&format!(" and {} more", names.len() - LIST_MAX));
    }
    s
}

/// Checks that `file` (keys with `prefix`) holds exactly the variables `vars` with their
/// shapes; `Err(reason)` lists the first mismatches.
fn check_vars(
    file: &HashMap<String, Tensor>,
    prefix: &str,
    vars: &[(String, Tensor)],
) -> std::result::Result<(), String> {
    let mut missing = Vec::new();
    let mut shapes = Vec::new();
    for (name, var) in vars {
        match file.get(&format!("{prefix}{name}")) {
            None => missing.push(format!("{prefix}{name}")),
            Some(t) if t.size() != var.size() => shapes.push(format!(
                "{prefix}{name} is {:?} in the file, {:?} in the model",
                t.size(),
                var.size()
            )),
            Some(_) => {}
        }
    }
    let known: HashSet<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
    let mut unexpected: Vec<String> = file
        .keys()
        .filter(|k| k.strip_prefix(prefix).is_some_and(|n| !known.contains(n)))
        .cloned()
        .collect();
    unexpected.sort();
    let mut problems = Vec::new();
    if !shapes.is_empty() {
        problems.push(format!("shape mismatch: {}", list_some(&shapes)));
    }
    if !missing.is_empty() {
        problems.push(format!("missing tensors: {}", list_some(&missing)));
    }
    if !unexpected.is_empty() {
        problems.push(format!("unexpected tensors: {}", list_some(&unexpected)));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "does not match the model ({}); was it made with a different model config?",
            problems.join("; ")
        ))
    }
}

/// Copies checked tensors (`check_vars` passed) into the variables, casting to their kind
/// (a float16 file loads into float32 variables).
fn copy_vars(
    file: &HashMap<String, Tensor>,
    prefix: &str,
    vars: &mut [(String, Tensor)],
) -> std::result::Result<(), String> {
    tch::no_grad(|| {
        for (name, var) in vars.iter_mut() {
            let src = &file[&format!("{prefix}{name}")];
            var.f_copy_(src)
                .map_err(|e| format!("{prefix}{name}: {e}"))?;
        }
        Ok(())
    })
}

fn prefixed(prefix: &str, named: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    named
        .into_iter()
        .map(|(n, t)| (format!("{prefix}{n}"), t))
        .collect()
}

fn var_list(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars
}

/// Saves the generator's VarStore alone (keys = its var names) atomically: the file
/// `infer` loads.
pub fn save_generator(vs: &nn::VarStore, path: &Path) -> Result<()> {
    write_safetensors_atomic(&var_list(vs), path)
}

/// Loads `path` into the generator's VarStore after checking that every variable is
/// present with its shape and that there is nothing else. Errors name the file.
pub fn load_generator_into(vs: &mut nn::VarStore, path: &Path) -> Result<()> {
    let model_err = |reason: String| Error::Model {
        path: path.to_path_buf(),
        reason,
    };
    let file = read_named(path).map_err(model_err)?;
    let mut vars = var_list(vs);
    check_vars(&file, "", &vars).map_err(model_err)?;
    copy_vars(&file, "", &mut vars).map_err(model_err)
}

/// Saves a checkpoint of step `step` as `RUN/checkpoints/step-N.safetensors` (creating
/// the directory) and returns its path; call `prune_checkpoints` afterwards to keep the
/// last K.
pub fn save_checkpoint(
    run_dir: &Path,
    step: i64,
    g: &nn::VarStore,
    d: &nn::VarStore,
    opt_g: &dyn Optimizer,
    opt_d: &dyn Optimizer,
) -> Result<PathBuf> {
    let dir = run_dir.join(CHECKPOINTS_DIR);
    fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut named = vec![(META_STEP.to_string(), Tensor::from(step))];
    named.extend(prefixed(G, var_list(g)));
    named.extend(prefixed(D, var_list(d)));
    named.extend(prefixed(OPT_G, opt_g.state()));
    named.extend(prefixed(OPT_D, opt_d.state()));
    let path = run_dir::checkpoint_path(run_dir, step);
    write_safetensors_atomic(&named, &path)?;
    Ok(path)
}

/// Restores G, D and both optimisers from a checkpoint file and returns the optimisation
/// steps completed when it was written. Both networks are checked before either is
/// overwritten; each optimiser checks its state before changing it.
pub fn load_checkpoint(
    path: &Path,
    g: &nn::VarStore,
    d: &nn::VarStore,
    opt_g: &mut dyn Optimizer,
    opt_d: &mut dyn Optimizer,
) -> Result<i64> {
    let ck_err = |reason: String| Error::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let file = read_named(path).map_err(ck_err)?;
    let step = match file.get(META_STEP) {
        Some(t) if t.numel() == 1 => t.int64_value(&[]),
        _ => return Err(ck_err(format!("no `{META_STEP}` scalar"))),
    };
    let sub = |prefix: &str| -> Vec<(String, Tensor)> {
        let mut v: Vec<(String, Tensor)> = file
            .iter()
            .filter_map(|(k, t)| {
                k.strip_prefix(prefix)
                    .map(|n| (n.to_string(), t.shallow_clone()))
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    // Check both networks first so a D mismatch does not leave G half-restored.
    let mut g_vars = var_list(g);
    let mut d_vars = var_list(d);
    check_vars(&file, G, &g_vars).map_err(|r| ck_err(format!("generator {r}")))?;
    check_vars(&file, D, &d_vars).map_err(|r| ck_err(format!("discriminator {r}")))?;
    copy_vars(&file, G, &mut g_vars).map_err(ck_err)?;
    copy_vars(&file, D, &mut d_vars).map_err(ck_err)?;
    opt_g
        .load_state(&sub(OPT_G))
        .map_err(|e| ck_err(format!("{OPT_G}*: {e}")))?;
    opt_d
        .load_state(&sub(OPT_D))
        .map_err(|e| ck_err(format!("{OPT_D}*: {e}")))?;
    Ok(step)
}

/// The checkpoints of a run as `(step, path)`, oldest first; an absent directory is empty.
/// Temporary files and names that are not `step-N.safetensors` are ignored.
pub fn list_checkpoints(run_dir: &Path) -> Result<Vec<(i64, PathBuf)>> {
    let dir = run_dir.join(CHECKPOINTS_DIR);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let name = entry.file_name();
        let Some(step) = name.to_str().and_then(run_dir::checkpoint_step) else {
            continue;
        };
        out.push((step, entry.path()));
    }
    out.sort();
    Ok(out)
}

/// The newest checkpoint of a run, if any.
pub fn latest_checkpoint(run_dir: &Path) -> Result<Option<(i64, PathBuf)>> {
    Ok(list_checkpoints(run_dir)?.pop())
}

/// Deletes all but the newest `keep_last` checkpoints (`keep_last` >= 1), and the
/// temporary files of writes a killed run left in the run and checkpoint directories.
pub fn prune_checkpoints(run_dir: &Path, keep_last: usize) -> Result<()> {
    let all = list_checkpoints(run_dir)?;
    let n_old = all.len().saturating_sub(keep_last.max(1));
    for (_, path) in &all[..n_old] {
        fs::remove_file(path).map_err(|e| Error::io(path, e))?;
    }
    for dir in [run_dir.to_path_buf(), run_dir.join(CHECKPOINTS_DIR)] {
        remove_stale_temporaries(&dir).map_err(|e| Error::io(&dir, e))?;
    }
    Ok(())
}
