//! Four `zego` processes fan one message out each, through one budget kept in a real
//! Redis, against one mock with its budgets on; then the same without the shared budget.
//! The numbers are printed (`-- --ignored --nocapture`) and recorded in
//! `docs/benchmarks.md`.

#[path = "../../zego-redis/tests/common/mod.rs"]
mod redis_server;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use redis_server::RedisServer;
use zego_core::{AppId, ReturnCode};
use zego_mock::{App, LoggedRequest, MockServer};

const APP: u32 = 31_337;
const SECRET: &str = "00112233445566778899aabbccddeeff";
const PROCESSES: usize = 4;
/// SendCustomCommand's budget: 100 a second per AppId.
const BUDGET: usize = 100;

/// What one run of the processes did, read from the mock's log.
#[derive(Debug)]
struct Run {
    wall: Duration,
    requests: usize,
    throttled: usize,
    successes: usize,
    /// The most requests in any one-second window (by arrival).
    busiest_second: usize,
    /// From the first request's arrival to the last's.
    span: Duration,
    exit_codes: Vec<Option<i32>>,
}

fn run(users_each: usize, budget: Option<&str>) -> Run {
    let mut builder = MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .rate_limits(true);
    for p in 0..PROCESSES {
        for u in 0..users_each {
            builder = builder.user("room", format!("p{p}-u{u}"));
        }
    }
    let mock = builder.start().expect("the mock starts");
    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_zego"));
            cmd.env_remove("ZEGO_BUDGET")
                .env("ZEGO_APP_ID", APP.to_string())
                .env("ZEGO_SERVER_SECRET", SECRET)
                .args(["send-custom-command", "--endpoint", &mock.base_url()])
                .args(["--room", "room", "--from", "server", "--message", "go"])
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for u in 0..users_each {
                cmd.args(["--to", &format!("p{p}-u{u}")]);
            }
            if let Some(url) = budget {
                cmd.args(["--budget", url]);
            }
            cmd.spawn().expect("zego runs")
        })
        .collect();
    let exit_codes = children
        .into_iter()
        .map(|child| child.wait_with_output().expect("zego ends").status.code())
        .collect();
    let wall = started.elapsed();
    let log: Vec<LoggedRequest> = mock.requests();
    let at: Vec<u64> = log.iter().map(|r| r.at_ms).collect();
    let busiest_second = at
        .iter()
        .map(|&from| at.iter().filter(|&&t| t >= from && t < from + 1000).count())
        .max()
        .unwrap_or(0);
    Run {
        wall,
        requests: log.len(),
        throttled: log
            .iter()
            .filter(|r| r.code == Some(ReturnCode::APP_QPS_LIMIT))
            .count(),
        successes: log
            .iter()
            .filter(|r| r.code == Some(ReturnCode::SUCCESS))
            .count(),
        busiest_second,
        span: Duration::from_millis(at.iter().max().unwrap_or(&0) - at.iter().min().unwrap_or(&0)),
        exit_codes,
    }
}

#[test]
#[ignore = "needs redis-server (apt-get install redis-server); .ci/run runs it"]
fn four_processes_share_one_budget_in_redis() {
    let redis = RedisServer::start();
    // 4 processes × 2,500 users = 1,000 requests of 10 users: 10 s of the budget.
    let users_each = 2_500;
    let requests = PROCESSES * users_each / 10;
    let ideal = Duration::from_secs_f64(requests as f64 / BUDGET as f64);
    let shared = run(users_each, Some(&redis.url()));
    println!("with --budget: {shared:?} (ideal {ideal:?})");
    assert_eq!(shared.exit_codes, vec![Some(0); PROCESSES], "{shared:?}");
    assert_eq!(
        shared.requests, requests,
        "one request per chunk: none retried"
    );
    assert_eq!(shared.successes, requests);
    assert_eq!(shared.throttled, 0, "{shared:?}");
    assert!(shared.busiest_second <= BUDGET, "{shared:?}");
    // Paced evenly over the whole run, not in bursts.
    assert!(shared.span >= ideal.mul_f64(0.99), "{shared:?}");
    let bound = ideal.mul_f64(1.05) + Duration::from_secs(1);
    assert!(shared.wall <= bound, "{:?} > {bound:?}", shared.wall);

    // The same without the shared budget: each process paces at the whole budget, and
    // the server throttles what the four send together. A quarter of the users keeps
    // this run short (the throttled calls wait a second before each retry).
    let alone = run(users_each, None);
    println!("without --budget: {alone:?}");
    assert!(alone.throttled > 0, "{alone:?}");
    assert!(alone.busiest_second > BUDGET, "{alone:?}");
}
