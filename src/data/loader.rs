//! Shuffled, augmented training batches from background threads, in order whatever the
//! thread count: batch `g` is a pure function of `(seed, g)`.

use std::path::PathBuf;
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use data_prep::manifest::MANIFEST_FILE;
use tch::Tensor;

use super::augment::{prepare, Augment};
use super::{mix_seed, Dataset, SplitMix64};
use crate::config::HintSimConfig;
use crate::hint_sim::simulate;
use crate::hints::hint_channels;
use crate::tensor_image::{gray_to_tensor, rgb_to_tensor};
use crate::{Error, Result};

/// A training batch on the CPU: the generator's input and the target colour.
#[derive(Debug)]
pub struct Batch {
    /// `[B, in_channels, S, S]`: the line art, then (models with hints) the simulated hint
    /// colour and mask (`crate::hints::hint_tensor`).
    pub input: Tensor,
    /// Colour `[B, 3, S, S]`.
    pub color: Tensor,
}

/// Separates the hint simulation's seeds from the other draws of the same sample.
const HINT_SALT: u64 = 0x5EED_4817;
/// Separates the roughening's seeds from the other draws of the same sample.
const ROUGH_SALT: u64 = 0x0_2006_4A11;

/// Builds batch `g` (deterministic in `seed`, `g`).
struct BatchMaker {
    data: Arc<Dataset>,
    aug: Augment,
    batch_size: usize,
    seed: u64,
    hints: Option<HintSimConfig>,
    hint_spread: u32,
    /// `data.epoch_len()`, counted once: every sample position needs it.
    epoch_len: u64,
    epoch: Option<(u64, Vec<usize>)>,
}

impl BatchMaker {
    fn sample_at(&mut self, pos: u64) -> usize {
        let n = self.epoch_len;
        let epoch = pos / n;
        if self.epoch.as_ref().map(|(e, _)| *e) != Some(epoch) {
            self.epoch = Some((epoch, self.data.epoch_samples(self.seed, epoch)));
        }
        self.epoch.as_ref().expect("set above").1[(pos % n) as usize]
    }

    fn make(&mut self, g: u64) -> Result<Batch> {
        let b = self.batch_size as u64;
        let (mut inputs, mut colors) = (Vec::new(), Vec::new());
        for pos in g * b..(g + 1) * b {
            let i = self.sample_at(pos);
            let mut rng = SplitMix64::new(mix_seed(self.seed ^ 0xA5A5_A5A5, pos));
            let (line, color) = self.data.load_pair(i)?;
            let mut aug = self.aug;
            if aug.scale_max > aug.load_size {
                // A side up to the picture's own: larger sides show larger areas in the crop.
                let top = aug.scale_max.min(line.width().max(aug.load_size));
                aug.load_size += rng.below(u64::from(top - aug.load_size) + 1) as u32;
            }
            let margin = u64::from(aug.load_size - aug.size) + 1;
            let crop = (rng.below(margin) as u32, rng.below(margin) as u32);
            let flip = aug.flip && rng.next_u64() & 1 == 1;
            let (line, color) = prepare(&line, &color, &aug, crop, flip);
            // The network sees the rough line art; hints are placed with the clean one.
            let rough = (aug.rough > 0.0 && rng.unit() < aug.rough)
                .then(|| data_prep::rough::roughen(&line, mix_seed(self.seed ^ ROUGH_SALT, pos)).0);
            let seen = rough.as_ref().unwrap_or(&line);
            let l = gray_to_tensor(seen); // [1, S, S]
            inputs.push(match &self.hints {
                Some(h) => {
                    // Hints of the augmented pair, a pure function of (seed, position).
                    let map = simulate(&line, &color, h, mix_seed(self.seed ^ HINT_SALT, pos));
                    let hints = hint_channels(seen, &map, self.hint_spread);
                    Tensor::cat(&[l, hints], 0) // [1 + 4, S, S]
                }
                None => l,
            });
            colors.push(rgb_to_tensor(&color));
        }
        Ok(Batch {
            input: Tensor::stack(&inputs, 0), // [B, in_channels, S, S]
            color: Tensor::stack(&colors, 0), // [B, 3, S, S]
        })
    }
}

/// Decodes batches ahead of the training step on `threads` background threads; batches come
/// out in order `start, start + 1, ...` whatever the thread count.
pub struct Loader {
    receivers: Vec<Receiver<Result<Batch>>>,
    next: u64,
    start: u64,
    workers: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader").field("next", &self.next).finish()
    }
}

/// How a `Loader` samples: batch size, augmentation, hints, seed, threads, read-ahead.
#[derive(Debug, Clone, Copy)]
pub struct LoaderConfig {
    /// Pairs per batch.
    pub batch_size: usize,
    /// Preprocessing of each pair.
    pub aug: Augment,
    /// Seed of the data order, the augmentation draws and the simulated hints.
    pub seed: u64,
    /// Simulate hints (models with hint channels) or give the line art alone (`None`).
    pub hints: Option<HintSimConfig>,
    /// `ModelConfig::hint_spread` of the model trained.
    pub hint_spread: u32,
    /// Decoding threads.
    pub threads: usize,
    /// Batches each thread may have decoded ahead.
    pub prefetch: usize,
}

impl Loader {
    /// Starts the threads at global batch `start` (0 for a new run).
    pub fn new(data: Arc<Dataset>, cfg: LoaderConfig, start: u64) -> Result<Self> {
        if data.is_empty() {
            return Err(Error::Dataset {
                path: data
                    .sources
                    .first()
                    .map_or_else(PathBuf::new, |s| s.path.join(MANIFEST_FILE)),
                reason: "no pairs to train on in this split".into(),
            });
        }
        if cfg.aug.load_size < cfg.aug.size {
            return Err(Error::Config(format!(
                "load size {} is smaller than the crop size {}",
                cfg.aug.load_size, cfg.aug.size
            )));
        }
        let threads = cfg.threads.max(1);
        let mut receivers = Vec::new();
        let mut workers = Vec::new();
        for w in 0..threads as u64 {
            let (tx, rx) = sync_channel(cfg.prefetch.max(1));
            let mut maker = BatchMaker {
                data: Arc::clone(&data),
                aug: cfg.aug,
                batch_size: cfg.batch_size,
                seed: cfg.seed,
                hints: cfg.hints,
                hint_spread: cfg.hint_spread,
                epoch_len: data.epoch_len() as u64,
                epoch: None,
            };
            let handle = std::thread::Builder::new()
                .name(format!("loader-{w}"))
                .spawn(move || {
                    let mut g = start + w;
                    loop {
                        let batch = maker.make(g);
                        let failed = batch.is_err();
                        // A closed channel means the Loader was dropped: stop quietly.
                        if tx.send(batch).is_err() || failed {
                            return;
                        }
                        g += threads as u64;
                    }
                })
                .map_err(|e| Error::io("loader thread", e))?;
            receivers.push(rx);
            workers.push(handle);
        }
        Ok(Loader {
            receivers,
            next: start,
            start,
            workers,
        })
    }

    /// The next batch in order (blocks only if the threads have fallen behind).
    pub fn next_batch(&mut self) -> Result<Batch> {
        let w = ((self.next - self.start) % self.receivers.len() as u64) as usize;
        let batch = self.receivers[w]
            .recv()
            .map_err(|_| Error::Internal("a data loader thread stopped unexpectedly".into()))??;
        self.next += 1;
        Ok(batch)
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Closing the channels makes each thread's next send fail, so it exits.
        self.receivers.clear();
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}
