//! Logging in with a login token (Token04) as a client SDK does: `POST /_mock/login` and
//! `login_with_token`, with tokens made by `zego_token::TokenBuilder`. A refused login
//! is HTTP 403 naming the reason, and changes nothing.

mod common;

use common::*;
use serde_json::{Value, json};
use zego_core::AppId;
use zego_mock::{Login, LoginError};
use zego_token::{Cipher, Privileges, ServerSecret, TokenBuilder};

const IV: [u8; 12] = [7; 12];

fn secret() -> ServerSecret {
    ServerSecret::new(SECRET).unwrap()
}

/// A token for `user` of `APP`, made now, valid for an hour.
fn token(user: &str) -> String {
    TokenBuilder::new(AppId::new(APP), user)
        .generate(&secret())
        .unwrap()
        .into_string()
}

/// A token for `user` of `APP` with a privilege payload.
fn privileged(user: &str, privileges: &Privileges) -> String {
    TokenBuilder::new(AppId::new(APP), user)
        .privileges(privileges)
        .generate(&secret())
        .unwrap()
        .into_string()
}

fn login_body(room: &str, user: &str, token: &str) -> String {
    json!({"room_id": room, "user_id": user, "token": token}).to_string()
}

fn rooms(mock: &zego_mock::MockServer) -> Value {
    get(mock.addr(), "/_mock/rooms").json()
}

fn online(mock: &zego_mock::MockServer, room: &str, user: &str) -> bool {
    mock.rooms()
        .iter()
        .any(|r| r.room_id == room && r.users.iter().any(|u| u.user_id == user && u.online))
}

#[test]
fn a_valid_token_logs_the_user_in_and_creates_the_room() {
    let mock = start();
    let response = post_json(
        mock.addr(),
        "/_mock/login",
        &login_body("room-2", "dave", &token("dave")),
    );
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert_eq!(response.json(), json!({"ok": true}));
    assert!(online(&mock, "room-2", "dave"), "{:?}", mock.rooms());
    let dave = &mock.rooms()[1].users[0];
    assert!(dave.login_time > 0);

    // A token with the privilege to log in to that room, in the older cipher; with a
    // name and a role, as `POST /_mock/users` takes them.
    let cbc = TokenBuilder::new(AppId::new(APP), "erin")
        .privileges(&Privileges::room("room-1").login(true))
        .cipher(Cipher::Cbc)
        .generate(&secret())
        .unwrap();
    let body = json!({"room_id": "room-1", "user_id": "erin", "token": cbc.as_str(),
                      "user_name": "Erin", "role": 2});
    let response = post_json(mock.addr(), "/_mock/login", &body.to_string());
    assert_eq!(response.status, 200, "{:?}", response.json());
    let erin = mock.rooms()[0]
        .users
        .iter()
        .find(|u| u.user_id == "erin")
        .cloned()
        .unwrap();
    assert_eq!(
        (erin.user_name.as_str(), erin.role, erin.online),
        ("Erin", 2, true)
    );

    // The library does the same.
    mock.login_with_token("room-3", "frank", &token("frank"))
        .unwrap();
    assert!(online(&mock, "room-3", "frank"));
    // An already online user stays logged in as it was.
    let before = mock.rooms();
    mock.login_with_token("room-3", "frank", &token("frank"))
        .unwrap();
    assert_eq!(mock.rooms(), before);
}

#[test]
fn each_refusal_is_403_names_its_reason_and_changes_nothing() {
    let mock = start();
    let now = now();
    let other_secret = ServerSecret::new("fedcba9876543210fedcba9876543210").unwrap();
    let expired = TokenBuilder::new(AppId::new(APP), "dave")
        .valid_for(3600)
        .generate_with(&secret(), now - 7200, 1, &IV)
        .unwrap()
        .into_string();
    // Expired exactly now: valid while now < expire.
    let expiring = TokenBuilder::new(AppId::new(APP), "dave")
        .valid_for(60)
        .generate_with(&secret(), now - 60, 1, &IV)
        .unwrap()
        .into_string();
    let other_app = TokenBuilder::new(AppId::new(999), "dave")
        .generate(&secret())
        .unwrap()
        .into_string();
    let other_secret_token = TokenBuilder::new(AppId::new(APP), "dave")
        .generate(&other_secret)
        .unwrap()
        .into_string();
    let not_privileges = TokenBuilder::new(AppId::new(APP), "dave")
        .payload("not a privilege document")
        .generate(&secret())
        .unwrap()
        .into_string();
    let cases = [
        (expired, "expired"),
        (expiring, "expired"),
        (token("erin"), "wrong user"),
        (other_app, "wrong app"),
        (
            privileged("dave", &Privileges::room("room-2").login(true)),
            "no login privilege for room",
        ),
        (
            privileged(
                "dave",
                &Privileges::room("room-1").login(false).publish(true),
            ),
            "no login privilege for room",
        ),
        (other_secret_token, "undecodable"),
        (
            "04AAAAAGVT/xAADAABAgMEBQYHCAkKCw==".to_owned(),
            "undecodable",
        ),
        ("not a token".to_owned(), "undecodable"),
        (String::new(), "undecodable"),
        (not_privileges, "undecodable"),
    ];
    let before = rooms(&mock);
    for (token, reason) in cases {
        let response = post_json(
            mock.addr(),
            "/_mock/login",
            &login_body("room-1", "dave", &token),
        );
        assert_eq!(response.status, 403, "{reason}: {:?}", response.json());
        let answer = response.json();
        assert_eq!(answer["reason"], reason, "{answer}");
        let error = answer["error"].as_str().unwrap();
        assert!(error.starts_with(&format!("{reason}: ")), "{error}");
        assert!(!error.contains(SECRET) && (token.is_empty() || !error.contains(&token)));
        assert_eq!(rooms(&mock), before, "{reason}: nothing changes");
    }
    assert!(
        mock.requests().is_empty(),
        "control requests are not logged"
    );
}

#[test]
fn the_library_refuses_with_typed_errors() {
    let mock = start();
    let now = now();
    let before = mock.rooms();
    let expired = TokenBuilder::new(AppId::new(APP), "dave")
        .valid_for(10)
        .generate_with(&secret(), now - 100, 1, &IV)
        .unwrap();
    match mock.login_with_token("room-1", "dave", expired.as_str()) {
        Err(LoginError::Expired { expire, now: clock }) => {
            assert_eq!(expire, now - 90);
            assert!(clock >= now, "the mock's clock");
        }
        other => panic!("not expired: {other:?}"),
    }
    assert_eq!(
        mock.login_with_token("room-1", "dave", &token("erin")),
        Err(LoginError::WrongUser)
    );
    let other_app = TokenBuilder::new(AppId::new(999), "dave")
        .generate(&secret())
        .unwrap();
    assert_eq!(
        mock.login_with_token("room-1", "dave", other_app.as_str()),
        Err(LoginError::WrongApp {
            expected: AppId::new(APP),
            actual: AppId::new(999)
        })
    );
    let elsewhere = privileged("dave", &Privileges::room("room-2").login(true));
    let refused = mock
        .login_with_token("room-1", "dave", &elsewhere)
        .unwrap_err();
    assert!(
        matches!(refused, LoginError::NoLoginPrivilege { .. }),
        "{refused}"
    );
    let refused = mock.login_with_token("room-1", "dave", "04").unwrap_err();
    assert!(
        matches!(refused, LoginError::Undecodable { .. }),
        "{refused}"
    );
    assert_eq!(refused.reason(), "undecodable");
    assert_eq!(mock.rooms(), before);
}

#[test]
fn the_world_is_chosen_as_by_the_other_routes() {
    let mock = start();
    // The test environment of APP: same app, same secret, another world.
    let body = json!({"room_id": "room-1", "user_id": "dave", "token": token("dave"),
                      "app_id": APP, "test_env": true});
    let response = post_json(mock.addr(), "/_mock/login", &body.to_string());
    assert_eq!(response.status, 200, "{:?}", response.json());
    assert!(!online(&mock, "room-1", "dave"), "not in production");
    let test_env = mock.world(AppId::new(APP), true);
    assert_eq!(test_env.rooms()[0].users[0].user_id, "dave");
    test_env
        .login_with_token("room-1", Login::new("erin").name("Erin"), &token("erin"))
        .unwrap();
    assert_eq!(test_env.rooms()[0].users[1].user_name, "Erin");

    // A token of the test-only app must be made with its secret, which the tests'
    // short secret cannot be: it does not decode.
    let body = json!({"room_id": "room-1", "user_id": "dave", "token": token("dave"),
                      "app_id": TEST_APP});
    let response = post_json(mock.addr(), "/_mock/login", &body.to_string());
    assert_eq!(response.status, 403);
    assert_eq!(response.json()["reason"], "undecodable");

    // An app the mock does not have: 404, and nothing to decode with.
    let body = json!({"room_id": "room-1", "user_id": "dave", "token": token("dave"),
                      "app_id": 4321});
    let response = post_json(mock.addr(), "/_mock/login", &body.to_string());
    assert_eq!(response.status, 404);
    assert_eq!(response.json()["reason"], "unknown app");
    assert_eq!(
        mock.world(AppId::new(4321), false).login_with_token(
            "room-1",
            Login::new("dave"),
            &token("dave")
        ),
        Err(LoginError::UnknownApp {
            app_id: AppId::new(4321)
        })
    );
}

#[test]
fn malformed_login_requests_are_400_and_other_methods_405() {
    let mock = start();
    for body in [
        "{}",
        r#"{"room_id": "room-1", "user_id": "dave"}"#,
        r#"{"room_id": "room-1", "token": "04"}"#,
        "not json",
    ] {
        let response = post_json(mock.addr(), "/_mock/login", body);
        assert_eq!(response.status, 400, "{body}");
        assert!(response.json()["error"].is_string());
    }
    assert_eq!(get(mock.addr(), "/_mock/login").status, 405);
}
