//! The per-app budget: a token bucket of the call's per-second budget, refilled
//! continuously; over it, 206.

mod common;

use std::time::{Duration, Instant};

use common::*;
use zego_core::actions::SendCustomCommand;
use zego_core::{Action, Gcra, RateLimiter, Slot};

/// Sends `n` valid requests back to back on one connection; returns how many got 0 and
/// how many 206, and how long the burst took.
fn burst(conn: &mut Conn, target: &dyn Fn() -> String, n: usize) -> (usize, usize, Duration) {
    let targets: Vec<String> = (0..n).map(|_| target()).collect();
    let start = Instant::now();
    let codes: Vec<i64> = targets.iter().map(|t| conn.get(t).code()).collect();
    let elapsed = start.elapsed();
    let ok = codes.iter().filter(|&&c| c == 0).count();
    let throttled = codes.iter().filter(|&&c| c == 206).count();
    assert_eq!(ok + throttled, n, "only 0 or 206: {codes:?}");
    (ok, throttled, elapsed)
}

/// Sends `target` until it is answered 206 (at most 1,000 times); returns how many
/// were answered 0 first.
fn exhaust(conn: &mut Conn, target: &dyn Fn() -> String) -> usize {
    for n in 0..1000 {
        match conn.get(&target()).code() {
            0 => {}
            206 => return n,
            other => panic!("unexpected code {other}"),
        }
    }
    panic!("1,000 requests and never a 206");
}

/// How many tokens a bucket of `per_second` refills in `elapsed`, rounded up.
fn refilled(per_second: u32, elapsed: Duration) -> usize {
    (elapsed.as_secs_f64() * f64::from(per_second)).ceil() as usize
}

#[test]
fn a_burst_of_150_sees_about_50_throttled_with_206() {
    let budget = SendCustomCommand::BUDGET.app_rate(false).count();
    assert_eq!(budget, 100);
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let target = || command("room-1", "server", &["alice"], "hi");
    let (ok, throttled, elapsed) = burst(&mut conn, &target, 150);
    // The bucket starts full (100) and refills 100/s while the burst runs.
    assert!(ok >= 100, "{ok}");
    assert!(ok <= 100 + refilled(budget, elapsed), "{ok} in {elapsed:?}");
    println!("burst of 150 in {elapsed:?}: {ok} answered 0, {throttled} answered 206");
    assert_eq!(
        mock.inbox("alice").len(),
        ok,
        "a throttled request delivers nothing"
    );
}

#[test]
fn a_test_environment_budget_is_10_per_second() {
    let budget = SendCustomCommand::BUDGET.app_rate(true).count();
    assert_eq!(budget, 10);
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    let target = || {
        format!(
            "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=s&MessageContent=x&IsTest=true&{}",
            public(TEST_APP, TEST_SECRET)
        )
    };
    let (ok, throttled, elapsed) = burst(&mut conn, &target, 20);
    assert!(ok >= 10, "{ok}");
    assert!(ok <= 10 + refilled(budget, elapsed), "{ok} in {elapsed:?}");
    assert_eq!(throttled, 20 - ok);
    // A production app sending IsTest=true is on the test budget too, apart from its
    // production budget.
    let test_env = || format!("{}&IsTest=true", command("room-1", "s", &[], "x"));
    let (ok, _, elapsed) = burst(&mut conn, &test_env, 20);
    assert!((10..=10 + refilled(budget, elapsed)).contains(&ok), "{ok}");
    let prod = || command("room-1", "s", &[], "x");
    let (ok, _, _) = burst(&mut conn, &prod, 20);
    assert_eq!(ok, 20, "the production budget is untouched");
}

#[test]
fn an_even_pace_at_exactly_the_budget_is_never_throttled() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    // The client's own pacer at the vendor's budget: one request every 10 ms.
    let pacer = Gcra::new();
    let rate = SendCustomCommand::BUDGET.app_rate(false);
    for i in 0..250 {
        let at = pacer.reserve(&[Slot::app(SendCustomCommand::NAME, rate)], Instant::now());
        std::thread::sleep(at.saturating_duration_since(Instant::now()));
        let target = command("room-1", "server", &["alice"], "paced");
        assert_eq!(conn.get(&target).code(), 0, "request {i}");
    }
    assert_eq!(mock.inbox("alice").len(), 250);
}

#[test]
fn budgets_are_per_app() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    let prod = || command("room-1", "s", &[], "x");
    assert!(exhaust(&mut conn, &prod) >= 100);
    let test_app = || {
        format!(
            "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=s&MessageContent=x&IsTest=true&{}",
            public(TEST_APP, TEST_SECRET)
        )
    };
    assert_eq!(
        conn.get(&test_app()).code(),
        0,
        "another app has its own budget"
    );
}

#[test]
fn the_gateway_checks_come_first_and_take_nothing_from_the_budget() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let ts = now();
    let bad = format!(
        "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=s&MessageContent=x\
         &AppId={APP}&SignatureNonce={NONCE}&Timestamp={ts}&Signature={}&SignatureVersion=2.0",
        signature(APP, NONCE, "wrong", ts)
    );
    for _ in 0..300 {
        assert_eq!(conn.get(&bad).code(), 100000005);
    }
    let prod = || command("room-1", "s", &[], "x");
    assert!(exhaust(&mut conn, &prod) >= 100, "the bucket was full");
    // Over the budget, a badly signed request still gets its gateway code, and a request
    // breaking the call's rules gets 206: the budget is checked before them.
    assert_eq!(conn.get(&bad).code(), 100000005);
    let empty = || command("room-1", "s", &[], "");
    let codes: Vec<i64> = (0..1000)
        .map(|_| conn.get(&empty()).code())
        .take_while(|&c| c != 206)
        .collect();
    assert!(codes.len() < 1000, "a 206 comes before 1008");
    assert!(codes.iter().all(|&c| c == 1008), "{codes:?}");
}

#[test]
fn rate_limits_can_be_turned_off() {
    let mock = builder().rate_limits(false).start().unwrap();
    let mut conn = Conn::open(mock.addr());
    let prod = || command("room-1", "s", &[], "x");
    let (ok, _, _) = burst(&mut conn, &prod, 400);
    assert_eq!(ok, 400);
}

#[test]
fn reset_refills_the_budgets() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let prod = || command("room-1", "s", &[], "x");
    exhaust(&mut conn, &prod);
    mock.reset();
    let (ok, _, _) = burst(&mut conn, &prod, 100);
    assert_eq!(ok, 100);
}

/// A valid request of each call the mock implements, and its core type's budgets.
fn every_call() -> [(&'static str, String, zego_core::Budget); 4] {
    use zego_core::actions::{DescribeUserNum, KickoutUser, SendBroadcastMessage};
    [
        (
            SendCustomCommand::NAME,
            command("room-1", "s", &["alice"], "x"),
            SendCustomCommand::BUDGET,
        ),
        (
            SendBroadcastMessage::NAME,
            request(
                SendBroadcastMessage::NAME,
                &[
                    ("RoomId", "room-1"),
                    ("UserId", "s"),
                    ("MessageCategory", "2"),
                    ("MessageContent", "x"),
                ],
            ),
            SendBroadcastMessage::BUDGET,
        ),
        (
            // Kicking a user who is not in the room changes nothing and succeeds.
            KickoutUser::NAME,
            request(
                KickoutUser::NAME,
                &[("RoomId", "room-1"), ("UserId[]", "nobody")],
            ),
            KickoutUser::BUDGET,
        ),
        (
            DescribeUserNum::NAME,
            request(DescribeUserNum::NAME, &[("RoomId[]", "room-1")]),
            DescribeUserNum::BUDGET,
        ),
    ]
}

#[test]
fn each_calls_budget_is_its_core_types_in_both_environments() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    for (name, target, budget) in every_call() {
        for test_env in [false, true] {
            let rate = budget.app_rate(test_env).count();
            let start = Instant::now();
            let suffix = if test_env { "&IsTest=true" } else { "" };
            let ok = exhaust(&mut conn, &|| format!("{target}{suffix}"));
            let elapsed = start.elapsed();
            println!("{name} (test environment: {test_env}): {ok} before 206");
            assert!(ok >= rate as usize, "{name}, {test_env}: {ok} < {rate}");
            assert!(
                ok <= rate as usize + refilled(rate, elapsed),
                "{name}, {test_env}: {ok} in {elapsed:?}"
            );
        }
    }
}

#[test]
fn describe_user_num_answers_206_after_10_quick_requests_and_1_in_the_test_environment() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    let [.., (_, describe, _)] = every_call();
    // 20 at once: 10 pass, then 206 (one more per 100 ms the burst takes).
    let (ok, throttled, elapsed) = burst(&mut conn, &|| describe.clone(), 20);
    assert!(
        ok >= 10 && ok <= 10 + refilled(10, elapsed),
        "{ok} in {elapsed:?}"
    );
    assert!(throttled > 0, "20 in {elapsed:?}");
    let test_env = format!("{describe}&IsTest=true");
    let (ok, throttled, elapsed) = burst(&mut conn, &|| test_env.clone(), 3);
    assert!(
        ok >= 1 && ok <= 1 + refilled(1, elapsed),
        "{ok} in {elapsed:?}"
    );
    assert!(throttled > 0);
    // Each call has a budget of its own: the others are untouched.
    for (name, target, _) in &every_call()[..3] {
        assert_eq!(conn.get(target).code(), 0, "{name}");
    }
}
