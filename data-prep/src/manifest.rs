//! The dataset contract between `prep` (which writes it) and `colorize` (which trains and
//! evaluates on it): `DATASET/manifest.jsonl`, one JSON [`Entry`] per pair, its [`Split`],
//! and the one parser behind both readers: lenient for `prep`'s incremental re-runs (a bad
//! line is ignored, so its pair is redone) and strict for training (a bad line is an error
//! naming the manifest and the line).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The manifest's file name inside a dataset directory.
pub const MANIFEST_FILE: &str = "manifest.jsonl";

/// The part of a dataset a pair belongs to. Written in lowercase (`"train"`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// Pairs the model learns from.
    Train,
    /// Pairs watched during training (validation figures and sample grids).
    Val,
    /// Held-out pairs for the final figures (`colorize eval`).
    Test,
}

impl Split {
    /// Every split, in the order summaries list them.
    pub const ALL: [Split; 3] = [Split::Train, Split::Val, Split::Test];

    /// The lowercase name used in manifests and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Val => "val",
            Split::Test => "test",
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Split {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Split::ALL
            .into_iter()
            .find(|split| split.as_str() == s)
            .ok_or_else(|| format!("unknown split `{s}` (expected train, val or test)"))
    }
}

/// The split of a pair from its split key (a hash): test first, then val, else train, so
/// the split is a pure function of the key and re-running prep never moves a pair.
pub fn split_of(key: u64, val: f64, test: f64) -> Split {
    let u = (key % 1_000_000) as f64 / 1_000_000.0;
    if u < test {
        Split::Test
    } else if u < test + val {
        Split::Val
    } else {
        Split::Train
    }
}

/// One line of `manifest.jsonl`: one (line art, colour) pair.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    /// The pair's id: file names `line/<id>.png`, `color/<id>.png`.
    pub id: String,
    /// The split the pair belongs to.
    pub split: Split,
    /// The line-art image, relative to the dataset directory.
    pub line: String,
    /// The colour image, relative to the dataset directory.
    pub color: String,
    /// The colour source file, as given (relative to where prep ran, or absolute).
    pub source: String,
    /// The line-art source file (paired mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines_source: Option<String>,
    /// `xdog`, `dilate` or `paired`.
    pub method: String,
    /// Side of the square images, in pixels.
    pub size: u32,
    /// Every setting that changes the pixels; a re-run with other settings redoes the pair.
    pub settings: String,
    /// Size and modification time of the source file(s), to notice edited inputs.
    pub source_stamp: String,
    /// Hex hash the split is derived from (the id, or in paired mode the line-art pixels).
    pub split_key: String,
}

impl Entry {
    /// The line-art image's path for a dataset at `root`.
    pub fn line_path(&self, root: &Path) -> PathBuf {
        root.join(&self.line)
    }

    /// The colour image's path for a dataset at `root`.
    pub fn color_path(&self, root: &Path) -> PathBuf {
        root.join(&self.color)
    }
}

/// Why a manifest could not be read (strict reading, [`read_strict`]).
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read at all.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The manifest.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A line is not a valid entry.
    #[error("{}: line {line}: {source}", path.display())]
    Line {
        /// The manifest.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong with it.
        #[source]
        source: serde_json::Error,
    },
}

/// The one parser: each non-blank line of a manifest with its 1-based number, parsed.
fn parse(text: &str) -> impl Iterator<Item = (usize, serde_json::Result<Entry>)> + '_ {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| (n + 1, serde_json::from_str(l)))
}

/// Reads a manifest for training: every entry in file order; an unreadable file or any bad
/// line is an error.
pub fn read_strict(path: &Path) -> Result<Vec<Entry>, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_strict(path, &text)
}

/// [`read_strict`] of a manifest's text (`path` only names it in errors).
pub fn parse_strict(path: &Path, text: &str) -> Result<Vec<Entry>, ManifestError> {
    parse(text)
        .map(|(line, entry)| {
            entry.map_err(|source| ManifestError::Line {
                path: path.to_owned(),
                line,
                source,
            })
        })
        .collect()
}

/// Reads an existing manifest for an incremental re-run, by id: a missing file is empty and
/// bad lines are ignored, so the pairs they described are simply redone.
pub fn read_lenient(path: &Path) -> BTreeMap<String, Entry> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    parse_lenient(&text)
}

/// [`read_lenient`] of a manifest's text.
pub fn parse_lenient(text: &str) -> BTreeMap<String, Entry> {
    parse(text)
        .filter_map(|(_, entry)| entry.ok())
        .map(|e| (e.id.clone(), e))
        .collect()
}

/// The manifest's text: one entry per line, in the order given.
pub fn to_text<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> String {
    let mut text = String::new();
    for e in entries {
        text.push_str(&serde_json::to_string(e).expect("plain data serialises"));
        text.push('\n');
    }
    text
}

/// Writes a manifest atomically ([`crate::fs::write_atomic`]), one entry per line in the
/// order given (`prep` gives them sorted by id).
pub fn write<'a>(path: &Path, entries: impl IntoIterator<Item = &'a Entry>) -> std::io::Result<()> {
    crate::fs::write_atomic(path, to_text(entries).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::fnv1a;
    use std::collections::HashMap;

    fn entry(id: &str, split: Split) -> Entry {
        Entry {
            id: id.into(),
            split,
            line: format!("line/{id}.png"),
            color: format!("color/{id}.png"),
            source: format!("src/{id}.png"),
            lines_source: None,
            method: "xdog".into(),
            size: 128,
            settings: "s".into(),
            source_stamp: "1:2".into(),
            split_key: "00".into(),
        }
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
        let frac = |s| counts[&s] as f64 / n as f64;
        assert!((frac(Split::Val) - 0.1).abs() < 0.01, "{counts:?}");
        assert!((frac(Split::Test) - 0.2).abs() < 0.01, "{counts:?}");
    }

    #[test]
    fn split_names_are_lowercase_everywhere() {
        for s in Split::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(s.to_string().parse::<Split>(), Ok(s));
            let clap_name = clap::ValueEnum::to_possible_value(&s).unwrap();
            assert_eq!(clap_name.get_name(), s.as_str());
        }
        assert!("Train".parse::<Split>().is_err());
    }

    #[test]
    fn entries_round_trip_and_keep_their_field_order() {
        let e = entry("a", Split::Val);
        let text = to_text([&e]);
        assert!(
            text.starts_with(r#"{"id":"a","split":"val","line":"line/a.png","#),
            "{text}"
        );
        assert!(!text.contains("lines_source"), "absent in extract mode");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        write(&path, [&e, &entry("b", Split::Train)]).unwrap();
        assert_eq!(
            read_strict(&path).unwrap(),
            [e.clone(), entry("b", Split::Train)]
        );
        assert_eq!(read_lenient(&path).len(), 2);
    }

    #[test]
    fn strict_reading_names_the_bad_line_and_lenient_reading_skips_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(MANIFEST_FILE);
        let good = to_text([&entry("a", Split::Train)]);
        std::fs::write(&path, format!("{good}\n{{\"id\": \"b\"}}\n")).unwrap();
        let err = read_strict(&path).unwrap_err();
        assert!(matches!(err, ManifestError::Line { line: 3, .. }), "{err}");
        assert!(
            err.to_string()
                .contains("manifest.jsonl: line 3: missing field"),
            "{err}"
        );
        assert_eq!(read_lenient(&path).keys().collect::<Vec<_>>(), ["a"]);
        let missing = dir.path().join("none.jsonl");
        assert!(matches!(
            read_strict(&missing),
            Err(ManifestError::Read { .. })
        ));
        assert!(read_lenient(&missing).is_empty());
    }
}
