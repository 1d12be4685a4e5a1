//! `colorize train`.

use colorize::cli::TrainArgs;

pub fn run(_args: TrainArgs) -> anyhow::Result<()> {
    anyhow::bail!("`colorize train` is not implemented yet")
}
