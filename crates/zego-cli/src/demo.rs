//! `zego demo`: a local ZEGO, users who log in with login tokens, the real client, three
//! sends, a broadcast, a kick, a count of the users, and every inbox.

use std::time::Duration;

use zego_core::actions::{
    DescribeUserNum, KickoutUser, MessageCategory, SendBroadcastMessage, SendCustomCommand,
};
use zego_core::{Action, AppId, ServerSecret};
use zego_hyper::{Client, Endpoint};
use zego_mock::{App, MockServer};
use zego_token::{Privileges, TokenBuilder};

use crate::args::DemoArgs;
use crate::exit;
use crate::out::{errln, outln};
use crate::runner::{Batch, Mode, Single, runtime};

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
pub fn run(args: &DemoArgs) -> u8 {
    match try_run(args) {
        Ok(()) => exit::OK,
        Err(e) => {
            errln!("error: the demo failed: {e}");
            exit::FAILED
        }
    }
}

/// Makes one call of the demo through the command's own runner, and prints its outcome.
fn step<C: Action, M: Mode<C>>(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    title: &str,
    call: C,
) {
    outln!("{title}");
    let outcome = runtime.block_on(M::send(client, call, false));
    for line in outcome
        .to_text()
        .lines()
        .map(str::to_owned)
        .chain(outcome.error_lines())
    {
        outln!("   {line}");
    }
    outln!();
}

fn try_run(args: &DemoArgs) -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::builder()
        .app(App::new(AppId::new(APP_ID), SECRET))
        .offline_user(ROOM, OFFLINE)
        .start()?;
    outln!("zego-mock listening on {} (app {APP_ID})", mock.base_url());
    outln!("dashboard: {}", mock.dashboard_url());

    // Each user's client logs in with a login token from the app server, which the mock
    // checks as ZEGO does: this app, this user, not expired, allowed into this room.
    let secret = ServerSecret::new(SECRET)?;
    let token_for = |user: &str, room: &str| {
        TokenBuilder::new(AppId::new(APP_ID), user)
            .privileges(&Privileges::room(room).login(true))
            .generate(&secret)
    };
    for user in online_users() {
        mock.login_with_token(ROOM, &user, token_for(&user, ROOM)?.as_str())?;
    }
    outln!(
        "login tokens (Token04, AES-GCM, valid 1 h, may log in to {ROOM}), checked by the mock:"
    );
    outln!(
        "   {} users logged in with a login token",
        online_users().len()
    );
    match mock.login_with_token(ROOM, OFFLINE, token_for(OFFLINE, "other-room")?.as_str()) {
        Err(refused) => outln!("   {OFFLINE}, with a token for another room: refused: {refused}"),
        Ok(()) => return Err("a token for another room was accepted".into()),
    }
    outln!(
        "room {ROOM}: online {}; offline {OFFLINE}\n",
        online_users().join(", ")
    );

    let client = Client::builder(AppId::new(APP_ID), ServerSecret::new(SECRET)?)
        .endpoint(Endpoint::loopback_http(&mock.base_url())?)
        .timeout(Duration::from_secs(10))
        .build()?;
    let rt = runtime()?;

    step::<_, Batch>(
        &rt,
        &client,
        "1. to the whole room, as a sender who is not in it",
        SendCustomCommand::to_room(ROOM, "server", "hello, room"),
    );
    step::<_, Batch>(
        &rt,
        &client,
        "2. to alice and the offline dave",
        SendCustomCommand::to_users(ROOM, "server", ["alice", OFFLINE], "hi alice and dave"),
    );
    let fans = online_users()
        .into_iter()
        .skip(3)
        .chain([OFFLINE.to_owned()]);
    step::<_, Batch>(
        &rt,
        &client,
        "3. fan-out to 12 users (two calls of at most 10)",
        SendCustomCommand::to_users(ROOM, "server", fans, "fan-out message"),
    );
    step::<_, Single>(
        &rt,
        &client,
        "4. a broadcast message to the whole room (SendBroadcastMessage)",
        SendBroadcastMessage::new(ROOM, "server", MessageCategory::Chat, "hello, everyone")
            .user_name("The Server"),
    );
    step::<_, Batch>(
        &rt,
        &client,
        "5. kick carol out of the room (KickoutUser)",
        KickoutUser::new(ROOM, ["carol"]).reason("demo"),
    );
    step::<_, Batch>(
        &rt,
        &client,
        "6. count the users of the room and of an empty one (DescribeUserNum)",
        DescribeUserNum::new([ROOM, "empty-room"]),
    );

    outln!("inboxes:");
    for user in online_users().iter().map(String::as_str).chain([OFFLINE]) {
        let inbox = mock.inbox(user);
        let messages: Vec<String> = inbox.iter().map(|m| format!("{:?}", m.content)).collect();
        outln!(
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
    if args.serve {
        outln!();
        outln!(
            "serving until interrupted (Ctrl-C): open {} in a browser",
            mock.dashboard_url()
        );
        rt.block_on(async {
            crate::listen::stop_signal()?.await;
            Ok::<(), std::io::Error>(())
        })?;
    }
    Ok(())
}
