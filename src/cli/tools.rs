//! The small commands: `colorize export`, `colorize info` and `colorize regions`.

use std::path::PathBuf;

use clap::Args;

/// `colorize export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Training run directory to export from.
    #[arg(value_name = "RUN")]
    pub run: PathBuf,
    /// New model directory (e.g. models/NAME).
    #[arg(value_name = "DIR")]
    pub dest: PathBuf,
    /// Replace the files of an existing model directory.
    #[arg(long)]
    pub force: bool,
    /// Store the weights in float16 (half the file; loading converts them back to float32).
    #[arg(long)]
    pub half: bool,
    /// The hardware and time the training took, for the model card (e.g. "1x H200, 9 min").
    #[arg(long, value_name = "TEXT")]
    pub trained_on: Option<String>,
    /// A Markdown file appended to the model card (figures measured by other tools, such as
    /// the Hint-AUC, or what was seen on a contact sheet).
    #[arg(long, value_name = "MD")]
    pub notes: Option<PathBuf>,
}

/// `colorize info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `colorize regions`
#[derive(Debug, Args)]
pub struct RegionsArgs {
    /// The sketch (PNG, JPEG, WebP, SVG, ...): dark lines on light paper.
    #[arg(value_name = "SKETCH")]
    pub sketch: PathBuf,
    /// Where to write the false-colour PNG.
    #[arg(short, long, value_name = "PNG")]
    pub output: PathBuf,
    /// Close gaps in lines up to this many pixels, so colour cannot escape through them
    /// (0: none) [default: 2].
    #[arg(long, value_name = "N")]
    pub gap: Option<u32>,
    /// Merge paper areas smaller than this many pixels into the neighbour they share the
    /// longest border with [default: 16].
    #[arg(long, value_name = "N")]
    pub min_area: Option<u32>,
    /// Grey level below which a pixel is ink [default: adapts to the sketch].
    #[arg(long, value_name = "0-255")]
    pub threshold: Option<u8>,
    /// Also print the areas as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}
