//! The `colorize` binary: parse the command line, set up logging, dispatch, and turn an
//! error into a message on stderr and a non-zero exit code (1 for an error, 130 for a
//! training run stopped by Ctrl-C after saving, as a shell reports an interrupted command).

mod cmd;

use std::process::ExitCode;

use clap::Parser;
use colorize::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_target(false)
        .init();
    let done = ExitCode::SUCCESS;
    let result = match cli.command {
        Command::Train(args) => cmd::train::run(args),
        Command::Infer(args) => cmd::infer::run(args).map(|()| done),
        Command::Eval(args) => cmd::eval::run(args).map(|()| done),
        Command::Export(args) => cmd::export::run(args).map(|()| done),
        Command::Info(args) => cmd::info::run(args).map(|()| done),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
