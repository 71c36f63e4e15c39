//! Standard output and standard error, written without panicking.
//!
//! `println!` panics when standard output is closed (a broken pipe: `zego ... | head -0`),
//! which would end the command with exit code 101 after a message was sent. Everything
//! the command prints goes through [`outln!`] and [`out!`] instead: a failed write is
//! remembered and the command goes on; [`lost`] tells `main`, which says so on standard
//! error and exits with the code of what was done. Standard error is written through
//! [`errln!`] and [`err!`], whose failures are ignored (there is nowhere left to say
//! anything).

use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

/// The first error met writing standard output, if any.
static LOST: OnceLock<String> = OnceLock::new();

/// Writes to standard output and flushes; a failure is remembered, never raised.
pub fn print(args: fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        let _ = LOST.set(error.to_string());
    }
}

/// Writes to standard error; a failure is ignored.
pub fn eprint(args: fmt::Arguments<'_>) {
    let mut stderr = io::stderr().lock();
    let _ = stderr.write_fmt(args).and_then(|()| stderr.flush());
}

/// Why standard output could not be written, if it could not.
pub fn lost() -> Option<&'static str> {
    LOST.get().map(String::as_str)
}

/// `print!` to standard output, through [`print()`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::out::print(format_args!($($arg)*))
    };
}

/// `println!` to standard output, through [`print()`].
macro_rules! outln {
    () => {
        $crate::out::print(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::print(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` to standard error, through [`eprint()`].
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::out::eprint(format_args!($($arg)*))
    };
}

/// `eprintln!` to standard error, through [`eprint()`].
macro_rules! errln {
    () => {
        $crate::out::eprint(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::out::eprint(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {err, errln, out, outln};
