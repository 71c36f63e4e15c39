//! The callbacks the mock sends, as ZEGO sends them to an app server (spec callbacks §5,
//! §7): each change of a world becomes the vendor's event, POSTed as JSON with a fresh
//! timestamp, nonce and signature per delivery, retried after 1, 2, 4, 8 and 16 times
//! the retry base when the answer is not 2xx or does not come within
//! [`CALLBACK_TIMEOUT`], then dropped.
//!
//! The world's changes are queued under the state's lock ([`Outbox::send`]); one task on
//! the mock's runtime ([`dispatch`]) takes them and keeps one line per room, so that the
//! next event of a room waits until the one before it is delivered or dropped, while
//! other rooms go on. Every delivery and its attempts are written in a log bounded like
//! the request log, and the events waiting are bounded in number and in bytes.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderValue, Request, Uri, header};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use zego_core::AppId;
use zego_core::callbacks::{CallbackSecret, Event, MAX_DELIVERIES};

use crate::bounded::{Bounded, Weigh};
use crate::state::Shared;
use crate::world::{WorldKey, unix_millis};

/// How long the mock waits for the receiver's answer (its status line and headers)
/// before the attempt counts as failed: 3 s.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(3);

/// The default retry base: retries follow a failed attempt after 1, 2, 4, 8 and 16 times
/// it, so 2, 4, 8, 16 and 32 s as the vendor (spec callbacks §5.2).
pub const DEFAULT_CALLBACK_RETRY_BASE: Duration = Duration::from_secs(2);

/// The most deliveries the callback log keeps; the oldest are dropped first.
pub const MAX_CALLBACK_ENTRIES: usize = 100_000;

/// The most bytes the callback log keeps (the text of each entry: its event name, room
/// ID, body and attempt errors, and 16 bytes an attempt); the oldest are dropped first.
pub const MAX_CALLBACK_BYTES: usize = 32 * 1024 * 1024;

/// The most events waiting behind an earlier event of their room. An event that finds
/// that many waiting is not sent: it is logged with no attempt and not delivered.
pub const MAX_WAITING_CALLBACKS: usize = 100_000;

/// The most bytes the events waiting behind an earlier event of their room may hold
/// together (each counted as the text of its fields and its room's ID). An event that
/// would go over is not sent: it is logged with no attempt and not delivered.
pub const MAX_WAITING_CALLBACK_BYTES: usize = 32 * 1024 * 1024;

/// One callback the mock sent (or is sending), as [`MockServer::callbacks`] lists it.
///
/// [`MockServer::callbacks`]: crate::MockServer::callbacks
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CallbackDelivery {
    /// The event name: `room_create`, `room_login`, `stream_create`, ...
    pub event: String,
    /// The room it is about.
    pub room_id: String,
    /// The JSON body of the last attempt (each attempt has its own timestamp, nonce and
    /// signature); empty before the first.
    pub body: String,
    /// The attempts so far, in order.
    pub attempts: Vec<CallbackAttempt>,
    /// Whether an attempt was answered 2xx.
    pub delivered: bool,
    /// Whether it is still to be sent or retried; once `false`, it was delivered or
    /// dropped.
    pub pending: bool,
}

/// One attempt of a [`CallbackDelivery`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CallbackAttempt {
    /// The HTTP status answered; `None` when there was no answer (no connection, or none
    /// within [`CALLBACK_TIMEOUT`]).
    pub status: Option<u16>,
    /// When the attempt started, Unix milliseconds.
    pub at_ms: u64,
    /// Why there was no answer, when there was none.
    pub error: Option<String>,
}

/// Where and how callbacks are sent.
#[derive(Debug)]
pub(crate) struct CallbackConfig {
    pub(crate) url: Uri,
    pub(crate) secret: CallbackSecret,
    pub(crate) retry_base: Duration,
}

/// Checks a callback URL: `http://host[:port]/path`. HTTPS is not supported: the URL is
/// a developer's local receiver.
pub(crate) fn parse_url(url: &str) -> Result<Uri, String> {
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("callback URL {url:?} is not a URL: {e}"))?;
    if uri.scheme_str() != Some("http") || uri.authority().is_none() {
        return Err(format!(
            "callback URL {url:?}: only http://HOST[:PORT]/PATH is supported (no https)"
        ));
    }
    Ok(uri)
}

/// A room's line: events of one room are sent one after the other.
type RoomKey = (WorldKey, String);

/// An event on its way to the dispatcher.
#[derive(Debug)]
pub(crate) struct Queued {
    id: u64,
    room: RoomKey,
    event: Event,
}

impl Weigh for Queued {
    /// Its room's ID and the text of its event's fields, as debug-printed (counted
    /// without being written anywhere).
    fn bytes(&self) -> usize {
        struct Count(usize);
        impl std::fmt::Write for Count {
            fn write_str(&mut self, s: &str) -> std::fmt::Result {
                self.0 += s.len();
                Ok(())
            }
        }
        let mut count = Count(self.room.1.len());
        // Writing to a counter cannot fail.
        let _ = std::fmt::Write::write_fmt(&mut count, format_args!("{:?}", self.event));
        count.0
    }
}

/// A delivery in the log, with the ID the dispatcher updates it by.
#[derive(Debug)]
struct Entry {
    id: u64,
    delivery: CallbackDelivery,
}

impl Weigh for Entry {
    fn bytes(&self) -> usize {
        let d = &self.delivery;
        let attempts: usize = d
            .attempts
            .iter()
            .map(|a| 16 + a.error.as_ref().map_or(0, String::len))
            .sum();
        d.event.len() + d.room_id.len() + d.body.len() + attempts
    }
}

/// The state's side of the sender: the queue to the dispatcher and the delivery log.
#[derive(Debug)]
pub(crate) struct Outbox {
    queue: mpsc::UnboundedSender<Queued>,
    log: Bounded<Entry>,
    next_id: u64,
}

impl Outbox {
    /// An outbox, and the queue [`dispatch`] takes its events from.
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<Queued>) {
        let (queue, events) = mpsc::unbounded_channel();
        let outbox = Outbox {
            queue,
            log: Bounded::new(MAX_CALLBACK_ENTRIES, MAX_CALLBACK_BYTES),
            next_id: 1,
        };
        (outbox, events)
    }

    /// Queues the events of `world`, in order, and logs each as pending.
    pub(crate) fn send(&mut self, world: WorldKey, events: Vec<Event>) {
        for event in events {
            let Some(name) = event.name() else {
                continue;
            };
            let id = self.next_id;
            self.next_id += 1;
            let room_id = room_of(&event).to_owned();
            self.log.push(Entry {
                id,
                delivery: CallbackDelivery {
                    event: name.to_owned(),
                    room_id: room_id.clone(),
                    body: String::new(),
                    attempts: Vec::new(),
                    delivered: false,
                    pending: true,
                },
            });
            let queued = Queued {
                id,
                room: (world, room_id),
                event,
            };
            if self.queue.send(queued).is_err() {
                // The server has stopped: nothing will be sent.
                self.finish(id);
            }
        }
    }

    /// Writes one attempt of delivery `id`: its body and outcome, and whether it was the
    /// last.
    fn attempted(&mut self, id: u64, body: String, attempt: CallbackAttempt, last: bool) {
        let delivered = attempt.status.is_some_and(is_success);
        self.log.update(
            |entry| entry.id == id,
            |entry| {
                let d = &mut entry.delivery;
                d.body = body;
                d.attempts.push(attempt);
                d.delivered = delivered;
                d.pending = !last;
            },
        );
    }

    /// Marks delivery `id` as no longer pending, without an attempt.
    fn finish(&mut self, id: u64) {
        self.log.update(
            |entry| entry.id == id,
            |entry| entry.delivery.pending = false,
        );
    }

    /// Every delivery kept, oldest first.
    pub(crate) fn deliveries(&self) -> Vec<CallbackDelivery> {
        self.log
            .iter()
            .map(|entry| entry.delivery.clone())
            .collect()
    }

    /// Forgets the deliveries logged so far (those pending are still sent).
    pub(crate) fn clear(&mut self) {
        self.log.clear();
    }
}

fn is_success(status: u16) -> bool {
    (200..300).contains(&status)
}

/// The room an event is about.
fn room_of(event: &Event) -> &str {
    match event {
        Event::RoomCreate(e) => &e.room_id,
        Event::RoomClose(e) => &e.room_id,
        Event::RoomLogin(e) => &e.room_id,
        Event::RoomLogout(e) => &e.room_id,
        Event::StreamCreate(e) => e.room(),
        Event::StreamClose(e) => e.room(),
        _ => "",
    }
}

type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Takes the queued events and sends them, one line per room, until the runtime stops.
pub(crate) async fn dispatch(
    shared: Arc<Shared>,
    config: Arc<CallbackConfig>,
    mut queue: mpsc::UnboundedReceiver<Queued>,
) {
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build_http();
    // The rooms with a delivery under way, each with the events waiting behind it (and
    // what each weighs).
    let mut lines: HashMap<RoomKey, VecDeque<(Queued, usize)>> = HashMap::new();
    let mut rooms_of_tasks: HashMap<tokio::task::Id, RoomKey> = HashMap::new();
    let mut running = JoinSet::new();
    let mut waiting = 0usize;
    let mut waiting_bytes = 0usize;
    loop {
        tokio::select! {
            queued = queue.recv() => {
                let Some(queued) = queued else { return };
                match lines.get_mut(&queued.room) {
                    Some(line) => {
                        let size = queued.bytes();
                        if waiting >= MAX_WAITING_CALLBACKS
                            || waiting_bytes + size > MAX_WAITING_CALLBACK_BYTES
                        {
                            if let Some(outbox) = shared.lock().outbox.as_mut() {
                                outbox.finish(queued.id);
                            }
                            continue;
                        }
                        line.push_back((queued, size));
                        waiting += 1;
                        waiting_bytes += size;
                    }
                    None => {
                        let room = queued.room.clone();
                        let task = running.spawn(deliver(
                            shared.clone(), config.clone(), client.clone(), queued,
                        ));
                        rooms_of_tasks.insert(task.id(), room.clone());
                        lines.insert(room, VecDeque::new());
                    }
                }
            }
            Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                let task = match done {
                    Ok((task, ())) => task,
                    Err(error) => error.id(),
                };
                let Some(room) = rooms_of_tasks.remove(&task) else { continue };
                match lines.get_mut(&room).and_then(VecDeque::pop_front) {
                    Some((next, size)) => {
                        waiting -= 1;
                        waiting_bytes -= size;
                        let task = running.spawn(deliver(
                            shared.clone(), config.clone(), client.clone(), next,
                        ));
                        rooms_of_tasks.insert(task.id(), room);
                    }
                    None => {
                        lines.remove(&room);
                    }
                }
            }
        }
    }
}

/// Sends one event until it is answered 2xx or its last attempt fails.
async fn deliver(
    shared: Arc<Shared>,
    config: Arc<CallbackConfig>,
    client: HttpClient,
    queued: Queued,
) {
    let app_id = AppId::new(queued.room.0.app_id);
    let mut delay = config.retry_base;
    for attempt in 1..=MAX_DELIVERIES {
        let now = SystemTime::now();
        let timestamp = u64::try_from(zego_core::unix_seconds(now)).unwrap_or(0);
        let body = queued
            .event
            .to_vendor_fields(app_id, timestamp, &nonce(), &config.secret)
            .map(|fields| fields.to_json())
            .unwrap_or_default();
        let (status, error) = post(&client, &config.url, body.clone()).await;
        let last = status.is_some_and(is_success) || attempt == MAX_DELIVERIES;
        let record = CallbackAttempt {
            status,
            at_ms: unix_millis(now),
            error,
        };
        if let Some(outbox) = shared.lock().outbox.as_mut() {
            outbox.attempted(queued.id, body, record, last);
        }
        if last {
            return;
        }
        tokio::time::sleep(delay).await;
        delay = delay.saturating_mul(2);
    }
}

/// POSTs `body` and returns the status, or why there was none.
async fn post(client: &HttpClient, url: &Uri, body: String) -> (Option<u16>, Option<String>) {
    let mut request = Request::new(Full::new(Bytes::from(body)));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = url.clone();
    request.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    match tokio::time::timeout(CALLBACK_TIMEOUT, client.request(request)).await {
        // The body is not read: the vendor ignores it (spec callbacks §5.1).
        Ok(Ok(response)) => (Some(response.status().as_u16()), None),
        Ok(Err(error)) => (None, Some(zego_core::error_chain(&error))),
        Err(_) => (
            None,
            Some(format!("no answer within {} s", CALLBACK_TIMEOUT.as_secs())),
        ),
    }
}

/// A fresh nonce: a random non-negative 63-bit decimal, like the vendor's
/// (`"7254119327986670314"`). Each `RandomState` is seeded from the OS's random source
/// once per thread, then stepped, so two calls never share a key.
fn nonce() -> String {
    (RandomState::new().hash_one(0u8) >> 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls_are_taken() {
        assert!(parse_url("http://127.0.0.1:8080/callbacks").is_ok());
        assert!(parse_url("http://localhost:9/").is_ok());
        for bad in [
            "https://example.com/",
            "127.0.0.1:8080",
            "/path",
            "ftp://x/",
            "",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn nonces_are_fresh_decimals() {
        let a = nonce();
        let b = nonce();
        assert_ne!(a, b);
        assert!(a.chars().all(|c| c.is_ascii_digit()), "{a}");
    }

    #[test]
    fn the_log_is_bounded_in_bytes_counting_each_attempts_body() {
        let (mut outbox, mut queue) = Outbox::new();
        let world = WorldKey {
            app_id: 1,
            test_env: false,
        };
        let create = |room: usize| {
            Event::RoomCreate(zego_core::callbacks::RoomCreate {
                room_id: format!("{room:06}"),
                ..Default::default()
            })
        };
        // Bodies of 64 KiB: the bytes run out long before the count.
        let body = "b".repeat(64 * 1024);
        let sent = MAX_CALLBACK_BYTES / body.len() + 10;
        assert!(sent < MAX_CALLBACK_ENTRIES);
        for room in 0..sent {
            outbox.send(world, vec![create(room)]);
            let queued = queue.try_recv().unwrap();
            let attempt = CallbackAttempt {
                status: Some(500),
                at_ms: 1,
                error: Some("e".repeat(100)),
            };
            outbox.attempted(queued.id, body.clone(), attempt, false);
        }
        assert!(
            outbox.log.bytes() <= MAX_CALLBACK_BYTES,
            "{}",
            outbox.log.bytes()
        );
        let kept = outbox.deliveries();
        assert!(
            kept.len() < sent && kept.len() + 20 > sent,
            "{}",
            kept.len()
        );
        // The oldest went first; the newest, with its body, is there.
        assert_eq!(kept.last().unwrap().room_id, format!("{:06}", sent - 1));
        assert_eq!(kept.last().unwrap().body.len(), body.len());
        let first: usize = kept[0].room_id.parse().unwrap();
        assert_eq!(first, sent - kept.len());
    }

    #[test]
    fn attempts_update_their_delivery_and_the_log_stays_bounded() {
        let (mut outbox, mut queue) = Outbox::new();
        let world = WorldKey {
            app_id: 1,
            test_env: false,
        };
        let create = Event::RoomCreate(zego_core::callbacks::RoomCreate {
            room_id: "r".into(),
            ..Default::default()
        });
        outbox.send(world, vec![create.clone(), Event::Other, create]);
        let first = queue.try_recv().unwrap();
        assert_eq!(first.room, (world, "r".to_owned()));
        assert!(queue.try_recv().is_ok());
        assert!(queue.try_recv().is_err(), "a raw event is not sent");
        let failed = CallbackAttempt {
            status: Some(500),
            at_ms: 1,
            error: None,
        };
        outbox.attempted(first.id, "{}".into(), failed, false);
        let ok = CallbackAttempt {
            status: Some(204),
            at_ms: 2,
            error: None,
        };
        outbox.attempted(first.id, "{\"a\":1}".into(), ok, true);
        let logged = outbox.deliveries();
        assert_eq!(logged.len(), 2);
        assert_eq!(logged[0].attempts.len(), 2);
        assert!(logged[0].delivered && !logged[0].pending);
        assert_eq!(logged[0].body, "{\"a\":1}");
        assert!(!logged[1].delivered && logged[1].pending);
        drop(queue);
        outbox.send(
            world,
            vec![Event::RoomCreate(
                zego_core::callbacks::RoomCreate::default(),
            )],
        );
        assert!(
            !outbox.deliveries()[2].pending,
            "nothing is pending once the server has stopped"
        );
        outbox.clear();
        assert!(outbox.deliveries().is_empty());
    }
}
