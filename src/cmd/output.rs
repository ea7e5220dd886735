//! The binary's one way to write to stdout and stderr. A closed pipe on stdout (`export ... | head -c1`)
//! ends the output quietly, as `cat` does, and leaves the exit code to the command's verdict; any other
//! stdout write error (a full disk, `> /dev/full`) is an error naming stdout (exit 2). Writing to stderr
//! never fails a command: there is nowhere left to report that.

use anyhow::{anyhow, Result};
use std::fmt::Arguments;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout's reader has gone: later output is dropped.
static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Writes `args` and a newline to stdout and flushes (see the module doc for errors).
pub fn out_line(args: Arguments) -> Result<()> {
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(args).and_then(|()| stdout.write_all(b"\n")).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => Err(anyhow!("stdout: cannot write: {e}")),
    }
}

/// Writes `args` and a newline to stderr, ignoring failure.
pub fn err_line(args: Arguments) {
    let _ = writeln!(std::io::stderr().lock(), "{args}");
}

/// `println!` through [`out_line`]: evaluates to a `Result` to propagate with `?`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cmd::output::out_line(format_args!($($arg)*)) };
}

/// `eprintln!` through [`err_line`].
macro_rules! note {
    ($($arg:tt)*) => { $crate::cmd::output::err_line(format_args!($($arg)*)) };
}

pub(crate) use {note, out};
