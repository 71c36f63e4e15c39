//! What the mock remembers: apps, rooms, inboxes, pending faults, the request log and the
//! rate budgets. One `State` sits behind one `std::sync::Mutex`; every lock is short and
//! never held across an `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;
use zego_core::{Rate, ReturnCode, ServerSecret};

/// The most entries the request log keeps; older ones are dropped first.
pub const MAX_LOG_ENTRIES: usize = 100_000;

/// The most messages one inbox keeps; older ones are dropped first.
pub const MAX_INBOX_MESSAGES: usize = 100_000;

/// A message delivered to a user, as the client SDK's `onIMRecvCustomCommand` would see it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Delivered {
    /// The room it was sent in.
    pub room_id: String,
    /// The sender (`FromUserId`).
    pub from_user_id: String,
    /// The decoded `MessageContent`.
    pub content: String,
}

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
    tokens: f64,
    last: Instant,
}

impl Bucket {
    pub(crate) fn full(rate: Rate, now: Instant) -> Self {
        Bucket {
            tokens: f64::from(rate.count()),
            last: now,
        }
    }

    /// Takes one token if there is one.
    pub(crate) fn try_take(&mut self, rate: Rate, now: Instant) -> bool {
        let capacity = f64::from(rate.count());
        let period = rate.period().as_secs_f64();
        if period <= 0.0 {
            return true;
        }
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * capacity / period).min(capacity);
        self.last = self.last.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Everything the mock remembers.
pub(crate) struct State {
    pub(crate) apps: HashMap<u32, AppEntry>,
    /// Room → user → online.
    pub(crate) rooms: BTreeMap<String, BTreeMap<String, bool>>,
    pub(crate) inboxes: HashMap<String, VecDeque<Delivered>>,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) log: VecDeque<LoggedRequest>,
    /// (AppId, test environment, Action) → bucket.
    pub(crate) buckets: HashMap<(u32, bool, &'static str), Bucket>,
    pub(crate) rate_limits: bool,
    next_request_id: u64,
}

impl State {
    pub(crate) fn new(rate_limits: bool) -> Self {
        State {
            apps: HashMap::new(),
            rooms: BTreeMap::new(),
            inboxes: HashMap::new(),
            faults: VecDeque::new(),
            log: VecDeque::new(),
            buckets: HashMap::new(),
            rate_limits,
            next_request_id: 1,
        }
    }

    /// A fresh `RequestId`: a decimal counter, unique for the life of the server.
    pub(crate) fn request_id(&mut self) -> String {
        let id = self.next_request_id;
        self.next_request_id += 1;
        id.to_string()
    }

    /// Puts a user online or offline in a room, creating both if needed.
    pub(crate) fn set_online(&mut self, room_id: &str, user_id: &str, online: bool) {
        self.rooms
            .entry(room_id.to_owned())
            .or_default()
            .insert(user_id.to_owned(), online);
    }

    pub(crate) fn is_online(&self, room_id: &str, user_id: &str) -> bool {
        self.rooms
            .get(room_id)
            .and_then(|users| users.get(user_id))
            .copied()
            .unwrap_or(false)
    }

    pub(crate) fn deliver(&mut self, user_id: &str, message: Delivered) {
        let inbox = self.inboxes.entry(user_id.to_owned()).or_default();
        if inbox.len() >= MAX_INBOX_MESSAGES {
            inbox.pop_front();
        }
        inbox.push_back(message);
    }

    pub(crate) fn inbox(&self, user_id: &str) -> Vec<Delivered> {
        self.inboxes
            .get(user_id)
            .map(|inbox| inbox.iter().cloned().collect())
            .unwrap_or_default()
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
        if self.log.len() >= MAX_LOG_ENTRIES {
            self.log.pop_front();
        }
        self.log.push_back(entry);
    }

    /// Clears inboxes, faults, the request log and the rate budgets; keeps apps, rooms
    /// and users (and the `RequestId` counter, so IDs stay unique).
    pub(crate) fn reset(&mut self) {
        self.inboxes.clear();
        self.faults.clear();
        self.log.clear();
        self.buckets.clear();
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
            assert!(bucket.try_take(rate, now), "request {i} at an even pace");
        }
        // Starting empty, too: the pace refills exactly what each request takes.
        let mut bucket = Bucket::full(rate, t0);
        for _ in 0..100 {
            assert!(bucket.try_take(rate, t0));
        }
        assert!(!bucket.try_take(rate, t0));
        for i in 1..=10_000u32 {
            assert!(bucket.try_take(rate, t0 + rate.interval() * i), "{i}");
        }
    }

    #[test]
    fn bucket_takes_a_burst_of_its_capacity_then_refills_continuously() {
        let rate = Rate::per_second(100);
        let t0 = Instant::now();
        let mut bucket = Bucket::full(rate, t0);
        let accepted = (0..150).filter(|_| bucket.try_take(rate, t0)).count();
        assert_eq!(accepted, 100);
        // 50 ms later, 5 tokens are back.
        let later = t0 + Duration::from_millis(50);
        let accepted = (0..10).filter(|_| bucket.try_take(rate, later)).count();
        assert_eq!(accepted, 5);
        // Idle time never banks more than the capacity.
        let much_later = t0 + Duration::from_secs(3600);
        let accepted = (0..500)
            .filter(|_| bucket.try_take(rate, much_later))
            .count();
        assert_eq!(accepted, 100);
        // A clock that goes backwards takes nothing back.
        assert!(!bucket.try_take(rate, t0));
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
    fn log_and_inbox_are_capped() {
        let mut state = State::new(true);
        let message = |n: usize| Delivered {
            room_id: "r".into(),
            from_user_id: "f".into(),
            content: n.to_string(),
        };
        for n in 0..MAX_INBOX_MESSAGES + 3 {
            state.deliver("u", message(n));
        }
        let inbox = state.inbox("u");
        assert_eq!(inbox.len(), MAX_INBOX_MESSAGES);
        assert_eq!(inbox[0], message(3), "the oldest are dropped first");
        for _ in 0..MAX_LOG_ENTRIES + 1 {
            state.log(LoggedRequest {
                action: None,
                app_id: None,
                query: String::new(),
                code: None,
                fault: None,
                request_id: None,
            });
        }
        assert_eq!(state.log.len(), MAX_LOG_ENTRIES);
    }
}
