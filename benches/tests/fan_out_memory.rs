//! Peak memory of a fan-out at 10,000 and 100,000 users, per user: building the message
//! (duplicates merged), splitting it, sending its requests through the blocking client to
//! zego-mock and merging the replies. Counted by a counting global allocator on the
//! calling thread only (the mock serves on a thread of its own), and held to: the peak
//! per user at 100,000 within 2x that at 10,000.
//!
//! `cargo test -p zego-benches --release --test fan_out_memory -- --nocapture` prints it.

use allocation_counter::measure;
use zego_benches::fan_out::{client, mock, send, users};

fn peak_per_user(n: usize) -> f64 {
    let mock = mock(n);
    let client = client(&mock);
    // Warm the connection pool and the resolver first: they are not per user.
    send(&client, users(10));
    let mut calls = 0;
    let info = measure(|| {
        let reply = send(&client, users(n));
        assert!(reply.all_delivered());
        calls = reply.calls;
    });
    assert_eq!(calls, n.div_ceil(10));
    let per_user = info.bytes_max as f64 / n as f64;
    println!(
        "fan-out of {n} users: {} requests, peak {} bytes ({per_user:.1} per user), {} allocations",
        calls, info.bytes_max, info.count_total
    );
    per_user
}

#[test]
fn peak_memory_grows_linearly() {
    let small = peak_per_user(10_000);
    let large = peak_per_user(100_000);
    assert!(
        large <= 2.0 * small,
        "{large:.1} bytes per user at 100,000 is over twice the {small:.1} at 10,000"
    );
}
