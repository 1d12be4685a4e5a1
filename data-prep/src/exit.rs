//! Exit statuses shared by both binaries (`prep` and `colorize`), and quiet handling of a
//! closed standard output (`colorize ... | head`), as ripgrep does: stop, print nothing,
//! exit 0.

use std::io;
use std::process::ExitCode;

/// Everything asked for was done.
pub const SUCCESS: u8 = 0;
/// An error (the message on stderr names the file and the reason), or nothing could be done.
pub const FAILURE: u8 = 1;
/// The command line could not be parsed (clap's own status for usage errors).
pub const USAGE: u8 = 2;
/// Stopped by Ctrl-C after keeping what was finished (a shell's status for SIGINT).
pub const INTERRUPTED: u8 = 130;

/// The exit statuses as `--help` shows them (`after_help` of both binaries).
pub const EXIT_STATUS_HELP: &str = "Exit status: 0 done; 1 error (the message names the file \
and the reason); 2 bad command line; 130 stopped by Ctrl-C after saving what was finished.";

/// Process set-up both binaries do first: a file-size limit (`ulimit -f`) must make a
/// write fail with "File too large" (EFBIG), which is reported with the file's name and
/// leaves the previous file intact, instead of SIGXFSZ killing the process silently in the
/// middle of a write.
pub fn setup() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN runs no code in the handler and
    // is done before any other thread exists.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Parses the command line of a binary: the arguments, or the exit status to leave with
/// once clap has printed its help, version or usage error (0 for --help and --version, 2
/// for a bad command line; a closed pipe while printing is nothing to report).
pub fn parse_args<C: clap::Parser>() -> Result<C, ExitCode> {
    C::try_parse().map_err(|err| {
        let _ = err.print();
        ExitCode::from(if err.use_stderr() { USAGE } else { SUCCESS })
    })
}

/// The exit status of a command that failed with `err`: 0 when stdout's reader went away
/// (`| head`), else the message (`error: ...` with its causes) on stderr and 1.
pub fn failure(err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::from(SUCCESS);
    }
    eprintln!("error: {err:#}");
    ExitCode::from(FAILURE)
}

/// Whether an error chain ends in a closed pipe on stdout: the reader went away (`| head`),
/// which is not a failure of ours.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `println!` that returns an `io::Result` instead of panicking when stdout is closed.
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_found_anywhere_in_the_chain() {
        let e = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing");
        assert!(is_broken_pipe(&e));
        let e = anyhow::Error::new(io::Error::from(io::ErrorKind::NotFound)).context("reading");
        assert!(!is_broken_pipe(&e));
    }
}
