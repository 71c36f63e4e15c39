//! `zego callbacks listen`: a small hyper 1 server that verifies each callback, answers it
//! as ZEGO expects, and prints it as one JSON line.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use zego_core::callbacks::{
    Callback, Event, FieldValue, Fields, MAX_CALLBACK_BODY_BYTES, Receiver, ok_response,
};

use crate::callbacks::ListenArgs;
use crate::exit;
use crate::out::{errln, outln};
use crate::runner::runtime;

/// Runs `zego callbacks listen` until SIGINT or SIGTERM; returns the exit code.
pub fn run(args: &ListenArgs) -> Result<u8, u8> {
    let receiver = Receiver::new(args.secret.secret()?);
    let runtime = runtime().map_err(|e| failed(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(serve(Arc::new(receiver), args.listen))
}

/// Prints an error and returns exit code 1.
fn failed(message: String) -> u8 {
    errln!("error: {message}");
    exit::FAILED
}

async fn serve(receiver: Arc<Receiver>, address: SocketAddr) -> Result<u8, u8> {
    let stop = stop_signal().map_err(|e| failed(format!("cannot watch for signals: {e}")))?;
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| failed(format!("cannot listen on {address}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| failed(format!("cannot read the address listened on: {e}")))?;
    print_line(&format!("listening on http://{local}"));

    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, for instance: wait rather than spin.
                    errln!("warning: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let receiver = Arc::clone(&receiver);
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(Arc::clone(&receiver), request));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                errln!("warning: connection: {e}");
            }
        });
    }
    errln!("stopped");
    Ok(exit::OK)
}

/// Resolves on SIGINT or SIGTERM (on Unix; on other systems, on Ctrl-C).
#[cfg(unix)]
pub(crate) fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Resolves on SIGINT or SIGTERM (on Unix; on other systems, on Ctrl-C).
#[cfg(not(unix))]
pub(crate) fn stop_signal() -> std::io::Result<impl Future<Output = ()>> {
    Ok(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

/// Reads one request's body, verifies and reads the callback, prints it, and answers.
async fn answer(
    receiver: Arc<Receiver>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let response = match read_capped(body).await {
        Err(e) => {
            errln!("refused (400): the body could not be read: {e}");
            let mut response = Response::new(Vec::new());
            *response.status_mut() = hyper::StatusCode::BAD_REQUEST;
            response
        }
        Ok(body) => {
            match receiver.receive_http(&parts.method, &parts.headers, &body, SystemTime::now()) {
                Ok(callback) => {
                    print_event(&callback);
                    ok_response()
                }
                Err(refused) => {
                    errln!("refused ({}): {refused}", refused.status());
                    refused.response()
                }
            }
        }
    };
    Ok(response.map(|body| Full::new(Bytes::from(body))))
}

/// The body, read up to one byte over [`MAX_CALLBACK_BODY_BYTES`]: the receiver refuses a
/// larger one as too large, and the rest is never read.
async fn read_capped(mut body: Incoming) -> Result<Vec<u8>, hyper::Error> {
    let mut bytes = Vec::new();
    while bytes.len() <= MAX_CALLBACK_BODY_BYTES {
        let Some(frame) = body.frame().await else {
            break;
        };
        if let Ok(data) = frame?.into_data() {
            let room = MAX_CALLBACK_BODY_BYTES + 1 - bytes.len();
            bytes.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok(bytes)
}

/// Prints a verified callback as one JSON line: `{"event": name, "fields": {...}}`, every
/// number with its exact text.
fn print_event(callback: &Callback) {
    if let Event::Invalid(error) = &callback.event {
        errln!(
            "note: this {} does not fit its typed model: {error}",
            callback.name()
        );
    }
    print_line(&event_line(callback));
}

/// The JSON line of a callback.
fn event_line(callback: &Callback) -> String {
    let mut line = Fields::new();
    line.insert("event", callback.name());
    line.insert("fields", FieldValue::Object(callback.fields.clone()));
    line.to_json()
}

/// Writes one line on stdout at once; a closed stdout is not an error of the server,
/// which goes on answering.
fn print_line(line: &str) {
    outln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use zego_core::callbacks::parse_unverified;

    #[test]
    fn an_event_is_its_name_and_every_field_with_exact_numbers() {
        let callback = parse_unverified(
            br#"{"event":"room_create","appid":1,"room_session_id":858012925204410400,"x":1.50}"#,
        )
        .unwrap();
        assert_eq!(
            event_line(&callback),
            r#"{"event":"room_create","fields":{"appid":1,"event":"room_create","room_session_id":858012925204410400,"x":1.50}}"#
        );
    }
}
