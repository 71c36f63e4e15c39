//! Property tests of the encoding limits, the query's shape, the target limits and the
//! fan-out, the envelope parser and the signature, through the public API.
//!
//! Each property runs 1,000 cases by default (the size `cargo test` uses in CI). Set
//! `PROPTEST_CASES` for another size; the full run is
//! `PROPTEST_CASES=10000 cargo test -p zego-core --release --test properties`.
//! Failing cases are kept in `tests/properties.regressions` and replayed first.

use std::collections::HashSet;

use md5::{Digest, Md5};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};
use zego_core::actions::{CustomCommandData, FailedUser, SendCustomCommand};
use zego_core::{
    ApiError, AppId, Batched, Config, FanOut, Group, MAX_BODY_BYTES, Nonce, Problem, Reply,
    ResponseError, ReturnCode, ServerSecret, ValidationError, parse_response, prepare, sign,
};

const MAX_CONTENT_BYTES: usize = SendCustomCommand::MAX_CONTENT_BYTES;
const MAX_TARGETS: usize = SendCustomCommand::MAX_PER_REQUEST;

/// The case count: `PROPTEST_CASES` when set, else 1,000.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// An independent decoder and a checker of the query's shape, written here rather than
// taken from the encoder's crate.

/// Decodes `%XX` escapes (either case of hex); any other byte stands for itself.
fn percent_decode(s: &str) -> Result<Vec<u8>, String> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex);
            let lo = bytes.get(i + 2).copied().and_then(hex);
            match (hi, lo) {
                (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
                _ => return Err(format!("broken escape at byte {i} of {s:?}")),
            }
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Ok(out)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Checks that `query` is `key=value` pairs joined by `&`, each key ASCII letters and
/// digits with an optional `[]`, each value only unreserved characters and `%XX` escapes
/// (upper-case hex, as the encoder writes them), and returns the decoded pairs.
fn decode_query(query: &str) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut pairs = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("pair without '=': {pair:?}"))?;
        let name = key.strip_suffix("[]").unwrap_or(key);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("bad key {key:?}"));
        }
        let v = value.as_bytes();
        let mut i = 0;
        while i < v.len() {
            if v[i] == b'%' {
                let escape = v.get(i + 1..i + 3).unwrap_or_default();
                if escape.len() != 2
                    || !escape
                        .iter()
                        .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(b))
                {
                    return Err(format!("bad escape at byte {i} of {value:?}"));
                }
                i += 3;
            } else if is_unreserved(v[i]) {
                i += 1;
            } else {
                return Err(format!("byte {:#04x} at {i} of {value:?}", v[i]));
            }
        }
        pairs.push((key.to_owned(), percent_decode(value)?));
    }
    Ok(pairs)
}

#[test]
fn the_checker_rejects_what_it_must() {
    assert!(decode_query("A=b%20c&T[]=x").is_ok());
    for bad in [
        "A=b c", "A=b+c", "A=%2", "A=%zz", "A=%2a", "A", "A=b=c", "=b", "A[=b", "A=é",
    ] {
        assert!(decode_query(bad).is_err(), "{bad}");
    }
    assert_eq!(percent_decode("%E6%8e%A8-x").unwrap(), "推-x".as_bytes());
}

// ---------------------------------------------------------------------------------------
// Inputs.

const TIMESTAMP: i64 = 1_615_186_943;

fn test_config() -> Config {
    Config::new(
        AppId::new(12345),
        ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38").unwrap(),
    )
}

fn test_nonce() -> Nonce {
    Nonce::from_bytes([0x4f, 0xd2, 0x46, 0x87, 0x29, 0x6d, 0xd9, 0xf3])
}

/// Any character, weighted toward the ones an encoder gets wrong: reserved characters,
/// spaces and line breaks, `%`, CJK and emoji (four UTF-8 bytes).
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(vec![
            '&', '=', '+', '%', '#', '?', '/', '[', ']', ' ', '\n', '\r', '\t', '\0', '"', '\\',
            '-', '.', '_', '~', '\u{7f}', '\u{a0}', '\u{200d}', '\u{feff}',
        ]),
        2 => prop::char::range('\u{1f300}', '\u{1faff}'),
        2 => prop::char::range('\u{4e00}', '\u{9fff}'),
        2 => prop::char::range(' ', '~'),
    ]
}

/// A string of at most `max_bytes` UTF-8 bytes, with at least `min_pieces` characters:
/// runs of `text_char`s (a run repeats one character up to 32 times), cut at the last
/// character that fits. Runs keep long strings cheap to generate and to shrink.
fn text(min_pieces: usize, max_bytes: usize) -> impl Strategy<Value = String> {
    let max_pieces = (max_bytes / 20).max(min_pieces + 4);
    prop::collection::vec((text_char(), 1usize..=32), min_pieces..=max_pieces).prop_map(
        move |runs| {
            let mut s = String::new();
            for (c, n) in runs {
                for _ in 0..n {
                    if s.len() + c.len_utf8() > max_bytes {
                        return s;
                    }
                    s.push(c);
                }
            }
            s
        },
    )
}

fn id() -> impl Strategy<Value = String> {
    text(1, 64)
}

/// Keeps the first occurrence of each value, in order.
fn distinct(values: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    values
        .iter()
        .filter(|v| seen.insert(v.as_str()))
        .cloned()
        .collect()
}

fn decoded_values<'a>(pairs: &'a [(String, Vec<u8>)], key: &str) -> Vec<&'a [u8]> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_slice())
        .collect()
}

/// The `MessageContent` of the request `prepare` builds, decoded.
fn message_content_of(command: &SendCustomCommand) -> Result<Vec<u8>, TestCaseError> {
    let request = prepare(&test_config(), command, &test_nonce(), TIMESTAMP)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let query = request.uri().query().unwrap_or_default();
    let pairs = decode_query(query).map_err(TestCaseError::fail)?;
    match decoded_values(&pairs, "MessageContent").as_slice() {
        [one] => Ok(one.to_vec()),
        other => Err(TestCaseError::fail(format!(
            "{} MessageContent values",
            other.len()
        ))),
    }
}

fn assert_too_long(result: Result<(), ValidationError>, size: usize) -> Result<(), TestCaseError> {
    let err = result
        .err()
        .ok_or_else(|| TestCaseError::fail("accepted"))?;
    prop_assert_eq!(
        (err.call(), err.field(), err.problem()),
        (
            "SendCustomCommand",
            "MessageContent",
            &Problem::TooLong {
                limit: MAX_CONTENT_BYTES,
                size,
            }
        )
    );
    prop_assert_eq!(err.mirrors().get(), 50012);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// 1. Content of 1 to 1024 bytes round-trips; over 1024 bytes is rejected with 50012.

#[test]
fn every_multi_byte_boundary_around_the_limit() {
    use zego_core::Action;
    let wide = ['a', 'é', '推', '👋'];
    for c in wide {
        for end in MAX_CONTENT_BYTES - 4..=MAX_CONTENT_BYTES + 4 {
            let Some(pad) = end.checked_sub(c.len_utf8()) else {
                continue;
            };
            let content = format!("{}{c}", "x".repeat(pad));
            assert_eq!(content.len(), end);
            let command = SendCustomCommand::to_room("room", "server", content.clone());
            if end <= MAX_CONTENT_BYTES {
                assert_eq!(command.validate(), Ok(()), "{c:?} ending at byte {end}");
                assert_eq!(message_content_of(&command).unwrap(), content.as_bytes());
            } else {
                let err = command.validate().unwrap_err();
                assert_eq!(
                    err.mirrors(),
                    ReturnCode::MESSAGE_TOO_LONG,
                    "{c:?} at {end}"
                );
                assert!(prepare(&test_config(), &command, &test_nonce(), TIMESTAMP).is_err());
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn content_within_the_limit_round_trips(content in text(1, MAX_CONTENT_BYTES)) {
        let command = SendCustomCommand::to_users("room", "server", ["user"], content.clone());
        prop_assert_eq!(message_content_of(&command)?, content.as_bytes());
    }

    /// Grows a string character by character until it first passes 1024 bytes: the
    /// string just before is accepted, the string that crosses (by one to four bytes,
    /// across a multi-byte character) and any longer one are rejected with 50012.
    #[test]
    fn content_over_the_limit_is_rejected(
        chars in prop::collection::vec(text_char(), 1..64),
        tail in text(1, MAX_CONTENT_BYTES),
    ) {
        use zego_core::Action;
        let mut content = String::new();
        let mut cycle = chars.iter().cycle();
        while content.len() <= MAX_CONTENT_BYTES {
            content.push(*cycle.next().unwrap());
        }
        let last = content.pop().unwrap();
        let within = SendCustomCommand::to_room("room", "server", content.clone());
        prop_assert_eq!(within.validate(), Ok(()));
        prop_assert_eq!(message_content_of(&within)?, content.as_bytes());

        content.push(last);
        prop_assert!(content.len() - MAX_CONTENT_BYTES <= 4);
        let over = SendCustomCommand::to_room("room", "server", content.clone());
        assert_too_long(over.validate(), content.len())?;
        prop_assert!(prepare(&test_config(), &over, &test_nonce(), TIMESTAMP).is_err());

        content.push_str(&tail);
        let longer = SendCustomCommand::to_users("room", "server", ["a"], content.clone());
        assert_too_long(longer.validate(), content.len())?;
    }
}

// ---------------------------------------------------------------------------------------
// 2. The encoded query has only unreserved characters, `%XX` escapes and the structural
//    `&`, `=` and `[]`; and it decodes to exactly the parameters that were given.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn query_is_unreserved_escapes_and_structure(
        room in id(),
        from in id(),
        users in prop::collection::vec(id(), 0..=MAX_TARGETS),
        content in text(1, MAX_CONTENT_BYTES),
        app_id in any::<u32>(),
        nonce in any::<[u8; 8]>(),
        timestamp in any::<i64>(),
        is_test in any::<Option<bool>>(),
    ) {
        let mut config = Config::new(AppId::new(app_id), ServerSecret::new("s3cr3t").unwrap());
        if let Some(is_test) = is_test {
            config = config.with_is_test(is_test);
        }
        let nonce = Nonce::from_bytes(nonce);
        // The sender is never among its targets (a validation error of its own).
        let users: Vec<String> = users.into_iter().filter(|user| *user != from).collect();
        let command = if users.is_empty() {
            SendCustomCommand::to_room(room.clone(), from.clone(), content.clone())
        } else {
            SendCustomCommand::to_users(room.clone(), from.clone(), users.clone(), content.clone())
        };
        let request = prepare(&config, &command, &nonce, timestamp).unwrap();
        let uri = request.uri().to_string();
        let query = uri
            .strip_prefix("https://rtc-api.zego.im/?")
            .ok_or_else(|| TestCaseError::fail(format!("unexpected URI {uri}")))?;
        prop_assert_eq!(Some(query), request.uri().query());
        let pairs = decode_query(query).map_err(TestCaseError::fail)?;

        let signature = sign(config.app_id(), &nonce, config.secret(), timestamp);
        let mut expected: Vec<(String, Vec<u8>)> = vec![
            ("Action".into(), b"SendCustomCommand".to_vec()),
            ("RoomId".into(), room.into_bytes()),
            ("FromUserId".into(), from.into_bytes()),
        ];
        for user in distinct(&users) {
            expected.push(("ToUserId[]".into(), user.into_bytes()));
        }
        expected.extend([
            ("MessageContent".into(), content.into_bytes()),
            ("AppId".into(), app_id.to_string().into_bytes()),
            ("SignatureNonce".into(), nonce.as_str().as_bytes().to_vec()),
            ("Timestamp".into(), timestamp.to_string().into_bytes()),
            ("Signature".into(), signature.as_str().as_bytes().to_vec()),
            ("SignatureVersion".into(), b"2.0".to_vec()),
        ]);
        if let Some(is_test) = is_test {
            expected.push(("IsTest".into(), is_test.to_string().into_bytes()));
        }
        prop_assert_eq!(pairs, expected);
    }
}

// ---------------------------------------------------------------------------------------
// 3. 0 to 10 targets pass and 11 or more fail; a fan-out of any list gives chunks of at
//    most 10 in which every distinct user is exactly once, in order.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn up_to_ten_targets_pass_and_more_fail(
        users in prop::collection::btree_set(id(), 0..=3 * MAX_TARGETS),
        repeats in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        use zego_core::Action;
        let users: Vec<String> = users.into_iter().collect();
        let count = users.len();
        if count == 0 {
            // No target: the whole room (an empty user list is an error, never "everyone").
            let room = SendCustomCommand::to_room("room", "server", "hi");
            prop_assert_eq!(room.validate(), Ok(()));
            let request = prepare(&test_config(), &room, &test_nonce(), TIMESTAMP).unwrap();
            prop_assert!(!request.uri().query().unwrap().contains("ToUserId"));
            let none = SendCustomCommand::to_users("room", "server", Vec::<String>::new(), "hi");
            prop_assert_eq!(none.validate().unwrap_err().field(), "ToUserId[]");
            return Ok(());
        }
        // Naming users again does not count: the limit is on distinct users.
        let mut with_repeats = users.clone();
        with_repeats.extend(repeats.iter().map(|i| users[i.index(count)].clone()));
        let command = SendCustomCommand::to_users("room", "server", with_repeats, "hi");
        prop_assert_eq!(command.targets(), users.as_slice());
        match prepare(&test_config(), &command, &test_nonce(), TIMESTAMP) {
            Ok(request) => {
                prop_assert!(count <= MAX_TARGETS);
                let pairs = decode_query(request.uri().query().unwrap()).map_err(TestCaseError::fail)?;
                let sent: Vec<&[u8]> = decoded_values(&pairs, "ToUserId[]");
                let given: Vec<&[u8]> = users.iter().map(|u| u.as_bytes()).collect();
                prop_assert_eq!(sent, given);
            }
            Err(err) => {
                prop_assert!(count > MAX_TARGETS);
                prop_assert_eq!(err.field(), "ToUserId[]");
                prop_assert_eq!(err.problem(), &Problem::TooMany { limit: MAX_TARGETS, count });
                prop_assert_eq!(err.mirrors(), ReturnCode::TOO_MANY_USERS);
            }
        }
    }

    #[test]
    fn fan_out_covers_every_user_once_in_order(
        // Drawn from a small pool, so that lists repeat users often.
        users in prop::collection::vec(
            prop_oneof![3 => (0u8..100).prop_map(|i| format!("u{i}")), 1 => id()],
            1..120,
        ),
    ) {
        use zego_core::Action;
        let expected = distinct(&users);
        let mut fan_out = FanOut::new(SendCustomCommand::to_users("room", "server", users, "hi"))
            .unwrap();
        let calls = fan_out.call_count();
        prop_assert_eq!(calls, expected.len().div_ceil(MAX_TARGETS));
        let mut chunks: Vec<Vec<String>> = Vec::new();
        while let Some(call) = fan_out.next_call() {
            prop_assert_eq!(call.validate(), Ok(()));
            prop_assert!((1..=MAX_TARGETS).contains(&call.targets().len()));
            chunks.push(call.targets().to_vec());
            fan_out.record(Ok(Reply {
                code: ReturnCode::SUCCESS,
                request_id: chunks.len().to_string(),
                message: "success".into(),
                data: CustomCommandData::default(),
                attempts: 1,
            }));
        }
        prop_assert_eq!(chunks.len(), calls);
        // Only the last chunk may be short.
        for chunk in &chunks[..chunks.len() - 1] {
            prop_assert_eq!(chunk.len(), MAX_TARGETS);
        }
        prop_assert_eq!(chunks.concat(), expected);
        let reply = fan_out.finish();
        prop_assert!(reply.all_delivered());
        prop_assert_eq!(reply.calls, calls);
    }
}

// ---------------------------------------------------------------------------------------
// 4. Any envelope serde can write parses back to the same values; any bytes return.

#[derive(Debug, Clone)]
struct Envelope {
    code: i64,
    message: String,
    request_id: Value,
    fail_users: Vec<(Value, i64)>,
    data: u8,
    pretty: bool,
}

fn envelope() -> impl Strategy<Value = Envelope> {
    let code = prop_oneof![
        2 => Just(0i64),
        1 => prop::sample::select(ReturnCode::ALL.iter().map(|c| c.get()).collect::<Vec<_>>()),
        1 => any::<i64>(),
    ];
    let request_id = prop_oneof![
        3 => text(0, 40).prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
    ];
    let uid = prop_oneof![3 => text(0, 40).prop_map(Value::from), 1 => any::<u64>().prop_map(Value::from)];
    (
        code,
        text(0, 200),
        request_id,
        prop::collection::vec((uid, any::<i64>()), 0..=12),
        0u8..4,
        any::<bool>(),
    )
        .prop_map(
            |(code, message, request_id, fail_users, data, pretty)| Envelope {
                code,
                message,
                request_id,
                fail_users,
                data,
                pretty,
            },
        )
}

impl Envelope {
    fn to_bytes(&self) -> Vec<u8> {
        let fail_users: Vec<Value> = self
            .fail_users
            .iter()
            .map(|(uid, code)| json!({ "Uid": uid, "Code": code }))
            .collect();
        let mut value = json!({
            "Code": self.code,
            "Message": self.message,
            "RequestId": self.request_id,
        });
        match self.data {
            0 => {}
            1 => value["Data"] = Value::Null,
            2 => value["Data"] = json!({ "FailUsers": null }),
            _ => value["Data"] = json!({ "FailUsers": fail_users }),
        }
        if self.pretty {
            serde_json::to_vec_pretty(&value).unwrap()
        } else {
            serde_json::to_vec(&value).unwrap()
        }
    }

    fn request_id_text(&self) -> String {
        match &self.request_id {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    fn expected_fail_users(&self) -> Vec<FailedUser> {
        if self.data < 3 {
            return Vec::new();
        }
        self.fail_users
            .iter()
            .map(|(uid, code)| FailedUser {
                user_id: match uid {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
                code: ReturnCode::new(*code),
            })
            .collect()
    }
}

/// Checks what the parser said about `body` against what a generic JSON reading says.
fn consistent(
    status: u16,
    body: &[u8],
    result: &Result<Reply<CustomCommandData>, ResponseError>,
) -> Result<(), TestCaseError> {
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("Code").and_then(Value::as_i64));
    match result {
        Ok(reply) => {
            prop_assert_eq!(reply.attempts, 0);
            prop_assert!(matches!(code, Some(0) | None), "Ok but Code {:?}", code);
        }
        Err(ResponseError::Api(api)) => {
            prop_assert_ne!(api.code.get(), 0);
            prop_assert!(code.is_none() || code == Some(api.code.get()));
        }
        Err(ResponseError::Data { .. }) => prop_assert!(matches!(code, Some(0) | None)),
        Err(ResponseError::NotEnvelope {
            status: s, excerpt, ..
        }) => {
            prop_assert_eq!(*s, status);
            prop_assert!(excerpt.chars().count() <= 200);
        }
        Err(ResponseError::TooLarge { .. }) => prop_assert!(body.len() > MAX_BODY_BYTES),
        Err(other) => prop_assert!(false, "unexpected error {:?}", other),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_envelope_parses_back(env in envelope(), status in any::<u16>()) {
        let body = env.to_bytes();
        let result = parse_response::<SendCustomCommand>(status, &body);
        if env.code == 0 {
            let reply = result.map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(reply.request_id, env.request_id_text());
            prop_assert_eq!(reply.message, env.message.clone());
            prop_assert_eq!(reply.data.fail_users, env.expected_fail_users());
            prop_assert_eq!(reply.attempts, 0);
        } else {
            prop_assert_eq!(result, Err(ResponseError::Api(ApiError::new(
                ReturnCode::new(env.code),
                Group::RoomSignalling,
                env.message.clone(),
                env.request_id_text(),
            ))));
        }
    }

    #[test]
    fn any_bytes_return_without_panicking(
        body in prop::collection::vec(any::<u8>(), 0..2048),
        status in any::<u16>(),
    ) {
        let result = parse_response::<SendCustomCommand>(status, &body);
        consistent(status, &body, &result)?;
    }

    /// Envelopes with a few bytes inserted, replaced or removed: near misses of the
    /// grammar reach deeper into the parser than random bytes do.
    #[test]
    fn damaged_envelopes_return_without_panicking(
        env in envelope(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        status in any::<u16>(),
    ) {
        let mut body = env.to_bytes();
        for (at, byte, op) in edits {
            let i = at.index(body.len() + 1);
            match op {
                0 => body.insert(i, byte),
                1 if i < body.len() => body[i] = byte,
                _ if i < body.len() => { body.remove(i); }
                _ => body.push(byte),
            }
        }
        let result = parse_response::<SendCustomCommand>(status, &body);
        consistent(status, &body, &result)?;
    }

    /// A body over the cap is refused before it is parsed, whatever it holds.
    #[test]
    fn bodies_over_the_cap_are_too_large(
        env in envelope(),
        over in 1usize..4096,
        status in any::<u16>(),
    ) {
        let envelope = env.to_bytes();
        let mut body = vec![b' '; MAX_BODY_BYTES + over];
        body[..envelope.len()].copy_from_slice(&envelope);
        prop_assert_eq!(
            parse_response::<SendCustomCommand>(status, &body),
            Err(ResponseError::TooLarge { status, limit: MAX_BODY_BYTES })
        );
    }
}

// ---------------------------------------------------------------------------------------
// 5. The signature is 32 lowercase hex characters and equals an independent md5.

proptest! {
    #![proptest_config(config())]

    #[test]
    fn signature_is_the_md5_of_the_concatenation(
        app_id in any::<u32>(),
        nonce in any::<[u8; 8]>(),
        secret in "[!-~]{1,64}",
        timestamp in any::<i64>(),
    ) {
        let nonce_hex: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
        let secret_key = ServerSecret::new(secret.clone()).unwrap();
        let signature = sign(AppId::new(app_id), &Nonce::from_bytes(nonce), &secret_key, timestamp);
        let s = signature.as_str();
        prop_assert_eq!(s.len(), 32);
        prop_assert!(s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{}", s);

        let input = format!("{app_id}{nonce_hex}{secret}{timestamp}");
        let expected: String = Md5::digest(input.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        prop_assert_eq!(s, expected.as_str());
    }
}
