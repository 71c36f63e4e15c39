//! The HTTP side: the accept loop, one hyper HTTP/1.1 connection per socket (over TLS
//! when asked), the API path with its faults, and the caps that keep untrusted input
//! harmless.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use zego_core::ReturnCode;

use crate::control;
use crate::gateway::{self, Outcome};
use crate::request::{Now, Params};
use crate::response::{ResponseBody, json_bytes, json_response, text, with_type};
use crate::state::{FaultKind, LoggedRequest, Shared, State};
use crate::tls::Tls;

/// The longest request target (path and query) answered; a longer one gets HTTP 414.
pub const MAX_URI_BYTES: usize = 16 * 1024;

/// The largest request head (request line and headers); a larger one gets HTTP 431 and
/// the connection is closed.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;

/// The most header fields in one request; more get HTTP 431.
pub const MAX_HEADERS: usize = 64;

/// The most connections served at once, unless the builder says otherwise; more wait in
/// the listen backlog until one closes.
pub const MAX_CONNECTIONS: usize = 1024;

/// How long a client has to send a whole request head (also the idle time after which a
/// kept-alive connection is closed), unless the builder says otherwise.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// hyper's read buffer: room for the largest head, and never below hyper's minimum.
const READ_BUFFER_BYTES: usize = 2 * MAX_HEAD_BYTES;

/// How long a truncated body waits after its first half before the connection is cut,
/// so that the half is on the wire first.
const TRUNCATE_PAUSE: Duration = Duration::from_millis(20);

/// Where the CA's certificate is served.
const CA_PEM_PATH: &str = "/_mock/ca.pem";

/// What the accept loop holds besides the state: TLS when it serves HTTPS, and a count of
/// the connections accepted.
pub(crate) struct Listening {
    pub(crate) tls: Option<Tls>,
    pub(crate) accepted: AtomicU64,
}

/// The service's error: the connection is closed without an answer.
#[derive(Debug)]
pub(crate) struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

/// Serves connections until `shutdown` changes (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    listening: Arc<Listening>,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(shared.max_connections));
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
            _ = shutdown.changed() => return,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before it was
                    // accepted: wait a little and go on.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        listening.accepted.fetch_add(1, Ordering::Relaxed);
        let (shared, listening) = (shared.clone(), listening.clone());
        tokio::spawn(async move {
            let _permit = permit;
            match &listening.tls {
                None => serve_connection(stream, shared, listening.clone()).await,
                Some(tls) => {
                    // A client that does not complete its handshake within the header read
                    // timeout is disconnected, as one that does not send its head.
                    let handshake = tls.acceptor.accept(stream);
                    let timeout = shared.header_read_timeout;
                    if let Ok(Ok(stream)) = tokio::time::timeout(timeout, handshake).await {
                        serve_connection(stream, shared, listening.clone()).await;
                    }
                }
            }
        });
    }
}

/// Serves HTTP/1.1 on one connection until it closes.
async fn serve_connection<S>(stream: S, shared: Arc<Shared>, listening: Arc<Listening>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let timeout = shared.header_read_timeout;
    let service = service_fn(move |request: Request<Incoming>| {
        let (shared, listening) = (shared.clone(), listening.clone());
        // An API request is processed from the moment it arrives, as one that reached the
        // real service would be, even if its client goes away before hyper polls for the
        // answer: it runs on a task of its own.
        let api = api_query(&request).map(|query| tokio::spawn(api(shared.clone(), query)));
        async move {
            match api {
                Some(task) => task.await.unwrap_or(Err(DropConnection)),
                None => handle(shared, listening, request).await,
            }
        }
    });
    // Errors here are the client's (a reset, a malformed head, a timeout) or a fault's:
    // either way the connection is over and nothing else is affected.
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .max_buf_size(READ_BUFFER_BYTES)
        .max_header_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        .header_read_timeout(timeout)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// `GET /_mock/ca.pem`: the CA's certificate when the mock serves HTTPS.
fn ca_pem(listening: &Listening, method: &http::Method) -> Response<ResponseBody> {
    match (&listening.tls, method) {
        (Some(tls), &http::Method::GET) => with_type(
            StatusCode::OK,
            "application/x-pem-file",
            Bytes::from(tls.ca_pem.clone()),
        ),
        (Some(_), method) => json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            &json!({ "error": format!("{method} is not allowed on {CA_PEM_PATH}") }),
        ),
        (None, _) => json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "no CA: the mock serves plain http (start it with --tls for https)"}),
        ),
    }
}

/// The query of an API request (`GET /?...` within [`MAX_URI_BYTES`]); `None` for any
/// other request.
fn api_query(request: &Request<Incoming>) -> Option<String> {
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    (request.uri().path() == "/" && target_len <= MAX_URI_BYTES)
        .then(|| request.uri().query().unwrap_or_default().to_owned())
}

/// Every request but an API request: the CA, the control API, a target too long, a wrong
/// path.
async fn handle(
    shared: Arc<Shared>,
    listening: Arc<Listening>,
    request: Request<Incoming>,
) -> Result<Response<ResponseBody>, DropConnection> {
    let path = request.uri().path();
    if path == CA_PEM_PATH {
        return Ok(ca_pem(&listening, request.method()));
    }
    if path == control::PREFIX.trim_end_matches('/') || path.starts_with(control::PREFIX) {
        return Ok(control::handle(&shared, request).await);
    }
    let target_len = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if target_len > MAX_URI_BYTES {
        return Ok(text(
            StatusCode::URI_TOO_LONG,
            format!("request target over {MAX_URI_BYTES} bytes\n"),
        ));
    }
    Ok(json_response(
        StatusCode::NOT_FOUND,
        &json!({"error": "not found: the API is served at / and the control API under /_mock/"}),
    ))
}

/// One API request: its fault if one is pending, else the gateway and the call.
async fn api(shared: Arc<Shared>, query: String) -> Result<Response<ResponseBody>, DropConnection> {
    let params = Params::parse(&query);
    let action = params.first("Action").map(str::to_owned);
    let (fault, at_ms) = {
        let mut state = shared.lock();
        (state.take_fault(action.as_deref()), state.elapsed_ms())
    };
    let entry = LoggedRequest {
        at_ms,
        action,
        app_id: params.first("AppId").map(str::to_owned),
        test_env: crate::gateway::is_test(&params).unwrap_or(false),
        query,
        code: None,
        fault: fault.clone(),
        request_id: None,
    };

    // Every arm decides the answer under one short lock, logs it, and releases the lock
    // before anything is written.
    match fault {
        None => Ok(normal(&shared, &params, entry)),
        Some(FaultKind::Delay(delay)) => {
            // The request has reached the server: it is processed after the delay even
            // if the client gives up meanwhile (hyper drops this future when the client
            // closes the connection, but not the task).
            let shared = shared.clone();
            let task = tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                normal(&shared, &params, entry)
            });
            task.await.map_err(|_| DropConnection)
        }
        Some(FaultKind::Code(code)) => {
            let outcome = Outcome::bare(gateway::group_of(entry.action.as_deref()), code);
            Ok(answer(&mut shared.lock(), entry, &outcome))
        }
        Some(FaultKind::CloseConnection) => {
            shared.lock().log(entry);
            Err(DropConnection)
        }
        Some(FaultKind::BadGateway) => {
            shared.lock().log(entry);
            Ok(with_type(
                StatusCode::BAD_GATEWAY,
                "text/html; charset=utf-8",
                Bytes::from_static(BAD_GATEWAY_HTML.as_bytes()),
            ))
        }
        Some(FaultKind::MalformedJson) => {
            shared.lock().log(entry);
            Ok(json_bytes(
                StatusCode::OK,
                Bytes::from_static(br#"{"Code":0,"Message":"success","RequestId":,"Data":{"#),
            ))
        }
        Some(FaultKind::TruncatedBody) => {
            let whole = {
                let mut state = shared.lock();
                let request_id = state.request_id();
                let group = gateway::group_of(entry.action.as_deref());
                state.log(entry);
                Outcome::bare(group, ReturnCode::SUCCESS).envelope(&request_id)
            };
            Ok(truncated(whole))
        }
        Some(kind @ (FaultKind::DeliverThenCode(_) | FaultKind::DeliverThenClose)) => {
            let mut state = shared.lock();
            let outcome = gateway::process(&mut state, &params, Now::current());
            match kind {
                _ if !outcome.code.is_success() => Ok(answer(&mut state, entry, &outcome)),
                FaultKind::DeliverThenCode(code) => {
                    let outcome = Outcome::bare(outcome.group, code);
                    Ok(answer(&mut state, entry, &outcome))
                }
                _ => {
                    state.log(entry);
                    Err(DropConnection)
                }
            }
        }
    }
}

/// Checks and answers a request normally.
fn normal(shared: &Shared, params: &Params, entry: LoggedRequest) -> Response<ResponseBody> {
    let mut state = shared.lock();
    let outcome = gateway::process(&mut state, params, Now::current());
    answer(&mut state, entry, &outcome)
}

/// Answers `outcome` in the JSON envelope with a fresh `RequestId`, and logs the request.
fn answer(
    state: &mut State,
    mut entry: LoggedRequest,
    outcome: &Outcome,
) -> Response<ResponseBody> {
    let request_id = state.request_id();
    let body = outcome.envelope(&request_id);
    entry.code = Some(outcome.code);
    entry.request_id = Some(request_id);
    state.log(entry);
    json_bytes(StatusCode::OK, body)
}

const BAD_GATEWAY_HTML: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n\
    <body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";

/// HTTP 200 announcing the whole body's length, sending its first half, then failing,
/// which makes hyper close the connection.
fn truncated(whole: Bytes) -> Response<ResponseBody> {
    let length = whole.len();
    let body = Truncated {
        half: Some(whole.slice(..length / 2)),
        pause: Box::pin(tokio::time::sleep(TRUNCATE_PAUSE)),
    };
    let mut response = json_bytes(StatusCode::OK, Bytes::new());
    *response.body_mut() = body.boxed();
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    response
}

struct Truncated {
    half: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl Body for Truncated {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(half) = self.half.take() {
            return Poll::Ready(Some(Ok(Frame::data(half))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "body truncated by an injected fault",
            )))),
        }
    }
}
