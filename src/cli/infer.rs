//! `colorize infer`: inputs, outputs, hints and the finish.

use std::path::PathBuf;

use clap::Args;
use colorize::device::DeviceChoice;
use colorize::hints::PointHint;
use colorize::regions::RegionOptions;
use colorize::style::Style;

/// `colorize infer`
#[derive(Debug, Args)]
pub struct InferArgs {
    /// Sketches to colour: image files (PNG, JPEG, WebP, BMP, GIF, TIFF, SVG) and/or
    /// directories (walked recursively; files named `*_color.png` are skipped there).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output file (one input file) or directory (several inputs or a directory; created
    /// if needed). Default: `<name>_color.png` beside each input.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Model: a run directory or a model directory. Default: $COLORIZE_MODEL, else
    /// $XDG_DATA_HOME/colorize/models/default (~/.local/share/...), else the project's
    /// models/default; `colorize info` shows which.
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Longer side of the working resolution in pixels (default: the model's training
    /// size). The sketch is scaled to it, padded with white, and the colour scaled back.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u32).range(1..=8192))]
    pub work_size: Option<u32>,
    /// Colour hints for the one INPUT: an RGBA image of the sketch's size; transparent
    /// pixels mean "no hint", the others ask for their colour there (what the web page saves).
    #[arg(long, value_name = "PNG")]
    pub hints: Option<PathBuf>,
    /// A colour hint at pixel X,Y of the one INPUT (0,0 = top left), drawn as a small dot,
    /// e.g. `--hint 120,80,#ff8800`; repeat it for more (drawn over --hints).
    #[arg(long = "hint", value_name = "X,Y,#RRGGBB")]
    pub hint: Vec<PointHint>,
    /// How the picture is finished: `soft` (the network's colour as it is), `flat` (one
    /// colour per closed area of the sketch: a hint fills its whole area like a paint
    /// bucket that respects the lines) or `shaded` (flat colours with the network's
    /// lightness inside each area).
    #[arg(long, value_name = "STYLE", default_value_t = Style::default())]
    pub style: Style,
    /// Also write the layers as OpenRaster (Krita, GIMP and MyPaint open it): lines, flat
    /// colours, shading and the merged picture. Without a value, `<output stem>.ora` beside
    /// each PNG; with one, that file (one input only).
    #[arg(long, value_name = "OUT.ora", num_args = 0..=1, default_missing_value = "")]
    pub layers: Option<PathBuf>,
    /// Gaps in the sketch's lines up to this many pixels are closed when finding its areas
    /// (`flat`, `shaded`), so colour does not escape through them.
    #[arg(long, value_name = "PX", default_value_t = RegionOptions::default().gap)]
    pub gap: u32,
    /// Closed areas smaller than this many pixels are merged into a neighbour (`flat`,
    /// `shaded`).
    #[arg(long, value_name = "PX", default_value_t = RegionOptions::default().min_area)]
    pub min_area: u32,
    /// Also write where to hint next: the picture with the N areas the model is least sure
    /// of marked 1..N (best first), as `<output stem>_suggest.png` beside each output (see
    /// `colorize suggest`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub suggest: Option<u32>,
    /// Write the network's colour alone (resized to the input size), without laying the
    /// original lines over it.
    #[arg(long, conflicts_with_all = ["layers"])]
    pub raw: bool,
    /// Colour the sketch exactly as scanned. By default a scan's paper tone and most of its
    /// noise are taken to white first (a drawing on white paper is left as it is), and the
    /// levelled lines are the ones laid over the colour.
    #[arg(long)]
    pub keep_paper: bool,
    /// Overwrite existing output files.
    #[arg(long)]
    pub force: bool,
    /// pix2pix's "train mode at test time": batch statistics and dropout stay on, so
    /// outputs vary from run to run (default: eval mode, running statistics, no dropout).
    #[arg(long)]
    pub train_mode: bool,
    /// Print per-image timings (decode, network, finish + write) on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Run the plain network (libtorch's transposed convolutions and BatchNorm) instead of
    /// the folded, packed CPU fast path: for benchmarks (bench/infer) and comparisons.
    #[arg(long, hide = true)]
    pub plain_network: bool,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads.
    #[arg(long)]
    pub threads: Option<usize>,
}
