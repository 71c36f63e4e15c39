//! Building and running a fan-out of 1,000, 10,000 and 100,000 users against zego-mock on
//! loopback (budgets off on both sides): one custom command to every user of a room, as
//! requests of at most 10. The time must grow linearly with the users (the duplicates are
//! merged in linear time, and each request carries 10 users); the medians are printed as
//! time per user, and their ratio to the 1,000-user run.
//!
//! `cargo bench -p zego-benches --bench fan_out`. Peak memory per user is held by the test
//! `fan_out_memory` in `benches/tests`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use zego_benches::fan_out::{client, mock, send, users};
use zego_core::FanOut;
use zego_core::actions::SendCustomCommand;

const SIZES: [usize; 3] = [1_000, 10_000, 100_000];

fn fan_out(c: &mut Criterion) {
    // Building alone: the message to `n` users, each named twice, merged, and split.
    let mut group = c.benchmark_group("fan_out_build");
    for n in SIZES {
        let mut twice = users(n);
        twice.extend(users(n));
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &twice, |b, twice| {
            b.iter_batched(
                || twice.clone(),
                |twice| {
                    let command = SendCustomCommand::to_users("stage", "server", twice, "x");
                    black_box(FanOut::new(command).expect("valid").call_count())
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();

    // Building and sending, against the mock.
    let mut group = c.benchmark_group("fan_out_run");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut per_user = Vec::new();
    for n in SIZES {
        let mock = mock(n);
        let client = client(&mock);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let reply = send(&client, users(n));
                assert!(reply.all_delivered());
                black_box(reply.calls)
            })
        });
        // One more run, timed here, for the summary below.
        let started = Instant::now();
        let reply = send(&client, users(n));
        assert_eq!(reply.calls, n.div_ceil(10));
        per_user.push((n, started.elapsed() / n as u32));
    }
    group.finish();
    let base = per_user[0].1.as_secs_f64();
    for (n, time) in &per_user {
        println!(
            "fan-out of {n} users: {time:?} per user, {:.2}x the 1,000-user run's",
            time.as_secs_f64() / base
        );
    }
}

criterion_group!(benches, fan_out);
criterion_main!(benches);
