//! `colorize suggest`: where to hint next.

use std::path::PathBuf;

use clap::Args;
use colorize::device::DeviceChoice;
use colorize::hints::PointHint;
use colorize::regions::RegionOptions;
use colorize::style::Style;
use colorize::suggest::{Method, DEFAULT_SAMPLES};

/// `colorize suggest`
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The sketch (PNG, JPEG, WebP, BMP, GIF, TIFF, SVG).
    #[arg(value_name = "SKETCH")]
    pub sketch: PathBuf,
    /// The hints so far: an RGBA image of the sketch's size (transparent: no hint), as for
    /// `colorize infer --hints`. Areas already hinted are not suggested again.
    #[arg(long, value_name = "PNG")]
    pub hints: Option<PathBuf>,
    /// A hint so far at pixel X,Y, e.g. `--hint 120,80,#ff8800` (repeatable; drawn over
    /// --hints).
    #[arg(long = "hint", value_name = "X,Y,#RRGGBB")]
    pub hint: Vec<PointHint>,
    /// How many areas to suggest, best first.
    #[arg(short = 'n', long, default_value_t = 5, value_name = "N")]
    pub count: usize,
    /// Print `{"suggestions": [{"x", "y", "area", "score"}, ...]}` instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also write the sketch with the suggestions as numbered markers to this PNG.
    #[arg(long, value_name = "PNG")]
    pub overlay: Option<PathBuf>,
    /// How the model's uncertainty per area is measured: `dropout` (disagreement between
    /// dropout samples), `spread` (variation of its colour inside the area), or the
    /// yardsticks `largest` (largest area first) and `random`.
    #[arg(long, value_name = "METHOD", default_value_t = Method::default())]
    pub method: Method,
    /// The style the picture will be finished in (as `infer --style`): in `flat` and
    /// `shaded` the paper around the drawing stays paper unless hinted, so it is suggested
    /// last.
    #[arg(long, value_name = "STYLE", default_value_t = Style::default())]
    pub style: Style,
    /// Measure the model's uncertainty on the sketch as scanned, paper tone and noise
    /// included (as `infer --keep-paper` colours it); by default the paper is levelled to
    /// white first, as `infer` does.
    #[arg(long)]
    pub keep_paper: bool,
    /// Dropout samples (`--method dropout`).
    #[arg(long, value_name = "K", default_value_t = DEFAULT_SAMPLES as u32,
          value_parser = clap::value_parser!(u32).range(2..=64))]
    pub samples: u32,
    /// Seed of the dropout samples and of the random order.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Model: a run directory or a model directory (default: as for `infer`).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Longer side of the working resolution in pixels (default: the model's training
    /// size), as for `infer`.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u32).range(1..=8192))]
    pub work_size: Option<u32>,
    /// Gaps in the sketch's lines up to this many pixels are closed when finding its areas.
    #[arg(long, value_name = "PX", default_value_t = RegionOptions::default().gap)]
    pub gap: u32,
    /// Closed areas smaller than this many pixels are merged into a neighbour.
    #[arg(long, value_name = "PX", default_value_t = RegionOptions::default().min_area)]
    pub min_area: u32,
    /// Overwrite an existing --overlay file.
    #[arg(long)]
    pub force: bool,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads.
    #[arg(long)]
    pub threads: Option<usize>,
}
