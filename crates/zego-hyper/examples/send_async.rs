//! The async client against a zego-mock server started here, on this machine:
//! `cargo run -p zego-hyper --example send_async`. Several calls run at once on one
//! client; each is paced by its own budget.
//!
//! Against the real service, build the client without `.endpoint(..)` (or with
//! `.region(..)`), with your AppId and ServerSecret.

use zego_hyper::actions::{DescribeUserNum, KickoutUser, SendCustomCommand};
use zego_hyper::{AppId, Client, Endpoint, ServerSecret};
use zego_mock::{App, MockServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secret = "0123456789abcdef0123456789abcdef";
    // A local ZEGO: a lobby of 30 players and a quiet room.
    let players: Vec<String> = (1..=30).map(|i| format!("player-{i:02}")).collect();
    let mock = players
        .iter()
        .fold(MockServer::builder(), |mock, player| {
            mock.user("lobby", player)
        })
        .user("quiet", "zoe")
        .app(App::new(AppId::new(42), secret))
        .start()?;
    println!("zego-mock listening on {}", mock.base_url());

    let client = Client::builder(AppId::new(42), ServerSecret::new(secret)?)
        .endpoint(Endpoint::loopback_http(&mock.base_url())?)
        .build()?;

    // Three calls at once: an invitation to 30 players (3 requests of 10), a count of both
    // rooms, and a kick of 7 players (2 requests of at most 5).
    let invite = SendCustomCommand::to_users("lobby", "server", &players, r#"{"type":"invite"}"#);
    let (invited, counted, kicked) = tokio::join!(
        client.fan_out(invite),
        client.call(DescribeUserNum::new(["lobby", "quiet"])),
        client.fan_out(KickoutUser::new("lobby", &players[23..]).reason("idle")),
    );
    let invited = invited?;
    println!(
        "invited in {} requests, all delivered: {}",
        invited.calls,
        invited.all_delivered()
    );
    for room in counted?.counts().unwrap_or_default() {
        println!("{}: {} users", room.room_id, room.user_count);
    }
    println!(
        "kicked in {} requests: {}",
        kicked?.calls,
        players[23..].join(", ")
    );

    // A message over 1024 bytes is refused before anything is sent.
    let too_long = SendCustomCommand::to_room("lobby", "server", "x".repeat(2000));
    println!("refused: {}", client.call(too_long).await.unwrap_err());
    println!("player-01's inbox: {:?}", mock.inbox("player-01"));
    Ok(())
}
