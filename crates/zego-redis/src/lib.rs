//! One rate budget for many processes, kept in Redis.
//!
//! ZEGO's budgets are per AppId (100 `SendCustomCommand` a second, and so on), but a
//! backend runs several processes. Each zego-rs client paces itself in-process by
//! default, so four processes send four times the budget. Give every process's client
//! the same Redis budget and they pace as one:
//!
//! ```no_run
//! use std::sync::Arc;
//! use zego_core::{AppId, ServerSecret};
//! use zego_core::actions::SendCustomCommand;
//! use zego_redis::RedisBudget;
//!
//! // The blocking client takes the blocking budget…
//! let budget = RedisBudget::builder("redis://127.0.0.1:6379/0").build_blocking()?;
//! let client = zego_ureq::Client::builder(AppId::new(1_234_567_890), ServerSecret::new("…")?)
//!     .shared_budget(Arc::new(budget))
//!     .build()?;
//! client.call(SendCustomCommand::to_room("room-1", "server", "hello"))?;
//!
//! // …and the async client the async one (inside a tokio runtime).
//! let budget = RedisBudget::builder("redis://127.0.0.1:6379/0").build_async()?;
//! let client = zego_hyper::Client::builder(AppId::new(1_234_567_890), ServerSecret::new("…")?)
//!     .shared_budget(Arc::new(budget))
//!     .build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each slot is taken by one Lua script that Redis runs atomically: the generic cell rate
//! algorithm (GCRA) without burst, on Redis's own clock (`TIME`), so the processes'
//! clocks do not matter and the requests leave evenly spaced. One key per AppId,
//! environment and call (and room, for per-room budgets), under a prefix of your choice,
//! with a time to live so idle keys vanish; a call's keys share a hash tag, so the script
//! runs on one node of a Redis Cluster ([`RedisBudgetBuilder::cluster`]).
//!
//! When Redis cannot be reached (or answers too late: [`RedisBudgetBuilder::timeout`]),
//! the call paces that attempt with its client's in-process budget and a warning event is
//! emitted ([`OnUnavailable::Local`], the default), or ends with
//! [`BudgetError::Unavailable`](zego_core::BudgetError) and sends nothing
//! ([`OnUnavailable::Fail`]). After a failure the budget waits
//! [`RedisBudgetBuilder::retry_after`] before it tries Redis again, so a Redis that is
//! down costs each call nothing but the fallback. `docs/distributed-budget.md` explains
//! the script, the failure modes and how to size several processes.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::fmt;
use std::future::ready;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::{ConnectionLike, IntoConnectionInfo, RedisError, Script};
use zego_core::{SharedBudget, TakeFuture};

pub use zego_core::{BudgetError, OnUnavailable, SlotRequest};

/// The GCRA of one slot, all keys or none; see `docs/distributed-budget.md`.
///
/// `KEYS`: the budgets of the call (per AppId, then per room). `ARGV[i]`: the interval of
/// `KEYS[i]` in microseconds; `ARGV[#KEYS + 1]`: the latest start the call can use, in
/// microseconds from now; `ARGV[#KEYS + 2]`: how long a key outlives its last slot, in
/// milliseconds; `ARGV[#KEYS + 3]`: how late, in microseconds, a slot may be taken and
/// still keep the schedule ([`SlotRequest::tolerance`]). Answers `{1, wait}` (taken; it starts `wait` microseconds from now),
/// `{0, wait}` (nothing taken: the earliest slot is too late), or, when the room's slot
/// comes more than one interval after the AppId's, `{2, wait}`: the room's slot alone is
/// taken, and the caller asks for the AppId's (`KEYS[1]` alone) when the room's starts,
/// so that the AppId's slots in between stay free for calls to other rooms.
pub const SCRIPT: &str = r#"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local n = #KEYS
local within = tonumber(ARGV[n + 1])
local idle_ms = tonumber(ARGV[n + 2])
local tolerance = tonumber(ARGV[n + 3])
local function tat(i)
  return math.max(now - tolerance, tonumber(redis.call('GET', KEYS[i])) or 0)
end
local function set(i, start)
  local next = start + tonumber(ARGV[i])
  local ttl = math.max(0, math.floor((next - now) / 1000)) + idle_ms
  redis.call('SET', KEYS[i], string.format('%.0f', next), 'PX', ttl)
end
local start = tat(1)
if n == 2 then
  local room = tat(2)
  if room > start + tonumber(ARGV[1]) then
    if room - now > within then
      return {0, room - now}
    end
    set(2, room)
    return {2, math.max(0, room - now)}
  end
  start = math.max(start, room)
end
local wait = math.max(0, start - now)
if wait > within then
  return {0, wait}
end
for i = 1, n do
  set(i, start)
end
return {1, wait}
"#;

/// The prefix of every key unless [`RedisBudgetBuilder::prefix`] says otherwise.
pub const DEFAULT_PREFIX: &str = "zego:budget:";

/// Waits longer than this (a year) are read as "never" by the script.
const MAX_WITHIN: Duration = Duration::from_secs(365 * 86_400);

/// Builds a [`RedisBudget`] or an [`AsyncRedisBudget`].
#[derive(Clone)]
#[must_use]
pub struct RedisBudgetBuilder {
    nodes: Vec<String>,
    cluster: bool,
    prefix: String,
    timeout: Duration,
    retry_after: Duration,
    idle: Duration,
    on_unavailable: OnUnavailable,
}

impl fmt::Debug for RedisBudgetBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudgetBuilder")
            .field(
                "nodes",
                &self.nodes.iter().map(|n| redact(n)).collect::<Vec<_>>(),
            )
            .field("cluster", &self.cluster)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("retry_after", &self.retry_after)
            .field("idle", &self.idle)
            .field("on_unavailable", &self.on_unavailable)
            .finish()
    }
}

/// A budget that could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The Redis URL does not parse (the URL is not repeated: it may hold a password).
    #[error("the redis url cannot be used: {0}")]
    Url(String),
    /// The key prefix holds `{` or `}`, which would break the keys' hash tags.
    #[error("the key prefix {0:?} holds a brace, which would break the keys' cluster hash tags")]
    Prefix(String),
}

/// A URL without its password, for `Debug` and messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

impl RedisBudget {
    /// A builder for a budget in the Redis at `url` (`redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]`,
    /// or `rediss://` for TLS when the `redis` crate is built with it).
    pub fn builder(url: impl Into<String>) -> RedisBudgetBuilder {
        RedisBudgetBuilder {
            nodes: vec![url.into()],
            cluster: false,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: Duration::from_millis(500),
            retry_after: Duration::from_secs(1),
            idle: Duration::from_secs(10),
            on_unavailable: OnUnavailable::Local,
        }
    }
}

impl RedisBudgetBuilder {
    /// Uses a Redis Cluster: `nodes` are the URLs of some of its nodes (the builder's URL
    /// is replaced by them).
    pub fn cluster<I, S>(mut self, nodes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.nodes = nodes.into_iter().map(Into::into).collect();
        self.cluster = true;
        self
    }

    /// The prefix of every key (default [`DEFAULT_PREFIX`]); processes that share a budget
    /// must use the same. It may not hold `{` or `}`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// How long connecting to Redis, and one answer of it, may take (default 500 ms);
    /// then Redis counts as unavailable for the attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long after a failure the budget waits before it tries Redis again (default
    /// 1 s); meanwhile every call finds it unavailable at once.
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    /// How long a key outlives its last slot (default 10 s).
    pub fn idle_ttl(mut self, idle: Duration) -> Self {
        self.idle = idle;
        self
    }

    /// What a call does when Redis is unavailable (default [`OnUnavailable::Local`]).
    pub fn on_unavailable(mut self, on_unavailable: OnUnavailable) -> Self {
        self.on_unavailable = on_unavailable;
        self
    }

    fn common(&self) -> Result<Common, BuildError> {
        if self.prefix.contains(['{', '}']) {
            return Err(BuildError::Prefix(self.prefix.clone()));
        }
        let mut infos = Vec::new();
        for node in &self.nodes {
            infos.push(node.as_str().into_connection_info().map_err(|_| {
                BuildError::Url("expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]".to_owned())
            })?);
        }
        let target = if self.cluster {
            Target::Cluster(Box::new(
                redis::cluster::ClusterClient::builder(infos)
                    .connection_timeout(self.timeout)
                    .response_timeout(self.timeout)
                    .retries(0)
                    .build()
                    .map_err(|e| BuildError::Url(e.to_string()))?,
            ))
        } else {
            let info = infos
                .pop()
                .ok_or_else(|| BuildError::Url("no url".to_owned()))?;
            Target::Single(redis::Client::open(info).map_err(|e| BuildError::Url(e.to_string()))?)
        };
        Ok(Common {
            target,
            nodes: self.nodes.iter().map(|n| redact(n)).collect(),
            prefix: self.prefix.clone(),
            timeout: self.timeout,
            retry_after: self.retry_after,
            idle: self.idle,
            on_unavailable: self.on_unavailable,
            down_until: Mutex::new(None),
            script: Script::new(SCRIPT),
        })
    }

    /// The budget for the blocking client (`zego-ureq`): each slot is one round trip to
    /// Redis, made before the call goes on.
    pub fn build_blocking(self) -> Result<RedisBudget, BuildError> {
        Ok(RedisBudget {
            common: self.common()?,
            connection: Mutex::new(None),
        })
    }

    /// The budget for the async client (`zego-hyper`), on tokio.
    pub fn build_async(self) -> Result<AsyncRedisBudget, BuildError> {
        Ok(AsyncRedisBudget {
            common: self.common()?,
            connection: Mutex::new(None),
        })
    }
}

enum Target {
    Single(redis::Client),
    Cluster(Box<redis::cluster::ClusterClient>),
}

/// What both budgets share: where Redis is, the keys, and when it last failed.
struct Common {
    target: Target,
    nodes: Vec<String>,
    prefix: String,
    timeout: Duration,
    retry_after: Duration,
    idle: Duration,
    on_unavailable: OnUnavailable,
    /// After a failure: no attempt to reach Redis before this instant.
    down_until: Mutex<Option<Instant>>,
    script: Script,
}

impl fmt::Debug for Common {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBudget")
            .field("nodes", &self.nodes)
            .field("cluster", &matches!(self.target, Target::Cluster(_)))
            .field("prefix", &self.prefix)
            .field("on_unavailable", &self.on_unavailable)
            .finish_non_exhaustive()
    }
}

/// The keys of a request's budgets: `PREFIX{APP:ENV:ACTION}` and, for a per-room budget,
/// `PREFIX{APP:ENV:ACTION}:room:ROOM` (one hash tag, so one Cluster slot).
pub fn keys(prefix: &str, request: &SlotRequest) -> Vec<String> {
    let env = if request.test_environment {
        "test"
    } else {
        "prod"
    };
    let app = format!("{prefix}{{{}:{env}:{}}}", request.app_id, request.action);
    let mut keys = vec![app.clone()];
    if let Some((room, _)) = &request.room {
        keys.push(format!("{app}:room:{room}"));
    }
    keys
}

/// Microseconds, rounded up (a slot is never shorter than its rate allows).
fn micros_up(d: Duration) -> u64 {
    u64::try_from(d.as_nanos().div_ceil(1000)).unwrap_or(u64::MAX)
}

impl Common {
    fn invocation(&self, request: &SlotRequest) -> redis::ScriptInvocation<'_> {
        let mut invocation = self.script.prepare_invoke();
        for key in keys(&self.prefix, request) {
            invocation.key(key);
        }
        invocation.arg(micros_up(request.app_rate.interval()));
        if let Some((_, rate)) = &request.room {
            invocation.arg(micros_up(rate.interval()));
        }
        invocation
            .arg(micros_up(request.within.min(MAX_WITHIN)))
            .arg(u64::try_from(self.idle.as_millis()).unwrap_or(u64::MAX))
            .arg(u64::try_from(request.tolerance.min(MAX_WITHIN).as_micros()).unwrap_or(0));
        invocation
    }

    /// `Some(error)` while Redis counts as down.
    fn still_down(&self, request: &SlotRequest) -> Option<BudgetError> {
        let until = (*lock(&self.down_until))?;
        let left = until.checked_duration_since(Instant::now())?;
        Some(BudgetError::Unavailable {
            action: request.action,
            reason: format!(
                "redis at {} failed recently; trying again in {left:?}",
                self.nodes.join(", ")
            ),
        })
    }

    /// Reads the script's answer, and notes a failure.
    fn answer(
        &self,
        request: &SlotRequest,
        outcome: Result<(i64, i64), String>,
    ) -> Result<Answer, BudgetError> {
        match outcome {
            Ok((status, wait)) => {
                *lock(&self.down_until) = None;
                let wait = Duration::from_micros(u64::try_from(wait).unwrap_or(0));
                match status {
                    1 => Ok(Answer::Taken(wait)),
                    2 if request.room.is_some() => Ok(Answer::RoomHeld(wait)),
                    0 => Err(BudgetError::Exhausted {
                        action: request.action,
                        wait,
                    }),
                    _ => Err(BudgetError::Unavailable {
                        action: request.action,
                        reason: format!("the script answered {status}, which it never does"),
                    }),
                }
            }
            Err(reason) => {
                *lock(&self.down_until) = Instant::now().checked_add(self.retry_after);
                tracing::warn!(
                    action = request.action,
                    redis = %self.nodes.join(", "),
                    %reason,
                    "the shared rate budget in redis is unavailable"
                );
                Err(BudgetError::Unavailable {
                    action: request.action,
                    reason: format!("redis at {}: {reason}", self.nodes.join(", ")),
                })
            }
        }
    }
}

/// What the script did.
enum Answer {
    /// Every slot was taken; it starts this far from now.
    Taken(Duration),
    /// Only the room's slot was taken; it starts this far from now, and the AppId's slot
    /// is to be asked for then ([`app_only`]).
    RoomHeld(Duration),
}

/// How soon a slot must start to be taken: a later one is waited for and asked for again
/// when due, so that no process holds a slot it will send late (a late request followed
/// by one on time would put two closer together than the budget allows).
pub const EARLY: Duration = Duration::from_millis(2);

/// `ask` for a slot that starts within [`EARLY`] (and before `deadline`).
fn early(ask: &SlotRequest, deadline: Option<Instant>) -> SlotRequest {
    let mut early = ask.clone();
    let left = deadline.map_or(Duration::MAX, |d| {
        d.saturating_duration_since(Instant::now())
    });
    early.within = EARLY.min(left);
    early
}

/// What a take does after an answer.
enum Next {
    /// It is over.
    Done(Result<Duration, BudgetError>),
    /// Sleep this long, then ask for this.
    SleepThenAsk(Duration, SlotRequest),
}

/// After `answer` to `request` (what was asked: the call's slots, or after a room's slot
/// was held its AppId's alone), whose call can use a slot no later than `deadline`.
fn next(
    request: &SlotRequest,
    deadline: Option<Instant>,
    answer: Result<Answer, BudgetError>,
) -> Next {
    match answer {
        Ok(Answer::Taken(wait)) => Next::Done(Ok(wait)),
        // The room's slot is held; the AppId's alone is asked for when the room's starts.
        Ok(Answer::RoomHeld(wait)) => {
            let mut app = request.clone();
            app.room = None;
            Next::SleepThenAsk(wait, app)
        }
        Err(BudgetError::Exhausted { wait, .. })
            if deadline
                .is_none_or(|d| Instant::now().checked_add(wait).is_some_and(|at| at <= d)) =>
        {
            Next::SleepThenAsk(wait, request.clone())
        }
        Err(error) => Next::Done(Err(error)),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What went wrong with Redis, in words (never with its URL or password).
fn describe(error: &RedisError) -> String {
    if error.is_timeout() {
        "no answer in time".to_owned()
    } else if error.is_connection_refusal() {
        "connection refused".to_owned()
    } else if error.is_io_error() || error.is_connection_dropped() {
        "the connection failed".to_owned()
    } else {
        // Redis's own words (a script or server error); never the URL.
        match error.detail() {
            Some(detail) => format!("{:?}: {detail}", error.kind()),
            None => format!("{:?}", error.kind()),
        }
    }
}

/// The budget for the blocking client (`zego-ureq`): one connection, kept and reused,
/// made again after a failure.
pub struct RedisBudget {
    common: Common,
    connection: Mutex<Option<Box<dyn ConnectionLike + Send>>>,
}

impl fmt::Debug for RedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.common.fmt(f)
    }
}

impl RedisBudget {
    fn connect(&self) -> Result<Box<dyn ConnectionLike + Send>, RedisError> {
        let timeout = Some(self.common.timeout);
        Ok(match &self.common.target {
            Target::Single(client) => {
                let connection = client.get_connection_with_timeout(self.common.timeout)?;
                connection.set_read_timeout(timeout)?;
                connection.set_write_timeout(timeout)?;
                Box::new(connection)
            }
            Target::Cluster(client) => Box::new(client.get_connection()?),
        })
    }

    /// Takes a slot for `request`. A slot that starts at once (within [`EARLY`]) is taken
    /// in one round trip to Redis; for a later one the thread sleeps until it is due and
    /// asks again, as the call would have waited anyway, so that the request leaves right
    /// after its slot is taken.
    pub fn take_blocking(&self, request: &SlotRequest) -> Result<Duration, BudgetError> {
        let deadline = Instant::now().checked_add(request.within);
        let mut ask = request.clone();
        loop {
            let answer = self.round_trip(&early(&ask, deadline));
            match next(&ask, deadline, answer) {
                Next::Done(result) => return result,
                Next::SleepThenAsk(wait, again) => {
                    std::thread::sleep(wait);
                    ask = again;
                }
            }
        }
    }

    fn round_trip(&self, request: &SlotRequest) -> Result<Answer, BudgetError> {
        if let Some(down) = self.common.still_down(request) {
            return Err(down);
        }
        let mut connection = lock(&self.connection);
        let outcome = (|| {
            let mut live = match connection.take() {
                Some(live) => live,
                None => self.connect()?,
            };
            let answer = self
                .common
                .invocation(request)
                .invoke::<(i64, i64)>(live.as_mut())?;
            // Kept only after a good answer: a failed connection is made again.
            *connection = Some(live);
            Ok(answer)
        })()
        .map_err(|e: RedisError| describe(&e));
        self.common.answer(request, outcome)
    }
}

impl SharedBudget for RedisBudget {
    fn take<'a>(&'a self, request: &'a SlotRequest) -> TakeFuture<'a> {
        Box::pin(ready(self.take_blocking(request)))
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn on_unavailable(&self) -> OnUnavailable {
        self.common.on_unavailable
    }
}

/// The budget for the async client (`zego-hyper`), on tokio: one multiplexed
/// connection, shared by every call and made again after a failure.
pub struct AsyncRedisBudget {
    common: Common,
    connection: Mutex<Option<AsyncConnection>>,
}

#[derive(Clone)]
enum AsyncConnection {
    Single(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl fmt::Debug for AsyncRedisBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.common.fmt(f)
    }
}

impl AsyncRedisBudget {
    async fn connect(&self) -> Result<AsyncConnection, RedisError> {
        Ok(match &self.common.target {
            Target::Single(client) => {
                let config = redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.common.timeout))
                    .set_response_timeout(Some(self.common.timeout));
                AsyncConnection::Single(
                    client
                        .get_multiplexed_async_connection_with_config(&config)
                        .await?,
                )
            }
            Target::Cluster(client) => {
                AsyncConnection::Cluster(client.get_async_connection().await?)
            }
        })
    }

    async fn invoke(&self, request: &SlotRequest) -> Result<(i64, i64), RedisError> {
        let existing = lock(&self.connection).clone();
        let mut connection = match existing {
            Some(connection) => connection,
            None => {
                let fresh = self.connect().await?;
                *lock(&self.connection) = Some(fresh.clone());
                fresh
            }
        };
        let invocation = self.common.invocation(request);
        match &mut connection {
            AsyncConnection::Single(c) => invocation.invoke_async(c).await,
            AsyncConnection::Cluster(c) => invocation.invoke_async(c).await,
        }
    }

    /// Takes a slot for `request`, as [`RedisBudget::take_blocking`] does, each round
    /// trip bounded by the timeout.
    pub async fn take_async(&self, request: &SlotRequest) -> Result<Duration, BudgetError> {
        let deadline = Instant::now().checked_add(request.within);
        let mut ask = request.clone();
        loop {
            let answer = self.round_trip(&early(&ask, deadline)).await;
            match next(&ask, deadline, answer) {
                Next::Done(result) => return result,
                Next::SleepThenAsk(wait, again) => {
                    tokio::time::sleep(wait).await;
                    ask = again;
                }
            }
        }
    }

    async fn round_trip(&self, request: &SlotRequest) -> Result<Answer, BudgetError> {
        if let Some(down) = self.common.still_down(request) {
            return Err(down);
        }
        // Connecting and answering are bounded separately by the connection's settings;
        // this bounds the whole, whatever the connection does.
        let outcome =
            match tokio::time::timeout(self.common.timeout.saturating_mul(2), self.invoke(request))
                .await
            {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(e)) => Err(describe(&e)),
                Err(_) => Err("no answer in time".to_owned()),
            };
        if outcome.is_err() {
            *lock(&self.connection) = None;
        }
        self.common.answer(request, outcome)
    }
}

impl SharedBudget for AsyncRedisBudget {
    fn take<'a>(&'a self, request: &'a SlotRequest) -> TakeFuture<'a> {
        Box::pin(self.take_async(request))
    }

    fn is_blocking(&self) -> bool {
        false
    }

    fn on_unavailable(&self) -> OnUnavailable {
        self.common.on_unavailable
    }
}

/// The examples of `docs/distributed-budget.md`, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/distributed-budget.md")]
pub struct DistributedBudgetDoc;
