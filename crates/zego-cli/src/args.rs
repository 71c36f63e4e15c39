//! Command-line arguments.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};
use zego_hyper::{AppId, Nonce, Region};

const EXIT_CODES: &str = "\
Exit codes:
  0  delivered to everyone targeted
  1  API or transport error (the error names the code, its meaning and the RequestId)
  2  usage or validation error: nothing was sent
  3  the call succeeded, but some users were not reached (not online)

Credentials come from --app-id/--server-secret or from ZEGO_APP_ID/ZEGO_SERVER_SECRET.
Prefer the environment for the secret: command lines are visible to other processes.";

/// The `zego` command.
#[derive(Debug, Parser)]
#[command(
    name = "zego",
    version,
    about = "Send ZEGO custom commands, sign requests, and run a local demo",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::enum_variant_names,
    reason = "the subcommand is named after the API call"
)]
pub enum Command {
    /// Push a custom message to users of a room (SendCustomCommand).
    #[command(after_help = EXIT_CODES)]
    SendCustomCommand(SendArgs),
    /// Compute a request signature (to compare with another implementation).
    Sign(SignArgs),
    /// Start a local ZEGO (zego-mock) and send to it through the real client; needs no
    /// credentials and no network.
    Demo,
}

/// The application's credentials.
#[derive(Debug, Args)]
pub struct Credentials {
    /// The AppId from the ZEGO console.
    #[arg(long, env = "ZEGO_APP_ID", value_name = "N")]
    pub app_id: AppId,
    /// The ServerSecret from the ZEGO console (prefer the environment variable).
    #[arg(
        long,
        env = "ZEGO_SERVER_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    pub server_secret: String,
}

/// `zego send-custom-command`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("content").required(true).args(["message", "message_file"])))]
pub struct SendArgs {
    /// The room.
    #[arg(long, value_name = "ROOM")]
    pub room: String,
    /// The sender's user ID. The user with this ID does not receive the message.
    #[arg(long, value_name = "USER")]
    pub from: String,
    /// A target user; repeat for more. None: everyone in the room. More than 10: sent as
    /// several calls, paced by the rate budget.
    #[arg(long = "to", value_name = "USER")]
    pub to: Vec<String>,
    /// The message content (at most 1024 bytes of UTF-8).
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// Read the content from a file, or from standard input with `-` (taken as given,
    /// not trimmed).
    #[arg(long, value_name = "PATH|-")]
    pub message_file: Option<PathBuf>,
    /// The application's credentials.
    #[command(flatten)]
    pub credentials: Credentials,
    /// The ZEGO region to send to.
    #[arg(long, value_name = "REGION", default_value = "unified",
          value_parser = ["unified", "sha", "hkg", "fra", "lax", "bom", "sgp"])]
    pub region: String,
    /// A base URL instead of a region: https, or plain http for a loopback host (a local
    /// zego-mock).
    #[arg(long, value_name = "URL", conflicts_with = "region")]
    pub endpoint: Option<String>,
    /// Send IsTest=true: for apps created on or before 2021-11-16 that use the test
    /// environment (lower rate limits apply).
    #[arg(long)]
    pub test_env: bool,
    /// The timeout of each attempt, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub timeout: f64,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Send nothing; print the signed GET URL on one line.
    #[arg(long)]
    pub dry_run: bool,
    /// The SignatureNonce to sign with (with --dry-run), 16 hex characters.
    #[arg(long, value_name = "16 HEX", requires = "dry_run")]
    pub nonce: Option<Nonce>,
    /// The Timestamp to sign with (with --dry-run), Unix seconds.
    #[arg(long, value_name = "SECS", requires = "dry_run")]
    pub timestamp: Option<i64>,
}

impl SendArgs {
    /// The region, parsed.
    pub fn region(&self) -> Region {
        self.region.parse().unwrap_or_default()
    }
}

/// `zego sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The application's credentials.
    #[command(flatten)]
    pub credentials: Credentials,
    /// The SignatureNonce, 16 hex characters (default: 8 random bytes).
    #[arg(long, value_name = "16 HEX")]
    pub nonce: Option<Nonce>,
    /// The Timestamp, Unix seconds (default: now).
    #[arg(long, value_name = "SECS")]
    pub timestamp: Option<i64>,
    /// Print `{"app_id": N, "nonce": "...", "timestamp": N, "signature": "..."}`.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        super::Cli::command().debug_assert();
    }
}
