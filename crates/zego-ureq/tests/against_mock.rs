//! zego-ureq against zego-mock over loopback HTTP: the conformance suite (scenarios of
//! every call and the fault matrix, shared with zego-hyper), and what is particular to
//! the blocking client.

use zego_conformance::{BIG_ROOM, Spec, TestClient, fan_out_users, spec, start_mock};
use zego_core::actions::SendCustomCommand;
use zego_core::{Action, AllPages, Batched, Error, FanOutReply, Paged, Reply, ValidationError};
use zego_ureq::Client;

#[derive(Clone)]
struct Ureq(Client);

impl TestClient for Ureq {
    type Client = Client;

    fn build(spec: &Spec) -> Self {
        Ureq(spec.build())
    }

    fn call<A: Action + Send + 'static>(&self, action: A) -> Result<Reply<A::Data>, Error> {
        self.0.call(action)
    }

    fn fan_out<B: Batched + Send + 'static>(
        &self,
        call: B,
    ) -> Result<FanOutReply<B::Merged>, ValidationError> {
        self.0.fan_out(call)
    }

    fn all_pages<P: Paged + Send + 'static>(
        &self,
        call: P,
    ) -> Result<AllPages<P::Item>, ValidationError> {
        self.0.all_pages(call)
    }
}

zego_conformance::conformance_tests!(Ureq);

/// The blocking client needs no runtime: it works from a plain thread, and from async
/// code through `spawn_blocking`, with one connection pool shared by the clones.
#[test]
fn from_a_plain_thread_and_from_spawn_blocking() {
    let mock = start_mock();
    let client: Client = spec(&mock).build();
    let to_alice =
        |content: &str| SendCustomCommand::to_users("room-1", "server", ["alice"], content);

    let from_thread = std::thread::spawn({
        let client = client.clone();
        let command = to_alice("thread");
        move || client.call(command)
    })
    .join()
    .expect("no panic")
    .expect("sent");
    assert!(from_thread.all_delivered());

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let command = to_alice("spawn_blocking");
    let from_async = runtime
        .block_on(async { tokio::task::spawn_blocking(move || client.call(command)).await })
        .expect("no panic")
        .expect("sent");
    assert!(from_async.all_delivered());

    let contents: Vec<String> = mock.inbox("alice").into_iter().map(|d| d.content).collect();
    assert_eq!(contents, ["thread", "spawn_blocking"]);
}

/// The progress hook is told after each request of a fan-out.
#[test]
fn fan_out_progress() {
    let mock = start_mock();
    let client: Client = spec(&mock).build();
    let mut seen = Vec::new();
    let command = SendCustomCommand::to_users(BIG_ROOM, "server", fan_out_users(), "p");
    let reply = client
        .fan_out_with(command, |p| seen.push((p.done, p.total)))
        .expect("valid");
    assert!(reply.all_delivered());
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
}
