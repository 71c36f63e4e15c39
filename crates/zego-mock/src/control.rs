//! The JSON control API under `/_mock/`, a path the real service does not use, so that any
//! language can drive the mock over HTTP. Its shapes are documented in the crate docs.
//!
//! It is for programs on this machine: it answers only requests addressed to a loopback
//! host (so that a web page cannot reach it through DNS rebinding), takes only
//! `application/json` on its POSTs (which a page cannot send to another origin without
//! the preflight the mock never grants), and reads each body within a deadline.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use zego_core::ReturnCode;

use crate::login::LoginError;
use crate::response::{ResponseBody, json_response};
use crate::state::{Fault, FaultKind, LoggedRequest, Shared, State};
use crate::world::{Login, Publication, PublishError, WorldKey};

/// Where the control API lives.
pub(crate) const PREFIX: &str = "/_mock/";

/// The largest control request body read.
const MAX_CONTROL_BODY: usize = 64 * 1024;

/// The hosts the control API answers, with any port or none (compared in any case).
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "[::1]", "localhost"];

/// A fault as JSON: `{"kind": "code", "code": 50013, "times": 1, "action": "SendCustomCommand"}`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct FaultSpec {
    #[serde(flatten)]
    kind: KindSpec,
    #[serde(default = "one")]
    times: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    action: Option<String>,
}

fn one() -> usize {
    1
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum KindSpec {
    Delay { delay_ms: u64 },
    Code { code: i64 },
    CloseConnection,
    BadGateway,
    MalformedJson,
    TruncatedBody,
    DeliverThenCode { code: i64 },
    DeliverThenClose,
}

impl From<&FaultKind> for KindSpec {
    fn from(kind: &FaultKind) -> Self {
        match kind {
            FaultKind::Delay(d) => KindSpec::Delay {
                delay_ms: u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            },
            FaultKind::Code(c) => KindSpec::Code { code: c.get() },
            FaultKind::CloseConnection => KindSpec::CloseConnection,
            FaultKind::BadGateway => KindSpec::BadGateway,
            FaultKind::MalformedJson => KindSpec::MalformedJson,
            FaultKind::TruncatedBody => KindSpec::TruncatedBody,
            FaultKind::DeliverThenCode(c) => KindSpec::DeliverThenCode { code: c.get() },
            FaultKind::DeliverThenClose => KindSpec::DeliverThenClose,
        }
    }
}

impl From<KindSpec> for FaultKind {
    fn from(spec: KindSpec) -> Self {
        match spec {
            KindSpec::Delay { delay_ms } => FaultKind::Delay(Duration::from_millis(delay_ms)),
            KindSpec::Code { code } => FaultKind::Code(ReturnCode::new(code)),
            KindSpec::CloseConnection => FaultKind::CloseConnection,
            KindSpec::BadGateway => FaultKind::BadGateway,
            KindSpec::MalformedJson => FaultKind::MalformedJson,
            KindSpec::TruncatedBody => FaultKind::TruncatedBody,
            KindSpec::DeliverThenCode { code } => FaultKind::DeliverThenCode(ReturnCode::new(code)),
            KindSpec::DeliverThenClose => FaultKind::DeliverThenClose,
        }
    }
}

impl From<&Fault> for FaultSpec {
    fn from(fault: &Fault) -> Self {
        FaultSpec {
            kind: fault.kind().into(),
            times: fault.remaining(),
            action: fault.action_filter().map(str::to_owned),
        }
    }
}

impl From<FaultSpec> for Fault {
    fn from(spec: FaultSpec) -> Self {
        let fault = Fault::new(spec.kind.into()).times(spec.times);
        match spec.action {
            Some(action) => fault.action(&action),
            None => fault,
        }
    }
}

/// Which world a control request is about: `"app_id"` and `"test_env"`, in the query
/// of a `GET` or the body of a `POST`. Absent, the default world's app, and the app's own
/// environment.
#[derive(Debug, Default, Deserialize)]
struct WorldSpec {
    #[serde(default)]
    app_id: Option<u32>,
    #[serde(default)]
    test_env: Option<bool>,
}

/// The query of a control `GET`: which world (`app_id`, `test_env`), and for the lists
/// (`requests`, `inboxes`, `callbacks`) `limit`, the last so many entries; for
/// `requests` also `action` (that call only) and `failed=true` (answers other than 0).
#[derive(Debug, Default)]
struct Query {
    world: WorldSpec,
    limit: Option<usize>,
    action: Option<String>,
    failed: bool,
}

impl Query {
    /// From a query such as `app_id=5678&test_env=true` or `limit=200&failed=true`.
    fn parse(query: Option<&str>) -> Result<Self, String> {
        let mut spec = Query::default();
        for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match &*key {
                "app_id" => {
                    let id = value
                        .parse()
                        .map_err(|_| format!("app_id {value:?} is not a u32"))?;
                    spec.world.app_id = Some(id);
                }
                "test_env" => {
                    let env = value
                        .parse()
                        .map_err(|_| format!("test_env {value:?} is not true or false"))?;
                    spec.world.test_env = Some(env);
                }
                "limit" => {
                    let limit = value
                        .parse()
                        .map_err(|_| format!("limit {value:?} is not a count"))?;
                    spec.limit = Some(limit);
                }
                "action" => spec.action = Some(value.into_owned()),
                "failed" => {
                    spec.failed = value
                        .parse()
                        .map_err(|_| format!("failed {value:?} is not true or false"))?;
                }
                _ => {
                    return Err(format!(
                        "unknown query parameter {key:?}: app_id, test_env, limit, action, failed"
                    ));
                }
            }
        }
        Ok(spec)
    }

    /// The last `limit` of `entries` (all without a limit), oldest first.
    fn last<T>(&self, entries: Vec<T>) -> Vec<T> {
        match self.limit {
            Some(limit) if entries.len() > limit => {
                let skip = entries.len() - limit;
                entries.into_iter().skip(skip).collect()
            }
            _ => entries,
        }
    }
}

impl WorldSpec {
    fn key(&self, state: &State) -> WorldKey {
        state.world_key(self.app_id, self.test_env)
    }
}

/// `{"room_id": ..., "user_id": ..., "online": true}`, as listed.
#[derive(Debug, Serialize)]
struct UserEntry<'a> {
    room_id: &'a str,
    user_id: &'a str,
    online: bool,
}

/// A user as the control API names it: `"user_id"`, optionally with `"user_name"`,
/// `"role"` and `"ip"`.
#[derive(Debug, Deserialize)]
struct UserFields {
    user_id: String,
    #[serde(default)]
    user_name: Option<String>,
    #[serde(default)]
    role: Option<u32>,
    #[serde(default)]
    ip: Option<String>,
}

impl UserFields {
    /// The user, with its name, role and IP address when given.
    fn login(self) -> Login {
        let mut login = Login::new(self.user_id);
        if let Some(name) = self.user_name {
            login = login.name(name);
        }
        if let Some(role) = self.role {
            login = login.role(role);
        }
        if let Some(ip) = self.ip {
            login = login.ip(ip);
        }
        login
    }
}

/// A user to put in a room: `{"room_id", "user_id", "online"}`, optionally with
/// `"user_name"`, `"role"`, `"app_id"` and `"test_env"`.
#[derive(Debug, Deserialize)]
struct UserSpec {
    room_id: String,
    online: bool,
    #[serde(flatten)]
    user: UserFields,
    #[serde(flatten)]
    world: WorldSpec,
}

/// A token login: `{"room_id", "user_id", "token"}`, optionally with `"user_name"`,
/// `"role"`, `"app_id"` and `"test_env"`.
#[derive(Debug, Deserialize)]
struct LoginSpec {
    room_id: String,
    token: String,
    #[serde(flatten)]
    user: UserFields,
    #[serde(flatten)]
    world: WorldSpec,
}

/// A stream that starts (`{"room_id", "user_id", "stream_id"}`, optionally with
/// `"title"` and `"extra_info"`; `"publishing": true` may be said) or stops
/// (`{"room_id", "stream_id", "publishing": false}`), optionally with `"app_id"` and
/// `"test_env"`.
#[derive(Debug, Deserialize)]
struct StreamSpec {
    room_id: String,
    stream_id: String,
    #[serde(default = "yes")]
    publishing: bool,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    extra_info: Option<String>,
    #[serde(flatten)]
    world: WorldSpec,
}

fn yes() -> bool {
    true
}

/// The switches of a world's app: `{"ban_rules": false, "stream_state_history": true}`,
/// each optional, optionally with `"app_id"` and `"test_env"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SwitchSpec {
    #[serde(default)]
    ban_rules: Option<bool>,
    #[serde(default)]
    stream_state_history: Option<bool>,
    #[serde(default)]
    app_id: Option<u32>,
    #[serde(default)]
    test_env: Option<bool>,
}

/// A refused token login: 403 (404 for an app the mock does not have), with the reason
/// first in `error` and alone in `reason`.
fn refused(error: &LoginError) -> Response<ResponseBody> {
    let status = match error {
        LoginError::UnknownApp { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::FORBIDDEN,
    };
    json_response(
        status,
        &json!({"error": error.to_string(), "reason": error.reason()}),
    )
}

fn logged(entry: &LoggedRequest) -> Value {
    let group = entry
        .action
        .as_deref()
        .and_then(|name| crate::gateway::find(crate::handlers::REGISTRY, name))
        .map_or(zego_core::Group::RoomSignalling, |handler| handler.group);
    json!({
        "meaning": entry.code.and_then(|code| code.meaning(group)),
        "action": entry.action,
        "app_id": entry.app_id,
        "query": entry.query,
        "code": entry.code,
        "request_id": entry.request_id,
        "at_ms": entry.at_ms,
        "fault": entry.fault.as_ref().map(KindSpec::from),
    })
}

fn ok() -> Response<ResponseBody> {
    json_response(StatusCode::OK, &json!({"ok": true}))
}

fn error(status: StatusCode, message: String) -> Response<ResponseBody> {
    json_response(status, &json!({ "error": message }))
}

/// Reads and decodes a JSON body of at most [`MAX_CONTROL_BODY`] bytes, sent within
/// `deadline` (else HTTP 408, and the connection is closed).
async fn read_json<T: serde::de::DeserializeOwned>(
    request: Request<Incoming>,
    deadline: Duration,
) -> Result<T, Response<ResponseBody>> {
    let body = Limited::new(request.into_body(), MAX_CONTROL_BODY).collect();
    let bytes: Bytes = match tokio::time::timeout(deadline, body).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            return Err(error(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body (at most {MAX_CONTROL_BODY} bytes): {e}"),
            ));
        }
        Err(_) => {
            let mut response = error(
                StatusCode::REQUEST_TIMEOUT,
                format!("the body did not arrive within {} ms", deadline.as_millis()),
            );
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Err(response);
        }
    };
    serde_json::from_slice(&bytes)
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("invalid JSON body: {e}")))
}

/// Whether `authority` (a `Host` value, or the authority of an absolute request target)
/// names a loopback host: `127.0.0.1`, `[::1]` or `localhost`, with any port or none.
fn is_loopback(authority: &str) -> bool {
    // The host, then nothing or `:` and the port's digits.
    let host_end = if authority.starts_with('[') {
        authority.find(']').map(|end| end + 1)
    } else {
        Some(authority.find(':').unwrap_or(authority.len()))
    };
    let Some(host_end) = host_end else {
        return false;
    };
    let (host, rest) = authority.split_at(host_end);
    let port_ok = rest.is_empty()
        || rest
            .strip_prefix(':')
            .is_some_and(|port| port.bytes().all(|b| b.is_ascii_digit()));
    port_ok
        && LOOPBACK_HOSTS
            .iter()
            .any(|loopback| host.eq_ignore_ascii_case(loopback))
}

/// Why a control request is refused before it is read: a host that is not a loopback
/// one (HTTP 403), or a POST whose body is not declared as JSON (HTTP 415).
fn refuse_foreign(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Option<Response<ResponseBody>> {
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = match (hosts.next(), hosts.next()) {
        (Some(host), None) => host.to_str().ok(),
        _ => None,
    };
    let target_ok = uri.authority().is_none_or(|a| is_loopback(a.as_str()));
    if !(target_ok && host.is_some_and(is_loopback)) {
        return Some(error(
            StatusCode::FORBIDDEN,
            "the control API answers only requests to a loopback host: one Host header \
             (and an absolute target, if any) naming 127.0.0.1, [::1] or localhost, any port"
                .to_owned(),
        ));
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if method == Method::POST && !json {
        return Some(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a control POST needs Content-Type: application/json".to_owned(),
        ));
    }
    None
}

/// Answers one control request.
pub(crate) async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<ResponseBody> {
    if let Some(refused) = refuse_foreign(request.method(), request.uri(), request.headers()) {
        return refused;
    }
    let deadline = shared.header_read_timeout;
    let path = request.uri().path().to_owned();
    let route = path.strip_prefix(PREFIX).unwrap_or_default();
    let method = request.method().clone();
    let query = match Query::parse(request.uri().query()) {
        Ok(query) => query,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let world = &query.world;
    match (&method, route) {
        (&Method::GET, "ui" | "ui/app.js" | "ui/app.css") => crate::dashboard::asset(route),
        (&Method::GET, "inboxes") => {
            let state = shared.lock();
            let limit = query.limit.unwrap_or(usize::MAX);
            json_response(
                StatusCode::OK,
                &state.recent_messages(world.key(&state), limit),
            )
        }
        (&Method::GET, "budgets") => {
            json_response(StatusCode::OK, &crate::dashboard::budgets(&shared.lock()))
        }
        (&Method::GET, route) if route.starts_with("inbox/") => {
            let encoded = &route["inbox/".len()..];
            let user = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
            let state = shared.lock();
            json_response(StatusCode::OK, &state.inbox(world.key(&state), &user))
        }
        (&Method::GET, "users") => {
            let state = shared.lock();
            let rooms = state.rooms(world.key(&state));
            let users: Vec<UserEntry<'_>> = rooms
                .iter()
                .flat_map(|room| {
                    room.users.iter().map(|user| UserEntry {
                        room_id: &room.room_id,
                        user_id: &user.user_id,
                        online: user.online,
                    })
                })
                .collect();
            json_response(StatusCode::OK, &users)
        }
        (&Method::POST, "users") => match read_json::<UserSpec>(request, deadline).await {
            Ok(spec) => {
                let login = spec.user.login();
                let mut state = shared.lock();
                let key = spec.world.key(&state);
                state.put(key, &spec.room_id, &login, spec.online);
                ok()
            }
            Err(response) => response,
        },
        (&Method::POST, "login") => match read_json::<LoginSpec>(request, deadline).await {
            Ok(spec) => {
                let login = spec.user.login();
                let mut state = shared.lock();
                let key = spec.world.key(&state);
                let now = SystemTime::now();
                match state.login_with_token(key, &spec.room_id, login, &spec.token, now) {
                    Ok(()) => ok(),
                    Err(error) => refused(&error),
                }
            }
            Err(response) => response,
        },
        (&Method::POST, "streams") => match read_json::<StreamSpec>(request, deadline).await {
            Ok(spec) => {
                let mut state = shared.lock();
                let key = spec.world.key(&state);
                if !spec.publishing {
                    state.stop_publishing(key, &spec.room_id, &spec.stream_id);
                    return ok();
                }
                let Some(user_id) = spec.user_id else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "a stream that starts needs its \"user_id\"".to_owned(),
                    );
                };
                let publication = Publication::new(user_id, spec.stream_id)
                    .title(spec.title.unwrap_or_default())
                    .extra_info(spec.extra_info.unwrap_or_default());
                match state.publish(key, &spec.room_id, &publication) {
                    Ok(()) => ok(),
                    Err(refusal @ (PublishError::Forbidden | PublishError::Banned)) => {
                        error(StatusCode::FORBIDDEN, refusal.to_string())
                    }
                    Err(refusal) => error(StatusCode::CONFLICT, refusal.to_string()),
                }
            }
            Err(response) => response,
        },
        (&Method::GET, "streams") => {
            let state = shared.lock();
            json_response(StatusCode::OK, &state.streams(world.key(&state)))
        }
        (&Method::GET, "rules") => {
            let state = shared.lock();
            json_response(StatusCode::OK, &state.rules(world.key(&state)))
        }
        (&Method::POST, "switches") => match read_json::<SwitchSpec>(request, deadline).await {
            Ok(spec) => {
                let mut state = shared.lock();
                let key = state.world_key(spec.app_id, spec.test_env);
                let world = state.world(key);
                if let Some(on) = spec.ban_rules {
                    world.rules.enabled = on;
                }
                if let Some(on) = spec.stream_state_history {
                    world.media.history = on;
                }
                ok()
            }
            Err(response) => response,
        },
        (&Method::GET, "callbacks") => {
            json_response(StatusCode::OK, &query.last(shared.lock().callbacks()))
        }
        (&Method::GET, "rooms") => {
            let state = shared.lock();
            json_response(StatusCode::OK, &state.rooms(world.key(&state)))
        }
        (&Method::GET, "faults") => {
            let faults: Vec<FaultSpec> = shared.lock().faults.iter().map(FaultSpec::from).collect();
            json_response(StatusCode::OK, &faults)
        }
        (&Method::POST, "faults") => match read_json::<FaultSpec>(request, deadline).await {
            Ok(spec) => {
                shared.lock().inject(spec.into());
                ok()
            }
            Err(response) => response,
        },
        (&Method::GET, "requests") => {
            let state = shared.lock();
            let limit = query.limit.unwrap_or(usize::MAX);
            let mut entries: Vec<Value> = state
                .log
                .iter()
                .rev()
                .filter(|entry| query.action.is_none() || entry.action == query.action)
                .filter(|entry| !query.failed || entry.code != Some(ReturnCode::SUCCESS))
                .take(limit)
                .map(logged)
                .collect();
            entries.reverse();
            json_response(StatusCode::OK, &entries)
        }
        (&Method::POST, "reset") => {
            shared.lock().reset();
            ok()
        }
        (
            _,
            "users" | "rooms" | "faults" | "requests" | "reset" | "login" | "streams" | "callbacks"
            | "rules" | "switches" | "inboxes" | "budgets" | "ui" | "ui/app.js" | "ui/app.css",
        ) => error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on {path}"),
        ),
        (_, route) if route.starts_with("inbox/") => error(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed on {path}"),
        ),
        _ => error(
            StatusCode::NOT_FOUND,
            format!(
                "no control endpoint {path}: see GET /_mock/inbox/<user>, GET /_mock/inboxes, \
                 GET|POST /_mock/users, POST /_mock/login, GET|POST /_mock/streams, \
                 GET /_mock/rooms, GET /_mock/rules, POST /_mock/switches, \
                 GET|POST /_mock/faults, GET /_mock/requests, GET /_mock/callbacks, \
                 GET /_mock/budgets, POST /_mock/reset, GET /_mock/ui (the dashboard)"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_json_round_trips() {
        for (text, fault) in [
            (
                r#"{"kind":"delay","delay_ms":1500,"times":2,"action":"SendCustomCommand"}"#,
                Fault::new(FaultKind::Delay(Duration::from_millis(1500)))
                    .times(2)
                    .action("SendCustomCommand"),
            ),
            (
                r#"{"kind":"code","code":50013,"times":1}"#,
                Fault::new(FaultKind::Code(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED)),
            ),
            (
                r#"{"kind":"deliver_then_code","code":50013,"times":1}"#,
                Fault::new(FaultKind::DeliverThenCode(ReturnCode::new(50013))),
            ),
            (
                r#"{"kind":"close_connection","times":1}"#,
                Fault::new(FaultKind::CloseConnection),
            ),
        ] {
            let spec: FaultSpec = serde_json::from_str(text).unwrap();
            assert_eq!(Fault::from(spec), fault);
            assert_eq!(
                serde_json::to_string(&FaultSpec::from(&fault)).unwrap(),
                text
            );
        }
        let spec: FaultSpec = serde_json::from_str(r#"{"kind":"bad_gateway"}"#).unwrap();
        assert_eq!(Fault::from(spec), Fault::new(FaultKind::BadGateway));
        assert!(serde_json::from_str::<FaultSpec>(r#"{"kind":"explode"}"#).is_err());
        assert!(serde_json::from_str::<FaultSpec>(r#"{"kind":"code"}"#).is_err());
    }
}
