//! The inputs of the benchmarks, and the baselines zego-core is measured against.
//!
//! Every baseline produces exactly what zego-core produces (the tests below check it), so
//! that the benchmarks compare equal work:
//!
//! - [`vendor_style_url`]: the signed URL built the way the vendor's samples build it:
//!   `format!` concatenation, md5, a per-character URL encoder and string pushes.
//! - [`floor_url`]: the least work that produces the same URL: one md5 of the signing
//!   input and one percent-encoding pass into a byte buffer allocated once.
//! - [`parse_with_value`]: a reply read into a `serde_json::Value`, then its fields looked
//!   up and copied out.

pub mod fan_out;

use md5::{Digest, Md5};
use serde_json::Value;
use zego_core::actions::SendCustomCommand;
use zego_core::{AppId, Config, Nonce, ServerSecret};

/// The vendor's example credentials and signing inputs.
pub const APP_ID: u32 = 12345;
/// The vendor's example secret.
pub const SECRET: &str = "9193cc662a4c0ec135ec71fb57194b38";
/// The vendor's example nonce.
pub const NONCE: &str = "4fd24687296dd9f3";
/// The vendor's example timestamp.
pub const TIMESTAMP: i64 = 1_615_186_943;
/// The base URL of the unified host.
pub const BASE_URL: &str = "https://rtc-api.zego.im/";

/// The configuration for the vendor's example credentials.
pub fn config() -> Config {
    Config::new(
        AppId::new(APP_ID),
        ServerSecret::new(SECRET).expect("a valid secret"),
    )
}

/// The vendor's example nonce.
pub fn nonce() -> Nonce {
    NONCE.parse().expect("a valid nonce")
}

/// The room of the benchmark message.
pub const ROOM: &str = "room-0001";
/// The sender of the benchmark message.
pub const FROM: &str = "server";

/// Ten target users, the most one call takes.
pub fn targets() -> Vec<String> {
    (0..10).map(|i| format!("user-{i:04}")).collect()
}

/// 1 KiB of CJK content: 341 three-byte characters (1023 bytes), the most that fits in
/// the 1024-byte limit.
pub fn content() -> String {
    "推送自定义信息新接口消息内容"
        .chars()
        .cycle()
        .take(341)
        .collect()
}

/// The benchmark message: 10 targets, 1 KiB of CJK content.
pub fn command() -> SendCustomCommand {
    SendCustomCommand::to_users(ROOM, FROM, targets(), content())
}

/// A reply in which all 10 targets failed (50003, not online).
pub fn reply_body() -> Vec<u8> {
    let fail_users: Vec<Value> = targets()
        .into_iter()
        .map(|uid| serde_json::json!({ "Uid": uid, "Code": 50003 }))
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "Code": 0,
        "Message": "success",
        "RequestId": "3005402395393320157",
        "Data": { "FailUsers": fail_users },
    }))
    .expect("serializable")
}

// ---------------------------------------------------------------------------------------
// (a) The vendor's samples' way.

/// A per-character URL encoder, as in the vendor's samples.
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' || c == '~' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The signed URL, built with `format!`, md5, a per-character URL encoder and string
/// pushes.
pub fn vendor_style_url(
    app_id: u32,
    secret: &str,
    nonce: &str,
    timestamp: i64,
    command: &SendCustomCommand,
) -> String {
    let signature = hex::encode(Md5::digest(
        format!("{app_id}{nonce}{secret}{timestamp}").as_bytes(),
    ));
    let mut url = format!("{BASE_URL}?Action=SendCustomCommand");
    url.push_str(&format!("&RoomId={}", url_encode(command.room_id())));
    url.push_str(&format!(
        "&FromUserId={}",
        url_encode(command.from_user_id())
    ));
    for user in command.targets() {
        url.push_str(&format!("&ToUserId[]={}", url_encode(user)));
    }
    url.push_str(&format!(
        "&MessageContent={}",
        url_encode(command.content())
    ));
    url.push_str(&format!("&AppId={app_id}"));
    url.push_str(&format!("&SignatureNonce={nonce}"));
    url.push_str(&format!("&Timestamp={timestamp}"));
    url.push_str(&format!("&Signature={signature}"));
    url.push_str("&SignatureVersion=2.0");
    url
}

// ---------------------------------------------------------------------------------------
// (b) The floor.

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// Writes `n` in decimal into the end of `buf`; returns the digits.
fn decimal(buf: &mut [u8; 20], mut n: u64) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or_default()
}

/// One percent-encoding pass: unreserved bytes as they are, every other byte as `%XX`.
fn encode_into(out: &mut Vec<u8>, value: &str) {
    for &b in value.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.extend_from_slice(&[
                b'%',
                HEX_UPPER[usize::from(b >> 4)],
                HEX_UPPER[usize::from(b & 15)],
            ]);
        }
    }
}

/// The same signed URL with the least work: one md5 of the signing input, and every
/// value percent-encoded once into a byte buffer allocated once, at its largest size.
/// (The bytes are ASCII; it skips even the check that would make them a `String`.)
pub fn floor_url(
    app_id: u32,
    secret: &str,
    nonce: &str,
    timestamp: i64,
    command: &SendCustomCommand,
) -> Vec<u8> {
    let (mut app_digits, mut ts_digits) = ([0u8; 20], [0u8; 20]);
    let app = decimal(&mut app_digits, u64::from(app_id));
    let ts = decimal(&mut ts_digits, timestamp.unsigned_abs());
    let sign = if timestamp < 0 { "-" } else { "" };

    let mut md5 = Md5::new();
    for part in [app, nonce, secret, sign, ts] {
        md5.update(part.as_bytes());
    }
    let digest = md5.finalize();
    let mut signature = [0u8; 32];
    for (i, b) in digest.iter().enumerate() {
        signature[2 * i] = HEX_LOWER[usize::from(b >> 4)];
        signature[2 * i + 1] = HEX_LOWER[usize::from(b & 15)];
    }

    let values: usize = command.room_id().len()
        + command.from_user_id().len()
        + command.content().len()
        + command.targets().iter().map(String::len).sum::<usize>();
    let mut url = Vec::with_capacity(256 + 3 * values + 12 * command.targets().len());
    url.extend_from_slice(BASE_URL.as_bytes());
    url.extend_from_slice(b"?Action=SendCustomCommand&RoomId=");
    encode_into(&mut url, command.room_id());
    url.extend_from_slice(b"&FromUserId=");
    encode_into(&mut url, command.from_user_id());
    for user in command.targets() {
        url.extend_from_slice(b"&ToUserId[]=");
        encode_into(&mut url, user);
    }
    url.extend_from_slice(b"&MessageContent=");
    encode_into(&mut url, command.content());
    for (key, value) in [
        ("&AppId=", app),
        ("&SignatureNonce=", nonce),
        ("&Timestamp=", sign),
        ("", ts),
    ] {
        url.extend_from_slice(key.as_bytes());
        url.extend_from_slice(value.as_bytes());
    }
    url.extend_from_slice(b"&Signature=");
    url.extend_from_slice(&signature);
    url.extend_from_slice(b"&SignatureVersion=2.0");
    url
}

// ---------------------------------------------------------------------------------------
// The parse baseline.

/// What a reply says, read with `serde_json::Value`.
#[derive(Debug, PartialEq, Eq)]
pub struct ValueReply {
    /// `Code`.
    pub code: i64,
    /// `Message`.
    pub message: String,
    /// `RequestId`.
    pub request_id: String,
    /// `Data.FailUsers`, as `(Uid, Code)`.
    pub fail_users: Vec<(String, i64)>,
}

/// Parses `body` into a `serde_json::Value`, then looks up and copies out its fields.
pub fn parse_with_value(body: &[u8]) -> Option<ValueReply> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let code = value.get("Code")?.as_i64()?;
    let message = value
        .get("Message")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let request_id = match value.get("RequestId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let fail_users = match value.pointer("/Data/FailUsers") {
        Some(Value::Array(users)) => users
            .iter()
            .map(|user| {
                let uid = match user.get("Uid")? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((uid, user.get("Code")?.as_i64()?))
            })
            .collect::<Option<Vec<_>>>()?,
        _ => Vec::new(),
    };
    Some(ValueReply {
        code,
        message,
        request_id,
        fail_users,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zego_core::actions::SendCustomCommand;
    use zego_core::{parse_response, prepare};

    #[test]
    fn content_is_the_most_cjk_that_fits() {
        let content = content();
        assert_eq!(content.chars().count(), 341);
        assert_eq!(content.len(), 1023);
        assert!(content.chars().all(|c| c.len_utf8() == 3));
        assert_eq!(command().targets().len(), 10);
    }

    #[test]
    fn baselines_build_the_url_prepare_builds() {
        let expected = prepare(&config(), &command(), &nonce(), TIMESTAMP)
            .unwrap()
            .uri()
            .to_string();
        assert!(expected.contains("&Signature="));
        let args = (APP_ID, SECRET, NONCE, TIMESTAMP, &command());
        assert_eq!(
            vendor_style_url(args.0, args.1, args.2, args.3, args.4),
            expected
        );
        assert_eq!(
            floor_url(args.0, args.1, args.2, args.3, args.4),
            expected.as_bytes()
        );
    }

    #[test]
    fn floor_signs_like_the_vendor_vector_and_encodes_odd_input() {
        let odd = SendCustomCommand::to_users("r 1", "a&b", ["x=y", "ü"], "👋 %20+");
        for timestamp in [TIMESTAMP, -7, 0] {
            let expected = prepare(&config(), &odd, &nonce(), timestamp)
                .unwrap()
                .uri()
                .to_string();
            assert_eq!(
                floor_url(APP_ID, SECRET, NONCE, timestamp, &odd),
                expected.as_bytes()
            );
            assert_eq!(
                vendor_style_url(APP_ID, SECRET, NONCE, timestamp, &odd),
                expected
            );
        }
    }

    #[test]
    fn value_baseline_reads_what_parse_response_reads() {
        let body = reply_body();
        let reply = parse_response::<SendCustomCommand>(200, &body).unwrap();
        let value = parse_with_value(&body).unwrap();
        assert_eq!(value.code, 0);
        assert_eq!(value.message, reply.message);
        assert_eq!(value.request_id, reply.request_id);
        assert_eq!(value.fail_users.len(), 10);
        let typed: Vec<(String, i64)> = reply
            .failed_users()
            .iter()
            .map(|u| (u.user_id.clone(), u.code.get()))
            .collect();
        assert_eq!(value.fail_users, typed);
    }
}

/// The README's examples, compiled (and run, where they need no network) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;
