//! `zego callbacks`: the signature of ZEGO's server callbacks, computed and checked, and a
//! receiver that prints what arrives ([`crate::listen`]).

use std::fmt;
use std::net::SocketAddr;

use clap::{Args, Subcommand};
use zego_core::callbacks::{CallbackSecret, sign, verify_signature};

use crate::exit;
use crate::out::{errln, outln};
use crate::runner::usage_error;

/// The end of `zego callbacks sign --help` and `zego callbacks verify --help`.
const SIGNATURE_HELP: &str = "\
The signature is SHA-1 over the callback secret, the timestamp and the nonce, sorted
byte-wise (never numerically) and joined, in lower-case hex. Give the timestamp and the
nonce exactly as the body has them: a JSON number 1499676978 and a string \"1499676978\"
are both the text 1499676978.

Exit codes:
  0  sign: the signature was printed; verify: the signature verifies
  1  verify: the signature does not verify (wrong, or not 40 hex characters)
  2  usage error (for example, an empty --callback-secret)

The secret comes from --callback-secret or from ZEGO_CALLBACK_SECRET (the console's
CallbackSecret, not the ServerSecret). Prefer the environment: command lines are visible
to other processes.";

/// The end of `zego callbacks listen --help`.
const LISTEN_HELP: &str = "\
The first line of output is `listening on http://ADDR`, with the port actually taken
(--listen 127.0.0.1:0 takes any free one). Then each callback whose signature verifies is
answered 200 and printed as one JSON line: the event name and every field of the body,
numbers with their exact text:
  {\"event\": \"room_login\", \"fields\": {\"appid\": \"1\", \"event\": \"room_login\", ...}}
A callback with a wrong or missing signature is answered 401, a body that cannot be read
400, a method other than POST 405; each refusal is a line on stderr.

With `zego-mock --callback-url http://ADDR --callback-secret S`, this shows what an app
server receives from ZEGO.

Exit codes:
  0  stopped by SIGINT (Ctrl-C) or SIGTERM
  1  cannot listen on the address, or cannot watch for the signals
  2  usage error (for example, an empty --callback-secret)

The secret comes from --callback-secret or from ZEGO_CALLBACK_SECRET.";

/// The subcommands of `zego callbacks`.
#[derive(Debug, Subcommand)]
pub enum CallbacksCommand {
    /// Compute the signature ZEGO sends with a callback.
    #[command(after_help = SIGNATURE_HELP)]
    Sign(SignatureInputs),
    /// Check a callback's signature: exit 0 when it verifies, 1 when it does not.
    #[command(after_help = SIGNATURE_HELP)]
    Verify(VerifyArgs),
    /// Receive callbacks over HTTP: verify each one, answer it, print it as a JSON line.
    #[command(after_help = LISTEN_HELP)]
    Listen(ListenArgs),
}

/// The callback secret, from the command line or the environment. Its `Debug` output
/// leaves the secret out.
#[derive(Args)]
pub struct CallbackSecretArg {
    /// The CallbackSecret from the ZEGO console (prefer the environment variable).
    #[arg(
        long,
        env = "ZEGO_CALLBACK_SECRET",
        hide_env_values = true,
        value_name = "S"
    )]
    callback_secret: String,
}

impl CallbackSecretArg {
    /// The secret, checked; a usage error (exit code 2) names what is wrong, never the
    /// secret.
    pub fn secret(&self) -> Result<CallbackSecret, u8> {
        CallbackSecret::new(self.callback_secret.as_str()).map_err(|e| {
            usage_error(format!(
                "{e} (from --callback-secret or ZEGO_CALLBACK_SECRET)"
            ))
        })
    }
}

impl fmt::Debug for CallbackSecretArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSecretArg([redacted])")
    }
}

/// `zego callbacks sign`: what a signature is computed from.
#[derive(Debug, Args)]
pub struct SignatureInputs {
    /// The callback secret.
    #[command(flatten)]
    secret: CallbackSecretArg,
    /// The body's timestamp, as its exact text.
    #[arg(long, value_name = "T", allow_hyphen_values = true)]
    timestamp: String,
    /// The body's nonce, as its exact text.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    nonce: String,
}

/// `zego callbacks verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The secret, the timestamp and the nonce.
    #[command(flatten)]
    inputs: SignatureInputs,
    /// The body's signature (40 hex characters, either case).
    #[arg(long, value_name = "X", allow_hyphen_values = true)]
    signature: String,
}

/// `zego callbacks listen`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    /// The callback secret.
    #[command(flatten)]
    pub secret: CallbackSecretArg,
    /// The address to listen on (port 0: any free port). Register http://ADDR/ (any path)
    /// as the callback URL.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

/// Runs a `zego callbacks` subcommand; returns the exit code.
pub fn run(command: CallbacksCommand) -> u8 {
    let result = match command {
        CallbacksCommand::Sign(inputs) => inputs.secret.secret().map(|secret| {
            outln!("{}", sign(&secret, &inputs.timestamp, &inputs.nonce));
            exit::OK
        }),
        CallbacksCommand::Verify(args) => verify(&args),
        CallbacksCommand::Listen(args) => crate::listen::run(&args),
    };
    match result {
        Ok(code) | Err(code) => code,
    }
}

fn verify(args: &VerifyArgs) -> Result<u8, u8> {
    let inputs = &args.inputs;
    let secret = inputs.secret.secret()?;
    match verify_signature(&[secret], &inputs.timestamp, &inputs.nonce, &args.signature) {
        Ok(_) => {
            outln!("verified");
            Ok(exit::OK)
        }
        Err(e) => {
            errln!("error: the signature does not verify: {e}");
            Err(exit::FAILED)
        }
    }
}
