//! `zego-mock`: the mock ZEGO server as a program, for tests written in any language.
//!
//! It prints one line, `zego-mock listening on http://<addr>` (`https://` with `--tls`),
//! and serves until SIGINT or SIGTERM. See the library's documentation for what it checks and for the JSON control
//! API under `/_mock/`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use zego_core::AppId;
use zego_mock::{App, CallbackSecret, MockServer};

/// A local server that behaves like the ZEGO real-time server API.
///
/// Prints `zego-mock listening on http://<addr>` (https:// with --tls) on stdout, then
/// `dashboard: http://<addr>/_mock/ui` on stderr, and serves until SIGINT or SIGTERM.
/// Open the dashboard in a browser to see what it did, live. Drive it over HTTP with the
/// JSON control API under /_mock/ (inbox/<user>, inboxes, users, login, streams, rooms,
/// faults, requests, callbacks, budgets, reset, ca.pem), from this machine: its requests
/// need a loopback Host (127.0.0.1, [::1] or localhost) and its POSTs Content-Type:
/// application/json.
#[derive(Parser)]
#[command(name = "zego-mock", version)]
struct Args {
    /// Address to listen on (port 0: any free port, printed on start).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8765")]
    listen: SocketAddr,

    /// The AppId of the app the mock accepts.
    #[arg(long, value_name = "N", env = "ZEGO_APP_ID")]
    app_id: AppId,

    /// The app's ServerSecret, which requests must be signed with.
    #[arg(
        long,
        value_name = "S",
        env = "ZEGO_SERVER_SECRET",
        hide_env_values = true
    )]
    server_secret: String,

    /// The app has only a test environment: requests must carry IsTest=true.
    #[arg(long)]
    test_env: bool,

    /// A user online in a room of the app (repeatable); split at the first ':'.
    #[arg(long = "user", value_name = "ROOM:USER", value_parser = parse_user)]
    users: Vec<(String, String)>,

    /// Never answer 206 (no per-app budget).
    #[arg(long)]
    no_rate_limits: bool,

    /// Serve HTTPS, with a certificate for 127.0.0.1, ::1 and localhost signed by a CA
    /// made at start (in memory only); clients trust the CA from GET /_mock/ca.pem.
    #[arg(long)]
    tls: bool,

    /// Send the vendor's callbacks (room, login, stream events) to this http:// URL.
    #[arg(long, value_name = "URL", requires = "callback_secret")]
    callback_url: Option<String>,

    /// The CallbackSecret the callbacks are signed with (not the ServerSecret).
    #[arg(
        long,
        value_name = "S",
        env = "ZEGO_CALLBACK_SECRET",
        hide_env_values = true
    )]
    callback_secret: Option<String>,

    /// Retry a callback after 1, 2, 4, 8 and 16 times this many milliseconds.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 2000,
        requires = "callback_url"
    )]
    callback_retry_base_ms: u64,
}

fn parse_user(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((room, user)) if !room.is_empty() && !user.is_empty() => {
            Ok((room.to_owned(), user.to_owned()))
        }
        _ => Err(format!(
            "expected ROOM:USER with both parts non-empty, got {value:?}"
        )),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("zego-mock: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> ExitCode {
    // The handlers are installed before the line is printed, so a signal sent as soon as
    // it is read is handled.
    let signals = match Signals::new() {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("zego-mock: cannot handle signals: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut app = App::new(args.app_id, args.server_secret);
    if args.test_env {
        app = app.test_only();
    }
    let mut builder = MockServer::builder()
        .listen(args.listen)
        .app(app)
        .rate_limits(!args.no_rate_limits)
        .callback_retry_base(Duration::from_millis(args.callback_retry_base_ms));
    if args.tls {
        builder = builder.tls();
    }
    if let (Some(url), Some(secret)) = (args.callback_url, args.callback_secret) {
        match CallbackSecret::new(secret) {
            // The error names what is wrong with the secret, never the secret.
            Err(e) => {
                eprintln!("zego-mock: --callback-secret: {e}");
                return ExitCode::FAILURE;
            }
            Ok(secret) => builder = builder.callbacks(url, secret),
        }
    }
    for (room, user) in args.users {
        builder = builder.user(room, user);
    }
    let mock = match builder.start() {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("zego-mock: cannot serve on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    if !args.listen.ip().is_loopback() {
        eprintln!("zego-mock: warning: listening beyond loopback; it is meant for tests");
    }
    let mut stdout = std::io::stdout().lock();
    // A closed stdout does not stop the server.
    let _ = writeln!(stdout, "zego-mock listening on {}", mock.base_url());
    let _ = stdout.flush();
    drop(stdout);
    eprintln!("dashboard: {}", mock.dashboard_url());

    signals.wait().await;
    mock.shutdown();
    ExitCode::SUCCESS
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Signals)
    }

    async fn wait(self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_split_at_the_first_colon() {
        assert_eq!(
            parse_user("room:a:b"),
            Ok(("room".to_owned(), "a:b".to_owned()))
        );
        assert!(parse_user("room").is_err());
        assert!(parse_user(":user").is_err());
        assert!(parse_user("room:").is_err());
    }

    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
