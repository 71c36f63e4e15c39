//! zego-hyper against zego-mock over loopback HTTP: the conformance suite (scenarios of
//! every call and the fault matrix, shared with zego-ureq), and what is particular to the
//! async client.

use std::sync::Arc;

use zego_conformance::{BIG_ROOM, Limit, Spec, TestClient, fan_out_users, spec, start_mock};
use zego_core::actions::SendCustomCommand;
use zego_core::{Action, Batched, Error, FanOutReply, Reply, ValidationError};
use zego_hyper::Client;

/// The async client, driven to completion on a multi-threaded tokio runtime.
#[derive(Clone)]
struct Hyper {
    runtime: Arc<tokio::runtime::Runtime>,
    client: Client,
}

impl TestClient for Hyper {
    type Client = Client;

    fn build(spec: &Spec) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Hyper {
            runtime: Arc::new(runtime),
            client: spec.build(),
        }
    }

    fn call<A: Action + Send + 'static>(&self, action: A) -> Result<Reply<A::Data>, Error> {
        self.runtime.block_on(self.client.call(action))
    }

    fn fan_out<B: Batched + Send + 'static>(
        &self,
        call: B,
    ) -> Result<FanOutReply<B::Merged>, ValidationError> {
        self.runtime.block_on(self.client.fan_out(call))
    }
}

zego_conformance::conformance_tests!(Hyper);

/// One client, cloned into many tasks at once (its futures are `Send`): every message
/// arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_one_client() {
    let mock = start_mock();
    let spec = Spec {
        limit: Limit::Off,
        ..spec(&mock)
    };
    let client: Client = spec.build();
    let users = fan_out_users();
    let tasks: Vec<_> = users
        .iter()
        .map(|user| {
            let client = client.clone();
            let command = SendCustomCommand::to_users(BIG_ROOM, "server", [user.clone()], "task");
            tokio::spawn(async move { client.call(command).await })
        })
        .collect();
    for task in tasks {
        let reply = task.await.expect("no panic").expect("sent");
        assert!(reply.all_delivered());
    }
    for user in &users {
        assert_eq!(mock.inbox(user).len(), 1, "{user}");
    }
    assert_eq!(mock.requests().len(), users.len());
}

/// The client is built outside any runtime, and its fan-out future can be spawned.
#[test]
fn built_outside_a_runtime_and_spawned() {
    let mock = start_mock();
    let client: Client = spec(&mock).build();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let task = runtime.spawn(async move {
        client
            .fan_out(SendCustomCommand::to_room("room-1", "server", "spawned"))
            .await
    });
    let reply = runtime.block_on(task).expect("no panic").expect("valid");
    assert!(reply.all_delivered());
    assert_eq!(mock.inbox("alice").len(), 1);
    assert_eq!(mock.inbox("bob").len(), 1);
}

/// The progress hook is told after each request of a fan-out.
#[test]
fn fan_out_progress() {
    let mock = start_mock();
    let client: Client = spec(&mock).build();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut seen = Vec::new();
    let command = SendCustomCommand::to_users(BIG_ROOM, "server", fan_out_users(), "p");
    let reply = runtime
        .block_on(client.fan_out_with(command, |p| seen.push((p.done, p.total))))
        .expect("valid");
    assert!(reply.all_delivered());
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
}
