//! The gateway's checks, each with its documented code, and their order.

mod common;

use common::*;

/// A valid request whose parameters can be replaced or removed one by one.
struct Req {
    pairs: Vec<(String, String)>,
}

impl Req {
    /// A valid request of `app`, signed at `timestamp`.
    fn at(app: u32, secret: &str, timestamp: i64) -> Req {
        let pairs = [
            ("Action", "SendCustomCommand".to_owned()),
            ("RoomId", "room-1".to_owned()),
            ("FromUserId", "server".to_owned()),
            ("ToUserId[]", "alice".to_owned()),
            ("MessageContent", "hello".to_owned()),
            ("AppId", app.to_string()),
            ("SignatureNonce", NONCE.to_owned()),
            ("Timestamp", timestamp.to_string()),
            ("Signature", signature(app, NONCE, secret, timestamp)),
            ("SignatureVersion", "2.0".to_owned()),
        ];
        Req {
            pairs: pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    fn valid() -> Req {
        Req::at(APP, SECRET, now())
    }

    fn set(mut self, key: &str, value: &str) -> Req {
        match self.pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.to_owned(),
            None => self.pairs.push((key.to_owned(), value.to_owned())),
        }
        self
    }

    fn without(mut self, key: &str) -> Req {
        self.pairs.retain(|(k, _)| k != key);
        self
    }

    fn target(&self) -> String {
        let query: Vec<String> = self
            .pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect();
        format!("/?{}", query.join("&"))
    }
}

#[test]
fn a_valid_request_succeeds() {
    let mock = start();
    assert_eq!(code(mock.addr(), &Req::valid().target()), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
}

#[test]
fn action_missing_is_100000006() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &Req::valid().without("Action").target()),
        100000006
    );
    assert_eq!(
        code(mock.addr(), &Req::valid().set("Action", "").target()),
        100000006
    );
    assert_eq!(code(mock.addr(), "/"), 100000006, "no query at all");
}

#[test]
fn action_unknown_is_100000007() {
    let mock = start();
    for action in ["SendCustomCommands", "sendcustomcommand", "DescribeUser"] {
        let req = Req::valid().set("Action", action);
        assert_eq!(code(mock.addr(), &req.target()), 100000007, "{action}");
    }
}

#[test]
fn app_id_malformed_is_100000001() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &Req::valid().without("AppId").target()),
        100000001
    );
    for bad in ["", "abc", "-1234", "+1234", "12 34", "4294967296", "1234.0"] {
        let req = Req::valid().set("AppId", bad);
        assert_eq!(code(mock.addr(), &req.target()), 100000001, "{bad:?}");
    }
}

#[test]
fn app_id_unknown_is_100000010() {
    let mock = start();
    for unknown in ["1", "4294967295", "12345"] {
        let req = Req::valid().set("AppId", unknown);
        assert_eq!(code(mock.addr(), &req.target()), 100000010, "{unknown}");
    }
}

#[test]
fn timestamp_missing_is_100000002() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &Req::valid().without("Timestamp").target()),
        100000002
    );
    assert_eq!(
        code(mock.addr(), &Req::valid().set("Timestamp", "").target()),
        100000002
    );
}

#[test]
fn timestamp_malformed_is_100000003() {
    let mock = start();
    for bad in ["abc", "1.5", "-", "1e9", "99999999999999999999", " 1"] {
        let req = Req::valid().set("Timestamp", bad);
        assert_eq!(code(mock.addr(), &req.target()), 100000003, "{bad:?}");
    }
}

#[test]
fn timestamp_more_than_ten_minutes_away_is_100000004() {
    let mock = start();
    let t = now();
    for ts in [t - 700, t + 700, 0, -5, 1_615_186_943, i64::MAX] {
        let req = Req::at(APP, SECRET, ts);
        assert_eq!(code(mock.addr(), &req.target()), 100000004, "{ts}");
    }
    // Within the window, either way, it is accepted (a margin of 60 s for a slow test).
    for ts in [t - 540, t + 540] {
        let req = Req::at(APP, SECRET, ts);
        assert_eq!(code(mock.addr(), &req.target()), 0, "{ts}");
    }
}

#[test]
fn signature_nonce_missing_is_100000008() {
    let mock = start();
    assert_eq!(
        code(
            mock.addr(),
            &Req::valid().without("SignatureNonce").target()
        ),
        100000008
    );
    assert_eq!(
        code(
            mock.addr(),
            &Req::valid().set("SignatureNonce", "").target()
        ),
        100000008
    );
}

#[test]
fn signature_missing_is_100000009() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &Req::valid().without("Signature").target()),
        100000009
    );
}

#[test]
fn signature_version_missing_is_100000013() {
    let mock = start();
    assert_eq!(
        code(
            mock.addr(),
            &Req::valid().without("SignatureVersion").target()
        ),
        100000013
    );
}

#[test]
fn signature_version_other_than_2_0_is_100000014() {
    let mock = start();
    for version in ["1.0", "2", "2.00", "v2.0"] {
        let req = Req::valid().set("SignatureVersion", version);
        assert_eq!(code(mock.addr(), &req.target()), 100000014, "{version}");
    }
}

#[test]
fn wrong_signature_is_100000005() {
    let mock = start();
    let ts = now();
    // Signed with another secret.
    let req = Req::valid().set("Signature", &signature(APP, NONCE, "not-the-secret", ts));
    assert_eq!(
        code(mock.addr(), &req.set("Timestamp", &ts.to_string()).target()),
        100000005
    );
    // The timestamp sent is not the one signed.
    let req = Req::at(APP, SECRET, ts).set("Timestamp", &(ts - 1).to_string());
    assert_eq!(code(mock.addr(), &req.target()), 100000005);
    // The nonce sent is not the one signed.
    let req = Req::at(APP, SECRET, ts).set("SignatureNonce", "0000000000000000");
    assert_eq!(code(mock.addr(), &req.target()), 100000005);
    // Another app's signature.
    let req = Req::at(APP, SECRET, ts).set("AppId", &TEST_APP.to_string());
    assert_eq!(
        code(mock.addr(), &req.set("IsTest", "true").target()),
        100000005
    );
    // Upper-case hex, a nonce that is not 16 lowercase hex characters.
    let upper = signature(APP, NONCE, SECRET, ts).to_uppercase();
    let req = Req::at(APP, SECRET, ts).set("Signature", &upper);
    assert_eq!(code(mock.addr(), &req.target()), 100000005);
    let req = Req::at(APP, SECRET, ts).set("SignatureNonce", "nonce");
    assert_eq!(code(mock.addr(), &req.target()), 100000005);
    assert!(mock.inbox("alice").is_empty(), "nothing was delivered");
}

#[test]
fn test_only_app_needs_is_test_true_else_100000016() {
    let mock = start_everywhere();
    let test_app = || Req::at(TEST_APP, TEST_SECRET, now());
    assert_eq!(code(mock.addr(), &test_app().target()), 100000016);
    assert_eq!(
        code(mock.addr(), &test_app().set("IsTest", "false").target()),
        100000016
    );
    // An `IsTest` that is neither true nor false: 2 for room signalling (spec §0.4).
    assert_eq!(
        code(mock.addr(), &test_app().set("IsTest", "yes").target()),
        2
    );
    for yes in ["true", "TRUE", "True"] {
        let req = test_app().set("IsTest", yes);
        assert_eq!(code(mock.addr(), &req.target()), 0, "{yes}");
    }
    // Delivered in the test-only app's world; the default world is its test environment.
    assert!(mock.inbox("alice").is_empty(), "APP's production world");
    let world = mock.world(zego_core::AppId::new(TEST_APP), true);
    assert_eq!(world.inbox("alice").len(), 3);
}

#[test]
fn production_app_takes_is_test_true_or_false() {
    let mock = start_everywhere();
    for value in ["false", "FALSE", "true", "True", ""] {
        let req = Req::valid().set("IsTest", value);
        assert_eq!(code(mock.addr(), &req.target()), 0, "{value:?}");
    }
    // Three in production, two in the test environment: two worlds.
    assert_eq!(mock.inbox("alice").len(), 3);
    let test_env = mock.world(zego_core::AppId::new(APP), true);
    assert_eq!(test_env.inbox("alice").len(), 2);
    for bad in ["1", "yes", "tru"] {
        let req = Req::valid().set("IsTest", bad);
        assert_eq!(code(mock.addr(), &req.target()), 2, "{bad}");
    }
}

/// Every defect at once: each answer names the first defect in the gateway's order, and
/// mending it reveals the next one.
#[test]
fn checks_run_in_the_gateways_order() {
    let mock = start_everywhere();
    let ts = now();
    let mut req = Req::at(TEST_APP, TEST_SECRET, ts)
        .without("Action")
        .set("AppId", "x")
        .without("Timestamp")
        .without("SignatureNonce")
        .without("Signature")
        .without("SignatureVersion")
        .set("MessageContent", "");
    let fixes: [(i64, &dyn Fn(Req) -> Req); 13] = [
        (100000006, &|r| r.set("Action", "Nope")),
        (100000007, &|r| r.set("Action", "SendCustomCommand")),
        (100000001, &|r| r.set("AppId", "999")),
        (100000010, &|r| r.set("AppId", &TEST_APP.to_string())),
        (100000002, &|r| r.set("Timestamp", "soon")),
        (100000003, &|r| r.set("Timestamp", "1")),
        (100000004, &|r| r.set("Timestamp", &ts.to_string())),
        (100000008, &|r| r.set("SignatureNonce", NONCE)),
        (100000009, &|r| r.set("Signature", "0000")),
        (100000013, &|r| r.set("SignatureVersion", "1.0")),
        (100000014, &|r| r.set("SignatureVersion", "2.0")),
        (100000005, &|r| {
            r.set("Signature", &signature(TEST_APP, NONCE, TEST_SECRET, ts))
        }),
        (100000016, &|r| r.set("IsTest", "true")),
    ];
    for (expected, fix) in fixes {
        assert_eq!(code(mock.addr(), &req.target()), expected);
        req = fix(req);
    }
    // Past the gateway, the call's own rules.
    assert_eq!(code(mock.addr(), &req.target()), 1008);
    req = req.set("MessageContent", "hi");
    assert_eq!(code(mock.addr(), &req.target()), 0);
    let codes: Vec<i64> = mock
        .requests()
        .iter()
        .map(|r| r.code.expect("an envelope").get())
        .collect();
    assert_eq!(codes.len(), 15, "every request is logged with its code");
    assert_eq!(codes[0], 100000006);
    assert_eq!(codes[14], 0);
}

#[test]
fn envelope_shape_and_unique_request_ids() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let mut ids = std::collections::HashSet::new();
    for target in [Req::valid().target(), "/?Action=Nope".to_owned()] {
        for _ in 0..5 {
            let response = conn.get(&target);
            assert_eq!(response.status, 200);
            assert!(
                response
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/json")),
                "{response:?}"
            );
            let json = response.json();
            let id = json["RequestId"].as_str().expect("a string RequestId");
            assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
            assert!(ids.insert(id.to_owned()), "RequestId {id} repeated");
            if json["Code"] == 0 {
                assert_eq!(json["Message"], "success");
                assert_eq!(json["Data"], serde_json::json!({"FailUsers": []}));
            } else {
                assert_eq!(json["Code"], 100000007);
                assert!(json.get("Data").is_none(), "no Data member on errors");
                assert!(!json["Message"].as_str().unwrap().is_empty());
            }
        }
    }
    let logged: Vec<String> = mock
        .requests()
        .into_iter()
        .map(|r| r.request_id.expect("logged RequestId"))
        .collect();
    assert_eq!(logged.len(), 10);
    assert!(logged.iter().all(|id| ids.contains(id)));
}

#[test]
fn repeated_public_parameters_count_by_their_first_value() {
    let mock = start();
    let target = format!("{}&Action=Nope&AppId=1", Req::valid().target());
    assert_eq!(code(mock.addr(), &target), 0);
    let target = format!("/?Action=Nope&{}", &Req::valid().target()[2..]);
    assert_eq!(code(mock.addr(), &target), 100000007);
}

#[test]
fn other_paths_are_not_the_api() {
    let mock = start();
    let target = Req::valid().target().replacen("/?", "/v1?", 1);
    let response = get(mock.addr(), &target);
    assert_eq!(response.status, 404);
    assert!(mock.inbox("alice").is_empty());
    assert!(mock.requests().is_empty());
}
