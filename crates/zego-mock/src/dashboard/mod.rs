//! The dashboard: one page (`GET /_mock/ui`) that shows what the mock did, live.
//!
//! The page is plain HTML, a stylesheet and a script embedded in the binary (no build
//! step, nothing fetched from elsewhere: it works offline). It reads the control API's
//! own JSON (`rooms`, `inboxes`, `requests`, `callbacks`, `rules`, `faults`, `budgets`)
//! once a second, and acts through it (`users`, `faults`, `reset`, with
//! `Content-Type: application/json`). Every string from the world is written into the
//! page as text (`textContent`), never as markup, and the page's Content-Security-Policy
//! lets it load and connect to the mock only, with no inline script.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use crate::gateway::find;
use crate::handlers::REGISTRY;
use crate::response::{ResponseBody, with_type};
use crate::state::State;

const PAGE: &str = include_str!("ui.html");
const SCRIPT: &str = include_str!("app.js");
const STYLE: &str = include_str!("app.css");

/// The page may load its own script and style and talk to the mock, nothing else.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
                      connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
                      frame-ancestors 'none'";

/// One of the page's three files, by its route under `/_mock/`.
pub(crate) fn asset(route: &str) -> Response<ResponseBody> {
    let (content_type, body) = match route {
        "ui/app.js" => ("text/javascript; charset=utf-8", SCRIPT),
        "ui/app.css" => ("text/css; charset=utf-8", STYLE),
        _ => ("text/html; charset=utf-8", PAGE),
    };
    let mut response = with_type(
        StatusCode::OK,
        content_type,
        Bytes::from_static(body.as_bytes()),
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// How many seconds the budgets panel shows.
const WINDOW_SECONDS: u64 = 60;

/// `GET /_mock/budgets`: per call (and environment) with requests in the last 60 s, the
/// requests of each second against the call's per-AppId budget.
#[derive(Debug, Serialize)]
pub(crate) struct Budgets {
    /// Milliseconds since the mock started (the clock of the log's `at_ms`).
    now_ms: u64,
    /// The wall clock now, Unix milliseconds (to show `at_ms` as a time of day).
    now_unix_ms: u64,
    budgets: Vec<BudgetView>,
}

#[derive(Debug, Serialize)]
struct BudgetView {
    action: String,
    test_env: bool,
    /// The per-AppId budget: `limit` requests per `per_ms` milliseconds.
    limit: u32,
    per_ms: u64,
    /// The last 60 seconds, oldest first: requests that arrived in each, and how many of
    /// them were answered the call's throttling code (206, 207, 30002).
    requests: Vec<u32>,
    throttled: Vec<u32>,
}

/// The budgets panel's data, from the request log.
pub(crate) fn budgets(state: &State) -> Budgets {
    let now_ms = state.elapsed_ms();
    let now_unix_ms = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let since = now_ms.saturating_sub(WINDOW_SECONDS * 1000);
    let mut budgets: Vec<BudgetView> = Vec::new();
    for entry in state.log.iter().rev() {
        if entry.at_ms < since {
            break;
        }
        let Some(handler) = entry.action.as_deref().and_then(|a| find(REGISTRY, a)) else {
            continue;
        };
        let test_env = entry.test_env;
        let position = budgets
            .iter()
            .position(|b| b.action == handler.name && b.test_env == test_env);
        let view = match position {
            Some(i) => &mut budgets[i],
            None => {
                let rate = handler.budget.app_rate(test_env);
                budgets.push(BudgetView {
                    action: handler.name.to_owned(),
                    test_env,
                    limit: rate.count(),
                    per_ms: u64::try_from(rate.period().as_millis()).unwrap_or(u64::MAX),
                    requests: vec![0; WINDOW_SECONDS as usize],
                    throttled: vec![0; WINDOW_SECONDS as usize],
                });
                let last = budgets.len() - 1;
                &mut budgets[last]
            }
        };
        let ago = usize::try_from((now_ms - entry.at_ms.min(now_ms)) / 1000).unwrap_or(usize::MAX);
        let Some(slot) = (WINDOW_SECONDS as usize - 1).checked_sub(ago) else {
            continue;
        };
        view.requests[slot] += 1;
        let throttled = entry.code.is_some_and(|code| {
            code == handler.throttled(false) || code == handler.throttled(true)
        });
        if throttled {
            view.throttled[slot] += 1;
        }
    }
    budgets.sort_by(|a, b| (&a.action, a.test_env).cmp(&(&b.action, b.test_env)));
    Budgets {
        now_ms,
        now_unix_ms,
        budgets,
    }
}
