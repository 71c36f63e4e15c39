//! Command-line arguments: the top level, the flags every call shares, and `zego sign`.
//! Each call's own flags are in [`crate::calls`]; `zego token` and `zego callbacks` have
//! theirs in [`crate::token`] and [`crate::callbacks`].

use std::fmt;
use std::io::Read;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use zego_core::{AppId, Nonce, Region, ServerSecret};

use crate::callbacks::CallbacksCommand;
use crate::runner::usage_error;
use crate::token::TokenArgs;

/// The end of every call's `--help`: the exit codes, the JSON output and the credentials.
pub const CALL_HELP: &str = "\
Exit codes:
  0  done: every request succeeded and reached every element it names (a Code that is an
     answer, such as describe-rtc-stream-state's 41004 \"no such stream\" or 41006
     \"closed\", is a success: it is printed with its meaning)
  1  API or transport error (the error names the code, its meaning and the RequestId)
  2  usage or validation error: nothing was sent
  3  the call succeeded, but some elements were not reached (users not online)
A standard output that is closed (a broken pipe) or cannot be written changes none of
these: a warning on stderr says the output was lost, and the code still says what was
done (a message that was sent exits 0, not as a failure that a script would send again).

With --json, one object, the same for every call:
  {\"action\": \"KickoutUser\", \"done\": true, \"request_id\": \"1\", \"request_ids\": [\"1\"],
   \"code\": 0, \"calls\": 1, \"attempts\": 1, \"data\": <the call's Data as received,
   merged over its requests (with --all, the elements of every page); null when no request
   succeeded>, \"unreached\": [\"user\"],
   \"failed_requests\": [{\"items\": [\"user\"], \"error\": {\"message\": \"...\", \"code\": 50001,
   \"meaning\": \"...\", \"request_id\": \"2\", \"attempts\": 1, \"may_have_taken_effect\": false}}]}
\"code\" is the Code of the requests that succeeded: 0, or an answer (41004, 41006); null
when none did.

Credentials come from --app-id/--server-secret or from ZEGO_APP_ID/ZEGO_SERVER_SECRET.
Prefer the environment for the secret: command lines are visible to other processes.";

/// The end of `zego --help`: the calls' exit codes, JSON and credentials, and where the
/// other subcommands' exit codes are.
pub fn top_help() -> String {
    format!(
        "{CALL_HELP}\n\n\
         zego token, zego token decode and zego callbacks have exit codes of their own: see\n\
         their --help."
    )
}

/// The `zego` command, without its calls: [`crate::calls::command`] adds them, and the
/// end of the help ([`top_help`]).
#[derive(Debug, Parser)]
#[command(
    name = "zego",
    version,
    about = "Call the ZEGO server API, sign requests, make and read login tokens, sign, verify \
             and receive server callbacks, and run a local demo"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands that are not calls of the API.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compute a request signature (to compare with another implementation).
    #[command(display_order = 100)]
    Sign(SignArgs),
    /// Make a login token (Token04) for a client, or read one with `zego token decode`.
    #[command(display_order = 101)]
    Token(TokenArgs),
    /// Sign, verify or receive ZEGO's server callbacks.
    #[command(display_order = 102)]
    Callbacks {
        /// What to do with callbacks.
        #[command(subcommand)]
        command: CallbacksCommand,
    },
    /// Start a local ZEGO (zego-mock) and call it through the real client; needs no
    /// credentials and no network.
    #[command(display_order = 103)]
    Demo(DemoArgs),
}

/// `zego demo`'s flags.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the mock running after the demo, until interrupted (Ctrl-C), to look at its
    /// dashboard in a browser.
    #[arg(long)]
    pub serve: bool,
}

/// The ServerSecret, from the command line or the environment. Its `Debug` output leaves
/// the secret out.
#[derive(Args)]
pub struct ServerSecretArg {
    /// The ServerSecret from the ZEGO console (prefer the environment variable).
    #[arg(
        long,
        env = "ZEGO_SERVER_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    pub server_secret: String,
}

impl ServerSecretArg {
    /// The secret, checked; a usage error (exit code 2) names what is wrong, never the
    /// secret.
    pub fn secret(&self) -> Result<ServerSecret, u8> {
        ServerSecret::new(self.server_secret.as_str())
            .map_err(|e| usage_error(format!("{e} (from --server-secret or ZEGO_SERVER_SECRET)")))
    }
}

impl fmt::Debug for ServerSecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerSecretArg([redacted])")
    }
}

/// The application's credentials.
#[derive(Debug, Args)]
pub struct Credentials {
    /// The AppId from the ZEGO console.
    #[arg(long, env = "ZEGO_APP_ID", value_name = "N")]
    pub app_id: AppId,
    /// The ServerSecret.
    #[command(flatten)]
    pub secret: ServerSecretArg,
}

/// The flags every call shares: credentials, where to send, and how to report.
#[derive(Debug, Args)]
#[command(next_help_heading = "Connection and output")]
pub struct Connection {
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
    /// Pace through a rate budget kept in Redis and shared by every process that names
    /// it, instead of this process's own: `redis://[:PASSWORD@]HOST:PORT[/DB]`. When Redis
    /// cannot be reached, each call paces in-process and a warning says so.
    #[arg(
        long,
        env = "ZEGO_BUDGET",
        hide_env_values = true,
        value_name = "redis://HOST:PORT[/DB]"
    )]
    pub budget: Option<String>,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Send nothing; print the signed GET URL of the request on one line.
    #[arg(long)]
    pub dry_run: bool,
    /// The SignatureNonce to sign with (with --dry-run), 16 hex characters.
    #[arg(long, value_name = "16 HEX", requires = "dry_run")]
    pub nonce: Option<Nonce>,
    /// The Timestamp to sign with (with --dry-run), Unix seconds.
    #[arg(long, value_name = "SECS", requires = "dry_run")]
    pub timestamp: Option<i64>,
}

impl Connection {
    /// The region, parsed.
    pub fn region(&self) -> Region {
        self.region.parse().unwrap_or_default()
    }
}

/// The content of a message: given on the command line, or read from a file or from
/// standard input.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Message {
    /// The message content (at most 1024 bytes of UTF-8).
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// Read the content from a file, or from standard input with `-` (taken as given,
    /// not trimmed; read no further than the largest content, 1024 bytes, and one byte).
    #[arg(long, value_name = "PATH|-")]
    pub message_file: Option<PathBuf>,
}

impl Message {
    /// The content, or why it cannot be read. A file (or standard input) is read up to
    /// `max_bytes`, the call's largest content, and one byte more: a longer one is
    /// refused without reading the rest, so that `/dev/zero` or an endless pipe ends at
    /// once.
    pub fn read(self, max_bytes: usize) -> Result<String, String> {
        if let Some(message) = self.message {
            return Ok(message);
        }
        let Some(path) = self.message_file else {
            return Err("give --message or --message-file".to_owned());
        };
        let mut bytes = Vec::new();
        let limit = u64::try_from(max_bytes)
            .unwrap_or(u64::MAX)
            .saturating_add(1);
        let read = if path.as_os_str() == "-" {
            std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
        } else {
            std::fs::File::open(&path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
        };
        read.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if bytes.len() > max_bytes {
            return Err(format!(
                "the message in {} is over {max_bytes} bytes, the most a message takes; nothing \
                 was sent",
                path.display()
            ));
        }
        String::from_utf8(bytes).map_err(|e| {
            format!(
                "the message in {} is not UTF-8 text (invalid byte at offset {})",
                path.display(),
                e.utf8_error().valid_up_to()
            )
        })
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
