//! HTTP responses: the body type every route answers with, and its JSON and text forms.
//! Both the API (`server.rs`) and the control API (`control.rs`) build on them.

use std::convert::Infallible;
use std::io;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use serde::Serialize;

/// The body of every response: whole, or (for a truncating fault) failing part-way.
pub(crate) type ResponseBody = BoxBody<Bytes, io::Error>;

/// A body of these bytes.
pub(crate) fn full(bytes: Bytes) -> ResponseBody {
    Full::new(bytes)
        .map_err(|never: Infallible| match never {})
        .boxed()
}

/// `status` with `body` and the given `Content-Type`.
pub(crate) fn with_type(
    status: StatusCode,
    content_type: &'static str,
    body: Bytes,
) -> Response<ResponseBody> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// `status` with a JSON body already encoded.
pub(crate) fn json_bytes(status: StatusCode, body: Bytes) -> Response<ResponseBody> {
    with_type(status, "application/json; charset=utf-8", body)
}

/// `status` with `value` encoded as JSON.
pub(crate) fn json_response(status: StatusCode, value: &impl Serialize) -> Response<ResponseBody> {
    // The values answered are plain data (strings, numbers, maps with string keys),
    // which always encode; should one not, the answer is `null` rather than a panic.
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
    json_bytes(status, Bytes::from(body))
}

/// `status` with a plain-text body.
pub(crate) fn text(status: StatusCode, body: String) -> Response<ResponseBody> {
    with_type(status, "text/plain; charset=utf-8", Bytes::from(body))
}
