//! `colorize infer`.

use colorize::cli::InferArgs;

pub fn run(_args: InferArgs) -> anyhow::Result<()> {
    anyhow::bail!("`colorize infer` is not implemented yet")
}
