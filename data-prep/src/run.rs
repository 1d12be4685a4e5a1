//! A whole `prep` run over many inputs, as stages the binary calls in order: a [`Plan`] (walk
//! the sources, index the line art, read the previous manifest), [`Plan::process`] for each
//! job, then a [`Tally`] of the outcomes merged with the previous manifest, which is what
//! gets written: `manifest.jsonl` and the full list of skipped inputs, [`SKIPPED_FILE`].

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::dataset::{collect_jobs, index_lines, Job};
use crate::fs::WalkProblem;
use crate::manifest::{self, Entry, Split, MANIFEST_FILE};
use crate::pipeline::{run_job, Outcome, PrepConfig, Skip};

/// The file in the dataset directory listing every input the last run skipped, one
/// `path: reason` line each (the terminal shows only the first few).
pub const SKIPPED_FILE: &str = "skipped.txt";

/// What a run will do: its jobs, the line-art partners (paired mode), what the walk met
/// that is not an input, and the previous run's manifest.
#[derive(Debug)]
pub struct Plan {
    /// One job per colour input, in walk order.
    pub jobs: Vec<Job>,
    /// Symlink loops and unreadable directories met while walking.
    pub problems: Vec<WalkProblem>,
    /// The previous run's pairs by id (empty on a first run).
    pub previous: BTreeMap<String, Entry>,
    /// Paired mode: the line-art directory and its files by relative path without extension.
    lines: Option<(PathBuf, HashMap<String, PathBuf>)>,
}

impl Plan {
    /// Walks `sources` (and `cfg.lines` in paired mode) and reads `cfg.out`'s manifest.
    pub fn new(sources: &[PathBuf], cfg: &PrepConfig) -> Self {
        let (jobs, mut problems) = collect_jobs(sources);
        let lines = cfg.lines.as_ref().map(|dir| {
            let (index, mut p) = index_lines(dir);
            problems.append(&mut p);
            (dir.clone(), index)
        });
        let previous = manifest::read_lenient(&cfg.out.join(MANIFEST_FILE));
        Plan {
            jobs,
            problems,
            previous,
            lines,
        }
    }

    /// One job's pair (or why there is none, a missing line-art partner included).
    pub fn process(&self, job: &Job, cfg: &PrepConfig) -> Outcome {
        let lines = match &self.lines {
            None => None,
            Some((dir, index)) => match index.get(&job.rel_stem) {
                Some(path) => Some(path.as_path()),
                None => {
                    return Outcome::Skipped(Skip {
                        kind: "no line-art partner".into(),
                        message: format!(
                            "{}: no line-art partner {}/{}.*",
                            job.color.display(),
                            dir.display(),
                            job.rel_stem
                        ),
                    })
                }
            },
        };
        run_job(job, lines, cfg, self.previous.get(&job.id))
    }
}

/// The outcome of a run: the manifest to write and what this run did.
#[derive(Debug, Default)]
pub struct Tally {
    /// Every pair of the dataset by id: this run's, plus earlier ones whose files exist.
    pub entries: BTreeMap<String, Entry>,
    /// Pairs made by this run.
    pub written: usize,
    /// Pairs this run found already made with the same source and settings.
    pub up_to_date: usize,
    /// Inputs skipped, walk problems first, then jobs in walk order.
    pub skipped: Vec<Skip>,
    /// Jobs processed (whatever their outcome).
    pub processed: usize,
    /// Jobs not processed because the run was interrupted.
    pub interrupted: usize,
}

impl Tally {
    /// Merges `outcomes` (one per job of `plan`; `None`: not processed) with the previous
    /// manifest. Pairs from earlier runs that this run did not redo stay listed while both
    /// their files exist in `out`.
    pub fn merge(plan: Plan, outcomes: Vec<Option<Outcome>>, out: &Path) -> Self {
        let entries = plan
            .previous
            .into_iter()
            .filter(|(_, e)| e.line_path(out).is_file() && e.color_path(out).is_file())
            .collect();
        let mut tally = Tally {
            entries,
            skipped: plan.problems.into_iter().map(Skip::from).collect(),
            ..Tally::default()
        };
        for outcome in outcomes {
            tally.processed += usize::from(outcome.is_some());
            match outcome {
                None => tally.interrupted += 1,
                Some(Outcome::Written(e)) => {
                    tally.written += 1;
                    tally.entries.insert(e.id.clone(), e);
                }
                Some(Outcome::UpToDate(e)) => {
                    tally.up_to_date += 1;
                    tally.entries.insert(e.id.clone(), e);
                }
                Some(Outcome::Skipped(s)) => tally.skipped.push(s),
            }
        }
        tally
    }

    /// Number of pairs of the dataset in `split`.
    pub fn count(&self, split: Split) -> usize {
        self.entries.values().filter(|e| e.split == split).count()
    }

    /// Skipped inputs per kind, kinds in alphabetical order.
    pub fn skip_counts(&self) -> BTreeMap<&str, usize> {
        let mut counts = BTreeMap::new();
        for s in &self.skipped {
            *counts.entry(s.kind.as_str()).or_default() += 1;
        }
        counts
    }

    /// The content of [`SKIPPED_FILE`]: one `path: reason` line per skipped input.
    pub fn skipped_text(&self) -> String {
        self.skipped
            .iter()
            .map(|s| format!("{}\n", s.message))
            .collect()
    }
}
