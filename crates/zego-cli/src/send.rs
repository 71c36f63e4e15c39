//! `zego send-custom-command` and `zego sign`.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use zego_hyper::{
    AppId, Client, Config, Endpoint, FanOut, FanOutReply, Host, Nonce, SendCustomCommand,
    ServerSecret, SystemHost, prepare, sign as sign_request, unix_seconds,
};

use crate::args::{Credentials, SendArgs, SignArgs};
use crate::exit;
use crate::output;

/// Prints a usage or validation error and returns exit code 2.
pub(crate) fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    exit::USAGE
}

fn credentials(c: &Credentials) -> Result<(AppId, ServerSecret), u8> {
    let secret = ServerSecret::new(c.server_secret.as_str())
        .map_err(|e| usage_error(format!("{e} (from --server-secret or ZEGO_SERVER_SECRET)")))?;
    Ok((c.app_id, secret))
}

fn read_content(args: &SendArgs) -> Result<String, u8> {
    if let Some(message) = &args.message {
        return Ok(message.clone());
    }
    let Some(path) = &args.message_file else {
        return Err(usage_error("give --message or --message-file"));
    };
    let mut bytes = Vec::new();
    let read = if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes).map(|_| ()))
    };
    read.map_err(|e| usage_error(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        usage_error(format!(
            "the message in {} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn endpoint(args: &SendArgs) -> Result<Endpoint, u8> {
    match &args.endpoint {
        Some(url) => Endpoint::loopback_http(url).map_err(usage_error),
        None => Ok(Endpoint::region(args.region())),
    }
}

fn command(args: &SendArgs, content: String) -> SendCustomCommand {
    if args.to.is_empty() {
        SendCustomCommand::to_room(&args.room, &args.from, content)
    } else {
        SendCustomCommand::to_users(&args.room, &args.from, &args.to, content)
    }
}

/// Runs `zego send-custom-command`; returns the exit code.
pub fn run(args: SendArgs) -> u8 {
    match try_run(&args) {
        Ok(code) | Err(code) => code,
    }
}

fn try_run(args: &SendArgs) -> Result<u8, u8> {
    let (app_id, secret) = credentials(&args.credentials)?;
    let content = read_content(args)?;
    let endpoint = endpoint(args)?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err(usage_error(format!(
            "--timeout must be more than 0 and at most 3600 seconds, got {}",
            args.timeout
        )));
    }
    let command = command(args, content);

    if args.dry_run {
        let mut config = Config::new(app_id, secret).with_endpoint(endpoint);
        if args.test_env {
            config = config.with_is_test(true);
        }
        return Ok(dry_run(&config, &command, args.nonce, args.timestamp));
    }

    // Validate everything (but the per-call limit of 10 users) before any I/O.
    let fan_out = FanOut::new(command)
        .map_err(|e| usage_error(format!("invalid request, nothing was sent: {e}")))?;

    let mut builder = Client::builder(app_id, secret)
        .endpoint(endpoint)
        .timeout(Duration::from_secs_f64(args.timeout));
    if args.test_env {
        builder = builder.is_test(true);
    }
    let client = builder
        .build()
        .map_err(|e| usage_error(format!("cannot build the client: {e}")))?;
    let runtime = runtime().map_err(|e| {
        eprintln!("error: cannot start the async runtime: {e}");
        exit::FAILED
    })?;
    let reply = runtime.block_on(send_all(&client, fan_out, std::io::stderr().is_terminal()));
    Ok(output::report(&reply, args.json))
}

/// A single-threaded tokio runtime for the command.
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Sends every call of a fan-out through the client (which paces them with its rate
/// budget), with a progress line on stderr when `progress` is set.
pub(crate) async fn send_all(client: &Client, mut fan_out: FanOut, progress: bool) -> FanOutReply {
    let total = fan_out.call_count();
    let progress = progress && total > 1;
    let mut done = 0;
    while let Some(call) = fan_out.next_call() {
        fan_out.record(client.send_custom_command(call).await);
        done += 1;
        if progress {
            eprint!("\r{}", output::progress_bar(done, total));
            let _ = std::io::stderr().flush();
        }
    }
    if progress {
        eprintln!();
    }
    fan_out.finish()
}

fn dry_run(
    config: &Config,
    command: &SendCustomCommand,
    nonce: Option<Nonce>,
    timestamp: Option<i64>,
) -> u8 {
    if command.targets().len() > zego_hyper::MAX_TARGETS {
        return usage_error(format!(
            "--dry-run prints one request, which takes at most {} --to users; got {}",
            zego_hyper::MAX_TARGETS,
            command.targets().len()
        ));
    }
    let (nonce, timestamp) = nonce_and_time(nonce, timestamp);
    match prepare(config, command, &nonce, timestamp) {
        Ok(request) => {
            println!("{}", request.uri());
            exit::OK
        }
        Err(e) => usage_error(format!("invalid request, nothing was sent: {e}")),
    }
}

fn nonce_and_time(nonce: Option<Nonce>, timestamp: Option<i64>) -> (Nonce, i64) {
    let mut host = SystemHost;
    let nonce = nonce.unwrap_or_else(|| {
        let mut bytes = [0u8; 8];
        host.fill_random(&mut bytes);
        Nonce::from_bytes(bytes)
    });
    let timestamp = timestamp.unwrap_or_else(|| unix_seconds(host.system_time()));
    (nonce, timestamp)
}

/// Runs `zego sign`; returns the exit code.
pub fn sign(args: SignArgs) -> u8 {
    let (app_id, secret) = match credentials(&args.credentials) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (nonce, timestamp) = nonce_and_time(args.nonce, args.timestamp);
    let signature = sign_request(app_id, &nonce, &secret, timestamp);
    if args.json {
        let value = serde_json::json!({
            "app_id": app_id.get(),
            "nonce": nonce.as_str(),
            "timestamp": timestamp,
            "signature": signature.as_str(),
        });
        println!("{value}");
    } else {
        println!("{signature}");
    }
    exit::OK
}
