//! The ban-rule calls (spec §17): `SetForbidUserRule`, `DescribeForbidUserRules` and
//! `DelForbidUserRule`, their rules and codes, their limits (50123, 50124), the feature
//! switch (9), and what a rule does to a token login or a publish.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use zego_core::AppId;
use zego_mock::{Login, LoginError, MAX_IP_RULES, MockServer, PublishError};
use zego_token::{ServerSecret, TokenBuilder};

fn set(params: &[(&str, &str)]) -> String {
    request("SetForbidUserRule", params)
}

fn describe(rule_type: &str) -> String {
    request("DescribeForbidUserRules", &[("RuleType", rule_type)])
}

fn del(params: &[(&str, &str)]) -> String {
    request("DelForbidUserRule", params)
}

/// A rule of `rule_type` with `key`, taking `privileges` away for `seconds`.
fn rule<'a>(
    rule_type: &'a str,
    key: &[(&'a str, &'a str)],
    privileges: &[&'a str],
    seconds: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![("RuleType", rule_type)];
    params.extend_from_slice(key);
    params.extend(privileges.iter().map(|p| ("DisabledPrivilege[]", *p)));
    params.push(("EffectiveTime", seconds));
    params
}

fn listed(mock: &MockServer, rule_type: &str) -> Value {
    let response = get(mock.addr(), &describe(rule_type));
    assert_eq!(response.code(), 0);
    response.json()["Data"]["RuleList"].clone()
}

fn no_limits() -> MockServer {
    builder().rate_limits(false).start().unwrap()
}

#[test]
fn the_vendors_examples_set_list_and_delete() {
    let mock = no_limits();
    let target = format!(
        "/?Action=SetForbidUserRule&RuleType=2&RoomId=room1\
         &DisabledPrivilege[]=1&DisabledPrivilege[]=2&EffectiveTime=1800&{}",
        public(APP, SECRET)
    );
    let before = now();
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let expire = response.json()["Data"]["ExpireTime"].as_i64().unwrap();
    assert!((before + 1800..=now() + 1800).contains(&expire), "{expire}");
    let second = rule("2", &[("RoomId", "room2")], &["1"], "1800");
    assert_eq!(code(mock.addr(), &set(&second)), 0);
    let list = listed(&mock, "2");
    assert_eq!(
        list[0],
        json!({"RuleType": 2, "IP": "", "RoomId": "room1", "UserId": "",
               "DisabledPrivilegeList": [1, 2], "ExpireTime": expire})
    );
    assert_eq!(list[1]["RoomId"], "room2");
    assert_eq!(list[1]["DisabledPrivilegeList"], json!([1]));
    let target = format!(
        "/?Action=DelForbidUserRule&RuleType=2&RoomId=room1&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    assert!(response.json().get("Data").is_none());
    assert_eq!(code(mock.addr(), &target), 50124, "already gone");
    assert_eq!(listed(&mock, "2").as_array().unwrap().len(), 1);
    assert_eq!(listed(&mock, "3"), json!([]), "a type with no rules");
}

#[test]
fn each_type_has_its_key_and_a_rule_with_the_same_key_is_replaced() {
    let mock = no_limits();
    let keys: [(&str, Vec<(&str, &str)>); 4] = [
        ("1", vec![("IP", "203.0.113.7"), ("RoomId", "ignored")]),
        ("2", vec![("RoomId", "r")]),
        ("3", vec![("UserId", "u"), ("IP", "ignored")]),
        ("4", vec![("RoomId", "r"), ("UserId", "u")]),
    ];
    for (rule_type, key) in &keys {
        assert_eq!(
            code(mock.addr(), &set(&rule(rule_type, key, &["2"], "60"))),
            0
        );
    }
    let rules = get(mock.addr(), "/_mock/rules").json();
    let keys_listed: Vec<(u64, &str, &str, &str)> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule_type"].as_u64().unwrap(),
                r["ip"].as_str().unwrap(),
                r["room_id"].as_str().unwrap(),
                r["user_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        keys_listed,
        [
            (1, "203.0.113.7", "", ""),
            (2, "", "r", ""),
            (3, "", "", "u"),
            (4, "", "r", "u")
        ]
    );
    assert_eq!(rules[0]["expired"], false);
    // Set again: new privileges and expiry, one rule, now the last set.
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("2", &[("RoomId", "r")], &["1", "1"], "90"))
        ),
        0
    );
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("2", &[("RoomId", "s")], &["1"], "90"))
        ),
        0
    );
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("2", &[("RoomId", "r")], &["2", "1"], "120"))
        ),
        0
    );
    let list = listed(&mock, "2");
    let rooms: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["RoomId"].as_str().unwrap())
        .collect();
    assert_eq!(rooms, ["s", "r"]);
    assert_eq!(
        list[1]["DisabledPrivilegeList"],
        json!([2, 1]),
        "duplicates once"
    );
    for (rule_type, key) in &keys {
        let key: Vec<(&str, &str)> = [&[("RuleType", *rule_type)][..], key].concat();
        assert_eq!(code(mock.addr(), &del(&key)), 0, "{rule_type}");
    }
    assert_eq!(mock.rules().len(), 1, "only room s's");
}

#[test]
fn the_rules_each_with_its_code() {
    let mock = no_limits();
    let room = [("RoomId", "r")];
    let two: [(Vec<(&str, &str)>, &str); 14] = [
        (rule("0", &room, &["1"], "60"), "RuleType 0"),
        (rule("5", &room, &["1"], "60"), "RuleType 5"),
        (rule("room", &room, &["1"], "60"), "RuleType text"),
        (rule("1", &room, &["1"], "60"), "type 1 without IP"),
        (
            rule("2", &[("RoomId", "")], &["1"], "60"),
            "an empty RoomId",
        ),
        (rule("3", &room, &["1"], "60"), "type 3 without UserId"),
        (rule("4", &room, &["1"], "60"), "type 4 without UserId"),
        (rule("2", &room, &[], "60"), "no privilege"),
        (rule("2", &room, &["3"], "60"), "privilege 3"),
        (
            rule("2", &room, &["1", "x"], "60"),
            "a privilege that is not one",
        ),
        (rule("2", &room, &["1"], "0"), "EffectiveTime 0"),
        (rule("2", &room, &["1"], "86401"), "EffectiveTime 86401"),
        (rule("2", &room, &["1"], "-5"), "EffectiveTime -5"),
        (rule("2", &room, &["1"], ""), "no EffectiveTime"),
    ];
    for (params, what) in two {
        assert_eq!(code(mock.addr(), &set(&params)), 2, "{what}");
    }
    let bare = [
        ("RuleType", "2"),
        ("RoomId", "r"),
        ("DisabledPrivilege", "1"),
        ("EffectiveTime", "9"),
    ];
    assert_eq!(code(mock.addr(), &set(&bare)), 2, "no brackets");
    assert!(mock.rules().is_empty());
    for seconds in ["1", "86400"] {
        assert_eq!(
            code(mock.addr(), &set(&rule("2", &room, &["1"], seconds))),
            0
        );
    }
    for rule_type in ["", "0", "9"] {
        assert_eq!(code(mock.addr(), &describe(rule_type)), 2, "{rule_type:?}");
        let key = [("RuleType", rule_type), ("RoomId", "r")];
        assert_eq!(code(mock.addr(), &del(&key)), 2, "{rule_type:?}");
    }
    assert_eq!(
        code(mock.addr(), &del(&[("RuleType", "4"), ("RoomId", "r")])),
        2
    );
    assert_eq!(
        code(
            mock.addr(),
            &del(&[("RuleType", "4"), ("RoomId", "r"), ("UserId", "u")])
        ),
        50124
    );
}

#[test]
fn at_most_100_ip_rules_in_effect() {
    let mock = no_limits();
    let ips: Vec<String> = (0..=MAX_IP_RULES)
        .map(|n| format!("10.0.{}.{}", n / 256, n % 256))
        .collect();
    for ip in &ips[..MAX_IP_RULES] {
        assert_eq!(
            code(mock.addr(), &set(&rule("1", &[("IP", ip)], &["1"], "600"))),
            0
        );
    }
    let one_more = rule("1", &[("IP", &ips[MAX_IP_RULES])], &["1"], "600");
    assert_eq!(code(mock.addr(), &set(&one_more)), 50123);
    // Replacing one is no new rule; other types have limits of their own.
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("1", &[("IP", &ips[0])], &["2"], "60"))
        ),
        0
    );
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("2", &[("RoomId", "r")], &["1"], "60"))
        ),
        0
    );
    assert_eq!(
        code(mock.addr(), &del(&[("RuleType", "1"), ("IP", &ips[0])])),
        0
    );
    assert_eq!(code(mock.addr(), &set(&one_more)), 0, "room for one");
    assert_eq!(listed(&mock, "1").as_array().unwrap().len(), MAX_IP_RULES);
}

#[test]
fn expired_rules_are_listed_and_deleted_but_bind_no_one() {
    let mock = no_limits();
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("3", &[("UserId", "dave")], &["1"], "1"))
        ),
        0
    );
    assert_eq!(
        mock.login_with_token("room-1", "dave", &token("dave")),
        Err(LoginError::Banned)
    );
    std::thread::sleep(Duration::from_millis(2100));
    let rules = mock.rules();
    assert_eq!((rules.len(), rules[0].expired), (1, true));
    assert_eq!(listed(&mock, "3").as_array().unwrap().len(), 1);
    mock.login_with_token("room-1", "dave", &token("dave"))
        .unwrap();
    assert_eq!(
        code(mock.addr(), &del(&[("RuleType", "3"), ("UserId", "dave")])),
        0
    );
}

fn token(user: &str) -> String {
    TokenBuilder::new(AppId::new(APP), user)
        .generate(&ServerSecret::new(SECRET).unwrap())
        .unwrap()
        .into_string()
}

#[test]
fn login_bans_refuse_token_logins_by_ip_room_user_or_both() {
    let mock = no_limits();
    for (rule_type, key) in [
        ("1", vec![("IP", "198.51.100.1")]),
        ("2", vec![("RoomId", "closed-room")]),
        ("3", vec![("UserId", "troll")]),
        ("4", vec![("RoomId", "room-1"), ("UserId", "pest")]),
    ] {
        assert_eq!(
            code(mock.addr(), &set(&rule(rule_type, &key, &["1"], "600"))),
            0
        );
    }
    let world = mock.default_world();
    let login = |room: &str, login: Login| {
        let user = login.user_id().to_owned();
        world.login_with_token(room, login, &token(&user))
    };
    for (room, who) in [
        ("room-1", Login::new("erin").ip("198.51.100.1")),
        ("closed-room", Login::new("erin")),
        ("room-9", Login::new("troll")),
        ("room-1", Login::new("pest")),
    ] {
        let refused = login(room, who.clone()).unwrap_err();
        assert_eq!(
            (
                refused.reason(),
                refused.to_string().starts_with("banned: ")
            ),
            ("banned", true)
        );
        assert!(
            !mock
                .rooms()
                .iter()
                .any(|r| r.users.iter().any(|u| u.user_id == who.user_id()))
        );
    }
    for (room, who) in [
        ("room-1", Login::new("erin").ip("198.51.100.2")),
        ("room-2", Login::new("pest")),
    ] {
        login(room, who).unwrap();
    }
    // Through the control API: HTTP 403, reason "banned".
    let body = json!({"room_id": "room-1", "user_id": "frank", "token": token("frank"),
                      "ip": "198.51.100.1"});
    let refused = post_json(mock.addr(), "/_mock/login", &body.to_string());
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json()["reason"], "banned");
    // A user already in the room stays, but may not publish.
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("3", &[("UserId", "alice")], &["1"], "600"))
        ),
        0
    );
    assert!(
        mock.rooms()[0]
            .users
            .iter()
            .any(|u| u.user_id == "alice" && u.online)
    );
    assert_eq!(
        mock.publish("room-1", "alice", "cam"),
        Err(PublishError::Banned)
    );
}

#[test]
fn publish_bans_let_users_in_but_not_on_the_mic() {
    let mock = no_limits();
    mock.publish("room-1", "bob", "bob-cam").unwrap();
    assert_eq!(
        code(
            mock.addr(),
            &set(&rule("2", &[("RoomId", "room-1")], &["2"], "600"))
        ),
        0
    );
    mock.login_with_token("room-1", "dave", &token("dave"))
        .unwrap();
    assert_eq!(
        mock.publish("room-1", "dave", "d"),
        Err(PublishError::Banned)
    );
    let body = json!({"room_id": "room-1", "user_id": "dave", "stream_id": "d"});
    let refused = post_json(mock.addr(), "/_mock/streams", &body.to_string());
    assert_eq!(refused.status, 403);
    assert_eq!(
        mock.rooms()[0].streams.len(),
        1,
        "a publish under way goes on"
    );
    mock.set_online("room-2", "dave", true);
    mock.publish("room-2", "dave", "d").unwrap();
}

#[test]
fn with_the_feature_off_the_three_calls_are_9_before_the_budget() {
    let mock = start();
    mock.default_world().set_ban_rules(false);
    let mut conn = Conn::open(mock.addr());
    for _ in 0..3 {
        assert_eq!(conn.get(&describe("2")).code(), 9);
        assert_eq!(
            conn.get(&set(&rule("2", &[("RoomId", "r")], &["1"], "60")))
                .code(),
            9
        );
        assert_eq!(
            conn.get(&del(&[("RuleType", "2"), ("RoomId", "r")])).code(),
            9
        );
    }
    let on = json!({"ban_rules": true});
    assert_eq!(
        post_json(mock.addr(), "/_mock/switches", &on.to_string()).status,
        200
    );
    // DescribeForbidUserRules: 1/s, untouched by the refused requests.
    assert_eq!(conn.get(&describe("2")).code(), 0);
    assert_eq!(conn.get(&describe("2")).code(), 206);
    // The switch is the world's: the test environment's has its own.
    let off = json!({"ban_rules": false, "app_id": APP, "test_env": true});
    assert_eq!(
        post_json(mock.addr(), "/_mock/switches", &off.to_string()).status,
        200
    );
    let test_env = request(
        "DescribeForbidUserRules",
        &[("RuleType", "2"), ("IsTest", "true")],
    );
    assert_eq!(conn.get(&test_env).code(), 9);
    assert_eq!(
        conn.get(&set(&rule("2", &[("RoomId", "r")], &["1"], "60")))
            .code(),
        0
    );
}
