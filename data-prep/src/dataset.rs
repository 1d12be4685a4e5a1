//! The dataset side of `prep`: finding inputs (recursive walk, line-art partners), stable ids
//! from relative paths, hash-based splits, and `manifest.jsonl` (read back for incremental
//! re-runs, written atomically).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// File extensions picked up when walking a directory (files named explicitly are always
/// tried, whatever their extension; content decides the format either way).
pub const IMAGE_EXTENSIONS: [&str; 12] = [
    "png", "jpg", "jpeg", "jpe", "webp", "bmp", "gif", "tif", "tiff", "svg", "svgz", "jfif",
];

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

/// Something found while walking that is not an input (symlink loop, unreadable directory).
#[derive(Debug)]
pub struct WalkProblem {
    pub path: PathBuf,
    pub reason: String,
}

fn has_image_extension(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Files under `root` (a directory, walked recursively following symlinks; walkdir detects
/// loops) or `root` itself if it is a file: (path, relative path without extension).
pub fn walk(root: &Path, skip: Option<&Path>) -> (Vec<(PathBuf, String)>, Vec<WalkProblem>) {
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    if root.is_file() {
        let stem = root
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        found.push((root.to_owned(), stem));
        return (found, problems);
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    let mut it = walker.into_iter();
    while let Some(entry) = it.next() {
        match entry {
            Ok(e) if e.file_type().is_dir() => {
                if skip.is_some_and(|s| same_file(e.path(), s)) {
                    it.skip_current_dir();
                }
            }
            Ok(e) if e.file_type().is_file() && has_image_extension(e.path()) => {
                let rel = e
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(e.path())
                    .with_extension("");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((e.path().to_owned(), rel));
            }
            Ok(_) => {}
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_owned)
                    .unwrap_or_else(|| root.to_owned());
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop, not followed".to_string()
                } else {
                    err.to_string()
                };
                problems.push(WalkProblem { path, reason });
            }
        }
    }
    (found, problems)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
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
pub fn collect_jobs(sources: &[PathBuf], skip: Option<&Path>) -> (Vec<Job>, Vec<WalkProblem>) {
    let (mut jobs, mut problems) = (Vec::new(), Vec::new());
    for src in sources {
        let prefix = (sources.len() > 1)
            .then(|| src.file_name().map(|n| n.to_string_lossy().into_owned()))
            .flatten();
        let (found, mut probs) = walk(src, skip);
        problems.append(&mut probs);
        for (path, rel_stem) in found {
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
    let (found, problems) = walk(dir, None);
    let mut map = HashMap::new();
    for (path, rel) in found {
        map.entry(rel).or_insert(path);
    }
    (map, problems)
}

pub use crate::rng::fnv1a;

/// The split of a pair from its split key (a hash): test first, then val, else train.
pub fn split_of(key: u64, val: f64, test: f64) -> &'static str {
    let u = (key % 1_000_000) as f64 / 1_000_000.0;
    if u < test {
        "test"
    } else if u < test + val {
        "val"
    } else {
        "train"
    }
}

/// One line of `manifest.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub id: String,
    pub split: String,
    /// Paths relative to the dataset directory.
    pub line: String,
    pub color: String,
    /// The colour source file, as given (relative to where prep ran, or absolute).
    pub source: String,
    /// The line-art source file (paired mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines_source: Option<String>,
    /// `xdog`, `dilate` or `paired`.
    pub method: String,
    pub size: u32,
    /// Every setting that changes the pixels; a re-run with other settings redoes the pair.
    pub settings: String,
    /// Size and modification time of the source file(s), to notice edited inputs.
    pub source_stamp: String,
    /// Hex hash the split is derived from (the id, or in paired mode the line-art pixels).
    pub split_key: String,
}

/// Reads an existing manifest (missing file: empty; unreadable lines are ignored, so the
/// pairs they described are simply redone).
pub fn read_manifest(path: &Path) -> BTreeMap<String, Entry> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str::<Entry>(l).ok())
        .map(|e| (e.id.clone(), e))
        .collect()
}

/// Writes the manifest atomically, one entry per line, sorted by id.
pub fn write_manifest(path: &Path, entries: &BTreeMap<String, Entry>) -> std::io::Result<()> {
    let mut text = String::new();
    for e in entries.values() {
        text.push_str(&serde_json::to_string(e).expect("plain data serialises"));
        text.push('\n');
    }
    write_atomic(path, text.as_bytes())
}

/// Writes via a temporary file in the same directory and a rename, so readers never see a
/// partial file and a crash leaves at most a stray `.tmp`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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

    #[test]
    fn splits_follow_the_fractions() {
        let n = 20_000;
        let mut counts = HashMap::new();
        for i in 0..n {
            *counts
                .entry(split_of(fnv1a(format!("img{i}").as_bytes()), 0.1, 0.2))
                .or_insert(0) += 1;
        }
        let frac = |s| counts[s] as f64 / n as f64;
        assert!((frac("val") - 0.1).abs() < 0.01, "{counts:?}");
        assert!((frac("test") - 0.2).abs() < 0.01, "{counts:?}");
    }
}
