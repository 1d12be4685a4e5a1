//! The inputs of `prep`: jobs from the source trees (via [`crate::fs::walk`]), stable ids
//! from relative paths, line-art partners by relative path, and the stamp that notices an
//! edited source. The manifest itself is [`crate::manifest`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::fs::{walk, Found, WalkProblem};
use crate::rng::fnv1a;

/// One input to process.
#[derive(Clone, Debug)]
pub struct Job {
    /// Dataset id: file names `line/<id>.png`, `color/<id>.png`.
    pub id: String,
    /// The colour image.
    pub color: PathBuf,
    /// Path relative to its source root, without extension (key for `--lines` matching).
    pub rel_stem: String,
}

/// Id from a relative path: components joined with `__`, characters other than letters,
/// digits, `-`, `_`, `.` replaced with `_`. So `a/cat.png` and `b/cat.png` differ.
pub fn id_from_rel(rel_stem: &str) -> String {
    let id: String = rel_stem
        .split('/')
        .map(|part| {
            part.chars()
                .map(|c| {
                    if c.is_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("__");
    if id.is_empty() || id.starts_with('.') {
        format!("_{id}")
    } else {
        id
    }
}

/// Builds jobs for all sources; with several sources, ids start with the source's name.
/// Remaining collisions (e.g. `cat.png` and `cat.jpg`) get a suffix from the full path.
pub fn collect_jobs(sources: &[PathBuf]) -> (Vec<Job>, Vec<WalkProblem>) {
    let (mut jobs, mut problems) = (Vec::new(), Vec::new());
    for src in sources {
        let prefix = (sources.len() > 1)
            .then(|| src.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten();
        let (found, mut probs) = walk(src);
        problems.append(&mut probs);
        for Found { path, rel_stem } in found {
            let key = match &prefix {
                Some(p) => format!("{p}/{rel_stem}"),
                None => rel_stem.clone(),
            };
            jobs.push(Job {
                id: id_from_rel(&key),
                color: path,
                rel_stem,
            });
        }
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for job in &mut jobs {
        let n = seen.entry(job.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let h = fnv1a(job.color.to_string_lossy().as_bytes());
            job.id = format!("{}-{:08x}", job.id, h as u32);
        }
    }
    (jobs, problems)
}

/// Index of the line-art directory: relative path without extension -> file.
pub fn index_lines(dir: &Path) -> (HashMap<String, PathBuf>, Vec<WalkProblem>) {
    let (found, problems) = walk(dir);
    let mut map = HashMap::new();
    for Found { path, rel_stem } in found {
        map.entry(rel_stem).or_insert(path);
    }
    (map, problems)
}

/// "len:mtime_ns" of a file, or "?" if unavailable.
pub fn stamp(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) => {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("{}:{}", m.len(), t.map(|d| d.as_nanos()).unwrap_or(0))
        }
        Err(_) => "?".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_folders_apart_and_are_file_name_safe() {
        assert_eq!(id_from_rel("a/cat"), "a__cat");
        assert_ne!(id_from_rel("a/cat"), id_from_rel("b/cat"));
        assert_eq!(id_from_rel("my pics/x:y"), "my_pics__x_y");
        assert_eq!(id_from_rel(".hidden"), "_.hidden");
    }
}
