//! The cost of one rate slot from a budget kept in Redis (`zego-redis`, blocking and
//! async) against one from the in-process GCRA, in the same run.
//!
//! `cargo bench -p zego-benches --bench budget` starts its own `redis-server` on a free
//! loopback port (`apt-get install redis-server`). Every slot is taken at a rate high
//! enough that none waits: this measures the asking, not the pacing.

#[path = "../../crates/zego-redis/tests/common/mod.rs"]
mod redis_server;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use zego_core::{AppId, Gcra, Rate, RateLimiter, Slot, SlotRequest};
use zego_redis::RedisBudget;

fn budget(c: &mut Criterion) {
    let redis = redis_server::RedisServer::start();
    // A million a second: no slot waits for another.
    let rate = Rate::new(1_000_000, Duration::from_secs(1));
    let request = SlotRequest::new(AppId::new(1), "SendCustomCommand", rate);
    let gcra = Gcra::with_rate(rate);
    let blocking = RedisBudget::builder(redis.url())
        .build_blocking()
        .expect("budget");
    let async_budget = RedisBudget::builder(redis.url())
        .build_async()
        .expect("budget");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    blocking.take_blocking(&request).expect("redis answers");
    runtime
        .block_on(async_budget.take_async(&request))
        .expect("redis answers");

    let mut group = c.benchmark_group("budget");
    group
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("in_process_gcra", |b| {
        let slot = [Slot::app("SendCustomCommand", rate)];
        b.iter(|| black_box(gcra.reserve(&slot, Instant::now())))
    });
    group.bench_function("redis_blocking", |b| {
        b.iter(|| black_box(blocking.take_blocking(&request).expect("a slot")))
    });
    group.bench_function("redis_async", |b| {
        b.iter(|| {
            black_box(
                runtime
                    .block_on(async_budget.take_async(&request))
                    .expect("a slot"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, budget);
criterion_main!(benches);
