//! `zego demo`: a local ZEGO, the real client, three sends, and every inbox.

use std::time::Duration;

use zego_hyper::{AppId, Client, Endpoint, FanOut, SendCustomCommand, ServerSecret};
use zego_mock::{App, MockServer};

use crate::exit;
use crate::output::{error_lines, to_text};
use crate::send::{runtime, send_all};

const APP_ID: u32 = 1_234_567_890;
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const ROOM: &str = "demo-room";
const OFFLINE: &str = "dave";

fn online_users() -> Vec<String> {
    let mut users: Vec<String> = ["alice", "bob", "carol"].map(String::from).to_vec();
    users.extend((1..=11).map(|i| format!("fan-{i:02}")));
    users
}

/// Runs the demo; returns the exit code.
pub fn run() -> u8 {
    match try_run() {
        Ok(()) => exit::OK,
        Err(e) => {
            eprintln!("error: the demo failed: {e}");
            exit::FAILED
        }
    }
}

fn try_run() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = MockServer::builder().app(App::new(AppId::new(APP_ID), SECRET));
    for user in online_users() {
        builder = builder.user(ROOM, user);
    }
    let mock = builder.offline_user(ROOM, OFFLINE).start()?;
    println!("zego-mock listening on {} (app {APP_ID})", mock.base_url());
    println!(
        "room {ROOM}: online {}; offline {OFFLINE}\n",
        online_users().join(", ")
    );

    let client = Client::builder(AppId::new(APP_ID), ServerSecret::new(SECRET)?)
        .endpoint(Endpoint::loopback_http(&mock.base_url())?)
        .timeout(Duration::from_secs(10))
        .build()?;
    let runtime = runtime()?;

    let sends = [
        (
            "1. to the whole room, as a sender who is not in it",
            SendCustomCommand::to_room(ROOM, "server", "hello, room"),
        ),
        (
            "2. to alice and the offline dave",
            SendCustomCommand::to_users(ROOM, "server", ["alice", OFFLINE], "hi alice and dave"),
        ),
        (
            "3. fan-out to 12 users (two calls of at most 10)",
            SendCustomCommand::to_users(
                ROOM,
                "server",
                online_users()
                    .into_iter()
                    .skip(3)
                    .chain([OFFLINE.to_owned()]),
                "fan-out message",
            ),
        ),
    ];
    for (title, command) in sends {
        println!("{title}");
        let reply = runtime.block_on(send_all(&client, FanOut::new(command)?, false));
        for line in to_text(&reply)
            .lines()
            .map(str::to_owned)
            .chain(error_lines(&reply))
        {
            println!("   {line}");
        }
        println!();
    }

    println!("inboxes:");
    for user in online_users().iter().map(String::as_str).chain([OFFLINE]) {
        let inbox = mock.inbox(user);
        let messages: Vec<String> = inbox.iter().map(|m| format!("{:?}", m.content)).collect();
        println!(
            "   {user:<7} {} message{}: {}",
            inbox.len(),
            if inbox.len() == 1 { "" } else { "s" },
            if messages.is_empty() {
                "-".to_owned()
            } else {
                messages.join(", ")
            }
        );
    }
    Ok(())
}
