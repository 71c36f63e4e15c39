//! `zego token` and `zego token decode`, the built binary: the specification's vectors byte
//! for byte, the JSON output, expiry, tampered tokens and usage errors.

mod common;

use assert_cmd::Command;
use serde_json::{Value, json};
use zego_token::Privileges;

use common::{stderr, stdout, zego};

/// The specification's vectors, as `zego-token`'s tests use them.
const VECTORS: &str = include_str!("../../zego-token/tests/token04-vectors.json");

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn vectors() -> Vec<Value> {
    serde_json::from_str(VECTORS).expect("the vector file is JSON")
}

fn vector(id: &str) -> Value {
    vectors()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no vector {id}"))
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: {key} is not a string", v["id"]))
}

/// The `zego token` flags that state a vector's payload, when flags can state it: none for
/// a basic token, `--room` and the rest for a privilege document written as the vendor's
/// Go sample writes it with no stream list or a non-empty one.
fn privilege_flags(v: &Value) -> Option<Vec<String>> {
    let payload = text(v, "payload");
    if payload.is_empty() {
        return Some(Vec::new());
    }
    let privileges = Privileges::parse(payload).ok()?;
    if privileges.to_payload() != payload || privileges.stream_ids() == Some(&[]) {
        return None;
    }
    let mut flags = vec!["--room".to_owned(), privileges.room_id().to_owned()];
    if privileges.may_login() {
        flags.push("--can-login".to_owned());
    }
    if privileges.may_publish() {
        flags.push("--can-publish".to_owned());
    }
    for id in privileges.stream_ids().unwrap_or_default() {
        flags.extend(["--stream".to_owned(), id.clone()]);
    }
    Some(flags)
}

/// `zego token` with every input of vector `v` (the secret in the environment), or `None`
/// when the vector cannot be reproduced from flags.
fn generate(v: &Value) -> Option<Command> {
    let reproducible = v["valid"] == true
        && v["decode_only"] != true
        && (v["source"] == "independent" || v["json_key_order"] == "go");
    if !reproducible {
        return None;
    }
    let flags = privilege_flags(v)?;
    let mut cmd = zego();
    cmd.env("ZEGO_SERVER_SECRET", text(v, "secret"))
        .arg("token")
        .args(["--app-id", &v["app_id"].to_string()])
        .args(["--user-id", text(v, "user_id")])
        .args(["--valid-for", &v["effective_time_in_seconds"].to_string()])
        .args(["--cipher", text(v, "cipher")])
        .args(["--ctime", &v["ctime"].to_string()])
        .args(["--nonce", &v["nonce"].to_string()])
        .args(["--iv", text(v, "iv_hex")])
        .args(flags);
    Some(cmd)
}

#[test]
fn the_spec_vectors_byte_for_byte() {
    let mut reproduced = Vec::new();
    for v in vectors() {
        let Some(mut cmd) = generate(&v) else {
            continue;
        };
        let id = text(&v, "id");
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        assert_eq!(stdout(&out), format!("{}\n", text(&v, "token")), "{id}");
        assert!(stderr(&out).is_empty(), "{id}: {}", stderr(&out));
        reproduced.push(id.to_owned());
    }
    // The 14 reproducible vectors but `gcm-go-escaping`, whose payload has an empty stream
    // list (`[]`), which the flags do not write.
    assert_eq!(reproduced.len(), 13, "{reproduced:?}");
    for id in [
        "gcm-basic",
        "cbc-basic",
        "gcm-privilege",
        "cbc-privilege-streams",
        "cbc-unicode-user-privilege",
        "gcm-edge-negative-nonce-max-appid",
        "vendor-go-gcm-privilege",
        "vendor-go-cbc-privilege",
    ] {
        assert!(reproduced.iter().any(|r| r == id), "{id}: {reproduced:?}");
    }
}

#[test]
fn json_gives_the_token_its_expiry_and_its_cipher() {
    for id in ["gcm-basic", "cbc-privilege-streams"] {
        let v = vector(id);
        let out = generate(&v).unwrap().arg("--json").output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            printed,
            json!({"token": v["token"], "expire": v["expire"], "cipher": v["cipher"]}),
            "{id}"
        );
        assert_eq!(stdout(&out).lines().count(), 1);
    }
}

/// `zego token decode --json` of `token`, with the default secret.
fn decode_json(token: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let out = zego()
        .env("ZEGO_SERVER_SECRET", SECRET)
        .args(["token", "decode", "--json", token])
        .args(extra)
        .output()
        .unwrap();
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {} {}", stdout(&out), stderr(&out)));
    (out.status.code(), value)
}

#[test]
fn a_fresh_token_decodes_unexpired_and_reproduces_from_its_fields() {
    let mut tokens = Vec::new();
    for cipher in ["gcm", "cbc"] {
        let out = zego()
            .env("ZEGO_APP_ID", "7")
            .env("ZEGO_SERVER_SECRET", SECRET)
            .args(["token", "--user-id", "alice", "--valid-for", "60"])
            .args(["--cipher", cipher, "--room", "room-1", "--can-login"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let token = stdout(&out).trim_end().to_owned();
        assert_eq!(stdout(&out), format!("{token}\n"), "the token alone");

        let (code, fields) = decode_json(&token, &[]);
        assert_eq!(code, Some(0), "valid and not expired: {fields}");
        assert_eq!(fields["cipher"], cipher);
        assert_eq!(fields["app_id"], 7);
        assert_eq!(fields["user_id"], "alice");
        assert_eq!(fields["expired"], false);
        let ctime = fields["ctime"].as_i64().unwrap();
        assert_eq!(fields["expire"].as_i64().unwrap() - ctime, 60);
        assert!(
            (fields["now"].as_i64().unwrap() - ctime).abs() < 60,
            "the clock"
        );
        assert_eq!(
            fields["privileges"],
            json!({"room_id": "room-1", "login": true, "publish": false, "stream_ids": null})
        );
        assert_eq!(fields["payload_error"], Value::Null);

        // The decoded ctime, nonce and IV make the same token again.
        let again = zego()
            .env("ZEGO_SERVER_SECRET", SECRET)
            .args([
                "token",
                "--app-id",
                "7",
                "--user-id",
                "alice",
                "--valid-for",
                "60",
            ])
            .args(["--cipher", cipher, "--room", "room-1", "--can-login"])
            .args(["--ctime", &ctime.to_string()])
            .args(["--nonce", &fields["nonce"].to_string()])
            .args(["--iv", fields["iv"].as_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(stdout(&again), format!("{token}\n"), "{}", stderr(&again));
        tokens.push(token);
    }
    let second = zego()
        .env("ZEGO_SERVER_SECRET", SECRET)
        .args(["token", "--app-id", "7", "--user-id", "alice"])
        .output()
        .unwrap();
    assert!(
        !tokens.contains(&stdout(&second).trim_end().to_owned()),
        "a fresh IV each time"
    );
}

#[test]
fn decode_shows_every_field_and_whether_it_has_expired() {
    let v = vector("cbc-privilege-streams");
    let token = text(&v, "token");
    let expire = v["expire"].as_i64().unwrap();
    let decode = |now: i64, json: bool| {
        let mut cmd = zego();
        cmd.env("ZEGO_SERVER_SECRET", text(&v, "secret")).args([
            "token",
            "decode",
            token,
            "--now",
            &now.to_string(),
        ]);
        if json {
            cmd.arg("--json");
        }
        cmd.output().unwrap()
    };

    let out = decode(expire - 1, true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fields: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        fields,
        json!({
            "cipher": "cbc", "app_id": 1234567890, "user_id": "host-42",
            "ctime": 1700000000, "expire": 1700007200, "nonce": 0,
            "iv": v["iv_hex"], "payload": v["payload"],
            "privileges": {"room_id": "live-room-7", "login": true, "publish": true,
                           "stream_ids": ["host-42-main", "host-42-aux",
                                          "host-42-screen-share", "host-42-backup"]},
            "payload_error": null, "now": expire - 1, "expired": false,
        })
    );

    // Valid while now < expire: at expire, and by the clock (2023's vectors), expired.
    let out = decode(expire, true);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let fields: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fields["expired"], true);
    let out = zego()
        .env("ZEGO_SERVER_SECRET", text(&v, "secret"))
        .args(["token", "decode", token])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stdout(&out).contains("expired    yes, "),
        "{}",
        stdout(&out)
    );

    let out = decode(expire - 100, false);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!(
            "cipher     cbc\n\
             app_id     1234567890\n\
             user_id    \"host-42\"\n\
             ctime      1700000000\n\
             expire     1700007200\n\
             nonce      0\n\
             iv         {}\n\
             payload    {}\n\
             privileges room \"live-room-7\", login allowed, publish allowed, streams \"host-42-main\", \"host-42-aux\", \"host-42-screen-share\", \"host-42-backup\"\n\
             expired    no, valid for 100 s more\n",
            text(&v, "iv_hex"),
            Value::from(text(&v, "payload")),
        )
    );
}

#[test]
fn decode_reads_a_basic_token_from_standard_input() {
    let v = vector("gcm-basic");
    // ZEGO_APP_ID, which only making a token reads, is no obstacle to decoding one.
    let out = zego()
        .env("ZEGO_SERVER_SECRET", SECRET)
        .env("ZEGO_APP_ID", "1234567890")
        .args(["token", "decode", "-", "--now", "1700000000"])
        .write_stdin(format!("{}\n", text(&v, "token")))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("payload    \"\" (a basic token)\n"), "{text}");
    assert!(text.contains("privileges none (any room)\n"), "{text}");
    assert!(
        text.contains("iv         000102030405060708090a0b\n"),
        "{text}"
    );
}

#[test]
fn tampered_and_undecodable_tokens_exit_1_and_name_the_step() {
    let basic = text(&vector("gcm-basic"), "token").to_owned();
    // One base64 character of the ciphertext changed.
    let mut tampered = basic.clone().into_bytes();
    let at = tampered.len() - 20;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let (code, error) = decode_json(&tampered, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(error["step"], "AuthFailed", "{error}");

    let out = zego()
        .env("ZEGO_SERVER_SECRET", "fa94dd0f974cf2e293728a526b028271")
        .args(["token", "decode", &basic])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.contains(
            "does not decode (AuthFailed): token decryption: AES-GCM authentication failed"
        ),
        "{err}"
    );
    assert!(!err.contains("fa94dd0f974cf2e293728a526b028271"), "{err}");

    // Every invalid vector of the specification, with the step it names.
    let mut steps = Vec::new();
    for v in vectors().iter().filter(|v| v["valid"] == false) {
        let out = zego()
            .env("ZEGO_SERVER_SECRET", text(v, "secret"))
            .args(["token", "decode", text(v, "token")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", v["id"]);
        let expected = format!("({})", text(v, "expect_error"));
        assert!(
            stderr(&out).contains(&expected),
            "{}: {}",
            v["id"],
            stderr(&out)
        );
        steps.push(text(v, "expect_error").to_owned());
    }
    assert_eq!(steps.len(), 13);
}

#[test]
fn usage_errors_exit_2_and_never_print_the_secret() {
    let base = ["token", "--app-id", "1", "--user-id", "u"];
    let cases: [&[&str]; 12] = [
        &["token"],
        &["token", "--app-id", "1"],
        &[&base[..], &["--ctime", "1700000000"]].concat(),
        &[&base[..], &["--ctime", "1", "--nonce", "1"]].concat(),
        &[&base[..], &["--ctime", "1", "--nonce", "1", "--iv", "00"]].concat(),
        &[
            &base[..],
            &["--cipher", "cbc", "--ctime", "1", "--nonce", "1"],
            &["--iv", "000102030405060708090a0b"],
        ]
        .concat(),
        &[&base[..], &["--ctime", "1", "--nonce", "1", "--iv", "xyz"]].concat(),
        &[
            &base[..],
            &["--nonce", "2147483648", "--ctime", "1", "--iv", "00"],
        ]
        .concat(),
        &[&base[..], &["--cipher", "aes"]].concat(),
        &[&base[..], &["--can-login"]].concat(),
        &[&base[..], &["--valid-for", "0"]].concat(),
        &[&base[..], &["decode", "04AAAA"]].concat(),
    ];
    for args in cases {
        let out = zego()
            .env("ZEGO_SERVER_SECRET", SECRET)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{args:?}");
        assert!(!stderr(&out).contains(SECRET), "{args:?}");
    }

    let out = zego()
        .env("ZEGO_SERVER_SECRET", SECRET)
        .args([&base[..], &["--valid-for", "0"]].concat())
        .output()
        .unwrap();
    assert!(stderr(&out).contains("(--valid-for)"), "{}", stderr(&out));
    let out = zego()
        .args([&base[..], &["--server-secret", "short-secret"]].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is 12 bytes"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("short-secret"), "{}", stderr(&out));

    for args in [
        &["token", "decode"][..],
        &[
            "token",
            "decode",
            "04AAAA",
            "--server-secret",
            "short-secret",
        ],
        &["token", "decode", "04AAAA", "--server-secret", ""],
    ] {
        let out = zego().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("short-secret"), "{args:?}");
    }
}

#[test]
fn help_documents_the_forms_and_the_exit_codes() {
    let out = zego().args(["token", "--help"]).output().unwrap();
    let text = stdout(&out);
    for line in [
        "zego token [OPTIONS] --app-id <N> --server-secret <S> --user-id <USER>",
        "zego token <COMMAND>",
        "decode",
        "--ctime <SECS>",
        "--iv <HEX>",
        "0  the token was printed",
        "2  usage or validation error",
        "{\"token\": \"04...\", \"expire\": 1700003600, \"cipher\": \"gcm\"}",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
    let out = zego().args(["token", "decode", "--help"]).output().unwrap();
    let text = stdout(&out);
    for line in [
        "0  the token decodes and has not expired",
        "1  the token does not decode",
        "2  usage error",
        "3  the token decodes, but has expired",
        "\"step\": \"AuthFailed\"",
    ] {
        assert!(text.contains(line), "{line}: {text}");
    }
}
