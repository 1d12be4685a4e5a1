//! The `colorize` binary: parse the command line, set up logging, dispatch, and turn an
//! error into a message on stderr and a non-zero exit code.

mod cmd;

use std::process::ExitCode;

use clap::Parser;
use colorize::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_target(false)
        .init();
    let result = match cli.command {
        Command::Train(args) => cmd::train::run(args),
        Command::Infer(args) => cmd::infer::run(args),
        Command::Eval(args) => cmd::eval::run(args),
        Command::Export(args) => cmd::export::run(args),
        Command::Info(args) => cmd::info::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
