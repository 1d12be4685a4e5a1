//! The `colorize` binary: parse the command line, set up logging, dispatch, and turn the
//! outcome into an exit status shared with `prep` (`data_prep::exit`): 0 done, 1 error
//! (the message on stderr), 2 bad command line, 130 a training run stopped by Ctrl-C after
//! saving. A closed standard output (`colorize ... | head`) ends quietly with 0.

mod cli;
mod cmd;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};
use data_prep::exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are not errors; a closed pipe while printing them is
            // nothing to report either.
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            });
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_target(false)
        .init();
    let done = ExitCode::from(exit::SUCCESS);
    let result = match cli.command {
        Command::Train(args) => cmd::train::run(args),
        Command::Infer(args) => cmd::infer::run(args).map(|()| done),
        Command::Eval(args) => cmd::eval::run(args).map(|()| done),
        Command::Export(args) => cmd::export::run(args).map(|()| done),
        Command::Info(args) => cmd::info::run(args).map(|()| done),
    };
    match result {
        Ok(code) => code,
        // The reader of our output went away (`| head`): not a failure.
        Err(err) if exit::is_broken_pipe(&err) => ExitCode::from(exit::SUCCESS),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit::FAILURE)
        }
    }
}
