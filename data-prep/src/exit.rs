//! Exit statuses shared by both binaries (`prep` and `colorize`), and quiet handling of a
//! closed standard output (`colorize ... | head`), as ripgrep does: stop, print nothing,
//! exit 0.

use std::io;

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
