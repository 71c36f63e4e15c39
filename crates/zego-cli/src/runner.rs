//! The one runner of every call: its flags become the core's type, which is checked, then
//! printed as a signed URL (`--dry-run`) or sent — as one request or as a fan-out — and
//! reported by the shared output code.

use std::future::Future;
use std::io::IsTerminal;
use std::marker::PhantomData;
use std::time::Duration;

use clap::{ArgMatches, Args, FromArgMatches};
use serde::Serialize;
use zego_core::{
    Action, AppId, Batched, Host, Nonce, Paged, ServerSecret, SystemHost, ValidationError, prepare,
    unix_seconds,
};
use zego_hyper::{Client, ClientBuilder, Endpoint};

use crate::args::{CALL_HELP, Connection, Credentials};
use crate::exit;
use crate::out::{errln, outln};
use crate::output::{self, Outcome, ProgressBar};

/// The flags of one call of the API, and how they make the core's call.
pub trait CallArgs: Args {
    /// The call these flags make.
    type Call: Action + Send;

    /// What the subcommand does, in a few words (its `--help` adds the call's name).
    const ABOUT: &'static str;

    /// The call, or a usage error (for example, a message file that cannot be read).
    fn into_call(self) -> Result<Self::Call, String>;
}

/// The flags of a call whose answer comes a page at a time: one page, or every page with
/// `--all` ([`Entry::paged`]).
pub trait PagedArgs: CallArgs<Call: Paged<Item: Serialize>> {
    /// The member of the call's `Data` that lists a page's elements (`UserList`): with
    /// `--all`, the `Data` printed is this member alone, with the elements of every page.
    const ITEMS: &'static str;
}

/// How a call is sent: as one request ([`Single`]), as a fan-out over its list
/// ([`Batch`]), or page after page to the last ([`EveryPage`]).
pub trait Mode<C: Action> {
    /// Every check made before anything is sent.
    fn check(call: &C) -> Result<(), ValidationError>;

    /// `Ok` when the call is one request (what `--dry-run` prints); otherwise why not.
    fn one_request(call: &C) -> Result<(), String>;

    /// Sends the call; with `progress`, draws a progress bar on stderr.
    fn send(client: &Client, call: C, progress: bool) -> impl Future<Output = Outcome>;
}

/// A call made as one request, through [`Client::call`].
#[derive(Debug)]
pub struct Single;

/// A call whose list may take several requests, through [`Client::fan_out_with`].
#[derive(Debug)]
pub struct Batch;

impl<A: Action + Send> Mode<A> for Single {
    fn check(call: &A) -> Result<(), ValidationError> {
        call.validate()
    }

    fn one_request(_: &A) -> Result<(), String> {
        Ok(())
    }

    async fn send(client: &Client, call: A, _: bool) -> Outcome {
        Outcome::of_call::<A>(client.call(call).await)
    }
}

impl<B: Batched + Send> Mode<B> for Batch {
    fn check(call: &B) -> Result<(), ValidationError> {
        call.validate_batch()
    }

    fn one_request(call: &B) -> Result<(), String> {
        let count = call.items().len();
        if count <= B::MAX_PER_REQUEST {
            return Ok(());
        }
        Err(format!(
            "--dry-run prints one request, and one {} request takes at most {} {} elements; got {count}",
            B::NAME,
            B::MAX_PER_REQUEST,
            B::LIST
        ))
    }

    async fn send(client: &Client, call: B, progress: bool) -> Outcome {
        let mut bar = ProgressBar::new(progress);
        let result = client.fan_out_with(call, |p| bar.show(p)).await;
        bar.finish();
        match result {
            Ok(reply) => Outcome::of_fan_out::<B>(reply),
            Err(invalid) => Outcome::of_call::<B>(Err(invalid.into())),
        }
    }
}

/// A call whose pages are all fetched, one after the other, through
/// [`Client::all_pages`]; `A` names the member that lists a page's elements.
#[derive(Debug)]
pub struct EveryPage<A>(PhantomData<A>);

impl<A: PagedArgs> Mode<A::Call> for EveryPage<A> {
    fn check(call: &A::Call) -> Result<(), ValidationError> {
        call.validate()
    }

    fn one_request(_: &A::Call) -> Result<(), String> {
        Err(
            "--dry-run prints one request, and --all may take several: without --all it \
             prints the request of the first page"
                .to_owned(),
        )
    }

    async fn send(client: &Client, call: A::Call, _: bool) -> Outcome {
        match client.all_pages(call).await {
            Ok(all) => Outcome::of_pages::<A::Call>(A::ITEMS, all),
            Err(invalid) => Outcome::of_call::<A::Call>(Err(invalid.into())),
        }
    }
}

/// The flag of every call whose answer comes a page at a time.
#[derive(Debug, Args)]
struct PageFlags {
    /// Follow the pages from the first one asked for to the last, one page after the
    /// other, paced by the rate budgets, and print the elements of every page together.
    #[arg(long)]
    all: bool,
}

/// One row of the command table: a call's subcommand and its runner.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    action: &'static str,
    about: &'static str,
    args: fn(clap::Command) -> clap::Command,
    run: fn(&ArgMatches) -> u8,
}

impl Entry {
    /// A call sent as one request.
    pub const fn single<A: CallArgs>() -> Self {
        Entry::of::<A, Single>()
    }

    /// A call whose list is sent as a fan-out.
    pub const fn batched<A>() -> Self
    where
        A: CallArgs,
        A::Call: Batched,
    {
        Entry::of::<A, Batch>()
    }

    /// A call whose answer comes a page at a time: one page, or every page with `--all`.
    pub const fn paged<A: PagedArgs>() -> Self {
        Entry {
            args: paged_args::<A>,
            run: run_paged::<A>,
            ..Entry::of::<A, Single>()
        }
    }

    const fn of<A: CallArgs, M: Mode<A::Call>>() -> Self {
        Entry {
            action: A::Call::NAME,
            about: A::ABOUT,
            args: A::augment_args,
            run: run::<A, M>,
        }
    }

    /// The subcommand's name: the call's name in kebab case (`kickout-user`).
    pub fn name(&self) -> String {
        kebab_case(self.action)
    }

    /// What the subcommand does, in a few words.
    pub fn about(&self) -> &'static str {
        self.about
    }

    /// The subcommand: the call's flags, then the shared ones.
    pub fn command(&self) -> clap::Command {
        let command = (self.args)(clap::Command::new(self.name()));
        Connection::augment_args(command)
            .about(format!("{} ({})", self.about, self.action))
            .after_help(CALL_HELP)
    }

    /// Runs the subcommand on its parsed arguments; returns the exit code.
    pub fn run(&self, matches: &ArgMatches) -> u8 {
        (self.run)(matches)
    }
}

/// `SendCustomCommand` → `send-custom-command`; an acronym stays one word
/// (`DescribeRTCStreamState` → `describe-rtc-stream-state`).
pub fn kebab_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let after_lower = !chars[i - 1].is_uppercase();
            let ends_acronym = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if after_lower || ends_acronym {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Runs a call's subcommand; returns the exit code.
fn run<A: CallArgs, M: Mode<A::Call>>(matches: &ArgMatches) -> u8 {
    match try_run::<A, M>(matches) {
        Ok(code) | Err(code) => code,
    }
}

/// A paged call's flags, then `--all`.
fn paged_args<A: PagedArgs>(command: clap::Command) -> clap::Command {
    PageFlags::augment_args(A::augment_args(command))
}

/// Runs a paged call's subcommand: one page, or every page with `--all`.
fn run_paged<A: PagedArgs>(matches: &ArgMatches) -> u8 {
    let flags = PageFlags::from_arg_matches(matches).unwrap_or_else(|e| e.exit());
    if flags.all {
        run::<A, EveryPage<A>>(matches)
    } else {
        run::<A, Single>(matches)
    }
}

fn try_run<A: CallArgs, M: Mode<A::Call>>(matches: &ArgMatches) -> Result<u8, u8> {
    let connection = Connection::from_arg_matches(matches).unwrap_or_else(|e| e.exit());
    let args = A::from_arg_matches(matches).unwrap_or_else(|e| e.exit());
    let (app_id, secret) = credentials(&connection.credentials)?;
    let call = args.into_call().map_err(usage_error)?;
    let builder = client_builder(&connection, app_id, secret)?;

    if connection.dry_run {
        M::one_request(&call).map_err(usage_error)?;
        let (nonce, timestamp) = nonce_and_time(connection.nonce, connection.timestamp);
        let request =
            prepare(&builder.options().config, &call, &nonce, timestamp).map_err(invalid)?;
        outln!("{}", request.uri());
        return Ok(exit::OK);
    }

    M::check(&call).map_err(invalid)?;
    let client = builder
        .build()
        .map_err(|e| usage_error(format!("cannot build the client: {e}")))?;
    let runtime = runtime().map_err(|e| {
        errln!("error: cannot start the async runtime: {e}");
        exit::FAILED
    })?;
    let outcome = runtime.block_on(M::send(&client, call, std::io::stderr().is_terminal()));
    Ok(output::report(&outcome, connection.json))
}

/// The client's settings from the shared flags, checked.
fn client_builder(
    connection: &Connection,
    app_id: AppId,
    secret: ServerSecret,
) -> Result<ClientBuilder, u8> {
    let endpoint = match &connection.endpoint {
        Some(url) => Endpoint::loopback_http(url).map_err(usage_error)?,
        None => Endpoint::region(connection.region()),
    };
    let timeout = connection.timeout;
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 3600.0) {
        return Err(usage_error(format!(
            "--timeout must be more than 0 and at most 3600 seconds, got {timeout}"
        )));
    }
    let mut builder = Client::builder(app_id, secret)
        .endpoint(endpoint)
        .timeout(Duration::from_secs_f64(timeout));
    if connection.test_env {
        builder = builder.is_test(true);
    }
    if let Some(url) = &connection.budget {
        let budget = zego_redis::RedisBudget::builder(url.as_str())
            .build_async()
            .map_err(|e| usage_error(format!("--budget (or ZEGO_BUDGET): {e}")))?;
        builder = builder.shared_budget(std::sync::Arc::new(WarnOnce::new(budget)));
    }
    Ok(builder)
}

/// Prints a usage or validation error and returns exit code 2.
pub fn usage_error(message: impl std::fmt::Display) -> u8 {
    errln!("error: {message}");
    exit::USAGE
}

/// Prints a validation error (nothing was sent) and returns exit code 2.
fn invalid(error: ValidationError) -> u8 {
    usage_error(format!("invalid request, nothing was sent: {error}"))
}

/// The credentials, checked.
pub fn credentials(c: &Credentials) -> Result<(AppId, ServerSecret), u8> {
    Ok((c.app_id, c.secret.secret()?))
}

/// The nonce and timestamp given, or 8 random bytes and the time now.
pub fn nonce_and_time(nonce: Option<Nonce>, timestamp: Option<i64>) -> (Nonce, i64) {
    let mut host = SystemHost;
    let nonce = nonce.unwrap_or_else(|| {
        let mut bytes = [0u8; 8];
        host.fill_random(&mut bytes);
        Nonce::from_bytes(bytes)
    });
    let timestamp = timestamp.unwrap_or_else(|| unix_seconds(host.system_time()));
    (nonce, timestamp)
}

/// A single-threaded tokio runtime for the command.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::kebab_case;

    #[test]
    fn subcommands_are_the_calls_in_kebab_case() {
        assert_eq!(kebab_case("SendCustomCommand"), "send-custom-command");
        assert_eq!(kebab_case("KickoutUser"), "kickout-user");
        assert_eq!(kebab_case("DescribeUserNum"), "describe-user-num");
        assert_eq!(
            kebab_case("DescribeRTCStreamState"),
            "describe-rtc-stream-state"
        );
        assert_eq!(kebab_case("ForbidRTCStreams"), "forbid-rtc-streams");
    }
}

/// A shared budget that says on stderr, once, when it is unavailable (each call then
/// paces in-process).
#[derive(Debug)]
struct WarnOnce {
    budget: zego_redis::AsyncRedisBudget,
    warned: std::sync::atomic::AtomicBool,
}

impl WarnOnce {
    fn new(budget: zego_redis::AsyncRedisBudget) -> Self {
        WarnOnce {
            budget,
            warned: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl zego_core::SharedBudget for WarnOnce {
    fn take<'a>(&'a self, request: &'a zego_core::SlotRequest) -> zego_core::TakeFuture<'a> {
        Box::pin(async move {
            let answer = self.budget.take_async(request).await;
            if let Err(zego_core::BudgetError::Unavailable { reason, .. }) = &answer
                && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                errln!(
                    "warning: the shared rate budget is unavailable ({reason}); pacing in this process instead"
                );
            }
            answer
        })
    }

    fn is_blocking(&self) -> bool {
        false
    }
}
