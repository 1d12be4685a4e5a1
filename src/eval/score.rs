//! The scoring loop of an evaluation: batches of pairs decoded in parallel, one network call
//! per batch for every style scored, each output's figures (`ImageMetrics`, mottle and
//! leak over the pair's areas, hint fidelity) and the contact-sheet examples.

use data_prep::manifest::MANIFEST_FILE;
use image::{GrayImage, RgbImage};
use rayon::prelude::*;

use super::{finish_name, gray_as_rgb, EvalOptions, OutputSource, PairAreas, Scored};
use crate::data::Dataset;
use crate::hint_sim::eval_hints;
use crate::hints::{draw_over_line, hint_fidelity, HintMap};
use crate::metrics::{mean_pairwise_l1, ImageMetrics, Planes, DIVERSITY_SEED};
use crate::style::Style;
use crate::{Error, Result};

/// Scores `source` on the pairs of `ds` (already opened on `opts.split`; `opts.limit`
/// applies) with its outputs finished in `opts.style`; `progress(done, total)` after each
/// batch.
pub fn score(
    ds: &Dataset,
    source: &OutputSource,
    opts: &EvalOptions,
    progress: impl FnMut(usize, usize),
) -> Result<Scored> {
    let mut scored = score_styles(ds, source, opts, &[opts.style], progress)?;
    Ok(scored.remove(0))
}

/// [`score`] once per finish of `styles` (`None`: raw; `opts.style` is not used): one
/// network call per batch serves every style, and the line art's areas (for mottle and
/// leak) are found once per pair. One `Scored` per style, in order.
pub fn score_styles(
    ds: &Dataset,
    source: &OutputSource,
    opts: &EvalOptions,
    styles: &[Option<Style>],
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Scored>> {
    let ds = match opts.limit {
        Some(n) => ds.truncated(n),
        None => ds.clone(),
    };
    if ds.is_empty() {
        let where_ = ds
            .sources()
            .iter()
            .map(|s| s.path.join(MANIFEST_FILE).display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Error::Dataset {
            path: where_.into(),
            reason: format!("no pairs in split `{}`", opts.split),
        });
    }
    let total = ds.len();
    let model = matches!(source, OutputSource::Model { .. });
    if model {
        // Dropout (diversity samples, --train-mode) draws from libtorch's global RNG.
        tch::manual_seed(DIVERSITY_SEED);
    }
    let mut out: Vec<Scored> = styles
        .iter()
        .map(|&style| Scored {
            style: model.then(|| finish_name(style)),
            scores: Vec::with_capacity(total),
            ..Scored::default()
        })
        .collect();
    for start in (0..total).step_by(opts.batch_size.max(1)) {
        let end = (start + opts.batch_size.max(1)).min(total);
        let pairs: Vec<(GrayImage, RgbImage, Option<HintMap>, PairAreas)> = (start..end)
            .into_par_iter()
            .map(|i| {
                let (line, target) = ds.load_pair(i)?;
                let map = (opts.hints > 0).then(|| eval_hints(&line, &target, opts.hints, i));
                let areas = PairAreas::of(&line);
                Ok((line, target, map, areas))
            })
            .collect::<Result<_>>()?;
        let mut lines = Vec::with_capacity(pairs.len());
        let mut targets = Vec::with_capacity(pairs.len());
        let mut maps = Vec::with_capacity(pairs.len());
        let mut areas = Vec::with_capacity(pairs.len());
        for (l, t, m, a) in pairs {
            lines.push(l);
            targets.push(t);
            maps.push(m);
            areas.push(a);
        }
        let finished = source.finished(&lines, &maps, styles)?;
        if let Some(k) = opts.diversity {
            // Of the network's noise, whatever the finish: measured once, shared.
            let d = sample_diversity(source, &lines, &maps, k)?;
            out.iter_mut().for_each(|o| o.diversity.extend(&d));
        }
        for (scored, outputs) in out.iter_mut().zip(finished) {
            scored.add_batch(start, &ds, opts, (&lines, &targets, &maps, &areas), outputs)?;
        }
        progress(end, total);
    }
    Ok(out)
}

/// One batch's line art, targets, hints and areas, as `Scored::add_batch` takes them.
type Batch<'a> = (
    &'a [GrayImage],
    &'a [RgbImage],
    &'a [Option<HintMap>],
    &'a [PairAreas],
);

impl Scored {
    /// Scores one batch's `outputs` (pairs `start..`) and keeps the contact-sheet examples.
    fn add_batch(
        &mut self,
        start: usize,
        ds: &Dataset,
        opts: &EvalOptions,
        (lines, targets, maps, areas): Batch,
        outputs: Vec<RgbImage>,
    ) -> Result<()> {
        let batch: Vec<_> = outputs
            .par_iter()
            .zip(targets)
            .zip(areas)
            .map(|((o, target), a)| Ok((ImageMetrics::from_rgb(o, target)?, a.figures(o, target))))
            .collect::<Result<_>>()?;
        for (m, f) in batch {
            self.scores.push(m);
            self.areas.add(f);
        }
        let rows = lines.iter().zip(targets).zip(maps).zip(outputs);
        for (i, (((line, target), map), o)) in (start..).zip(rows) {
            if let Some(map) = map {
                if let Some(f) = hint_fidelity(&o, map) {
                    self.fidelity.0 += f * map.hinted_count() as f64;
                    self.fidelity.1 += map.hinted_count();
                }
            }
            if i < opts.sheet_count {
                let shown = match map {
                    Some(map) => draw_over_line(line, map),
                    None => gray_as_rgb(line),
                };
                self.examples.push((shown, o, target.clone()));
                if let Some(map) = map {
                    self.example_hints.push((ds.id(i), map.clone()));
                }
            }
        }
        Ok(())
    }
}

/// The diversity of each sketch of a batch: mean pairwise L1 between `k` samples.
fn sample_diversity(
    source: &OutputSource,
    lines: &[GrayImage],
    maps: &[Option<HintMap>],
    k: usize,
) -> Result<Vec<f64>> {
    let samples = (0..k.max(2))
        .map(|_| source.outputs(lines, maps, true)?.planes())
        .collect::<Result<Vec<_>>>()?;
    (0..lines.len())
        .into_par_iter()
        .map(|i| {
            let of_i: Vec<Planes> = samples.iter().map(|s| s[i].clone()).collect();
            mean_pairwise_l1(&of_i)
        })
        .collect()
}
