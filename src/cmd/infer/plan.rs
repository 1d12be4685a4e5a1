//! `infer`'s plan: the inputs (files, directories walked) expanded into jobs, each with
//! its output paths; inputs that cannot or must not be coloured are skipped with a reason.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::cli::InferArgs;

/// Suffix of our outputs' stems (`cat.png` -> `cat_color.png`); directory walks skip them.
pub(super) const OUT_SUFFIX: &str = "_color";
/// Suffix of the suggestion overlays' stems (`cat_color.png` -> `cat_color_suggest.png`).
pub(super) const OVERLAY_SUFFIX: &str = "_suggest";

/// Inputs that were skipped, with the reason.
pub(super) type Skipped = Vec<(PathBuf, String)>;

/// One input and where its colour (and its layers, if asked) go.
#[derive(Debug, Clone)]
pub(super) struct Job {
    pub(super) input: PathBuf,
    pub(super) output: PathBuf,
    pub(super) layers: Option<PathBuf>,
    /// Where the suggestions overlay goes (`--suggest N`).
    pub(super) overlay: Option<PathBuf>,
}

/// The jobs, the inputs skipped already while planning (with the reason), and whether this
/// is single mode: exactly one input file, and `-o` (if any) is not a directory.
pub(super) struct Plan {
    pub(super) jobs: Vec<Job>,
    pub(super) skipped: Skipped,
    pub(super) single: bool,
}

/// Expands the inputs into jobs, skipping those that cannot or must not be coloured.
pub(super) fn plan(args: &InferArgs) -> anyhow::Result<Plan> {
    // `-o DIR/` (trailing slash) names a directory even before it exists.
    let out_is_dir = args.output.as_deref().is_some_and(|o| {
        o.is_dir()
            || o.as_os_str()
                .to_string_lossy()
                .ends_with(std::path::MAIN_SEPARATOR)
    });
    let single = args.inputs.len() == 1 && !args.inputs[0].is_dir() && !out_is_dir;
    let mut failures = Vec::new();
    let mut jobs = Vec::new();
    if single {
        let input = &args.inputs[0];
        let output = args
            .output
            .clone()
            .unwrap_or_else(|| beside(input, input.parent()));
        jobs.push(Job {
            input: input.clone(),
            output,
            layers: None,
            overlay: None,
        });
    } else {
        if args
            .layers
            .as_ref()
            .is_some_and(|p| !p.as_os_str().is_empty())
        {
            bail!("--layers with a file name colours one input: give --layers without a value to write each picture's layers beside it");
        }
        if let Some(dir) = &args.output {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the output directory {}", dir.display()))?;
            // What an earlier run killed mid-write left there.
            data_prep::fs::remove_stale_temporaries(dir)
                .with_context(|| format!("cleaning up {}", dir.display()))?;
        }
        for input in &args.inputs {
            if input.is_dir() {
                for file in walk(input) {
                    let rel_dir = file
                        .parent()
                        .and_then(|p| p.strip_prefix(input).ok())
                        .unwrap_or(Path::new(""));
                    let dir = match &args.output {
                        Some(out) => out.join(rel_dir),
                        None => file.parent().unwrap_or(Path::new("")).to_path_buf(),
                    };
                    let output = beside(&file, Some(&dir));
                    jobs.push(Job {
                        input: file,
                        output,
                        layers: None,
                        overlay: None,
                    });
                }
            } else {
                let dir = args.output.as_deref().or(input.parent());
                let output = beside(input, dir);
                jobs.push(Job {
                    input: input.clone(),
                    output,
                    layers: None,
                    overlay: None,
                });
            }
        }
    }

    // The layers file: the one named, else beside the picture.
    if let Some(named) = &args.layers {
        for job in &mut jobs {
            job.layers = Some(match named.as_os_str().is_empty() {
                true => job.output.with_extension("ora"),
                false => named.clone(),
            });
        }
    }

    // The suggestions overlay: beside the picture.
    if args.suggest.is_some() {
        for job in &mut jobs {
            let stem = job.output.file_stem().unwrap_or_default().to_string_lossy();
            job.overlay = Some(
                job.output
                    .with_file_name(format!("{stem}{OVERLAY_SUFFIX}.png")),
            );
        }
    }

    // Safety checks: inputs exist, never the input itself, no silent overwrite, no two
    // inputs writing the same output.
    let mut seen: std::collections::HashMap<PathBuf, PathBuf> = std::collections::HashMap::new();
    let mut kept = Vec::new();
    for job in jobs {
        let reason = if !job.input.is_file() {
            Some("no such file".to_string())
        } else if data_prep::fs::same_file(&job.input, &job.output) {
            Some(format!(
                "the output {} would overwrite the input",
                job.output.display()
            ))
        } else if let Some(first) = seen.get(&absolute(&job.output)) {
            Some(format!(
                "its output {} is also the output of {}",
                job.output.display(),
                first.display()
            ))
        } else if job.output.exists() && !args.force {
            Some(format!(
                "the output {} exists (use --force to overwrite it)",
                job.output.display()
            ))
        } else if let Some(reason) = job.overlay.as_deref().and_then(|o| {
            let clash = data_prep::fs::same_file(&job.input, o) || o == job.output;
            match (clash, o.exists() && !args.force) {
                (true, _) => Some(format!(
                    "the suggestions overlay {} would overwrite the input or the picture",
                    o.display()
                )),
                (false, true) => Some(format!(
                    "the suggestions overlay {} exists (use --force to overwrite it)",
                    o.display()
                )),
                _ => None,
            }
        }) {
            Some(reason)
        } else if let Some(layers) = &job.layers {
            if data_prep::fs::same_file(&job.input, layers) || *layers == job.output {
                Some(format!(
                    "the layers file {} would overwrite the input or the picture",
                    layers.display()
                ))
            } else if layers.exists() && !args.force {
                Some(format!(
                    "the layers file {} exists (use --force to overwrite it)",
                    layers.display()
                ))
            } else {
                None
            }
        } else {
            None
        };
        match reason {
            Some(r) => failures.push((job.input, r)),
            None => {
                seen.insert(absolute(&job.output), job.input.clone());
                kept.push(job);
            }
        }
    }
    Ok(Plan {
        jobs: kept,
        skipped: failures,
        single,
    })
}

/// `<dir>/<stem>_color.png`.
fn beside(input: &Path, dir: Option<&Path>) -> PathBuf {
    let stem = input.file_stem().unwrap_or_default().to_string_lossy();
    dir.unwrap_or(Path::new(""))
        .join(format!("{stem}{OUT_SUFFIX}.png"))
}

/// Image files under `dir` (`data_prep::fs::walk`: the extensions and symlink handling
/// `prep` uses), sorted, without our own outputs (`*_color.png`). What the walk cannot
/// enter (a symlink loop, an unreadable directory) is logged, not coloured.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let (found, problems) = data_prep::fs::walk(dir);
    for p in problems {
        log::warn!("{}: {}", p.path.display(), p.reason);
    }
    let mut files: Vec<PathBuf> = found
        .into_iter()
        .map(|f| f.path)
        .filter(|p| {
            let stem = p.file_stem().unwrap_or_default().to_string_lossy();
            !stem.ends_with(OUT_SUFFIX) && !stem.ends_with(&format!("{OUT_SUFFIX}{OVERLAY_SUFFIX}"))
        })
        .collect();
    files.sort();
    files
}

fn absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
