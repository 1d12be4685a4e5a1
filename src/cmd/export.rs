//! `colorize export`.

use colorize::cli::ExportArgs;

pub fn run(_args: ExportArgs) -> anyhow::Result<()> {
    anyhow::bail!("`colorize export` is not implemented yet")
}
