//! zego-core against the baselines a user would otherwise write.
//!
//! - `prepare`: sign and encode a `SendCustomCommand` with 10 targets and 1 KiB of CJK
//!   content, next to the vendor's samples' way, the floor, and the floor followed by
//!   the `http::Uri` parse that building any `http::Request` costs.
//! - `parse`: a reply with 10 `FailUsers`, next to `serde_json::Value` and lookups.
//! - `call`: a whole one-target call through the driver (`zego_core::run`, the loop both
//!   transports run) on a transport that answers at once: the client's own CPU time per
//!   call, nonce and clock included, everything but the network.
//!
//! Run with `cargo bench -p zego-benches --bench core`; `benches/medians.py` prints the
//! medians and ratios of the last run.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use zego_benches::{
    APP_ID, NONCE, SECRET, TIMESTAMP, command, config, floor_url, nonce, parse_with_value,
    reply_body, vendor_style_url,
};
use zego_core::actions::SendCustomCommand;
use zego_core::{
    BuildClient, BuildError, ClientBuilder, ClientOptions, Exchange, ServerSecret, Shared,
    SystemHost, Transport, block_on_ready, parse_response, prepare, run,
};

fn prepare_bench(c: &mut Criterion) {
    let (config, nonce, command) = (config(), nonce(), command());
    let mut group = c.benchmark_group("prepare");
    group.bench_function("zego_core", |b| {
        b.iter(|| prepare(black_box(&config), black_box(&command), &nonce, TIMESTAMP))
    });
    group.bench_function("vendor_style", |b| {
        b.iter(|| {
            vendor_style_url(
                APP_ID,
                black_box(SECRET),
                NONCE,
                TIMESTAMP,
                black_box(&command),
            )
        })
    });
    // The floor, then the URI check every `http::Request` needs (`prepare` returns one).
    group.bench_function("floor_then_http_uri", |b| {
        b.iter(|| {
            http::Uri::try_from(floor_url(
                APP_ID,
                black_box(SECRET),
                NONCE,
                TIMESTAMP,
                black_box(&command),
            ))
        })
    });
    group.bench_function("floor", |b| {
        b.iter(|| {
            floor_url(
                APP_ID,
                black_box(SECRET),
                NONCE,
                TIMESTAMP,
                black_box(&command),
            )
        })
    });
    group.finish();
}

fn parse_bench(c: &mut Criterion) {
    let body = reply_body();
    let mut group = c.benchmark_group("parse");
    group.bench_function("zego_core", |b| {
        b.iter(|| parse_response::<SendCustomCommand>(200, black_box(&body)))
    });
    group.bench_function("serde_json_value", |b| {
        b.iter(|| parse_with_value(black_box(&body)))
    });
    group.finish();
}

/// Answers every request at once with a success.
struct Answering;

impl Transport for Answering {
    fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> impl std::future::Future<Output = Exchange> {
        black_box(request);
        std::future::ready(Ok((
            200,
            br#"{"Code":0,"Message":"success","RequestId":"r","Data":{"FailUsers":[]}}"#.to_vec(),
        )))
    }

    fn sleep_until(&self, _: std::time::Instant) -> impl std::future::Future<Output = ()> {
        std::future::ready(())
    }
}

struct Options(ClientOptions);

impl BuildClient for Options {
    fn build_client(options: ClientOptions) -> Result<Self, BuildError> {
        Ok(Options(options))
    }
}

fn call_bench(c: &mut Criterion) {
    let builder: ClientBuilder<Options> = ClientBuilder::new(
        zego_core::AppId::new(APP_ID),
        ServerSecret::new(SECRET).expect("secret"),
    );
    let client = Shared {
        options: builder.no_rate_limit().build().expect("options").0,
        http: Answering,
    };
    let mut group = c.benchmark_group("call");
    group.bench_function("run_canned", |b| {
        b.iter(|| {
            let command =
                SendCustomCommand::to_users("room-1", "server", ["alice"], r#"{"type":"bench"}"#);
            block_on_ready(run(&client, &mut SystemHost, command)).expect("success")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Short runs: the whole file takes about half a minute.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = prepare_bench, parse_bench, call_bench
}
criterion_main!(benches);
