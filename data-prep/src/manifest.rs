//! The dataset contract between `prep` (which writes it) and `colorize` (which trains and
//! evaluates on it): `DATASET/manifest.jsonl`, one JSON [`Entry`] per pair, its [`Split`],
//! and the one parser behind both readers: lenient for `prep`'s incremental re-runs (a bad
//! line is ignored, so its pair is redone) and strict for training (a bad line is an error
//! naming the manifest and the line).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
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
    /// An entry's image path leaves the dataset directory (absolute, or with `..`).
    #[error(
        "{}: line {line}: the {field} image {value:?} is outside the dataset directory \
         (an absolute path or one through `..`); image paths are relative to the manifest's \
         directory",
        path.display()
    )]
    Outside {
        /// The manifest.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Which image: `line-art` or `colour`.
        field: &'static str,
        /// The path as written.
        value: String,
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

/// Reads a manifest for training: every entry in file order; an unreadable file, any bad
/// line or an image path that leaves the dataset directory is an error.
pub fn read_strict(path: &Path) -> Result<Vec<Entry>, ManifestError> {
    Ok(read_strict_numbered(path)?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// [`read_strict`], each entry with its 1-based line number (for errors found later, such as
/// a symbolic link that leads out of the dataset).
pub fn read_strict_numbered(path: &Path) -> Result<Vec<(usize, Entry)>, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_strict_numbered(path, &text)
}

/// [`read_strict`] of a manifest's text (`path` only names it in errors).
pub fn parse_strict(path: &Path, text: &str) -> Result<Vec<Entry>, ManifestError> {
    Ok(parse_strict_numbered(path, text)?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// [`read_strict_numbered`] of a manifest's text.
pub fn parse_strict_numbered(
    path: &Path,
    text: &str,
) -> Result<Vec<(usize, Entry)>, ManifestError> {
    parse(text)
        .map(|(line, entry)| {
            let entry = entry.map_err(|source| ManifestError::Line {
                path: path.to_owned(),
                line,
                source,
            })?;
            for (field, value) in [("line-art", &entry.line), ("colour", &entry.color)] {
                if !stays_inside(value) {
                    return Err(ManifestError::Outside {
                        path: path.to_owned(),
                        line,
                        field,
                        value: value.clone(),
                    });
                }
            }
            Ok((line, entry))
        })
        .collect()
}

/// Whether a manifest's image path names a file inside the dataset directory by its words
/// alone: relative, not empty, and without `..` (symbolic links are the reader's to check).
pub fn stays_inside(relative: &str) -> bool {
    let path = Path::new(relative);
    path.components().next().is_some()
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
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
    fn image_paths_that_leave_the_dataset_are_refused_naming_the_line() {
        assert!(stays_inside("line/a.png") && stays_inside("./color/b.png"));
        for bad in ["../a.png", "line/../../a.png", "/etc/passwd", ""] {
            assert!(!stays_inside(bad), "{bad:?}");
        }
        let mut bad = entry("b", Split::Train);
        bad.color = "../../secret.png".into();
        let text = format!("\n{}", to_text([&entry("a", Split::Test), &bad]));
        let err = parse_strict(Path::new("m.jsonl"), &text).unwrap_err();
        assert!(
            matches!(&err, ManifestError::Outside { line: 3, field: "colour", value, .. } if value == "../../secret.png"),
            "{err:?}"
        );
        assert!(err
            .to_string()
            .starts_with("m.jsonl: line 3: the colour image \"../../secret.png\" is outside"));
        let numbered = parse_strict_numbered(
            Path::new("m.jsonl"),
            &format!("\n{}", to_text([&entry("a", Split::Test)])),
        )
        .unwrap();
        assert_eq!(numbered[0].0, 2);
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
