//! The datasets of a run (`DataSource`, `--data DIR[:WEIGHT]`).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// One dataset of a run: a directory made by `prep`, and how often its training pairs are
/// drawn (`--data DIR:WEIGHT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSource {
    /// The dataset directory.
    pub path: PathBuf,
    /// Each training pair of this dataset is drawn `weight` times per epoch on average: 2
    /// repeats every pair twice, 0.5 keeps a seeded half of them each epoch. Validation and
    /// test splits are never weighted.
    #[serde(default = "unit_weight")]
    pub weight: f64,
}

fn unit_weight() -> f64 {
    1.0
}

impl DataSource {
    /// A dataset of weight 1.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DataSource {
            path: path.into(),
            weight: 1.0,
        }
    }

    /// Parses `--data DIR` or `--data DIR:WEIGHT` (a positive number after the last colon;
    /// a directory whose own name ends in `:<number>` can be given as `DIR:1`).
    pub fn parse(arg: &str) -> std::result::Result<Self, String> {
        if let Some((path, w)) = arg.rsplit_once(':') {
            if let Ok(weight) = w.parse::<f64>() {
                if !(weight.is_finite() && weight > 0.0) {
                    return Err(format!(
                        "the weight after `:` must be a positive number, got `{w}`"
                    ));
                }
                if path.is_empty() {
                    return Err("no dataset directory before the `:WEIGHT`".into());
                }
                return Ok(DataSource {
                    path: path.into(),
                    weight,
                });
            }
        }
        if arg.is_empty() {
            return Err("empty dataset path".into());
        }
        Ok(DataSource::new(arg))
    }

    /// A short name for reports: the directory's last component.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.weight == 1.0 {
            write!(f, "{}", self.path.display())
        } else {
            write!(f, "{}:{}", self.path.display(), self.weight)
        }
    }
}

/// `TrainConfig::data` as written by every version: a list of sources, or one path.
pub(super) mod data_sources {
    use super::DataSource;
    use serde::{Deserialize, Deserializer};
    use std::path::PathBuf;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Field {
        One(PathBuf),
        Many(Vec<DataSource>),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DataSource>, D::Error> {
        Ok(match Field::deserialize(d)? {
            Field::One(path) => vec![DataSource::new(path)],
            Field::Many(list) => list,
        })
    }
}
