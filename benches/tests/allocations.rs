//! Allocations of one `prepare` and one `parse_response`, counted by a counting global
//! allocator (the calling thread's only), printed, and held to a budget.
//!
//! `cargo test -p zego-benches --test allocations -- --nocapture` prints the counts.

use allocation_counter::{AllocationInfo, measure};
use zego_benches::{TIMESTAMP, command, config, nonce, reply_body};
use zego_core::actions::SendCustomCommand;
use zego_core::{MAX_BODY_BYTES, ResponseError, parse_response, prepare};

fn report(what: &str, info: &AllocationInfo) {
    println!(
        "{what}: {} allocations, {} bytes in all, {} bytes at most at once",
        info.count_total, info.bytes_total, info.bytes_max
    );
}

#[test]
fn prepare_allocations() {
    let (config, nonce, command) = (config(), nonce(), command());
    let mut request = None;
    let info = measure(|| request = Some(prepare(&config, &command, &nonce, TIMESTAMP)));
    report("prepare (10 targets, 1 KiB CJK)", &info);
    let request = request.unwrap().unwrap();
    assert!(request.uri().query().unwrap().contains("&Signature="));
    let dropped = measure(|| drop(request));
    assert_eq!(
        info.count_current + dropped.count_current,
        0,
        "the request owns every allocation it made"
    );
    // The URL, the request's header map, and little else.
    assert!(info.count_total <= 4, "{info:?}");
}

#[test]
fn parse_allocations() {
    let body = reply_body();
    let info = measure(|| {
        let reply = parse_response::<SendCustomCommand>(200, &body).unwrap();
        assert_eq!(reply.failed_users().len(), 10);
    });
    report("parse_response (10 FailUsers)", &info);
    assert_eq!(info.count_current, 0, "nothing leaks");
    // The request ID, the message, the vector and one string per user.
    assert!(info.count_total <= 15, "{info:?}");
}

#[test]
fn a_body_over_the_cap_allocates_nothing() {
    let body = vec![b' '; MAX_BODY_BYTES + 1];
    let mut result = None;
    let info = measure(|| result = Some(parse_response::<SendCustomCommand>(500, &body)));
    report("parse_response (body over the cap)", &info);
    assert_eq!(
        result,
        Some(Err(ResponseError::TooLarge {
            status: 500,
            limit: MAX_BODY_BYTES
        }))
    );
    assert_eq!(info.count_total, 0, "{info:?}");
}
