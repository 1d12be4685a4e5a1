//! The `prep` binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

/// Build (line art, colour) training pairs for colorize from a folder of illustrations.
#[derive(Debug, Parser)]
#[command(name = "prep", version)]
struct Cli {
    /// Colour images or directories (walked recursively).
    #[arg(required = true, value_name = "SRC")]
    sources: Vec<PathBuf>,
    /// Output dataset directory.
    #[arg(short, long, value_name = "OUT")]
    out: PathBuf,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    eprintln!(
        "error: prep is not implemented yet ({} sources -> {})",
        cli.sources.len(),
        cli.out.display()
    );
    ExitCode::FAILURE
}
