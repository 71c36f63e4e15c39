//! What the mock remembers: apps, the worlds of rooms and users, inboxes, pending faults,
//! the request log, the rate budgets and the callbacks to send. One `State` sits behind one `std::sync::Mutex`
//! (in [`Shared`]); every lock is short and never held across an `.await`.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use zego_core::{AppId, Rate, ReturnCode, ServerSecret, unix_seconds};

use crate::bounded::{Bounded, Weigh};
use crate::callbacks::{CallbackDelivery, Outbox};
use crate::inbox::{Delivered, InboxEntry, Inboxes, MAX_INBOX_BYTES, MAX_INBOX_MESSAGES};
use crate::login::LoginError;
use crate::rules::BanRule;
use crate::world::{
    Login, Publication, PublishError, Room, StreamRecord, World, WorldKey, seconds, unix_millis,
};

/// The most entries the request log keeps; the oldest are dropped first.
pub const MAX_LOG_ENTRIES: usize = 100_000;

/// The most bytes the request log keeps (the UTF-8 length of each entry's text: its raw
/// query, `Action`, `AppId` and `RequestId`); the oldest entries are dropped first.
pub const MAX_LOG_BYTES: usize = 32 * 1024 * 1024;

/// Past this many rate buckets, the full ones (which a fresh bucket would equal) are
/// dropped, so that per-room buckets for ever new rooms cannot pile up.
const PRUNE_BUCKETS_OVER: usize = 4096;

/// One request the mock answered (or dropped), as the request log keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// The `Action` parameter as decoded (the first one when repeated).
    pub action: Option<String>,
    /// The `AppId` parameter as decoded, valid or not.
    pub app_id: Option<String>,
    /// The raw query string, as received (still percent-encoded).
    pub query: String,
    /// The `Code` answered; `None` when a fault sent no envelope (a dropped connection,
    /// HTTP 502, a malformed or truncated body).
    pub code: Option<ReturnCode>,
    /// The fault applied to this request, if any.
    pub fault: Option<FaultKind>,
    /// The `RequestId` answered, when an envelope was sent.
    pub request_id: Option<String>,
    /// When the request arrived: milliseconds since the mock started.
    pub at_ms: u64,
    /// Whether it names the test environment (`IsTest`, read as the gateway reads it).
    pub(crate) test_env: bool,
}

/// What an injected fault does to a request.
///
/// Every kind but the `DeliverThen*` ones replaces the request's processing: nothing is
/// checked and nothing is delivered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Wait this long, then check and answer the request normally. It is processed (and
    /// its message delivered) even if the client gives up waiting, as a request that
    /// reached the real service would be.
    Delay(Duration),
    /// Answer this code (HTTP 200, the JSON envelope) without processing.
    Code(ReturnCode),
    /// Close the connection without answering.
    CloseConnection,
    /// Answer HTTP 502 with an HTML body, as a proxy in front of the API would.
    BadGateway,
    /// Answer HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// Answer HTTP 200 whose `Content-Length` is that of a whole envelope, send the first
    /// half of it and close the connection.
    TruncatedBody,
    /// Process the request normally (deliver the message), then answer this code instead
    /// of success (50013, say), so that a retry delivers it twice. A request that fails a
    /// check gets its normal error code.
    DeliverThenCode(ReturnCode),
    /// Process the request normally (deliver the message), then close the connection
    /// without answering. A request that fails a check gets its normal error code.
    DeliverThenClose,
}

/// A fault to inject into the next matching requests.
///
/// ```
/// use std::time::Duration;
/// use zego_mock::{Fault, FaultKind};
/// let fault = Fault::new(FaultKind::Delay(Duration::from_secs(3)))
///     .times(2)
///     .action("SendCustomCommand");
/// assert_eq!(fault.remaining(), 2);
/// assert_eq!(fault.action_filter(), Some("SendCustomCommand"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    kind: FaultKind,
    remaining: usize,
    action: Option<String>,
}

impl Fault {
    /// A fault for the next request (of any action).
    pub fn new(kind: FaultKind) -> Self {
        Fault {
            kind,
            remaining: 1,
            action: None,
        }
    }

    /// Applies to the next `n` matching requests (default 1; 0 never applies).
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = n;
        self
    }

    /// Only requests whose `Action` parameter is `name` match (and count).
    pub fn action(mut self, name: &str) -> Self {
        self.action = Some(name.to_owned());
        self
    }

    /// What it does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }

    /// How many more requests it applies to.
    pub fn remaining(&self) -> usize {
        self.remaining
    }

    /// The action it is limited to, if any.
    pub fn action_filter(&self) -> Option<&str> {
        self.action.as_deref()
    }

    fn matches(&self, action: Option<&str>) -> bool {
        self.action.is_none() || self.action.as_deref() == action
    }
}

/// An app the mock knows.
pub(crate) struct AppEntry {
    pub(crate) secret: ServerSecret,
    pub(crate) test_only: bool,
}

/// A token bucket: `rate.count()` tokens at most, refilled continuously at
/// `rate.count()` per `rate.period()`. It starts full.
#[derive(Debug)]
pub(crate) struct Bucket {
    rate: Rate,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn full(rate: Rate, now: Instant) -> Self {
        Bucket {
            rate,
            tokens: f64::from(rate.count()),
            last: now,
        }
    }

    /// Refills for the time since the last look.
    fn refill(&mut self, now: Instant) {
        let capacity = f64::from(self.rate.count());
        let period = self.rate.period().as_secs_f64();
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = if period <= 0.0 {
            capacity
        } else {
            (self.tokens + elapsed * capacity / period).min(capacity)
        };
        self.last = self.last.max(now);
    }

    /// Takes one token if there is one.
    pub(crate) fn try_take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether it is full at `now`, as a fresh bucket would be.
    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= f64::from(self.rate.count())
    }
}

/// What a rate bucket counts: an action of an app in an environment, and for a
/// per-room budget the room.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BucketKey {
    pub(crate) world: WorldKey,
    pub(crate) action: &'static str,
    pub(crate) room: Option<String>,
}

impl Weigh for LoggedRequest {
    fn bytes(&self) -> usize {
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        self.query.len() + text(&self.action) + text(&self.app_id) + text(&self.request_id)
    }
}

/// Everything the mock remembers.
pub(crate) struct State {
    pub(crate) apps: HashMap<u32, AppEntry>,
    worlds: HashMap<WorldKey, World>,
    /// The world of the builder's users and of the handle's shortcuts: the first app
    /// added, in its default environment.
    pub(crate) default_world: WorldKey,
    inboxes: Inboxes,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) log: Bounded<LoggedRequest>,
    buckets: HashMap<BucketKey, Bucket>,
    pub(crate) rate_limits: bool,
    next_request_id: u64,
    /// When the mock started (the origin of [`LoggedRequest::at_ms`]).
    started: Instant,
    /// Where the worlds' changes go as callbacks, when the mock sends them.
    pub(crate) outbox: Option<Outbox>,
}

impl State {
    pub(crate) fn new(rate_limits: bool) -> Self {
        State {
            apps: HashMap::new(),
            worlds: HashMap::new(),
            default_world: WorldKey {
                app_id: 0,
                test_env: false,
            },
            inboxes: Inboxes::new(MAX_INBOX_MESSAGES, MAX_INBOX_BYTES),
            faults: VecDeque::new(),
            log: Bounded::new(MAX_LOG_ENTRIES, MAX_LOG_BYTES),
            buckets: HashMap::new(),
            rate_limits,
            next_request_id: 1,
            started: Instant::now(),
            outbox: None,
        }
    }

    /// Milliseconds since the mock started.
    pub(crate) fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// A fresh `RequestId`: a decimal counter, unique for the life of the server.
    pub(crate) fn request_id(&mut self) -> String {
        let id = self.next_request_id;
        self.next_request_id += 1;
        id.to_string()
    }

    /// The world of `app_id` (default: the default world's app) in `test_env` (default:
    /// the app's own environment, the test one for a test-only app).
    pub(crate) fn world_key(&self, app_id: Option<u32>, test_env: Option<bool>) -> WorldKey {
        let app_id = app_id.unwrap_or(self.default_world.app_id);
        let test_env = test_env.unwrap_or_else(|| {
            if app_id == self.default_world.app_id {
                self.default_world.test_env
            } else {
                self.apps.get(&app_id).is_some_and(|app| app.test_only)
            }
        });
        WorldKey { app_id, test_env }
    }

    /// The world of `key`, created empty when first needed.
    pub(crate) fn world(&mut self, key: WorldKey) -> &mut World {
        self.worlds.entry(key).or_default()
    }

    /// Puts a user in a room of `key`'s world, online or not, now.
    pub(crate) fn put(&mut self, key: WorldKey, room_id: &str, login: &Login, online: bool) {
        self.world(key)
            .put(room_id, login, online, unix_millis(SystemTime::now()));
        self.emit(key);
    }

    /// Logs a user in with a login token, as a client SDK does, checked at `now`; on a
    /// refusal nothing changes.
    pub(crate) fn login_with_token(
        &mut self,
        key: WorldKey,
        room_id: &str,
        login: Login,
        token: &str,
        now: SystemTime,
    ) -> Result<(), LoginError> {
        let app_id = AppId::new(key.app_id);
        let app = self
            .apps
            .get(&key.app_id)
            .ok_or(LoginError::UnknownApp { app_id })?;
        let decoded =
            zego_token::decode(&app.secret, token).map_err(|e| LoginError::Undecodable {
                detail: e.to_string(),
            })?;
        decoded
            .check_login(app_id, login.user_id(), room_id, unix_seconds(now))
            .map_err(LoginError::of_check)?;
        if self
            .world(key)
            .login_banned(room_id, &login, unix_millis(now))
        {
            return Err(LoginError::Banned);
        }
        self.world(key)
            .put(room_id, &login.with_token(), true, unix_millis(now));
        self.emit(key);
        Ok(())
    }

    /// `publication`'s user, online in a room of `key`'s world, starts publishing its
    /// stream now.
    pub(crate) fn publish(
        &mut self,
        key: WorldKey,
        room_id: &str,
        publication: &Publication,
    ) -> Result<(), PublishError> {
        let now = unix_millis(SystemTime::now());
        let published = self.world(key).publish(room_id, publication, now);
        self.emit(key);
        published
    }

    /// The publish of `stream_id` in a room of `key`'s world stops now. Returns whether
    /// it was being published there.
    pub(crate) fn stop_publishing(
        &mut self,
        key: WorldKey,
        room_id: &str,
        stream_id: &str,
    ) -> bool {
        let now = unix_millis(SystemTime::now());
        let stopped = self.world(key).stop_publishing(room_id, stream_id, now);
        self.emit(key);
        stopped
    }

    /// Takes the changes of `key`'s world and queues them as callbacks, if the mock sends
    /// them (else they are dropped).
    pub(crate) fn emit(&mut self, key: WorldKey) {
        let changes = self.world(key).take_changes();
        if let Some(outbox) = self.outbox.as_mut() {
            outbox.send(key, changes);
        }
    }

    /// Every callback delivery kept, oldest first.
    pub(crate) fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.outbox
            .as_ref()
            .map(Outbox::deliveries)
            .unwrap_or_default()
    }

    /// The rooms of `key`'s world.
    pub(crate) fn rooms(&self, key: WorldKey) -> Vec<Room> {
        self.worlds.get(&key).map(World::rooms).unwrap_or_default()
    }

    /// The streams `key`'s world knows.
    pub(crate) fn streams(&self, key: WorldKey) -> Vec<StreamRecord> {
        self.worlds
            .get(&key)
            .map(World::streams)
            .unwrap_or_default()
    }

    /// The ban rules of `key`'s world, of every type, expired ones included.
    pub(crate) fn rules(&self, key: WorldKey) -> Vec<BanRule> {
        let now = seconds(unix_millis(SystemTime::now()));
        self.worlds
            .get(&key)
            .map(|world| world.rules.list(None, now))
            .unwrap_or_default()
    }

    pub(crate) fn deliver(&mut self, key: WorldKey, user_id: &str, message: Delivered) {
        let at_ms = self.elapsed_ms();
        self.inboxes.deliver(key, user_id, message, at_ms);
    }

    /// The last `limit` messages delivered in `key`'s world, oldest first.
    pub(crate) fn recent_messages(&self, key: WorldKey, limit: usize) -> Vec<InboxEntry> {
        self.inboxes.recent(key, limit)
    }

    pub(crate) fn inbox(&self, key: WorldKey, user_id: &str) -> Vec<Delivered> {
        self.inboxes.of(key, user_id)
    }

    /// Takes a token from the bucket of `key` (of budget `rate`, full when new).
    pub(crate) fn take_token(&mut self, key: BucketKey, rate: Rate, now: Instant) -> bool {
        if self.buckets.len() > PRUNE_BUCKETS_OVER {
            self.buckets.retain(|_, bucket| !bucket.is_full(now));
        }
        self.buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now))
            .try_take(now)
    }

    pub(crate) fn inject(&mut self, fault: Fault) {
        if fault.remaining > 0 {
            self.faults.push_back(fault);
        }
    }

    /// Takes one use of the first pending fault that matches `action`.
    pub(crate) fn take_fault(&mut self, action: Option<&str>) -> Option<FaultKind> {
        let index = self.faults.iter().position(|f| f.matches(action))?;
        let fault = &mut self.faults[index];
        fault.remaining -= 1;
        let kind = fault.kind.clone();
        if fault.remaining == 0 {
            self.faults.remove(index);
        }
        Some(kind)
    }

    pub(crate) fn log(&mut self, entry: LoggedRequest) {
        self.log.push(entry);
    }

    /// Clears inboxes, faults, the request log, the rate budgets and the callback log;
    /// keeps apps, rooms and users (and the `RequestId` counter, so IDs stay unique).
    /// Callbacks still pending are still sent.
    pub(crate) fn reset(&mut self) {
        self.inboxes.clear();
        self.faults.clear();
        self.log.clear();
        self.buckets.clear();
        if let Some(outbox) = self.outbox.as_mut() {
            outbox.clear();
        }
    }
}

/// What the connection tasks share with the handle.
pub(crate) struct Shared {
    state: Mutex<State>,
    pub(crate) header_read_timeout: Duration,
    pub(crate) max_connections: usize,
}

impl Shared {
    pub(crate) fn new(state: State, header_read_timeout: Duration, max_connections: usize) -> Self {
        Shared {
            state: Mutex::new(state),
            header_read_timeout,
            max_connections: max_connections.max(1),
        }
    }

    /// The state. A panic elsewhere while it was held cannot leave it half-written in a
    /// way that matters to a mock, so a poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_an_even_pace_at_exactly_the_budget() {
        let rate = Rate::per_second(100);
        let t0 = Instant::now();
        let mut bucket = Bucket::full(rate, t0);
        for i in 0..10_000u32 {
            let now = t0 + rate.interval() * i;
            assert!(bucket.try_take(now), "request {i} at an even pace");
        }
        // Starting empty, too: the pace refills exactly what each request takes.
        let mut bucket = Bucket::full(rate, t0);
        for _ in 0..100 {
            assert!(bucket.try_take(t0));
        }
        assert!(!bucket.try_take(t0));
        for i in 1..=10_000u32 {
            assert!(bucket.try_take(t0 + rate.interval() * i), "{i}");
        }
    }

    #[test]
    fn bucket_takes_a_burst_of_its_capacity_then_refills_continuously() {
        let rate = Rate::per_second(100);
        let t0 = Instant::now();
        let mut bucket = Bucket::full(rate, t0);
        let accepted = (0..150).filter(|_| bucket.try_take(t0)).count();
        assert_eq!(accepted, 100);
        // 50 ms later, 5 tokens are back.
        let later = t0 + Duration::from_millis(50);
        let accepted = (0..10).filter(|_| bucket.try_take(later)).count();
        assert_eq!(accepted, 5);
        // Idle time never banks more than the capacity.
        let much_later = t0 + Duration::from_secs(3600);
        let accepted = (0..500).filter(|_| bucket.try_take(much_later)).count();
        assert_eq!(accepted, 100);
        // A clock that goes backwards takes nothing back.
        assert!(!bucket.try_take(t0));
    }

    #[test]
    fn faults_apply_in_order_and_by_action() {
        let mut state = State::new(true);
        state.inject(Fault::new(FaultKind::CloseConnection).times(0));
        state.inject(
            Fault::new(FaultKind::Code(ReturnCode::REQUEST_FAILED))
                .times(2)
                .action("A"),
        );
        state.inject(Fault::new(FaultKind::BadGateway));
        assert_eq!(state.faults.len(), 2, "a fault for 0 requests is dropped");
        assert_eq!(state.take_fault(Some("B")), Some(FaultKind::BadGateway));
        assert_eq!(state.take_fault(Some("B")), None);
        assert_eq!(state.take_fault(None), None);
        let busy = Some(FaultKind::Code(ReturnCode::REQUEST_FAILED));
        assert_eq!(state.take_fault(Some("A")), busy);
        assert_eq!(state.take_fault(Some("A")), busy);
        assert_eq!(state.take_fault(Some("A")), None);
    }

    #[test]
    fn request_ids_are_unique_across_resets() {
        let mut state = State::new(true);
        let a = state.request_id();
        state.reset();
        let b = state.request_id();
        assert_ne!(a, b);
    }

    #[test]
    fn the_log_is_bounded_in_entries_and_bytes() {
        let entry = |query: String| LoggedRequest {
            at_ms: 0,
            test_env: false,
            action: Some("A".into()),
            app_id: Some("12".into()),
            query,
            code: None,
            fault: None,
            request_id: Some("345".into()),
        };
        assert_eq!(entry("q".repeat(10)).bytes(), 10 + 1 + 2 + 3);
        let mut state = State::new(true);
        for _ in 0..MAX_LOG_ENTRIES + 1 {
            state.log(entry(String::new()));
        }
        assert_eq!(state.log.len(), MAX_LOG_ENTRIES);
        // Entries of 16 KiB: the byte budget is reached long before the count.
        let big = 16 * 1024;
        for n in 0..MAX_LOG_BYTES / big + 10 {
            state.log(entry(format!("{n:08}{}", "q".repeat(big - 8))));
        }
        assert!(state.log.bytes() <= MAX_LOG_BYTES, "{}", state.log.bytes());
        assert!(state.log.len() < MAX_LOG_BYTES / big, "{}", state.log.len());
        let newest = state.log.iter().last().unwrap();
        assert!(
            newest
                .query
                .starts_with(&format!("{:08}", MAX_LOG_BYTES / big + 9))
        );
    }

    #[test]
    fn world_keys_default_to_the_default_world_and_the_apps_environment() {
        let mut state = State::new(true);
        let secret = || ServerSecret::new("s").unwrap();
        state.apps.insert(
            1,
            AppEntry {
                secret: secret(),
                test_only: false,
            },
        );
        state.apps.insert(
            2,
            AppEntry {
                secret: secret(),
                test_only: true,
            },
        );
        state.default_world = WorldKey {
            app_id: 1,
            test_env: false,
        };
        let key = |app_id, test_env| WorldKey { app_id, test_env };
        assert_eq!(state.world_key(None, None), key(1, false));
        assert_eq!(state.world_key(None, Some(true)), key(1, true));
        assert_eq!(state.world_key(Some(2), None), key(2, true));
        assert_eq!(state.world_key(Some(2), Some(false)), key(2, false));
        assert_eq!(
            state.world_key(Some(9), None),
            key(9, false),
            "unknown: production"
        );
    }

    #[test]
    fn idle_full_buckets_are_pruned_and_busy_ones_kept() {
        let mut state = State::new(true);
        let t0 = Instant::now();
        let rate = Rate::new(1, Duration::from_secs(10));
        let key = |room: usize| BucketKey {
            world: WorldKey {
                app_id: 1,
                test_env: false,
            },
            action: "A",
            room: Some(room.to_string()),
        };
        for room in 0..=PRUNE_BUCKETS_OVER {
            assert!(state.take_token(key(room), rate, t0));
        }
        // 10 s later every bucket is full again, so they all go, but room 0 is taken
        // from again at once and stays.
        let later = t0 + Duration::from_secs(10);
        assert!(state.take_token(key(0), rate, later));
        assert_eq!(state.buckets.len(), 1);
        assert!(!state.take_token(key(0), rate, later), "its budget is used");
    }
}
