//! zego-ureq against zego-mock over loopback HTTP: the shared scenarios and fault matrix
//! (in zego-hyper's `tests/common`, so both transports meet the same expectations), and
//! what is particular to the blocking client.

#[macro_use]
#[path = "../../zego-hyper/tests/common/mod.rs"]
mod common;

use common::Transport;
use zego_core::{Error, FanOutReply, SendCustomCommand, SendCustomCommandReply, ValidationError};
use zego_ureq::Client;

#[derive(Clone)]
struct Ureq(Client);

impl Transport for Ureq {
    fn build(spec: &common::Spec) -> Self {
        Ureq(build_client!(Client, spec))
    }

    fn send(&self, command: SendCustomCommand) -> Result<SendCustomCommandReply, Error> {
        self.0.send_custom_command(command)
    }

    fn fan_out(&self, command: SendCustomCommand) -> Result<FanOutReply, ValidationError> {
        self.0.fan_out(command)
    }
}

scenario_tests!(Ureq);
fault_matrix_tests!(Ureq);

/// The blocking client needs no runtime: it works from a plain thread, and from async
/// code through `spawn_blocking`, with one connection pool shared by the clones.
#[test]
fn from_a_plain_thread_and_from_spawn_blocking() {
    let mock = common::start_mock();
    let client: Client = build_client!(Client, &common::spec(&mock));

    let from_thread = std::thread::spawn({
        let client = client.clone();
        move || {
            client.send_custom_command(SendCustomCommand::to_users(
                "room-1",
                "server",
                ["alice"],
                "thread",
            ))
        }
    })
    .join()
    .expect("no panic")
    .expect("sent");
    assert!(from_thread.all_delivered());

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let from_async = runtime
        .block_on(async {
            tokio::task::spawn_blocking(move || {
                client.send_custom_command(SendCustomCommand::to_users(
                    "room-1",
                    "server",
                    ["alice"],
                    "spawn_blocking",
                ))
            })
            .await
        })
        .expect("no panic")
        .expect("sent");
    assert!(from_async.all_delivered());

    let contents: Vec<String> = mock.inbox("alice").into_iter().map(|d| d.content).collect();
    assert_eq!(contents, ["thread", "spawn_blocking"]);
}
