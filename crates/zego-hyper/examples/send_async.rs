//! Sends custom messages with the async client to a zego-mock server started here, on
//! this machine: `cargo run -p zego-hyper --example send_async`.
//!
//! Against the real service, build the client without `.endpoint(..)` (or with
//! `.region(..)`), with your AppId and ServerSecret.

use zego_hyper::{AppId, Client, Endpoint, SendCustomCommand, ServerSecret};
use zego_mock::{App, MockServer};

const APP_ID: u32 = 1_234_567_890;
const SECRET: &str = "0123456789abcdef0123456789abcdef";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local ZEGO server: room-1 with alice and bob online, carol offline, and a room of
    // 25 listeners.
    let mut mock = MockServer::builder()
        .app(App::new(AppId::new(APP_ID), SECRET))
        .user("room-1", "alice")
        .user("room-1", "bob")
        .offline_user("room-1", "carol");
    let listeners: Vec<String> = (1..=25).map(|i| format!("listener-{i}")).collect();
    for user in &listeners {
        mock = mock.user("stage", user);
    }
    let mock = mock.start()?;
    println!("zego-mock listening on {}", mock.base_url());

    let client = Client::builder(AppId::new(APP_ID), ServerSecret::new(SECRET)?)
        .endpoint(Endpoint::loopback_http(&mock.base_url())?)
        .build()?;

    // To some users: carol is offline, so she comes back in FailUsers.
    let reply = client
        .send_custom_command(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice", "carol"],
            r#"{"type":"invite"}"#,
        ))
        .await?;
    println!(
        "to users: request id {}, not reached: {:?}",
        reply.request_id,
        reply
            .failed_users()
            .iter()
            .map(|u| (u.user_id.as_str(), u.code.get()))
            .collect::<Vec<_>>()
    );

    // To everyone in the room but the sender.
    let reply = client
        .send_custom_command(SendCustomCommand::to_room(
            "room-1",
            "alice",
            r#"{"type":"refresh"}"#,
        ))
        .await?;
    println!("to the room: request id {}", reply.request_id);

    // To more than 10 users: a fan-out of calls of at most 10, paced by the client's budget.
    let reply = client
        .fan_out(SendCustomCommand::to_users(
            "stage",
            "server",
            listeners.clone(),
            "curtain up",
        ))
        .await?;
    println!(
        "fan-out: {} calls, all delivered: {}",
        reply.calls,
        reply.all_delivered()
    );

    // A message over 1024 bytes is refused before anything is sent.
    let err = client
        .send_custom_command(SendCustomCommand::to_room(
            "room-1",
            "server",
            "x".repeat(2000),
        ))
        .await
        .unwrap_err();
    println!("refused: {err}");

    println!("bob's inbox: {:?}", mock.inbox("bob"));
    println!("listener-25's inbox: {:?}", mock.inbox("listener-25"));
    Ok(())
}
