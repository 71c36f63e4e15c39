//! `zego`: send ZEGO custom commands from a shell, compute signatures, and run a local
//! demo against `zego-mock`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod demo;
mod output;
mod send;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// Exit codes, as documented in `zego --help`.
pub(crate) mod exit {
    /// Delivered to everyone targeted.
    pub const OK: u8 = 0;
    /// An API or transport error.
    pub const FAILED: u8 = 1;
    /// A usage or validation error: nothing was sent.
    pub const USAGE: u8 = 2;
    /// The call succeeded, but some users were not reached.
    pub const PARTIAL: u8 = 3;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::SendCustomCommand(args) => send::run(args),
        Command::Sign(args) => send::sign(args),
        Command::Demo => demo::run(),
    };
    ExitCode::from(code)
}
