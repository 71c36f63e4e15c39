//! `zego`: call the ZEGO server API from a shell, compute signatures, make and read login
//! tokens, sign, verify and receive server callbacks, and run a local demo against
//! `zego-mock`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod callbacks;
mod calls;
mod demo;
mod help;
mod listen;
mod out;
mod output;
mod runner;
mod sign;
mod token;

use std::process::ExitCode;

/// Exit codes, as documented in `zego --help`. A standard output that cannot be written
/// (closed, or full) does not change them: see [`out`].
pub(crate) mod exit {
    /// Done: every request succeeded and reached every element it names.
    pub const OK: u8 = 0;
    /// An API or transport error; a token that does not decode; a callback signature that
    /// does not verify.
    pub const FAILED: u8 = 1;
    /// A usage or validation error: nothing was sent.
    pub const USAGE: u8 = 2;
    /// The call succeeded, but some elements (users not online) were not reached.
    pub const PARTIAL: u8 = 3;
    /// `zego token decode`: the token decodes, but has expired.
    pub const EXPIRED: u8 = 3;
}

fn main() -> ExitCode {
    let matches = calls::command().get_matches();
    let code = calls::dispatch(&matches);
    if let Some(error) = out::lost() {
        out::errln!(
            "warning: standard output could not be written ({error}): what was printed there is \
             lost; the exit code, {code}, still says what was done"
        );
    }
    ExitCode::from(code)
}
