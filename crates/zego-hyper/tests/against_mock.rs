//! zego-hyper against zego-mock over loopback HTTP: the shared scenarios and fault matrix
//! (in `common`, shared with zego-ureq), and what is particular to the async client.

#[macro_use]
mod common;

use std::sync::Arc;

use common::Transport;
use zego_core::{Error, FanOutReply, SendCustomCommand, SendCustomCommandReply, ValidationError};
use zego_hyper::Client;

/// The async client, driven to completion on a multi-threaded tokio runtime.
#[derive(Clone)]
struct Hyper {
    runtime: Arc<tokio::runtime::Runtime>,
    client: Client,
}

impl Transport for Hyper {
    fn build(spec: &common::Spec) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Hyper {
            runtime: Arc::new(runtime),
            client: build_client!(Client, spec),
        }
    }

    fn send(&self, command: SendCustomCommand) -> Result<SendCustomCommandReply, Error> {
        self.runtime
            .block_on(self.client.send_custom_command(command))
    }

    fn fan_out(&self, command: SendCustomCommand) -> Result<FanOutReply, ValidationError> {
        self.runtime.block_on(self.client.fan_out(command))
    }
}

scenario_tests!(Hyper);
fault_matrix_tests!(Hyper);

/// One client, cloned into many tasks at once (its futures are `Send`): every message
/// arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_one_client() {
    let mock = common::start_mock();
    let spec = common::Spec {
        limit: common::Limit::Off,
        ..common::spec(&mock)
    };
    let client: Client = build_client!(Client, &spec);
    let users = common::fan_out_users();
    let tasks: Vec<_> = users
        .iter()
        .map(|user| {
            let client = client.clone();
            let command =
                SendCustomCommand::to_users(common::BIG_ROOM, "server", [user.clone()], "task");
            tokio::spawn(async move { client.send_custom_command(command).await })
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
    let mock = common::start_mock();
    let client: Client = build_client!(Client, &common::spec(&mock));
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
