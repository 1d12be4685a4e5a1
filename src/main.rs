//! The `colorize` binary: parse the command line, set up logging, dispatch, and turn the
//! outcome into an exit status shared with `prep` (`data_prep::exit`): 0 done, 1 error
//! (the message on stderr), 2 bad command line, 130 a training run stopped by Ctrl-C after
//! saving. A closed standard output (`colorize ... | head`) ends quietly with 0.

mod cli;
mod cmd;

use std::process::ExitCode;

use cli::{Cli, Command};
use data_prep::exit;

fn main() -> ExitCode {
    // Before libtorch allocates: freed tensors' pages stay for the next ones.
    colorize::memory::keep_freed_memory();
    exit::setup();
    let cli: Cli = match exit::parse_args() {
        Ok(cli) => cli,
        Err(status) => return status,
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
        Command::Serve(args) => cmd::serve::run(args).map(|()| done),
        Command::Regions(args) => cmd::regions::run(args).map(|()| done),
        Command::Suggest(args) => cmd::suggest::run(args).map(|()| done),
    };
    result.unwrap_or_else(|err| exit::failure(&err))
}
