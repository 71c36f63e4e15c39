//! The dashboard (`GET /_mock/ui`): its files and the JSON it reads, over raw HTTP; and
//! the page itself in headless Chromium (ignored without it; `.ci/run` runs them).

mod browser;
mod common;

use std::time::{Duration, Instant};

use browser::Browser;
use common::*;
use serde_json::{Value, json};
use zego_core::actions::{KickoutUser, MessageCategory, SendBroadcastMessage, SendCustomCommand};
use zego_core::{AppId, Endpoint, ReturnCode, ServerSecret};
use zego_mock::{Fault, FaultKind, MockServer};

/// The blocking client, unpaced and without retries, so that what it sends is what the
/// mock logs.
fn client(mock: &MockServer) -> zego_ureq::Client {
    zego_ureq::Client::builder(AppId::new(APP), ServerSecret::new(SECRET).unwrap())
        .endpoint(Endpoint::loopback_http(&mock.base_url()).unwrap())
        .no_rate_limit()
        .retry_policy(zego_ureq::RetryPolicy::never())
        .build()
        .unwrap()
}

#[test]
fn the_page_and_its_files_are_served_with_a_strict_policy() {
    let mock = start();
    let page = get(mock.addr(), "/_mock/ui");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let policy = page.header("content-security-policy").expect("a policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "connect-src 'self'",
        "style-src 'self'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    let html = String::from_utf8(page.body).unwrap();
    assert!(html.contains(r#"<script src="/_mock/ui/app.js" defer></script>"#));
    // Nothing from elsewhere: every URL in the page is the mock's own.
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "{html}"
    );
    let script = get(mock.addr(), "/_mock/ui/app.js");
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    let script = String::from_utf8(script.body).unwrap();
    assert!(
        !script.contains("innerHTML") && !script.contains("http"),
        "markup only as text"
    );
    let style = get(mock.addr(), "/_mock/ui/app.css");
    assert_eq!(
        style.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    assert!(!String::from_utf8(style.body).unwrap().contains("url("));
    // The page answers only to a loopback host, as the control API does.
    let mut conn = Conn::open(mock.addr());
    conn.send_raw(b"GET /_mock/ui HTTP/1.1\r\nHost: evil.example\r\n\r\n");
    assert_eq!(conn.read_response().expect("an answer").status, 403);
    assert_eq!(
        mock.dashboard_url(),
        format!("{}/_mock/ui", mock.base_url())
    );
}

#[test]
fn the_lists_the_page_reads_filter_and_limit() {
    let mock = start();
    let client = client(&mock);
    for i in 0..5 {
        let to = if i == 3 { "carol" } else { "alice" };
        let _ = client.call(SendCustomCommand::to_users(
            "room-1",
            "server",
            [to],
            format!("m{i}"),
        ));
    }
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::new(50013))));
    let _ = client.call(SendCustomCommand::to_users(
        "room-1",
        "server",
        ["alice"],
        "m5",
    ));

    let all = get(mock.addr(), "/_mock/requests").json();
    assert_eq!(all.as_array().unwrap().len(), 6);
    assert_eq!(all[0]["meaning"], "success");
    let last = get(mock.addr(), "/_mock/requests?limit=2").json();
    assert_eq!(last.as_array().unwrap().len(), 2);
    assert_eq!(last[1]["code"], 50013);
    assert_eq!(last[1]["meaning"], all[5]["meaning"]);
    assert!(
        last[1]["meaning"].as_str().unwrap().contains("retry"),
        "{last}"
    );
    let failed = get(mock.addr(), "/_mock/requests?failed=true").json();
    assert_eq!(failed.as_array().unwrap().len(), 1);
    let other = get(mock.addr(), "/_mock/requests?action=KickoutUser").json();
    assert_eq!(other, json!([]));
    assert_eq!(get(mock.addr(), "/_mock/requests?limit=x").status, 400);

    // Every message of the world, with its receiver and time; carol was offline.
    let inboxes = get(mock.addr(), "/_mock/inboxes").json();
    let contents: Vec<&str> = inboxes
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["m0", "m1", "m2", "m4"]);
    assert_eq!(inboxes[0]["user_id"], "alice");
    assert!(inboxes[0]["at_ms"].is_u64());
    let newest = get(mock.addr(), "/_mock/inboxes?limit=1").json();
    assert_eq!(newest[0]["content"], "m4");

    // The budgets: this second's six requests against 100/s, none throttled.
    let budgets = get(mock.addr(), "/_mock/budgets").json();
    assert!(budgets["now_ms"].as_u64().unwrap() >= all[5]["at_ms"].as_u64().unwrap());
    let send = &budgets["budgets"][0];
    assert_eq!(send["action"], "SendCustomCommand");
    assert_eq!(
        (send["limit"].as_u64(), send["per_ms"].as_u64()),
        (Some(100), Some(1000))
    );
    let counted: u64 = send["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(counted, 6);
    assert_eq!(send["requests"].as_array().unwrap().len(), 60);
    let throttled: u64 = send["throttled"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(throttled, 0);
}

/// The budgets read a request's environment as the gateway does (`IsTest` in any case).
#[test]
fn the_budgets_read_the_environment_as_the_gateway_does() {
    let mock = start();
    let target = request(
        "SendCustomCommand",
        &[
            ("RoomId", "room-1"),
            ("FromUserId", "server"),
            ("ToUserId[]", "alice"),
            ("MessageContent", "hi"),
            ("IsTest", "TRUE"),
        ],
    );
    get(mock.addr(), &target);
    let budgets = get(mock.addr(), "/_mock/budgets").json();
    let send = &budgets["budgets"][0];
    assert_eq!(
        (&send["action"], &send["test_env"]),
        (&json!("SendCustomCommand"), &json!(true))
    );
    assert_eq!(send["limit"], 10, "the test environment's budget");
}

/// What the browser tests do to the world: a broadcast, a custom command to an offline
/// user, a hostile message, a throttled burst, a kicked user and a fault.
fn busy_world() -> (MockServer, String) {
    let mock = builder()
        .user("room-2", "<b>bold</b>")
        .start()
        .expect("the mock starts");
    let client = client(&mock);
    let broadcast =
        SendBroadcastMessage::new("room-1", "alice", MessageCategory::Chat, "hello room");
    client.call(broadcast).expect("broadcast");
    let offline = client
        .call(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["carol"],
            "to carol",
        ))
        .expect("sent");
    assert!(!offline.all_delivered());
    // More than the bucket holds, at once: some are throttled (206).
    let throttled = (0..130)
        .filter(|i| {
            let call =
                SendCustomCommand::to_users("room-1", "server", ["alice"], format!("burst {i}"));
            matches!(client.call(call), Err(e) if e.code() == Some(ReturnCode::APP_QPS_LIMIT))
        })
        .count();
    assert!(throttled > 0);
    // A tenth of a second refills ten requests of the bucket.
    std::thread::sleep(Duration::from_millis(100));
    client
        .call(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice"],
            "<img src=x onerror=alert(1)>",
        ))
        .expect("sent (the bucket refills meanwhile)");
    client
        .call(KickoutUser::new("room-1", ["bob"]))
        .expect("kicked");
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::new(50013))));
    let _ = client.call(SendCustomCommand::to_users(
        "room-1",
        "server",
        ["alice"],
        "faulted",
    ));
    let signature = mock.requests()[0]
        .query
        .split('&')
        .find_map(|kv| kv.strip_prefix("Signature="))
        .expect("a signature")
        .to_owned();
    (mock, signature)
}

/// The page has rendered the mock's data at least once.
/// (Asked while the page may still be loading, before it has a body.)
const RENDERED: &str = "Number((document.body && document.body.dataset.refreshes) || 0) >= 1";

#[test]
#[ignore = "needs chromium (apt-get install chromium); .ci/run runs it"]
fn the_dashboard_shows_what_happened_in_a_real_browser() {
    let (mock, signature) = busy_world();
    let mut page = Browser::open(&mock.dashboard_url(), 1280, 900);
    page.wait_for(RENDERED, Duration::from_secs(20));
    let text = page.eval("document.body.innerText");
    let text = text.as_str().unwrap();
    // Rooms and users, online or not.
    for expected in [
        "room-1",
        "room-2",
        "alice",
        "bob",
        "carol",
        "<b>bold</b>",
        "offline",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    // The messages, with their kinds.
    for expected in ["hello room", "broadcast", "custom command", "burst "] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    // The requests: codes with their meanings, the fault applied.
    for expected in [
        "206",
        "application-level QPS limit exceeded",
        "50013",
        "KickoutUser",
        "SendBroadcastMessage",
    ] {
        assert!(text.contains(expected), "{expected} in\n{text}");
    }
    assert!(
        text.contains("throttled"),
        "the budgets mark the 206 answers"
    );
    // Hostile strings are text: shown literally, and no element made of them.
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
    assert_eq!(
        page.eval("document.querySelectorAll('img').length"),
        json!(0)
    );
    assert_eq!(
        page.eval("document.querySelectorAll('main b').length"),
        json!(0)
    );
    let dom = page.dom();
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"));
    // The Signature is never shown.
    assert!(
        !dom.contains(&signature) && !dom.contains("Signature="),
        "the signature leaked"
    );
    // Every resource the page loaded came from the mock.
    let foreign = page.eval(
        "performance.getEntriesByType('resource').filter(e => !e.name.startsWith(location.origin)).map(e => e.name)",
    );
    assert_eq!(foreign, json!([]));
}

#[test]
#[ignore = "needs chromium (apt-get install chromium); .ci/run runs it"]
fn a_change_shows_up_without_a_reload_and_the_page_acts_through_the_control_api() {
    let mock = start();
    let client = client(&mock);
    let mut page = Browser::open(&mock.dashboard_url(), 1280, 900);
    page.wait_for(RENDERED, Duration::from_secs(20));
    page.eval("window.zegoLoaded = 'still this page'");
    client
        .call(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice"],
            "after the page loaded",
        ))
        .expect("sent");
    let took = page.wait_for(
        "document.body.innerText.includes('after the page loaded')",
        Duration::from_secs(10),
    );
    println!("a message shown {took:?} after it was delivered");
    assert_eq!(
        page.eval("window.zegoLoaded"),
        json!("still this page"),
        "no reload"
    );

    // Log alice out with her row's button.
    page.eval(
        "[...document.querySelectorAll('#rooms tr')].find(r => r.cells[0] && r.cells[0].textContent === 'alice').querySelector('button').click()",
    );
    wait_until(|| {
        mock.rooms()[0]
            .users
            .iter()
            .any(|u| u.user_id == "alice" && !u.online)
    });
    // Log a new user in with the form.
    page.eval(
        "(() => { const f = document.getElementById('login-form'); f.room_id.value = 'room-9'; f.user_id.value = 'zoe'; f.requestSubmit(); })()",
    );
    wait_until(|| mock.rooms().iter().any(|r| r.room_id == "room-9"));
    // Inject a fault with the form; it is listed, then applied to the next request.
    page.eval(
        "(() => { const f = document.getElementById('fault-form'); f.kind.value = 'code'; f.code.value = '50013'; f.times.value = '2'; f.requestSubmit(); })()",
    );
    wait_until(|| mock.faults().len() == 1);
    page.wait_for(
        "document.querySelector('#faults').innerText.includes('code 50013')",
        Duration::from_secs(10),
    );
    // Reset: the log and the inboxes empty, the faults gone.
    page.eval("document.querySelector('#reset-form button').click()");
    wait_until(|| mock.requests().is_empty() && mock.faults().is_empty());
    page.wait_for(
        "document.querySelector('#inboxes').innerText.includes('Nothing delivered yet')",
        Duration::from_secs(10),
    );
}

/// Waits for the mock to reach a state (a generous bound against a hang).
fn wait_until(done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never happened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// 5,000 users (25 rooms of 200) and 100,000 logged requests: the page still loads and
/// answers. The times
/// are printed (`-- --ignored --nocapture`) and recorded in `docs/benchmarks.md`.
#[test]
#[ignore = "needs chromium (apt-get install chromium); .ci/run runs it"]
fn large_worlds_stay_usable() {
    let mut builder = MockServer::builder()
        .app(zego_mock::App::new(AppId::new(APP), SECRET))
        .rate_limits(false);
    for user in 0..5_000 {
        builder = builder.user(format!("room-{}", user % 25), format!("user-{user}"));
    }
    let mock = builder.start().expect("the mock starts");
    let started = Instant::now();
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let mock = &mock;
            scope.spawn(move || {
                let client = client(mock);
                for i in 0..25_000 {
                    let user = format!("user-{}", (i * 4 + thread) % 5_000);
                    let room = format!("room-{}", (i * 4 + thread) % 5_000 % 25);
                    client
                        .call(SendCustomCommand::to_users(
                            room,
                            "server",
                            [user],
                            format!("message {i}"),
                        ))
                        .expect("sent");
                }
            });
        }
    });
    assert_eq!(mock.requests().len(), 100_000);
    println!("100,000 requests sent in {:?}", started.elapsed());

    let sizes: Vec<(String, usize)> = [
        "rooms",
        "requests?limit=200",
        "inboxes?limit=200",
        "budgets",
    ]
    .iter()
    .map(|path| {
        (
            path.to_string(),
            get(mock.addr(), &format!("/_mock/{path}")).body.len(),
        )
    })
    .collect();
    println!("JSON the page reads each poll: {sizes:?}");

    let opened = Instant::now();
    let mut page = Browser::open(&mock.dashboard_url(), 1280, 900);
    page.wait_for(RENDERED, Duration::from_secs(60));
    let to_render = opened.elapsed();
    let rendered_ms: Value = page.eval("Number(document.body.dataset.renderedMs)");
    let refresh_ms: Value = page.eval("Number(document.body.dataset.refreshMs)");
    println!(
        "browser start to first render: {to_render:?}; navigation to first render: {rendered_ms} ms; one refresh: {refresh_ms} ms"
    );
    // Capped lists: 100 users shown of each room's 200, and the newest 200 requests.
    let rows = page.eval("document.querySelectorAll('#rooms tbody tr').length");
    assert_eq!(rows, json!(25 * 100));
    let more =
        page.eval("document.querySelector('#rooms').innerText.includes('… and 100 more users')");
    assert_eq!(more, json!(true));
    let requests = page.eval("document.querySelectorAll('#requests tbody tr').length");
    assert_eq!(requests, json!(200));
    // It keeps polling and answering: a second refresh comes, and a script call answers.
    let answered = Instant::now();
    page.wait_for(
        "Number(document.body.dataset.refreshes) >= 3",
        Duration::from_secs(60),
    );
    println!("two more refreshes in {:?}", answered.elapsed());
}
