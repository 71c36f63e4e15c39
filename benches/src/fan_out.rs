//! The fan-out at scale, shared by its benchmark and its memory test: a zego-mock room of
//! `n` online users (budgets off), a blocking client without pacing, and one custom
//! command to all of them.

use zego_core::actions::SendCustomCommand;
use zego_core::{AppId, Endpoint, FanOutReply, ServerSecret, actions::CustomCommandData};
use zego_mock::{App, MockServer};

const APP_ID: u32 = 1_234_567_890;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const ROOM: &str = "stage";

/// The `n` users of the room.
pub fn users(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("listener-{i:06}")).collect()
}

/// A mock whose room holds `n` online users, with no budgets.
pub fn mock(n: usize) -> MockServer {
    users(n)
        .into_iter()
        .fold(MockServer::builder(), |mock, user| mock.user(ROOM, user))
        .app(App::new(AppId::new(APP_ID), SECRET))
        .rate_limits(false)
        .start()
        .expect("the mock starts")
}

/// A blocking client of the mock, without pacing.
pub fn client(mock: &MockServer) -> zego_ureq::Client {
    zego_ureq::Client::builder(
        AppId::new(APP_ID),
        ServerSecret::new(SECRET).expect("secret"),
    )
    .endpoint(Endpoint::loopback_http(&mock.base_url()).expect("endpoint"))
    .no_rate_limit()
    .build()
    .expect("client")
}

/// Builds the message to `users` (merging duplicates) and sends it as a fan-out.
pub fn send(client: &zego_ureq::Client, users: Vec<String>) -> FanOutReply<CustomCommandData> {
    let command = SendCustomCommand::to_users(ROOM, "server", users, "curtain up");
    client.fan_out(command).expect("valid")
}
