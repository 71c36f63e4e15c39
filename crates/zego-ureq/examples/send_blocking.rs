//! The blocking client against a zego-mock server started here, on this machine:
//! `cargo run -p zego-ureq --example send_blocking`. A chat room's moderation, one call
//! after the other.
//!
//! Against the real service, build the client without `.endpoint(..)` (or with
//! `.region(..)`), with your AppId and ServerSecret.
//!
//! It sets up no logging. A program that does (`env_logger`, or `tracing_subscriber`
//! with its `log` bridge) keeps ureq at `debug` or below: at trace ureq prints the signed
//! URL of every request. `RUST_LOG=info,zego_core=debug,ureq=debug,ureq_proto=debug`;
//! the crate docs' tracing section shows the same with an `EnvFilter`.

use zego_mock::{App, MockServer};
use zego_ureq::actions::{KickoutUser, MessageCategory, SendBroadcastMessage, SendCustomCommand};
use zego_ureq::{AppId, Client, Endpoint, ServerSecret};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let app = AppId::new(1_234_567_890);
    let mock = MockServer::builder()
        .app(App::new(app, "00112233445566778899aabbccddeeff"))
        .user("chat", "alice")
        .user("chat", "bob")
        .user("chat", "troll")
        .offline_user("chat", "carol")
        .start()?;
    println!("zego-mock listening on {}", mock.base_url());
    let secret = ServerSecret::new("00112233445566778899aabbccddeeff")?;
    let client = Client::builder(app, secret)
        .endpoint(Endpoint::loopback_http(&mock.base_url())?)
        .build()?;

    // A warning to two users: carol is offline, so she comes back as not reached.
    let warning = SendCustomCommand::to_users("chat", "moderator", ["troll", "carol"], "warning");
    for user in client.call(warning)?.failed_users() {
        println!("not reached: {} ({})", user.user_id, user.code);
    }

    // The troll goes; the room is told by a system broadcast.
    client.call(KickoutUser::new("chat", ["troll"]).reason("spam"))?;
    let notice =
        SendBroadcastMessage::new("chat", "moderator", MessageCategory::System, "troll left");
    let reply = client.call(notice)?;
    println!(
        "broadcast {:?} (request id {})",
        reply.data.message_id, reply.request_id
    );

    for user in ["alice", "bob", "troll"] {
        let inbox: Vec<String> = mock.inbox(user).into_iter().map(|m| m.content).collect();
        println!("{user}: {inbox:?}");
    }
    Ok(())
}
