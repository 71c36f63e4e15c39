//! Requests per second through each client against zego-mock on loopback (rate limits
//! off on both sides), next to its baseline: a raw hyper client and a raw ureq agent
//! sending one prepared, signed request over and over, in the same run.
//!
//! `cargo bench -p zego-benches --bench throughput`. The goal: each client at 0.95x or
//! more of its raw baseline.
//!
//! Each client and its baseline are measured in pairs: every timed send of one is
//! followed by an untimed send of the other, so that both see the same load on the machine
//! (the mock runs in this process, on the same cores) and their ratio stays meaningful on
//! a busy machine.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as RawHyper;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use zego_core::actions::SendCustomCommand;
use zego_core::{AppId, Config, Endpoint, Nonce, ServerSecret, prepare};
use zego_mock::{App, MockServer};

const APP_ID: u32 = 1_234_567_890;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const SUCCESS: &str = r#""Code":0"#;

fn command() -> SendCustomCommand {
    SendCustomCommand::to_users("room-1", "server", ["alice"], r#"{"type":"bench"}"#)
}

/// The same request for every iteration of a raw baseline (`http::Request` is not
/// `Clone`).
fn copy(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// Times `iters` runs of `measured`, each followed by an untimed run of `other`.
fn paired<A, B>(
    iters: u64,
    mut measured: impl FnMut() -> A,
    mut other: impl FnMut() -> B,
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let started = Instant::now();
        black_box(measured());
        total += started.elapsed();
        black_box(other());
    }
    total
}

fn throughput(c: &mut Criterion) {
    let mock = MockServer::builder()
        .app(App::new(AppId::new(APP_ID), SECRET))
        .user("room-1", "alice")
        .rate_limits(false)
        .start()
        .expect("the mock starts");
    let endpoint = Endpoint::loopback_http(&mock.base_url()).expect("endpoint");
    let secret = || ServerSecret::new(SECRET).expect("secret");

    // One signed request, prepared once, for the raw baselines. The mock accepts it for
    // the whole run (its timestamp stays within the 10-minute window).
    let config = Config::new(AppId::new(APP_ID), secret()).with_endpoint(endpoint.clone());
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let nonce: Nonce = "0123456789abcdef".parse().expect("nonce");
    let prepared = prepare(&config, &command(), &nonce, timestamp).expect("valid");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hyper_client = zego_hyper::Client::builder(AppId::new(APP_ID), secret())
        .endpoint(endpoint.clone())
        .no_rate_limit()
        .build()
        .expect("client");
    // The raw clients get the settings any careful user would give them: no Nagle delay
    // for small requests (ureq's default; hyper's connector needs it set).
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let raw_hyper: RawHyper<HttpConnector, Full<Bytes>> =
        RawHyper::builder(TokioExecutor::new()).build(connector);
    let ureq_client = zego_ureq::Client::builder(AppId::new(APP_ID), secret())
        .endpoint(endpoint)
        .no_rate_limit()
        .build()
        .expect("client");
    let raw_ureq: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .build()
        .into();

    let raw_hyper_send = || async {
        let request = copy(&prepared).map(|body| Full::new(Bytes::from(body)));
        let response = raw_hyper.request(request).await.expect("sent");
        let status = response.status();
        let body = response.into_body().collect().await.expect("body");
        (status, body.to_bytes())
    };
    let raw_ureq_send = || {
        let response = raw_ureq.run(copy(&prepared)).expect("sent");
        let status = response.status();
        let body = response.into_body().read_to_vec().expect("body");
        (status, body)
    };

    // Every contender succeeds before it is measured.
    runtime
        .block_on(hyper_client.call(command()))
        .expect("zego-hyper");
    ureq_client.call(command()).expect("zego-ureq");
    let (_, body) = runtime.block_on(raw_hyper_send());
    assert!(String::from_utf8_lossy(&body).contains(SUCCESS));
    let (_, body) = raw_ureq_send();
    assert!(String::from_utf8_lossy(&body).contains(SUCCESS));

    let mut group = c.benchmark_group("throughput");
    group
        .throughput(Throughput::Elements(1))
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    let zego_hyper_send = || {
        runtime
            .block_on(hyper_client.call(command()))
            .expect("sent")
    };
    let zego_ureq_send = || ureq_client.call(command()).expect("sent");
    group.bench_function("raw-hyper", |b| {
        b.iter_custom(|iters| {
            paired(
                iters,
                || runtime.block_on(raw_hyper_send()),
                zego_hyper_send,
            )
        })
    });
    group.bench_function("zego-hyper", |b| {
        b.iter_custom(|iters| {
            paired(iters, zego_hyper_send, || {
                runtime.block_on(raw_hyper_send())
            })
        })
    });
    group.bench_function("raw-ureq", |b| {
        b.iter_custom(|iters| paired(iters, raw_ureq_send, zego_ureq_send))
    });
    group.bench_function("zego-ureq", |b| {
        b.iter_custom(|iters| paired(iters, zego_ureq_send, raw_ureq_send))
    });
    group.finish();
}

criterion_group!(benches, throughput);
criterion_main!(benches);
