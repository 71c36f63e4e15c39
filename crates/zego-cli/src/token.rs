//! `zego token`: make a login token (Token04), and read one with `zego token decode`.

use std::io::Read;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{ArgMatches, Args, FromArgMatches, Subcommand};
use serde_json::{Value, json};
use zego_core::{Host, SystemHost, unix_seconds};
use zego_token::{
    Cipher, DEFAULT_VALID_FOR, DecodeError, DecodedToken, GenerateError, Privileges, TokenBuilder,
};

use crate::args::{Credentials, ServerSecretArg};
use crate::exit;
use crate::out::{errln, out, outln};
use crate::runner::{credentials, usage_error};

/// The end of `zego token --help`.
const GENERATE_HELP: &str = "\
Prints the token alone on one line. --ctime, --nonce and --iv make it reproducible (all
three or none): --iv is the GCM nonce, 24 hex characters (12 bytes), or the CBC IV, 32 hex
characters (16 bytes). Without them the clock and the OS random source choose them; never
reuse an IV outside tests.

With --json, one object: {\"token\": \"04...\", \"expire\": 1700003600, \"cipher\": \"gcm\"}

Exit codes:
  0  the token was printed
  1  the OS random source failed
  2  usage or validation error (the error names the field): no token

Credentials come from --app-id/--server-secret or from ZEGO_APP_ID/ZEGO_SERVER_SECRET.
Prefer the environment for the secret: command lines are visible to other processes.
To read a token: zego token decode --help.";

/// The end of `zego token decode --help`.
const DECODE_HELP: &str = "\
Prints the token's fields: the cipher, the AppID, the user ID, the creation and expiry
times, the JSON nonce, the IV, the payload and its privileges, and whether it has expired
(it is valid while now < expire).

With --json, one object:
  {\"cipher\": \"gcm\", \"app_id\": 1234567890, \"user_id\": \"user1\", \"ctime\": 1700000000,
   \"expire\": 1700003600, \"nonce\": 123456789, \"iv\": \"000102030405060708090a0b\",
   \"payload\": \"\", \"privileges\": null or {\"room_id\": \"room1\", \"login\": true,
   \"publish\": false, \"stream_ids\": null or [\"...\"]}, \"payload_error\": null,
   \"now\": 1700000100, \"expired\": false}
and for a token that does not decode: {\"error\": \"...\", \"step\": \"AuthFailed\"}.

Exit codes:
  0  the token decodes and has not expired
  1  the token does not decode or does not authenticate (the error names the step)
  2  usage error (for example, a ServerSecret that is not 32 characters)
  3  the token decodes, but has expired

The secret comes from --server-secret or from ZEGO_SERVER_SECRET.";

/// `zego token`: the flags that make a token, or the `decode` subcommand.
///
/// The generating flags and the subcommand exclude each other: `zego token --user-id U`
/// makes a token, `zego token decode TOKEN` reads one.
#[derive(Debug)]
pub enum TokenArgs {
    /// `zego token [flags]`.
    Generate(GenerateArgs),
    /// `zego token decode`.
    Decode(DecodeArgs),
}

/// The subcommands of `zego token`.
#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Decode a token with the ServerSecret, as ZEGO's server does, and show its fields.
    #[command(after_help = DECODE_HELP)]
    Decode(DecodeArgs),
}

impl FromArgMatches for TokenArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        if matches.subcommand().is_some() {
            let TokenCommand::Decode(args) = TokenCommand::from_arg_matches(matches)?;
            Ok(TokenArgs::Decode(args))
        } else {
            GenerateArgs::from_arg_matches(matches).map(TokenArgs::Generate)
        }
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = TokenArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for TokenArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        TokenCommand::augment_subcommands(GenerateArgs::augment_args(command))
            .args_conflicts_with_subcommands(true)
            .subcommand_negates_reqs(true)
            .after_help(GENERATE_HELP)
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        TokenArgs::augment_args(command)
    }
}

/// `zego token`: what the token says.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The application's credentials.
    #[command(flatten)]
    credentials: Credentials,
    /// The user ID the client logs in with.
    #[arg(long, value_name = "USER")]
    user_id: String,
    /// How long the token is valid, in seconds (at least 1). ZIM wants more than 30 and
    /// at most 2073600 (24 days).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_VALID_FOR,
          allow_negative_numbers = true)]
    valid_for: i64,
    /// The cipher: gcm, or cbc, the older format without integrity protection (only for
    /// clients that still expect it).
    #[arg(long, value_name = "CIPHER", default_value = "gcm",
          ignore_case = true,
          value_parser = PossibleValuesParser::new(["gcm", "cbc"]).try_map(|c| c.parse::<Cipher>()))]
    cipher: Cipher,
    /// Print one JSON object instead of the token alone.
    #[arg(long)]
    json: bool,
    /// What a privilege token allows.
    #[command(flatten)]
    privileges: PrivilegeArgs,
    /// The creation time and the random values, when given.
    #[command(flatten)]
    fixed: FixedInputs,
}

/// The privilege payload: one room, login, publishing, stream IDs.
#[derive(Debug, Args)]
#[command(next_help_heading = "Privilege token")]
struct PrivilegeArgs {
    /// Make a privilege token for this room: it lets the user log in to no other room.
    /// ZEGO enforces privileges only for apps where ZEGO support enabled them.
    #[arg(long, value_name = "ROOM")]
    room: Option<String>,
    /// Allow login to --room (privilege "1").
    #[arg(long, requires = "room")]
    can_login: bool,
    /// Allow publishing in --room (privilege "2").
    #[arg(long, requires = "room")]
    can_publish: bool,
    /// A stream ID the user may publish; repeat for more. None: any stream.
    #[arg(long = "stream", value_name = "ID", requires = "room")]
    streams: Vec<String>,
}

impl PrivilegeArgs {
    /// The privilege document, when `--room` was given.
    fn privileges(self) -> Option<Privileges> {
        let room = self.room?;
        let mut privileges = Privileges::room(room)
            .login(self.can_login)
            .publish(self.can_publish);
        if !self.streams.is_empty() {
            privileges = privileges.streams(self.streams);
        }
        Some(privileges)
    }
}

/// The inputs the clock and the random source choose otherwise.
#[derive(Debug, Args)]
#[command(next_help_heading = "Reproducible tokens (all three or none)")]
struct FixedInputs {
    /// The creation time, Unix seconds (default: the clock).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    ctime: Option<i64>,
    /// The JSON nonce, a 32-bit signed integer (default: random, 0 to 2147483647).
    #[arg(long, value_name = "I32", allow_negative_numbers = true)]
    nonce: Option<i32>,
    /// The GCM nonce (24 hex characters) or the CBC IV (32 hex characters) (default: the
    /// OS random source).
    #[arg(long, value_name = "HEX", value_parser = |s: &str| hex::decode(s).map(Iv))]
    iv: Option<Iv>,
}

/// The bytes of `--iv`.
#[derive(Clone, Debug)]
struct Iv(Vec<u8>);

/// `zego token decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The ServerSecret of the app the token is for.
    #[command(flatten)]
    secret: ServerSecretArg,
    /// The token, or `-` to read it from standard input (which keeps it off the command
    /// line).
    #[arg(value_name = "TOKEN")]
    token: String,
    /// Tell whether the token has expired at this time, Unix seconds (default: the clock).
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    now: Option<i64>,
    /// Print one JSON object instead of one field a line.
    #[arg(long)]
    json: bool,
}

/// Runs `zego token` or `zego token decode`; returns the exit code.
pub fn run(args: TokenArgs) -> u8 {
    let result = match args {
        TokenArgs::Generate(args) => generate(args),
        TokenArgs::Decode(args) => decode(args),
    };
    match result {
        Ok(code) | Err(code) => code,
    }
}

fn generate(args: GenerateArgs) -> Result<u8, u8> {
    let (app_id, secret) = credentials(&args.credentials)?;
    let mut builder = TokenBuilder::new(app_id, args.user_id)
        .valid_for(args.valid_for)
        .cipher(args.cipher);
    if let Some(privileges) = args.privileges.privileges() {
        if !privileges.may_login() {
            errln!(
                "warning: without --can-login, this token does not let the user log in to the room"
            );
        }
        builder = builder.privileges(&privileges);
    }
    let made = match args.fixed {
        FixedInputs {
            ctime: Some(ctime),
            nonce: Some(nonce),
            iv: Some(Iv(iv)),
        } => builder.generate_with(&secret, ctime, nonce, &iv),
        FixedInputs {
            ctime: None,
            nonce: None,
            iv: None,
        } => builder.generate(&secret),
        _ => {
            return Err(usage_error(
                "give all of --ctime, --nonce and --iv, or none",
            ));
        }
    };
    let token = made.map_err(|e| match e {
        GenerateError::RandomUnavailable { .. } => {
            errln!("error: cannot make the token: {e}");
            exit::FAILED
        }
        e => match flags_of(&e) {
            Some(flags) => usage_error(format!("cannot make the token: {e} ({flags})")),
            None => usage_error(format!("cannot make the token: {e}")),
        },
    })?;
    if args.json {
        let value = json!({
            "token": token.as_str(),
            "expire": token.expire(),
            "cipher": token.cipher().as_str(),
        });
        outln!("{value}");
    } else {
        outln!("{}", token.as_str());
    }
    Ok(exit::OK)
}

/// The flags behind a validation error.
fn flags_of(error: &GenerateError) -> Option<&'static str> {
    Some(match error {
        GenerateError::AppIdInvalid => "--app-id or ZEGO_APP_ID",
        GenerateError::UserIdInvalid => "--user-id",
        GenerateError::SecretInvalid { .. } => "--server-secret or ZEGO_SERVER_SECRET",
        GenerateError::EffectiveTimeInvalid { .. } => "--valid-for",
        GenerateError::ExpireOverflow { .. } => "--ctime and --valid-for",
        GenerateError::IvLength { .. } => "--iv",
        GenerateError::TooLong { .. } => "--user-id, --room and --stream",
        _ => return None,
    })
}

fn decode(args: DecodeArgs) -> Result<u8, u8> {
    let secret = args.secret.secret()?;
    let token = if args.token == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| usage_error(format!("cannot read the token from standard input: {e}")))?;
        text.trim().to_owned()
    } else {
        args.token
    };
    let decoded = match zego_token::decode(&secret, &token) {
        Ok(decoded) => decoded,
        Err(e @ DecodeError::SecretInvalid { .. }) => {
            return Err(usage_error(format!(
                "{e} (from --server-secret or ZEGO_SERVER_SECRET)"
            )));
        }
        Err(e) => {
            if args.json {
                outln!("{}", json!({"error": e.to_string(), "step": e.name()}));
            }
            errln!("error: the token does not decode ({}): {e}", e.name());
            return Err(exit::FAILED);
        }
    };
    let now = args
        .now
        .unwrap_or_else(|| unix_seconds(SystemHost.system_time()));
    let report = Report::of(&decoded, now);
    if args.json {
        outln!("{}", report.to_json());
    } else {
        out!("{}", report.to_text());
    }
    Ok(if report.expired {
        exit::EXPIRED
    } else {
        exit::OK
    })
}

/// What `zego token decode` shows of a decoded token.
#[derive(Debug)]
struct Report<'a> {
    token: &'a DecodedToken,
    privileges: Option<Privileges>,
    payload_error: Option<String>,
    now: i64,
    expired: bool,
}

impl<'a> Report<'a> {
    fn of(token: &'a DecodedToken, now: i64) -> Self {
        let (privileges, payload_error) = match token.privileges() {
            Ok(privileges) => (privileges, None),
            Err(e) => (None, Some(e.to_string())),
        };
        Report {
            token,
            privileges,
            payload_error,
            now,
            expired: token.is_expired(now),
        }
    }

    fn to_json(&self) -> Value {
        let t = self.token;
        json!({
            "cipher": t.cipher.as_str(),
            "app_id": t.app_id.get(),
            "user_id": t.user_id,
            "ctime": t.ctime,
            "expire": t.expire,
            "nonce": t.nonce,
            "iv": hex::encode(&t.iv),
            "payload": t.payload,
            "privileges": self.privileges.as_ref().map(|p| json!({
                "room_id": p.room_id(),
                "login": p.may_login(),
                "publish": p.may_publish(),
                "stream_ids": p.stream_ids(),
            })),
            "payload_error": self.payload_error,
            "now": self.now,
            "expired": self.expired,
        })
    }

    fn to_text(&self) -> String {
        let t = self.token;
        let quoted = |s: &str| Value::from(s).to_string();
        let allowed = |yes: bool| if yes { "allowed" } else { "not allowed" };
        let payload = if t.payload.is_empty() {
            "\"\" (a basic token)".to_owned()
        } else {
            quoted(&t.payload)
        };
        let privileges = match (&self.privileges, &self.payload_error) {
            (Some(p), _) => format!(
                "room {}, login {}, publish {}, streams {}",
                quoted(p.room_id()),
                allowed(p.may_login()),
                allowed(p.may_publish()),
                match p.stream_ids() {
                    Some(ids) if !ids.is_empty() => {
                        ids.iter()
                            .map(|id| quoted(id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                    _ => "any".to_owned(),
                }
            ),
            (None, Some(error)) => format!("none: {error}"),
            (None, None) => "none (any room)".to_owned(),
        };
        let expired = if self.expired {
            format!("yes, {} s ago", self.now.saturating_sub(t.expire))
        } else {
            format!("no, valid for {} s more", t.expire.saturating_sub(self.now))
        };
        [
            ("cipher", t.cipher.as_str().to_owned()),
            ("app_id", t.app_id.get().to_string()),
            ("user_id", quoted(&t.user_id)),
            ("ctime", t.ctime.to_string()),
            ("expire", t.expire.to_string()),
            ("nonce", t.nonce.to_string()),
            ("iv", hex::encode(&t.iv)),
            ("payload", payload),
            ("privileges", privileges),
            ("expired", expired),
        ]
        .iter()
        .map(|(name, value)| format!("{name:<11}{value}\n"))
        .collect()
    }
}
