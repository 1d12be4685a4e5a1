//! `colorize eval`.

use colorize::cli::EvalArgs;

pub fn run(_args: EvalArgs) -> anyhow::Result<()> {
    anyhow::bail!("`colorize eval` is not implemented yet")
}
