//! Paired dataset -> shuffled, augmented batches from background loader threads.
//!
//! Order and augmentation are pure functions of `(seed, sample position)`: the sample stream
//! is the concatenation of one seeded permutation per epoch, and batch `g` holds stream
//! positions `[g * B, (g + 1) * B)`. So every batch is full (epochs may end mid-batch),
//! any number of loader threads gives the same batches, and a resumed run restarts the
//! stream exactly where it stopped by knowing only the batch number.

//!
//! `augment`: pix2pix's resize, crop and flip of one pair; `loader`: the batches of a
//! training run, built on background threads.

mod augment;
mod loader;

use std::path::{Path, PathBuf};

use data_prep::load::{load_gray, load_rgb, LoadLimits};
use data_prep::manifest::{self, Entry, ManifestError, Split, MANIFEST_FILE};
use image::{GrayImage, RgbImage};
use tch::Tensor;

use augment::prepare;
pub use augment::Augment;
pub use data_prep::rng::{mix_seed, SplitMix64};
pub use loader::{Batch, Loader, LoaderConfig};

use crate::config::DataSource;
use crate::tensor_image::{gray_to_tensor, rgb_to_tensor};
use crate::{Error, Result};

/// The pairs of one split of one or several prepared datasets (each a `manifest.jsonl`,
/// `line/<id>.png`, `color/<id>.png`: the contract of `data_prep::manifest`), with the
/// sampling weight of each dataset's pairs in training.
///
/// Pairs of several datasets are interleaved (first pair of each, then the second of each,
/// ...), so the first N of a split (validation figures, sample grids) come from every
/// dataset; one dataset keeps its manifest's order.
#[derive(Debug, Clone)]
pub struct Dataset {
    sources: Vec<DataSource>,
    /// (index into `sources`, entry)
    entries: Vec<(usize, Entry)>,
}

impl Dataset {
    /// One dataset directory's `split` (weight 1).
    pub fn open(root: &Path, split: Split) -> Result<Self> {
        Self::open_all(&[DataSource::new(root)], split)
    }

    /// Reads each source's `manifest.jsonl` strictly (a bad line is an error naming it),
    /// keeps the entries of `split` and checks that both images of each exist.
    pub fn open_all(sources: &[DataSource], split: Split) -> Result<Self> {
        let mut per_source = Vec::with_capacity(sources.len());
        for src in sources {
            let root = &src.path;
            let manifest_path = root.join(MANIFEST_FILE);
            let entries = manifest::read_strict_numbered(&manifest_path).map_err(|e| match e {
                ManifestError::Read { path, source } => Error::Dataset {
                    path,
                    reason: format!(
                        "cannot read the manifest ({source}); is this a directory made by `prep`?"
                    ),
                },
                ManifestError::Line { path, line, source } => Error::Dataset {
                    path,
                    reason: format!("line {line}: {source}"),
                },
                e @ ManifestError::Outside { .. } => Error::Dataset {
                    path: manifest_path.clone(),
                    reason: e.to_string(),
                },
            })?;
            confined(root, &manifest_path, &entries)?;
            let kept: Vec<Entry> = entries
                .into_iter()
                .map(|(_, e)| e)
                .filter(|e| e.split == split)
                .collect();
            per_source.push(kept.into_iter());
        }
        // Round-robin over the sources.
        let mut entries = Vec::new();
        loop {
            let before = entries.len();
            for (k, it) in per_source.iter_mut().enumerate() {
                if let Some(e) = it.next() {
                    entries.push((k, e));
                }
            }
            if entries.len() == before {
                break;
            }
        }
        let ds = Dataset {
            sources: sources.to_vec(),
            entries,
        };
        for i in 0..ds.len() {
            for path in [ds.line_path(i), ds.color_path(i)] {
                if !path.is_file() {
                    return Err(Error::Dataset {
                        path,
                        reason: format!("listed in {MANIFEST_FILE} but missing"),
                    });
                }
            }
        }
        Ok(ds)
    }

    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the split has no pairs.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The datasets the pairs come from.
    pub fn sources(&self) -> &[DataSource] {
        &self.sources
    }

    /// Pairs of each source, in `sources()` order.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.sources.len()];
        for (k, _) in &self.entries {
            counts[*k] += 1;
        }
        counts
    }

    /// The pairs of source `k` alone (weight kept).
    pub fn only_source(&self, k: usize) -> Self {
        Dataset {
            sources: vec![self.sources[k].clone()],
            entries: self
                .entries
                .iter()
                .filter(|(s, _)| *s == k)
                .map(|(_, e)| (0, e.clone()))
                .collect(),
        }
    }

    /// Keeps the first `n` pairs (e.g. a few training pairs standing in for validation).
    pub fn truncated(&self, n: usize) -> Self {
        Dataset {
            sources: self.sources.clone(),
            entries: self.entries[..n.min(self.len())].to_vec(),
        }
    }

    /// The id of pair `i` (its file names are `line/<id>.png`, `color/<id>.png`), prefixed
    /// with its dataset's name (`name-id`) when there are several datasets.
    pub fn id(&self, i: usize) -> String {
        let (k, e) = &self.entries[i];
        if self.sources.len() > 1 {
            format!("{}-{}", self.sources[*k].name(), e.id)
        } else {
            e.id.clone()
        }
    }

    /// The dataset directory of pair `i`.
    pub fn root(&self, i: usize) -> &Path {
        &self.sources[self.entries[i].0].path
    }

    fn line_path(&self, i: usize) -> PathBuf {
        self.entries[i].1.line_path(self.root(i))
    }

    fn color_path(&self, i: usize) -> PathBuf {
        self.entries[i].1.color_path(self.root(i))
    }

    /// Samples in one training epoch: each source's pairs times its weight (rounded).
    pub fn epoch_len(&self) -> usize {
        self.counts()
            .iter()
            .zip(&self.sources)
            .map(|(&n, s)| weighted_count(n, s.weight))
            .sum()
    }

    /// The pairs of training epoch `epoch`, in the order they are drawn: `epoch_len()`
    /// indices, a seeded shuffle of `epoch_slots`. A pure function of `(seed, epoch)`.
    pub fn epoch_samples(&self, seed: u64, epoch: u64) -> Vec<usize> {
        let slots = self.epoch_slots(seed, epoch);
        epoch_order(seed, epoch, slots.len())
            .into_iter()
            .map(|j| slots[j])
            .collect()
    }

    /// The pair indices of epoch `epoch` before shuffling: every pair of a source of weight
    /// `w` `floor(w)` times, plus a seeded share `frac(w)` of them, drawn anew each epoch.
    /// With all weights 1 this is `0..len()`.
    fn epoch_slots(&self, seed: u64, epoch: u64) -> Vec<usize> {
        if self.sources.iter().all(|s| s.weight == 1.0) {
            return (0..self.len()).collect();
        }
        let mut by_source: Vec<Vec<usize>> = vec![Vec::new(); self.sources.len()];
        for (i, (k, _)) in self.entries.iter().enumerate() {
            by_source[*k].push(i);
        }
        let mut slots = Vec::with_capacity(self.epoch_len());
        for (k, (idx, src)) in by_source.iter().zip(&self.sources).enumerate() {
            let whole = src.weight.floor() as usize;
            for _ in 0..whole {
                slots.extend_from_slice(idx);
            }
            let extra = weighted_count(idx.len(), src.weight) - whole * idx.len();
            if extra > 0 {
                let order = epoch_order(mix_seed(seed ^ WEIGHT_SALT, k as u64), epoch, idx.len());
                slots.extend(order[..extra].iter().map(|&j| idx[j]));
            }
        }
        slots
    }

    /// Decodes pair `i` with `prep`'s loader (alpha over white, OpenCV grey): (grey line
    /// art, RGB colour), checked to have the same size. On the 8-bit grey and RGB PNGs
    /// `prep` writes, the pixels are the files' own.
    pub fn load_pair(&self, i: usize) -> Result<(GrayImage, RgbImage)> {
        let limits = LoadLimits::default();
        let broken = |e: data_prep::Error| Error::Dataset {
            path: e.path().to_owned(),
            reason: e.reason(),
        };
        let line = load_gray(&self.line_path(i), &limits).map_err(broken)?;
        let color = load_rgb(&self.color_path(i), &limits).map_err(broken)?;
        if line.dimensions() != color.dimensions() {
            return Err(Error::Dataset {
                path: self.color_path(i),
                reason: format!(
                    "colour is {:?} but its line art is {:?}",
                    color.dimensions(),
                    line.dimensions()
                ),
            });
        }
        Ok((line, color))
    }

    /// Pair `i` for evaluation: resized to `load_size`, centre-cropped to `size`, no flip.
    pub fn eval_images(&self, i: usize, aug: &Augment) -> Result<(GrayImage, RgbImage)> {
        let (line, color) = self.load_pair(i)?;
        let off = (aug.load_size - aug.size) / 2;
        Ok(prepare(&line, &color, aug, (off, off), false))
    }

    /// `eval_images` as tensors: `([1, S, S], [3, S, S])` in [-1, 1].
    pub fn eval_pair(&self, i: usize, aug: &Augment) -> Result<(Tensor, Tensor)> {
        let (line, color) = self.eval_images(i, aug)?;
        Ok((gray_to_tensor(&line), rgb_to_tensor(&color)))
    }
}

/// Separates the per-epoch draws of fractionally weighted datasets from the data order.
const WEIGHT_SALT: u64 = 0x3E16_47ED;

/// `round(n * weight)`, at least 1 for a non-empty source.
fn weighted_count(n: usize, weight: f64) -> usize {
    if n == 0 {
        0
    } else {
        ((n as f64 * weight).round() as usize).max(1)
    }
}

/// The seeded permutation of `0..n` for one epoch (Fisher-Yates).
fn epoch_order(seed: u64, epoch: u64, n: usize) -> Vec<usize> {
    let mut rng = SplitMix64::new(mix_seed(seed, epoch));
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    order
}

/// Refuses a dataset whose manifest names an image that a symbolic link takes outside the
/// dataset directory (`manifest::read_strict` already refused absolute paths and `..`): a
/// dataset may only read its own files. Images that do not exist are left to the
/// existence check.
fn confined(root: &Path, manifest_path: &Path, entries: &[(usize, Entry)]) -> Result<()> {
    let outside = |path: PathBuf, reason: String| Error::Dataset { path, reason };
    let home = root.canonicalize().map_err(|e| {
        outside(
            root.to_owned(),
            format!("cannot resolve the dataset directory: {e}"),
        )
    })?;
    for (line, e) in entries {
        for (field, rel) in [("line-art", &e.line), ("colour", &e.color)] {
            let Ok(real) = root.join(rel).canonicalize() else {
                continue;
            };
            if !real.starts_with(&home) {
                return Err(outside(
                    manifest_path.to_owned(),
                    format!(
                        "line {line}: the {field} image {rel:?} is a link to {}, outside the \
                         dataset directory {}",
                        real.display(),
                        home.display()
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dataset directory with one pair whose colour image is `colour` (relative).
    fn dataset_naming(dir: &Path, colour: &str) {
        std::fs::create_dir_all(dir.join("line")).unwrap();
        std::fs::create_dir_all(dir.join("color")).unwrap();
        GrayImage::new(4, 4).save(dir.join("line/a.png")).unwrap();
        let e = Entry {
            id: "a".into(),
            split: Split::Train,
            line: "line/a.png".into(),
            color: colour.into(),
            source: "a.svg".into(),
            lines_source: None,
            method: "xdog".into(),
            size: 4,
            settings: "s".into(),
            source_stamp: "1:2".into(),
            split_key: "00".into(),
        };
        std::fs::write(dir.join(MANIFEST_FILE), manifest::to_text([&e])).unwrap();
    }

    #[test]
    fn a_dataset_may_not_read_outside_itself() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("secret.png");
        RgbImage::new(4, 4).save(&outside).unwrap();
        let err = |dir: &Path| Dataset::open(dir, Split::Train).unwrap_err().to_string();
        // Through `..`: refused by its words, naming the manifest's line.
        let up = tmp.path().join("up");
        dataset_naming(&up, "../secret.png");
        let msg = err(&up);
        assert!(
            msg.contains("manifest.jsonl")
                && msg.contains("line 1: the colour image \"../secret.png\" is outside"),
            "{msg}"
        );
        // An absolute path.
        let abs = tmp.path().join("abs");
        dataset_naming(&abs, outside.to_str().unwrap());
        assert!(
            err(&abs).contains("line 1: the colour image"),
            "{}",
            err(&abs)
        );
        // A symbolic link inside the dataset that points out.
        let link = tmp.path().join("link");
        dataset_naming(&link, "color/a.png");
        std::os::unix::fs::symlink(&outside, link.join("color/a.png")).unwrap();
        let msg = err(&link);
        assert!(
            msg.contains("line 1: the colour image \"color/a.png\" is a link to")
                && msg.contains("outside the dataset directory"),
            "{msg}"
        );
        // The same image inside: opens.
        std::fs::remove_file(link.join("color/a.png")).unwrap();
        RgbImage::new(4, 4).save(link.join("color/a.png")).unwrap();
        assert_eq!(Dataset::open(&link, Split::Train).unwrap().len(), 1);
    }

    #[test]
    fn epoch_order_is_a_seeded_permutation() {
        let a = epoch_order(7, 0, 50);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_eq!(a, epoch_order(7, 0, 50));
        assert_ne!(a, epoch_order(7, 1, 50));
        assert_ne!(a, epoch_order(8, 0, 50));
    }
}
