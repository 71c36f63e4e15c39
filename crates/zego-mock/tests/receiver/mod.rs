//! A receiver of the mock's callbacks built on the SDK: a hyper 1 server that verifies
//! and reads each callback with `zego_core::callbacks::Receiver`, answers as the test
//! plans, and keeps everything it saw.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;
use zego_core::callbacks::{Callback, CallbackSecret, MAX_CALLBACK_BODY_BYTES, Receiver};

/// What the receiver does with a request, decided from its body before anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Verify and read it: 200, or the SDK's refusal (401 for a bad signature).
    Verify,
    /// Answer this status without looking.
    Status(u16),
    /// Answer nothing for 10 s.
    Hang,
}

/// One request the receiver saw.
#[derive(Clone, Debug)]
pub struct Seen {
    pub at: Instant,
    /// The status answered; `None` when it hung.
    pub status: Option<u16>,
    pub body: String,
    /// The callback, when it was verified and read.
    pub callback: Option<Callback>,
}

pub struct CallbackReceiver {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

type PlanFn = dyn Fn(&str) -> Plan + Send + Sync;

impl CallbackReceiver {
    /// A receiver that verifies with `secret` and answers each body as `plan` says.
    pub fn start(secret: &str, plan: impl Fn(&str) -> Plan + Send + Sync + 'static) -> Self {
        let receiver = Receiver::new(CallbackSecret::new(secret).unwrap());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (stop, stopped) = oneshot::channel();
        let shared = (
            Arc::new(receiver),
            Arc::new(plan) as Arc<PlanFn>,
            seen.clone(),
        );
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                tokio::select! {
                    _ = accept(listener, shared) => {}
                    _ = stopped => {}
                }
            });
        });
        CallbackReceiver {
            addr,
            seen,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Its URL, with a path (the receiver reads only the body).
    pub fn url(&self) -> String {
        format!("http://{}/zego/callbacks", self.addr)
    }

    /// Every request seen, in the order they came.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The callbacks verified, read and answered 200, in the order they came.
    pub fn accepted(&self) -> Vec<Callback> {
        self.seen()
            .into_iter()
            .filter(|s| s.status == Some(200))
            .filter_map(|s| s.callback)
            .collect()
    }
}

impl Drop for CallbackReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

type Shared = (Arc<Receiver>, Arc<PlanFn>, Arc<Mutex<Vec<Seen>>>);

async fn accept(listener: tokio::net::TcpListener, shared: Shared) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(shared.clone(), request));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    (receiver, plan, seen): Shared,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let at = Instant::now();
    let (parts, body) = request.into_parts();
    let body = Limited::new(body, MAX_CALLBACK_BODY_BYTES)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&body).into_owned();
    let (status, callback) = match plan(&text) {
        Plan::Status(status) => (Some(status), None),
        Plan::Hang => (None, None),
        Plan::Verify => {
            match receiver.receive_http(&parts.method, &parts.headers, &body, SystemTime::now()) {
                Ok(callback) => (Some(200), Some(callback)),
                Err(refused) => (Some(refused.status().as_u16()), None),
            }
        }
    };
    seen.lock().unwrap().push(Seen {
        at,
        status,
        body: text,
        callback,
    });
    let status = match status {
        Some(status) => status,
        None => {
            tokio::time::sleep(Duration::from_secs(10)).await;
            200
        }
    };
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
    Ok(response)
}
