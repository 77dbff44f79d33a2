//! The one writer for command output. `println!` and `eprintln!` panic when
//! the reader has gone (`trailhunt allowlist list | head -1`); here a closed
//! stdout is the reader's choice: later output is dropped and the command
//! finishes with the exit status it would have had. Diagnostics on stderr
//! are best effort: if stderr is gone there is nobody left to tell.
//!
//! Use [`outln!`](crate::cli::output::outln) / [`out`] for results and
//! [`errln!`](crate::cli::output::errln) for diagnostics.

use std::fmt;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether the reader of stdout has gone (a write met a closed pipe).
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

/// `Ok` for a closed pipe (remembered, so later writes are skipped); other
/// errors (a full disk behind a redirection) are real and returned.
pub fn quiet(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        r => r,
    }
}

/// Runs `write` on locked stdout and flushes, treating a closed pipe as
/// the end of output.
pub fn with_stdout(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    if stdout_closed() {
        return Ok(());
    }
    let mut lock = io::stdout().lock();
    quiet(write(&mut lock).and_then(|_| lock.flush()))
}

/// Writes formatted text to stdout (see [`with_stdout`]).
pub fn out(args: fmt::Arguments<'_>) -> io::Result<()> {
    with_stdout(|w| w.write_fmt(args))
}

/// Writes formatted text to stderr, ignoring every error.
pub fn err(args: fmt::Arguments<'_>) {
    let mut lock = io::stderr().lock();
    let _ = lock.write_fmt(args).and_then(|_| lock.flush());
}

/// `println!` that ends quietly on a closed pipe; returns `io::Result<()>`.
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::cli::output::out(format_args!("{}\n", format_args!($($t)*)))
    };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($t:tt)*) => {
        $crate::cli::output::err(format_args!("{}\n", format_args!($($t)*)))
    };
}

pub(crate) use {errln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_pipe_is_quiet_and_other_errors_are_not() {
        assert!(quiet(Err(io::Error::from(io::ErrorKind::BrokenPipe))).is_ok());
        assert!(stdout_closed());
        assert!(quiet(Err(io::Error::from(io::ErrorKind::StorageFull))).is_err());
    }
}
