//! Builds a signed `SendCustomCommand` request and parses the vendor's example reply,
//! with no network: the core is sans-IO.
//!
//! Run with `cargo run -p zego-core --example quickstart`.

use std::time::{Duration, UNIX_EPOCH};

use zego_core::actions::SendCustomCommand;
use zego_core::{
    AppId, Config, FixedHost, Host, Nonce, ServerSecret, parse_response, prepare, unix_seconds,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::new(
        AppId::new(12345),
        ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38")?,
    );
    let command =
        SendCustomCommand::to_users("room", "userA", ["user1", "user2"], "推送自定义信息-新接口");

    // A transport takes these from the system clock and the OS random source.
    let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_615_186_943), 1);
    let mut nonce = [0u8; 8];
    host.fill_random(&mut nonce);
    let request = prepare(
        &config,
        &command,
        &Nonce::from_bytes(nonce),
        unix_seconds(host.system_time()),
    )?;
    println!("{} {}", request.method(), request.uri());

    let body = br#"{"Code":0,"Message":"success","RequestId":"3005402395393320157",
                    "Data":{"FailUsers":[{"Uid":"1111","Code":50003}]}}"#;
    let reply = parse_response::<SendCustomCommand>(200, body)?;
    println!("request id {}", reply.request_id);
    for user in reply.failed_users() {
        println!("not delivered to {}: {}", user.user_id, user.code);
    }
    Ok(())
}
