//! A receiver of ZEGO's server callbacks: it verifies each one, reads it, prints it, and
//! answers as ZEGO expects.
//!
//! ```text
//! ZEGO_CALLBACK_SECRET=<CallbackSecret> cargo run -p zego-hyper --example callbacks -- --listen 127.0.0.1:8080
//! ```
//!
//! Register `http(s)://<this host>/` (any path) as the callback URL in the ZEGO console.
//! The secret is the console's CallbackSecret, not the ServerSecret. Several secrets,
//! separated by commas, are all accepted (to rotate without downtime).
//!
//! Answers: `200` once the event is queued (the printing happens afterwards, off the
//! request path), `400` for a body that cannot be read, `401` for a bad signature, `405`
//! for a method other than `POST`, `500` when the queue is full (so ZEGO retries).
//! Duplicates (ZEGO retries when an answer is late or lost) are answered `200` and
//! printed as such.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use zego_hyper::callbacks::{
    BodyError, Callback, CallbackSecret, DedupKey, Event, Lifecycles, MAX_CALLBACK_BODY_BYTES,
    ReceiveError, Receiver, TOMBSTONE_TTL, Verdict, ok_response, sink_failed_response,
};

/// Events waiting to be printed; when full, callbacks are answered `500`.
const QUEUE: usize = 1024;

struct Shared {
    receiver: Receiver,
    queue: mpsc::Sender<(Callback, bool)>,
    /// De-duplication keys seen, with when (spec §6.7).
    seen: Mutex<HashMap<DedupKey, Instant>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listen: SocketAddr = "127.0.0.1:8080".parse()?;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => listen = args.next().ok_or("--listen needs an address")?.parse()?,
            "-h" | "--help" => {
                println!(
                    "usage: ZEGO_CALLBACK_SECRET=<secret> callbacks [--listen ADDR]\n\
                     verifies, reads and prints ZEGO's server callbacks (default ADDR 127.0.0.1:8080)"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    let secrets = std::env::var("ZEGO_CALLBACK_SECRET")
        .map_err(|_| "set ZEGO_CALLBACK_SECRET to the project's CallbackSecret")?;
    let receiver = Receiver::with_secrets(
        secrets
            .split(',')
            .map(CallbackSecret::new)
            .collect::<Result<Vec<_>, _>>()?,
    )?;

    let (queue, events) = mpsc::channel(QUEUE);
    tokio::spawn(print_events(events));
    let shared = Arc::new(Shared {
        receiver,
        queue,
        seen: Mutex::new(HashMap::new()),
    });

    let listener = TcpListener::bind(listen).await?;
    println!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => accepted?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(shared.clone(), request));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection: {e}");
            }
        });
    }
}

/// Verifies and reads one callback, queues it, and answers. Nothing slow happens here:
/// ZEGO wants an answer within 2 s.
async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_CALLBACK_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            // Too large, or the connection broke while reading.
            let refused = ReceiveError::Body {
                error: BodyError::TooLarge {
                    len: MAX_CALLBACK_BODY_BYTES + 1,
                    limit: MAX_CALLBACK_BODY_BYTES,
                },
                content_type: None,
            };
            eprintln!("refused ({}): body not read: {e}", refused.status());
            return Ok(into_hyper(refused.response()));
        }
    };
    let callback =
        match shared
            .receiver
            .receive_http(&parts.method, &parts.headers, &body, SystemTime::now())
        {
            Ok(callback) => callback,
            Err(refused) => {
                eprintln!("refused ({}): {refused}", refused.status());
                return Ok(into_hyper(refused.response()));
            }
        };
    let duplicate = {
        let now = Instant::now();
        let mut seen = shared.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|_, at| now.duration_since(*at) < TOMBSTONE_TTL);
        seen.insert(callback.dedup_key(), now).is_some()
    };
    match shared.queue.try_send((callback, duplicate)) {
        Ok(()) => Ok(into_hyper(ok_response())),
        Err(_) => {
            eprintln!("refused (500): the queue is full; ZEGO will retry");
            Ok(into_hyper(sink_failed_response()))
        }
    }
}

/// The slow part, after the answer: print each event, and keep the room, user and stream
/// lists in order (callbacks arrive out of order).
async fn print_events(mut events: mpsc::Receiver<(Callback, bool)>) {
    let mut lists = Lifecycles::new();
    while let Some((callback, duplicate)) = events.recv().await {
        let outcome = lists.apply(&callback.event, Instant::now());
        let note = match outcome.verdict {
            _ if duplicate => "duplicate".to_owned(),
            Verdict::NotTracked => "raw".to_owned(),
            verdict => format!("{verdict:?}").to_lowercase(),
        };
        let app = callback.common.app_id_text.as_deref().unwrap_or("?");
        println!(
            "{} (app {app}, {note}): {}",
            callback.name(),
            describe(&callback)
        );
        if let Some(gap) = outcome.gap {
            println!(
                "  note: {} jumped from {} to {}; a callback may have been lost",
                gap.field, gap.previous, gap.received
            );
        }
    }
}

fn describe(callback: &Callback) -> String {
    match &callback.event {
        Event::RoomCreate(e) => format!(
            "room {} created (lifetime {}, by {})",
            e.room_id, e.room_session_id, e.id_name
        ),
        Event::RoomClose(e) => format!(
            "room {} closed (lifetime {}, {:?})",
            e.room_id, e.room_session_id, e.close_reason
        ),
        Event::RoomLogin(e) => format!(
            "{} logged in to {} (session {}{})",
            e.user_account,
            e.room_id,
            e.session_id,
            if e.relogin == Some(true) {
                ", again"
            } else {
                ""
            }
        ),
        Event::RoomLogout(e) => format!(
            "{} logged out of {} (session {}, {:?})",
            e.user_account, e.room_id, e.session_id, e.reason
        ),
        Event::StreamCreate(e) => format!(
            "{} publishes {} in {} (codec {:?}, {} RTMP URL(s))",
            Some(e.user()).filter(|u| !u.is_empty()).unwrap_or("?"),
            e.stream(),
            e.room(),
            e.codec(),
            e.rtmp_url.len()
        ),
        Event::StreamClose(e) => format!(
            "stream {} in {} closed ({:?})",
            e.stream(),
            e.room(),
            e.close_type
        ),
        Event::Invalid(error) => format!("{} ({error})", callback.fields.to_json()),
        _ => callback.fields.to_json(),
    }
}

fn into_hyper(response: http::Response<Vec<u8>>) -> Response<Full<Bytes>> {
    response.map(|body| Full::new(Bytes::from(body)))
}
