//! The Redis budget against a real `redis-server` started by each test.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::RedisServer;
use redis::Commands;
use zego_core::actions::SendCustomCommand;
use zego_core::{AppId, BudgetError, Error, OnUnavailable, Rate, ServerSecret, SlotRequest};
use zego_mock::{App, MockServer};
use zego_redis::{RedisBudget, keys};

const APP: u32 = 1_234_567_890;
const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn request(rate: Rate) -> SlotRequest {
    SlotRequest::new(AppId::new(APP), "SendCustomCommand", rate)
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn two_processes_pace_as_one_on_redis_clock() {
    let redis = RedisServer::start();
    // Two budgets with their own connections, as two processes have.
    let a = RedisBudget::builder(redis.url()).build_blocking().unwrap();
    let b = RedisBudget::builder(redis.url()).build_blocking().unwrap();
    let rate = Rate::per_second(100);
    let interval = rate.interval();
    let mut starts = Vec::new();
    for i in 0..40 {
        let budget = if i % 2 == 0 { &a } else { &b };
        let wait = budget.take_blocking(&request(rate)).expect("a slot");
        starts.push(Instant::now() + wait);
    }
    // Each slot is one interval after the one before (up to the round trip's jitter on
    // this machine's clock), whichever process took it: no burst.
    for pair in starts.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap + Duration::from_millis(2) >= interval
                && gap <= interval + Duration::from_millis(5),
            "{gap:?}"
        );
    }
    let span = *starts.last().unwrap() - starts[0];
    assert!(span + Duration::from_millis(2) >= interval * 39, "{span:?}");
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn keys_are_per_app_environment_call_and_room_and_vanish_when_idle() {
    let redis = RedisServer::start();
    let budget = RedisBudget::builder(redis.url())
        .prefix("myapp:")
        .idle_ttl(Duration::from_secs(2))
        .build_blocking()
        .unwrap();
    let room = request(Rate::per_second(200)).room("room-1", Rate::per_second(1));
    let test = request(Rate::per_second(10)).test_environment(true);
    budget.take_blocking(&room).unwrap();
    budget.take_blocking(&test).unwrap();
    let room_keys = keys("myapp:", &room);
    assert_eq!(
        room_keys,
        [
            "myapp:{1234567890:prod:SendCustomCommand}",
            "myapp:{1234567890:prod:SendCustomCommand}:room:room-1"
        ]
    );
    let test_keys = keys("myapp:", &test);
    assert_eq!(test_keys, ["myapp:{1234567890:test:SendCustomCommand}"]);
    let mut con = redis.connection();
    let mut stored: Vec<String> = con.keys("myapp:*").unwrap();
    stored.sort();
    let mut expected = [room_keys.clone(), test_keys].concat();
    expected.sort();
    assert_eq!(stored, expected);
    // Each key lives its slot's interval plus the idle time, no longer.
    for (key, interval_ms) in [(&room_keys[0], 5), (&room_keys[1], 1000)] {
        let ttl: i64 = redis::cmd("PTTL").arg(key).query(&mut con).unwrap();
        assert!(ttl > 0 && ttl <= 2000 + interval_ms + 25, "{key}: {ttl}");
    }
    // A room's budget paces that room only: a second slot of room-1 is a second away,
    // and meanwhile the AppId's slots serve the other rooms (they are not held for
    // room-1's).
    std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let asked = Instant::now();
            let wait = budget.take_blocking(&room).unwrap();
            asked.elapsed() + wait
        });
        std::thread::sleep(Duration::from_millis(50));
        let others = Instant::now();
        for i in 2..22 {
            let other =
                request(Rate::per_second(200)).room(format!("room-{i}"), Rate::per_second(1));
            let wait = budget.take_blocking(&other).unwrap();
            assert!(wait < Duration::from_millis(100), "{wait:?}");
        }
        assert!(
            others.elapsed() < Duration::from_millis(600),
            "{:?}",
            others.elapsed()
        );
        let second = second.join().unwrap();
        assert!(second > Duration::from_millis(900), "{second:?}");
    });
    // Idle keys vanish.
    std::thread::sleep(Duration::from_millis(3300));
    let left: Vec<String> = con.keys("myapp:*").unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn a_slot_past_the_time_cap_is_not_taken() {
    let redis = RedisServer::start();
    let budget = RedisBudget::builder(redis.url()).build_blocking().unwrap();
    let slow = Rate::new(1, Duration::from_secs(2));
    assert!(budget.take_blocking(&request(slow)).unwrap() < Duration::from_millis(50));
    let err = budget
        .take_blocking(&request(slow).within(Duration::from_millis(500)))
        .unwrap_err();
    let BudgetError::Exhausted { action, wait } = err else {
        panic!("{err:?}")
    };
    assert_eq!(action, "SendCustomCommand");
    assert!(wait > Duration::from_millis(1500), "{wait:?}");
    // Nothing was taken: the next slot is still the one 2 s after the first, which a
    // call with a longer cap waits for (and takes when it is due).
    let asked = Instant::now();
    let wait = budget
        .take_blocking(&request(slow).within(Duration::from_secs(10)))
        .unwrap();
    let starts = asked.elapsed() + wait;
    assert!(
        starts > Duration::from_millis(1400) && starts < Duration::from_millis(2300),
        "{starts:?}"
    );
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn an_unreachable_redis_is_unavailable_at_once_and_its_password_is_never_shown() {
    let mut redis = RedisServer::start();
    let url = format!("redis://:hunter2@127.0.0.1:{}/0", redis.port());
    redis.stop();
    let budget = RedisBudget::builder(url.clone())
        .timeout(Duration::from_millis(300))
        .retry_after(Duration::from_millis(500))
        .build_blocking()
        .unwrap();
    assert!(!format!("{budget:?}").contains("hunter2"), "{budget:?}");
    let started = Instant::now();
    let err = budget
        .take_blocking(&request(Rate::per_second(100)))
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(1));
    let BudgetError::Unavailable { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("connection refused"), "{reason}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    // Then not tried again for a while: the answer is immediate.
    let err = budget
        .take_blocking(&request(Rate::per_second(100)))
        .unwrap_err();
    assert!(err.to_string().contains("failed recently"), "{err}");
    // Back after `retry_after`, once Redis is up (this one has no password set, so the
    // password is refused… by a server that says so; start one on the same port).
    redis.restart();
    std::thread::sleep(Duration::from_millis(600));
    let plain = RedisBudget::builder(redis.url()).build_blocking().unwrap();
    assert!(plain.take_blocking(&request(Rate::per_second(100))).is_ok());
}

fn mock() -> MockServer {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("room-1", "alice")
        .rate_limits(true)
        .start()
        .unwrap()
}

fn command(i: usize) -> SendCustomCommand {
    SendCustomCommand::to_users("room-1", "server", ["alice"], format!("n{i}"))
}

fn ureq_client(mock: &MockServer, budget: RedisBudget) -> zego_ureq::Client {
    zego_ureq::Client::builder(AppId::new(APP), ServerSecret::new(SECRET).unwrap())
        .endpoint(zego_core::Endpoint::loopback_http(&mock.base_url()).unwrap())
        .shared_budget(Arc::new(budget))
        .build()
        .unwrap()
}

/// Redis stops in the middle of a run: with the fallback, every call is still made once
/// and none hangs; with `Fail`, the calls without a slot end unsent and the others are
/// delivered, so nothing is lost or sent twice.
#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn stopping_redis_mid_run_loses_no_call_and_hangs_nothing() {
    for on_unavailable in [OnUnavailable::Local, OnUnavailable::Fail] {
        let mut redis = RedisServer::start();
        let mock = mock();
        let budget = RedisBudget::builder(redis.url())
            .timeout(Duration::from_millis(300))
            .on_unavailable(on_unavailable)
            .build_blocking()
            .unwrap();
        let client = ureq_client(&mock, budget);
        let (mut delivered, mut unsent) = (0, 0);
        for i in 0..60 {
            if i == 20 {
                redis.stop();
            }
            match client.call(command(i)) {
                Ok(reply) => {
                    assert!(reply.all_delivered());
                    delivered += 1;
                }
                Err(Error::Budget {
                    source: BudgetError::Unavailable { .. },
                    attempts: 0,
                    ..
                }) if on_unavailable == OnUnavailable::Fail => unsent += 1,
                Err(other) => panic!("{on_unavailable:?}, call {i}: {other}"),
            }
        }
        let inbox = mock.inbox("alice");
        assert_eq!(inbox.len(), delivered, "{on_unavailable:?}");
        let mut contents: Vec<_> = inbox.iter().map(|m| m.content.clone()).collect();
        contents.dedup();
        assert_eq!(contents.len(), delivered, "none twice");
        assert_eq!(
            mock.requests()
                .iter()
                .filter(|r| r.code == Some(zego_core::ReturnCode::SUCCESS))
                .count(),
            delivered
        );
        match on_unavailable {
            OnUnavailable::Local => assert_eq!(delivered, 60),
            _ => assert_eq!((delivered, unsent), (20, 40)),
        }
    }
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn the_async_client_paces_through_the_async_budget() {
    let redis = RedisServer::start();
    let mock = mock();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // A blocking budget cannot pace an async client, nor the reverse.
    let wrong = zego_hyper::Client::builder(AppId::new(APP), ServerSecret::new(SECRET).unwrap())
        .shared_budget(Arc::new(
            RedisBudget::builder(redis.url()).build_blocking().unwrap(),
        ))
        .build()
        .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("a blocking shared budget cannot pace an async client")
    );
    let wrong = zego_ureq::Client::builder(AppId::new(APP), ServerSecret::new(SECRET).unwrap())
        .shared_budget(Arc::new(
            RedisBudget::builder(redis.url()).build_async().unwrap(),
        ))
        .build()
        .unwrap_err();
    assert!(
        wrong
            .to_string()
            .contains("an async shared budget cannot pace a blocking client")
    );

    let budget = RedisBudget::builder(redis.url()).build_async().unwrap();
    let client = zego_hyper::Client::builder(AppId::new(APP), ServerSecret::new(SECRET).unwrap())
        .endpoint(zego_core::Endpoint::loopback_http(&mock.base_url()).unwrap())
        .shared_budget(Arc::new(budget))
        .build()
        .unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        for i in 0..30 {
            client.call(command(i)).await.expect("delivered");
        }
    });
    // 30 calls at 100/s (paced 2% under): at least 29 intervals, less the tolerance of
    // the first slot (half the 20 ms margin), which a fresh budget may start in the past.
    let interval = Rate::per_second(100).paced().interval();
    let tolerance = Rate::per_second(100).margin() / 2;
    assert!(
        started.elapsed() + tolerance >= interval * 29,
        "{:?}",
        started.elapsed()
    );
    let at: Vec<u64> = mock.requests().iter().map(|r| r.at_ms).collect();
    assert_eq!(at.len(), 30);
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.code == Some(zego_core::ReturnCode::SUCCESS))
    );
    // Stop Redis: the async budget falls back too, and hangs nothing.
    drop(redis);
    runtime.block_on(async {
        for i in 30..40 {
            client.call(command(i)).await.expect("delivered in-process");
        }
    });
    assert_eq!(mock.inbox("alice").len(), 40);
}

/// A Redis Cluster: the script's keys (per AppId and per room) share a hash tag, so they
/// are on one node and the script runs (a cross-slot script would fail), with both the
/// blocking and the async budget.
#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn works_with_redis_cluster() {
    let nodes = common::cluster();
    let urls: Vec<String> = nodes
        .iter()
        .map(RedisServer::url)
        .map(|u| u.replace("/0", ""))
        .collect();
    let blocking = RedisBudget::builder("unused")
        .cluster(urls.clone())
        .on_unavailable(OnUnavailable::Fail)
        .build_blocking()
        .unwrap();
    let rooms =
        |i: usize| request(Rate::per_second(200)).room(format!("room-{i}"), Rate::per_second(1));
    let mut spread = std::collections::HashSet::new();
    for i in 0..20 {
        let wait = blocking
            .take_blocking(&rooms(i))
            .expect("a slot in the cluster");
        assert!(wait < Duration::from_millis(100), "{wait:?}");
        // Different calls hash to different nodes.
        let other = SlotRequest::new(
            AppId::new(APP + i as u32),
            "DescribeUserList",
            Rate::per_second(200),
        );
        blocking
            .take_blocking(&other)
            .expect("a slot in the cluster");
        spread.insert(keys(zego_redis::DEFAULT_PREFIX, &other)[0].clone());
    }
    assert_eq!(spread.len(), 20);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_budget = RedisBudget::builder("unused")
        .cluster(urls)
        .on_unavailable(OnUnavailable::Fail)
        .build_async()
        .unwrap();
    runtime.block_on(async {
        for i in 20..30 {
            let wait = async_budget
                .take_async(&rooms(i))
                .await
                .expect("a slot in the cluster");
            // After the 20 slots the blocking budget took a moment ago, at 200/s.
            assert!(wait < Duration::from_millis(300), "{wait:?}");
        }
        // The slots the blocking budget took are seen: room-0's next is a second away.
        let started = Instant::now();
        let wait = async_budget.take_async(&rooms(0)).await.unwrap();
        assert!(started.elapsed() + wait > Duration::from_millis(800));
    });
}
