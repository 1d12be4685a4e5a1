//! How an exported generator file stores its weights (`colorize export`): float32 as
//! trained, float16 (`--half`: half the bytes), or 8-bit integers (`--int8`: a quarter).
//! Also the copies between them, the weight average of two files (`--blend-with`) and of
//! a run's last checkpoints (`--average-last`).
//!
//! An 8-bit tensor `NAME` is stored as `int8` values `q` plus a float32 tensor
//! `NAME.int8_scale` with one scale `s` per slice of the first dimension (a convolution's
//! output channels; a transposed convolution's input channels). The scale of a slice is its
//! largest magnitude / 127, and `q = round(w / s)`. Loading computes `q * s` and rounds it
//! to float16, so such a model meets the same float16 kernels as a `--half` one
//! (`model::fast`). Only weights of two or more dimensions are stored so. Biases and
//! normalisation parameters stay floating point (float16), and integer tensors stay as
//! they are.

use std::collections::HashMap;
use std::path::Path;

use tch::{Kind, Tensor};

use super::{read_named, read_stored, write_safetensors_atomic, G};
use crate::{Error, Result};

/// The suffix of the scale tensor that goes with an 8-bit tensor.
pub const INT8_SCALE_SUFFIX: &str = ".int8_scale";

/// The largest magnitude of an 8-bit value (symmetric: -127..=127).
const INT8_MAX: f64 = 127.0;

/// How the floating-point weights of a generator file are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// As trained.
    Float32,
    /// Float16: half the bytes.
    Float16,
    /// 8-bit integers with a float32 scale per slice of the first dimension (weights of two
    /// or more dimensions), float16 for the rest: about a quarter of the bytes.
    Int8,
}

impl Storage {
    /// The named tensors that store `t` (float32 values) as `self` does.
    fn store(self, name: &str, t: &Tensor) -> Vec<(String, Tensor)> {
        if !t.is_floating_point() {
            return vec![(name.to_string(), t.shallow_clone())];
        }
        match self {
            Storage::Float32 => vec![(name.to_string(), t.to_kind(Kind::Float))],
            Storage::Float16 => vec![(name.to_string(), t.to_kind(Kind::Half))],
            Storage::Int8 if t.dim() < 2 || t.numel() == 0 => {
                vec![(name.to_string(), t.to_kind(Kind::Half))]
            }
            Storage::Int8 => {
                let (q, scale) = quantise(t);
                vec![
                    (name.to_string(), q),
                    (format!("{name}{INT8_SCALE_SUFFIX}"), scale),
                ]
            }
        }
    }

    /// What a model card says of the weights.
    pub fn describe(self) -> &'static str {
        match self {
            Storage::Float32 => "weights stored in float32",
            Storage::Float16 => {
                "weights stored in float16 (half the file; converted to float32 on loading)"
            }
            Storage::Int8 => {
                "weights stored as 8-bit integers with a float32 scale per output channel, \
                 biases and normalisation in float16 (about a quarter of the float32 file; \
                 converted to float32 on loading)"
            }
        }
    }
}

/// `t` as 8-bit values and one float32 scale per slice of its first dimension.
fn quantise(t: &Tensor) -> (Tensor, Tensor) {
    let w = t.to_kind(Kind::Float);
    let rows = w.size()[0];
    let amax = w.abs().reshape([rows, -1]).amax([1].as_slice(), false);
    // An all-zero slice keeps scale 1 (its values are 0 either way).
    let scale = (&amax / INT8_MAX).where_self(&amax.gt(0.0), &amax.ones_like());
    let q = (w / broadcastable(&scale, t.dim()))
        .round()
        .clamp(-INT8_MAX, INT8_MAX)
        .to_kind(Kind::Int8);
    (q, scale)
}

/// `scale` ([rows]) shaped to multiply a tensor of `dim` dimensions slice by slice.
fn broadcastable(scale: &Tensor, dim: usize) -> Tensor {
    let mut shape = vec![-1i64];
    shape.resize(dim, 1);
    scale.reshape(shape)
}

/// Turns every 8-bit tensor of a file and its `.int8_scale` back into float16 values
/// (`q * s`, rounded), removing the scales; `Err(reason)` when a scale has no tensor, a tensor
/// no scale, or their shapes disagree.
pub(super) fn dequantise(named: &mut HashMap<String, Tensor>) -> std::result::Result<(), String> {
    let mut scales: Vec<String> = named
        .keys()
        .filter(|k| k.ends_with(INT8_SCALE_SUFFIX))
        .cloned()
        .collect();
    scales.sort();
    for key in scales {
        let base = key.trim_end_matches(INT8_SCALE_SUFFIX);
        let scale = named.remove(&key).expect("listed above");
        let q = named
            .get(base)
            .ok_or_else(|| format!("{key} has no tensor {base} to scale"))?;
        if q.kind() != Kind::Int8 || q.dim() < 2 || scale.size() != [q.size()[0]] {
            return Err(format!(
                "{base} ({:?} {:?}) does not go with its scale {key} ({:?} {:?})",
                q.kind(),
                q.size(),
                scale.kind(),
                scale.size()
            ));
        }
        let w = q.to_kind(Kind::Float) * broadcastable(&scale.to_kind(Kind::Float), q.dim());
        named.insert(base.to_string(), w.to_kind(Kind::Half));
    }
    if let Some(name) = named
        .iter()
        .filter(|(_, t)| t.kind() == Kind::Int8)
        .map(|(n, _)| n)
        .min()
    {
        return Err(format!(
            "{name} is 8-bit but has no {name}{INT8_SCALE_SUFFIX}"
        ));
    }
    Ok(())
}

fn model_error(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |reason| Error::Model {
        path: path.to_path_buf(),
        reason,
    }
}

/// Sorted by name, each stored as `storage` does.
fn stored(named: Vec<(String, Tensor)>, storage: Storage) -> Vec<(String, Tensor)> {
    let mut out: Vec<(String, Tensor)> = named
        .iter()
        .flat_map(|(name, t)| storage.store(name, t))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Copies the generator file `from` to `to` (atomically) with its floating-point tensors
/// stored as `storage` says; integer tensors stay as they are. Loading converts the weights
/// back to the variables' float32 (`copy_` casts).
pub fn write_stored_copy(from: &Path, to: &Path, storage: Storage) -> Result<()> {
    let file = read_named(from).map_err(model_error(from))?;
    let named = file.into_iter().map(|(n, t)| (n, float32(t))).collect();
    write_safetensors_atomic(&stored(named, storage), to)
}

/// Floating-point tensors in float32 (the kind averages are computed in); others as they are.
fn float32(t: Tensor) -> Tensor {
    if t.is_floating_point() {
        t.to_kind(Kind::Float)
    } else {
        t
    }
}

/// The error text when `name` has another shape in the file an error names (`named`, "here")
/// than in the file it is compared with (`other`, "there"); `None` when the shapes agree.
fn shape_mismatch(name: &str, other: &Tensor, named: &Tensor) -> Option<String> {
    (other.size() != named.size()).then(|| {
        format!(
            "{name} has shape {:?} here and {:?} there",
            named.size(),
            other.size()
        )
    })
}

/// Writes to `to` (atomically) the weight average `share * a + (1 - share) * b` of two
/// generator files of the same network, computed in float32 and stored as `storage` says.
/// Both files must hold the same names with the same shapes; integer tensors (such
/// as BatchNorm's batch counter) are taken from `a`. Averaging a fine-tuned generator with
/// the model it started from keeps much of what the start knew (weight-space ensembling).
pub fn write_blend(a: &Path, b: &Path, share: f64, storage: Storage, to: &Path) -> Result<()> {
    if !(0.0..=1.0).contains(&share) {
        return Err(model_error(a)(format!(
            "blend share {share} is outside 0..=1"
        )));
    }
    let fa = read_named(a).map_err(model_error(a))?;
    let fb = read_named(b).map_err(model_error(b))?;
    let mismatch =
        |reason: String| model_error(b)(format!("cannot blend with {}: {reason}", a.display()));
    let mut names: Vec<&String> = fa.keys().collect();
    names.sort();
    let extra: Vec<&String> = fb.keys().filter(|n| !fa.contains_key(*n)).collect();
    if let Some(n) = extra.first() {
        return Err(mismatch(format!("{n} is not in the first file")));
    }
    let mut named = Vec::with_capacity(names.len());
    for name in names {
        let ta = &fa[name];
        let tb = fb
            .get(name)
            .ok_or_else(|| mismatch(format!("{name} is missing")))?;
        if let Some(reason) = shape_mismatch(name, ta, tb) {
            return Err(mismatch(reason));
        }
        let t = if ta.is_floating_point() {
            let f = Kind::Float;
            ta.to_kind(f) * share + tb.to_kind(f) * (1.0 - share)
        } else {
            ta.shallow_clone()
        };
        named.push((name.clone(), t));
    }
    write_safetensors_atomic(&stored(named, storage), to)
}

/// Writes to `to` (atomically) the generator of the mean of `checkpoints` (training
/// checkpoints of one run, `g.*` keys), computed in float32 and stored as `storage` says.
/// Integer tensors (BatchNorm's batch counter) are taken from the last one. Averaging the
/// last checkpoints of a run smooths the steps' noise out of the weights (checkpoint
/// averaging, as in machine translation; stochastic weight averaging).
pub fn write_checkpoint_average(checkpoints: &[&Path], storage: Storage, to: &Path) -> Result<()> {
    let (last, rest) = checkpoints.split_last().ok_or_else(|| Error::Model {
        path: to.to_path_buf(),
        reason: "no checkpoints to average".into(),
    })?;
    let generator = |path: &Path| -> Result<HashMap<String, Tensor>> {
        let file = read_named(path).map_err(model_error(path))?;
        let g: HashMap<String, Tensor> = file
            .into_iter()
            .filter_map(|(k, t)| k.strip_prefix(G).map(|n| (n.to_string(), t)))
            .collect();
        if g.is_empty() {
            return Err(model_error(path)("holds no generator (g.*) tensors".into()));
        }
        Ok(g)
    };
    let mut sum: HashMap<String, Tensor> = generator(last)?
        .into_iter()
        .map(|(n, t)| (n, float32(t)))
        .collect();
    for path in rest {
        let g = generator(path)?;
        let mismatch = |reason: String| {
            model_error(path)(format!("cannot average with {}: {reason}", last.display()))
        };
        if let Some(n) = g.keys().find(|n| !sum.contains_key(*n)) {
            return Err(mismatch(format!("{n} is not in the last checkpoint")));
        }
        for (name, acc) in sum.iter_mut() {
            let t = g
                .get(name)
                .ok_or_else(|| mismatch(format!("{name} is missing")))?;
            if let Some(reason) = shape_mismatch(name, acc, t) {
                return Err(mismatch(reason));
            }
            if acc.is_floating_point() {
                *acc = &*acc + t.to_kind(Kind::Float);
            }
        }
    }
    let n = checkpoints.len() as f64;
    let named = sum
        .into_iter()
        .map(|(name, t)| {
            let t = if t.is_floating_point() { t / n } else { t };
            (name, t)
        })
        .collect();
    write_safetensors_atomic(&stored(named, storage), to)
}

/// How the floating-point weights of a safetensors file are stored: 8-bit when it holds a
/// scale, else float16 when any tensor is float16, else float32.
pub fn stored_as(path: &Path) -> Result<Storage> {
    let file = read_stored(path).map_err(model_error(path))?;
    Ok(if file.keys().any(|k| k.ends_with(INT8_SCALE_SUFFIX)) {
        Storage::Int8
    } else if file.values().any(|t| t.kind() == Kind::Half) {
        Storage::Float16
    } else {
        Storage::Float32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weights() -> Tensor {
        // Slices of different magnitudes, one of them all zero.
        let t = Tensor::from_slice(&[
            0.5f32, -0.25, 0.125, 0.0, // slice 0: largest 0.5
            3.0, 1.0, -2.9, 0.01, // slice 1: largest 3.0
            0.0, 0.0, 0.0, 0.0, // slice 2: zero
        ]);
        t.reshape([3, 2, 2])
    }

    #[test]
    fn int8_round_trip_is_within_half_a_step_per_slice() {
        let w = weights();
        let mut named: HashMap<String, Tensor> =
            Storage::Int8.store("c.weight", &w).into_iter().collect();
        assert_eq!(named["c.weight"].kind(), Kind::Int8);
        let scale = named[&format!("c.weight{INT8_SCALE_SUFFIX}")].shallow_clone();
        assert_eq!(scale.size(), [3]);
        assert_eq!(
            Vec::<f32>::try_from(&scale).unwrap(),
            [0.5 / 127.0, 3.0 / 127.0, 1.0]
        );
        // The largest magnitude of each slice is exactly +-127.
        let q = named["c.weight"].to_kind(Kind::Int64).reshape([3, 4]);
        assert_eq!(q.int64_value(&[0, 0]), 127);
        assert_eq!(q.int64_value(&[1, 0]), 127);
        assert_eq!(q.int64_value(&[2, 0]), 0);
        dequantise(&mut named).unwrap();
        assert_eq!(named.len(), 1, "the scale is consumed");
        let back = &named["c.weight"];
        assert_eq!(back.kind(), Kind::Half);
        let err = (back.to_kind(Kind::Float) - &w).abs().reshape([3, 4]);
        for (row, step) in [(0, 0.5 / 127.0), (1, 3.0 / 127.0), (2, 0.0)] {
            let worst = err.get(row).max().double_value(&[]);
            // Half a step of the slice's scale, plus float16's rounding of the product.
            assert!(
                worst <= step * 0.5 + 3.0 * 1e-3,
                "slice {row}: {worst} > {step} / 2"
            );
        }
    }

    #[test]
    fn int8_keeps_vectors_in_float16_and_integers_as_they_are() {
        let bias = Tensor::from_slice(&[0.1f32, -0.2]);
        let stored = Storage::Int8.store("c.bias", &bias);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].1.kind(), Kind::Half);
        let empty = Tensor::zeros([0, 3], (Kind::Float, tch::Device::Cpu));
        let stored = Storage::Int8.store("empty", &empty);
        assert_eq!((stored.len(), stored[0].1.kind()), (1, Kind::Half));
        let count = Tensor::from_slice(&[7i64]);
        let stored = Storage::Int8.store("bn.num_batches_tracked", &count);
        assert_eq!(stored[0].1.kind(), Kind::Int64);
        assert_eq!(stored[0].1.int64_value(&[0]), 7);
    }

    #[test]
    fn dequantise_refuses_scales_and_tensors_that_do_not_match() {
        let (q, scale) = quantise(&weights());
        let key = format!("w{INT8_SCALE_SUFFIX}");
        let mut lone = HashMap::from([(key.clone(), scale.shallow_clone())]);
        let e = dequantise(&mut lone).unwrap_err();
        assert!(e.contains("has no tensor w"), "{e}");
        let mut unscaled = HashMap::from([("w".to_string(), q.shallow_clone())]);
        let e = dequantise(&mut unscaled).unwrap_err();
        assert!(e.contains("w is 8-bit but has no w.int8_scale"), "{e}");
        let mut short = HashMap::from([
            ("w".to_string(), q.shallow_clone()),
            (key, scale.narrow(0, 0, 2)),
        ]);
        let e = dequantise(&mut short).unwrap_err();
        assert!(e.contains("does not go with its scale"), "{e}");
    }

    #[test]
    fn blend_and_average_name_the_file_and_both_shapes_when_a_tensor_differs() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (
            dir.path().join("a.safetensors"),
            dir.path().join("b.safetensors"),
        );
        let t = |rows: i64| Tensor::zeros([rows, 3], (Kind::Float, tch::Device::Cpu));
        write_safetensors_atomic(&[("w".to_string(), t(2))], &a).unwrap();
        write_safetensors_atomic(&[("w".to_string(), t(4))], &b).unwrap();
        let e = write_blend(&a, &b, 0.5, Storage::Float32, &dir.path().join("o1"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(&b.display().to_string()), "{e}");
        assert!(
            e.contains("w has shape [4, 3] here and [2, 3] there"),
            "{e}"
        );
        // Checkpoints hold the generator under g.
        let (c1, c2) = (dir.path().join("c1"), dir.path().join("c2"));
        write_safetensors_atomic(&[(format!("{G}w"), t(2))], &c1).unwrap();
        write_safetensors_atomic(&[(format!("{G}w"), t(4))], &c2).unwrap();
        let e = write_checkpoint_average(&[&c1, &c2], Storage::Float32, &dir.path().join("o2"))
            .unwrap_err()
            .to_string();
        let (c1_name, c2_name) = (c1.display().to_string(), c2.display().to_string());
        assert!(e.contains(&c1_name), "{e}");
        assert!(e.contains(&format!("cannot average with {c2_name}")), "{e}");
        assert!(
            e.contains("w has shape [2, 3] here and [4, 3] there"),
            "{e}"
        );
        assert!(!dir.path().join("o1").exists() && !dir.path().join("o2").exists());
    }
}
