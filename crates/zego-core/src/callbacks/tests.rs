//! The spec's example bodies, verbatim, through the whole receiver.

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::AppId;

/// Spec §7.1, verbatim.
const ROOM_CREATE: &str = r#"{
    "event": "room_create",
    "appid": 1,
    "timestamp": 1499676978,
    "nonce": "350176",
    "signature": "signature",
    "room_id": "rid_1242649",
    "room_session_id": 858012925204410400,
    "room_create_time": "1499676978027",
    "id_name": "id123"
}"#;

/// Spec §7.2, verbatim.
const ROOM_CLOSE: &str = r#"{
    "event": "room_close",
    "appid": 1,
    "timestamp": 1499676989,
    "nonce": "350176",
    "signature": "signature",
    "room_id": "rid_1242649",
    "room_session_id": 858012925204410400,
    "close_reason": 1,
    "room_close_time": "1499676989909"
}"#;

/// Spec §7.3, current pages, verbatim.
const ROOM_LOGIN: &str = r#"{
    "event": "room_login",
    "appid": "1",
    "timestamp": "1499676978",
    "nonce": "350176",
    "signature": "signature",
    "room_id": "rid_1242649",
    "room_name": "room#123",
    "room_seq": "6085791336856668982",
    "user_account": "888120154",
    "user_nickname": "888120154",
    "session_id": "792148503087288320",
    "login_time": "1499676978027",
    "user_role": "2",
    "auth_level": "4",
    "relogin": "0",
    "user_update_seq": "1",
    "callback_data": "user login"
}"#;

/// Spec §7.3, older English page, verbatim.
const ROOM_LOGIN_OLD: &str = r#"{
"user_account": "888120154",
"user_nickname": "888120154",
"session_id": "0",
"room_id": "rid_1242649",
"room_seq": "6085791336856668982",
"room_name": "room#123",
"login_time": 1499676978027,
"timestamp": 1499676978,
"nonce": "350176",
"signature": "signature",
"appid": "1",
"event": "room_login"
}"#;

/// Spec §7.4, current pages, verbatim.
const ROOM_LOGOUT: &str = r#"{
    "event": "room_logout",
    "appid": "1",
    "timestamp": "1499676978",
    "nonce": "350176",
    "signature": "signature",
    "room_id": "rid_1242649",
    "room_seq": "6085791336856668982",
    "user_account": "888120154",
    "user_nickname": "888120154",
    "session_id": "792462300429684736",
    "login_time": "1663740623660",
    "logout_time": "1663740627986",
    "reason": "0",
    "user_role": "1",
    "user_update_seq": "13"
}"#;

/// Spec §7.4, older English page, verbatim.
const ROOM_LOGOUT_OLD: &str = r#"{
"user_account": "888120154",
"user_nickname": "888120154",
"user_role": 1,
"session_id": "0",
"room_id": "rid_1242649",
"room_seq": "6085791336856668982",
"logout_time": 1499676978027,
"timestamp": 1499676978,
"nonce": "350176",
"signature": "signature",
"reason": 0,
"appid": "1",
"event": "room_logout"
}"#;

/// Spec §7.5, verbatim.
const STREAM_CREATE: &str = r#"{
    "event": "stream_create",
    "appid": "1",
    "timestamp": "1687981272",
    "nonce": "7254119327986670314",
    "signature": "xxx",
    "room_id": "room1",
    "room_session_id": "1234567",
    "user_id": "user1",
    "user_name": "user1_name",
    "channel_id": "0xb-0x1",
    "stream_id": "stream_id",
    "stream_sid": "s-115205136669740000000000104",
    "title": "title",
    "stream_alias": "aaa",
    "stream_attr": "{\"cid\":0}",
    "stream_seq": "01",
    "create_time": "1687981272",
    "create_time_ms": "1687981272742",
    "extra_info": "extra",
    "recreate": "0",
    "publish_id": "publish",
    "publish_name": "publish_name",
    "rtmp_url": [
        "rtmp://rtmp.wsdemo.zego.im/zegodemo/aaa",
        "rtmp://testplay.aliyun.zego.im/livestream/aaa"
    ],
    "hls_url": [
        "http://hls.wsdemo.zego.im/zegodemo/aaa/playlist.m3u8",
        "http://testplay.aliyun.zego.im/livestream/aaa.m3u8"
    ],
    "hdl_url": [
        "http://hdl.wsdemo.zego.im/zegodemo/aaa.flv",
        "http://testplay.aliyun.zego.im/livestream/aaa.flv"
    ],
    "pic_url": [
        "http://pic.wsdemo.zego.im/zegodemo/aaa.jpg"
    ]
}"#;

/// Spec §7.6, verbatim.
const STREAM_CLOSE: &str = r#"{
    "event": "stream_close",
    "appid": "1",
    "timestamp": "1666786067",
    "nonce": "7266888922840654370",
    "signature": "xxx",
    "room_id": "room1",
    "room_session_id": "123456789",
    "user_id": "user1",
    "user_name": "user1_name",
    "channel_id": "0xb-0x1",
    "type": "0",
    "stream_alias": "aaa",
    "stream_id": "stream_id",
    "stream_sid": "s-115205136669740000000000104",
    "stream_seq": "700",
    "third_define_data": "{\"u\":\"S1lxOUxMN2tRZ3lIY0JMSUs3VlMxZz09\"}",
    "create_time_ms": "1666786067353",
    "destroy_timemillis": "1666986067248"
}"#;

/// Spec §2.2, the illustrative form body, verbatim.
const FORM_LOGOUT: &str = "user_account=888120154&user_nickname=888120154&user_role=1&session_id=0&room_id=rid_1242649&room_name=room%23123+x&room_seq=6085791336856668982&logout_time=1499676978027&timestamp=1499676978&nonce=350176&signature=signature&reason=0&appid=1&event=room_logout";

/// Each example body, the placeholder it carries, and its signature with `secret`
/// (spec §4.3).
const SIGNED: [(&str, &str, &str); 9] = [
    (
        ROOM_CREATE,
        r#""signature": "signature""#,
        "264b7f500b4935a082fef1da1760769245880d7c",
    ),
    (
        ROOM_CLOSE,
        r#""signature": "signature""#,
        "0a36e8e590a2298fb9d9b3ab0c94e82775b8cde2",
    ),
    (
        ROOM_LOGIN,
        r#""signature": "signature""#,
        "264b7f500b4935a082fef1da1760769245880d7c",
    ),
    (
        ROOM_LOGIN_OLD,
        r#""signature": "signature""#,
        "264b7f500b4935a082fef1da1760769245880d7c",
    ),
    (
        ROOM_LOGOUT,
        r#""signature": "signature""#,
        "264b7f500b4935a082fef1da1760769245880d7c",
    ),
    (
        ROOM_LOGOUT_OLD,
        r#""signature": "signature""#,
        "264b7f500b4935a082fef1da1760769245880d7c",
    ),
    (
        STREAM_CREATE,
        r#""signature": "xxx""#,
        "f481ddb5a90835fe4a63c394a9e28f92975ac70e",
    ),
    (
        STREAM_CLOSE,
        r#""signature": "xxx""#,
        "7093e9b91b553cd6f23ef5633711fab2a71bba03",
    ),
    (
        FORM_LOGOUT,
        "signature=signature",
        "264b7f500b4935a082fef1da1760769245880d7c",
    ),
];

fn signed(body: &str, placeholder: &str, signature: &str) -> String {
    assert_eq!(body.matches(placeholder).count(), 1, "{body}");
    let replacement = if placeholder.starts_with('"') {
        format!(
            r#""{}": "{signature}""#,
            placeholder.split('"').nth(1).unwrap_or_default()
        )
    } else {
        format!("signature={signature}")
    };
    body.replace(placeholder, &replacement)
}

fn receiver() -> Receiver {
    Receiver::new(CallbackSecret::new("secret").unwrap())
}

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn parse(body: &str) -> Callback {
    parse_unverified(body.as_bytes()).unwrap()
}

#[test]
fn every_example_body_verifies_once_signed() {
    for (body, placeholder, signature) in SIGNED {
        let callback = receiver()
            .receive(signed(body, placeholder, signature).as_bytes(), now())
            .unwrap_or_else(|e| panic!("{e}\n{body}"));
        assert_eq!(callback.verification, Verification::Secret(0));
        assert!(
            callback.event.name().is_some(),
            "typed: {:?}",
            callback.event
        );
        assert_eq!(callback.event.name(), Some(callback.name()));
        // The placeholder signature itself is refused with 401.
        let err = receiver().receive(body.as_bytes(), now()).unwrap_err();
        assert_eq!(err.status(), 401, "{err}");
        assert!(matches!(
            err,
            ReceiveError::Signature(SignatureError::Malformed { .. })
        ));
    }
}

#[test]
fn room_create_example() {
    let c = parse(ROOM_CREATE);
    assert_eq!(c.format, BodyFormat::Json);
    assert_eq!(c.common.app_id, Some(AppId::new(1)));
    assert_eq!(c.common.timestamp, Some(1_499_676_978));
    assert_eq!(c.common.timestamp_text.as_deref(), Some("1499676978"));
    let Event::RoomCreate(e) = &c.event else {
        panic!("{:?}", c.event);
    };
    // Exactly, not the float 858012925204410368 (spec §3.4).
    assert_eq!(e.room_session_id, 858_012_925_204_410_400);
    assert_eq!(e.room_create_time, 1_499_676_978_027);
    assert_eq!(e.room_id, "rid_1242649");
    assert_eq!(e.id_name, "id123");
}

#[test]
fn room_close_example() {
    let Event::RoomClose(e) = parse(ROOM_CLOSE).event else {
        panic!();
    };
    assert_eq!(e.close_reason, RoomCloseReason::HeartbeatTimeout);
    assert_eq!(e.close_reason.code(), 1);
    assert_eq!(e.room_close_time, 1_499_676_989_909);
    assert_eq!(e.room_session_id, 858_012_925_204_410_400);
}

#[test]
fn room_login_examples() {
    let Event::RoomLogin(e) = parse(ROOM_LOGIN).event else {
        panic!();
    };
    assert_eq!(e.room_seq, 6_085_791_336_856_668_982);
    assert_eq!(e.session_id, 792_148_503_087_288_320);
    assert_eq!(e.login_time, 1_499_676_978_027);
    assert_eq!(e.user_role, Some(UserRole::Audience));
    assert_eq!(e.auth_level, Some(AuthLevel::Token04));
    assert_eq!(e.relogin, Some(false));
    assert_eq!(e.user_update_seq, Some(1));
    assert_eq!(e.callback_data.as_deref(), Some("user login"));
    assert_eq!(e.room_name, "room#123");

    let old = parse(ROOM_LOGIN_OLD);
    assert_eq!(old.common.timestamp_text.as_deref(), Some("1499676978"));
    let Event::RoomLogin(e) = old.event else {
        panic!("{:?}", old.event);
    };
    assert_eq!(e.session_id, 0);
    assert_eq!(e.login_time, 1_499_676_978_027);
    assert_eq!(e.room_seq, 6_085_791_336_856_668_982);
    assert_eq!(
        (e.user_role, e.auth_level, e.relogin, e.user_update_seq),
        (None, None, None, None)
    );
    assert_eq!(e.callback_data, None);
}

#[test]
fn room_logout_examples() {
    let Event::RoomLogout(e) = parse(ROOM_LOGOUT).event else {
        panic!();
    };
    assert_eq!(e.session_id, 792_462_300_429_684_736);
    assert_eq!(e.login_time, Some(1_663_740_623_660));
    assert_eq!(e.logout_time, 1_663_740_627_986);
    assert_eq!(e.reason, LogoutReason::Normal);
    assert_eq!(e.user_role, Some(UserRole::Host));
    assert_eq!(e.user_update_seq, Some(13));

    let Event::RoomLogout(e) = parse(ROOM_LOGOUT_OLD).event else {
        panic!();
    };
    assert_eq!(e.login_time, None);
    assert_eq!(e.user_update_seq, None);
    assert_eq!(e.logout_time, 1_499_676_978_027);
    assert_eq!(e.user_role, Some(UserRole::Host));
    assert_eq!(e.reason, LogoutReason::Normal);
}

#[test]
fn stream_create_example() {
    let Event::StreamCreate(e) = parse(STREAM_CREATE).event else {
        panic!();
    };
    assert_eq!(e.stream_seq, 1, "leading zero");
    assert_eq!(e.room_session_id, 1_234_567);
    assert_eq!(e.create_time_ms, 1_687_981_272_742);
    assert_eq!(e.create_time, Some(1_687_981_272));
    assert_eq!(e.recreate, Some(false));
    assert_eq!(e.codec(), Some(Codec::H264));
    assert_eq!(e.rtmp_url.len(), 2);
    assert_eq!(e.hls_url.len(), 2);
    assert_eq!(
        e.hdl_url[1],
        "http://testplay.aliyun.zego.im/livestream/aaa.flv"
    );
    assert_eq!(e.pic_url, ["http://pic.wsdemo.zego.im/zegodemo/aaa.jpg"]);
    // Each of the paired fields as sent; identity from the preferred one.
    assert_eq!(
        (e.room_id.as_deref(), e.channel_id.as_deref()),
        (Some("room1"), Some("0xb-0x1"))
    );
    assert_eq!(
        (e.user_id.as_deref(), e.publish_id.as_deref()),
        (Some("user1"), Some("publish"))
    );
    assert_eq!(
        (e.room(), e.user(), e.stream()),
        ("room1", "user1", "stream_id")
    );
    assert_eq!(e.stream_alias.as_deref(), Some("aaa"));
}

#[test]
fn stream_close_example() {
    let Event::StreamClose(e) = parse(STREAM_CLOSE).event else {
        panic!();
    };
    assert_eq!(e.close_type, StreamCloseType::Normal);
    assert!(!e.close_type.is_abnormal());
    assert_eq!(e.stream_seq, Some(700));
    assert_eq!(e.create_time_ms, 1_666_786_067_353);
    assert_eq!(e.destroy_timemillis, Some(1_666_986_067_248));
    assert_eq!(
        e.third_define_data.as_deref(),
        Some(r#"{"u":"S1lxOUxMN2tRZ3lIY0JMSUs3VlMxZz09"}"#)
    );
    assert_eq!(e.room_session_id, 123_456_789);
}

#[test]
fn form_example() {
    let c = parse(FORM_LOGOUT);
    assert_eq!(c.format, BodyFormat::Form);
    assert_eq!(
        c.fields.get("room_name"),
        Some(&FieldValue::from("room#123 x"))
    );
    assert_eq!(
        c.fields.get("room_seq"),
        Some(&FieldValue::from("6085791336856668982"))
    );
    assert_eq!(c.common.timestamp_text.as_deref(), Some("1499676978"));
    let Event::RoomLogout(e) = c.event else {
        panic!("{:?}", c.event);
    };
    assert_eq!(e.room_seq, 6_085_791_336_856_668_982);
    assert_eq!(e.session_id, 0);
    assert_eq!(e.logout_time, 1_499_676_978_027);
    assert_eq!(e.reason, LogoutReason::Normal);
    assert_eq!(e.user_role, Some(UserRole::Host));
}

#[test]
fn named_values_keep_unknown_codes() {
    let body = |reason: &str| {
        format!(
            r#"{{"event":"room_logout","room_id":"r","room_seq":"1","user_account":"u",
                "session_id":"1","logout_time":"1","reason":"{reason}","user_role":"9"}}"#
        )
    };
    let Event::RoomLogout(e) = parse(&body("4")).event else {
        panic!();
    };
    assert_eq!(e.reason, LogoutReason::TokenExpired);
    assert_eq!(e.user_role, Some(UserRole::Other(9)));
    let Event::RoomLogout(e) = parse(&body("77")).event else {
        panic!();
    };
    assert_eq!(e.reason, LogoutReason::Other(77));
    assert_eq!(e.reason.code(), 77);
    assert_eq!(StreamCloseType::from(100), StreamCloseType::DeleteStream);
    assert!(StreamCloseType::from(6).is_abnormal());
    assert_eq!(StreamCloseType::from(6), StreamCloseType::Other(6));
    assert_eq!(RoomCloseReason::from(3), RoomCloseReason::KickedOut);
    assert_eq!(Codec::from(3), Codec::H265);
}

#[test]
fn typed_bodies_round_trip_with_the_vendor_types() {
    let secret = CallbackSecret::new("secret").unwrap();
    for (body, placeholder, signature) in SIGNED.iter().take(8) {
        let original = parse(&signed(body, placeholder, signature));
        let c = &original.common;
        let ts = c.timestamp.unwrap();
        let rebuilt = original
            .event
            .to_vendor_fields(c.app_id.unwrap(), ts, c.nonce.as_deref().unwrap(), &secret)
            .unwrap();
        let reparsed = receiver()
            .receive(rebuilt.to_json().as_bytes(), now())
            .unwrap();
        assert_eq!(reparsed.event, original.event);
        assert_eq!(reparsed.common.signature.as_deref(), Some(*signature));
        // Every field the rebuilt body has, it has with the example's value and JSON type;
        // `stream_seq` "01" is written back as "1".
        if [ROOM_LOGIN_OLD, ROOM_LOGOUT_OLD].contains(body) {
            continue; // They have numbers where the current pages have strings.
        }
        let vendor: serde_json::Value =
            serde_json::from_str(&signed(body, placeholder, signature)).unwrap();
        let ours: serde_json::Value = serde_json::from_str(&rebuilt.to_json()).unwrap();
        for (key, value) in ours.as_object().unwrap() {
            if key == "stream_seq" && vendor[key] == "01" {
                assert_eq!(value, "1");
                continue;
            }
            assert_eq!(Some(value), vendor.get(key), "{key} in {body}");
        }
    }
    // The current examples are rebuilt with every field (the older ones lack some).
    for body in [
        ROOM_CREATE,
        ROOM_CLOSE,
        ROOM_LOGIN,
        ROOM_LOGOUT,
        STREAM_CREATE,
        STREAM_CLOSE,
    ] {
        let c = parse(body);
        let rebuilt = c
            .event
            .to_vendor_fields(AppId::new(1), 1, "1", &secret)
            .unwrap();
        assert_eq!(rebuilt.len(), c.fields.len(), "{body}");
    }
}

#[test]
fn raw_events_are_verified_with_their_spellings() {
    let secret = CallbackSecret::new("secret").unwrap();
    // PascalCase with the vendor's placeholders as timestamp and nonce.
    let sig = sign(&secret, "timestamp", "nonce");
    let body = format!(
        r#"{{"Event":"transcode_start","Appid":"111111","Timestamp":"timestamp","Nonce":"nonce",
            "Signature":"{sig}","TaskId":"t1","Sequence":1,"Status":"TranscodeStarted",
            "Details":{{"Input":"in","Outputs":[]}}}}"#
    );
    let c = receiver().receive(body.as_bytes(), now()).unwrap();
    assert_eq!(c.event, Event::Other);
    assert_eq!(c.name(), "transcode_start");
    assert_eq!(c.common.timestamp, None);
    assert_eq!(c.fields.get("TaskId"), Some(&FieldValue::from("t1")));
    // Numeric AppId and Timestamp.
    let sig = sign(&secret, "1724743250", "7407715855877898783");
    let body = format!(
        r#"{{"Event":"censor_audio_v2_status","AppId":1,"Timestamp":1724743250,
            "Nonce":"7407715855877898783","Signature":"{sig}","Status":0}}"#
    );
    let c = receiver().receive(body.as_bytes(), now()).unwrap();
    assert_eq!(c.common.app_id, Some(AppId::new(1)));
    assert_eq!(c.event, Event::Other);
    // The freshness check, when on, refuses the placeholder timestamp.
    let body = format!(
        r#"{{"Event":"transcode_stop","Timestamp":"timestamp","Nonce":"nonce","Signature":"{}"}}"#,
        sign(&secret, "timestamp", "nonce")
    );
    let err = receiver()
        .with_freshness(DEFAULT_FRESHNESS_TOLERANCE)
        .receive(body.as_bytes(), now())
        .unwrap_err();
    assert_eq!(err.status(), 401);
    assert!(matches!(
        err,
        ReceiveError::Freshness(FreshnessError::NotAnInteger { .. })
    ));
}

#[test]
fn known_event_that_misfits_its_model_is_delivered_raw() {
    // In-app chat's room_create: no room_session_id (spec §8).
    let secret = CallbackSecret::new("secret").unwrap();
    let body = format!(
        r#"{{"event":"room_create","appid":"1","timestamp":"1","nonce":"2","signature":"{}",
            "room_id":"r","operator_account":"op","attributes":{{"k":"v"}}}}"#,
        sign(&secret, "1", "2")
    );
    let c = receiver().receive(body.as_bytes(), now()).unwrap();
    assert_eq!(
        c.event,
        Event::Invalid(ModelError::Missing {
            field: "room_session_id"
        })
    );
    assert_eq!(
        c.fields.get("operator_account"),
        Some(&FieldValue::from("op"))
    );
    // A non-numeric ID names the field.
    let Event::Invalid(err) = parse(
        r#"{"event":"room_close","room_id":"r","room_session_id":"abc","close_reason":0,"room_close_time":"1"}"#,
    )
    .event
    else {
        panic!();
    };
    assert_eq!(
        err.to_string(),
        r#"`room_session_id` is "abc", not a whole number written with decimal digits only"#
    );
    let Event::Invalid(err) = parse(r#"{"event":"stream_close","room_session_id":"1","type":"0","stream_sid":"s","create_time_ms":"1","stream_id":"x"}"#).event else {
        panic!();
    };
    assert_eq!(
        err,
        ModelError::Missing {
            field: "room_id or channel_id"
        }
    );
}

#[test]
fn statuses_of_the_receiver() {
    let r = receiver();
    let headers = {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        h
    };
    let get = r
        .receive_http(&http::Method::GET, &headers, ROOM_CREATE.as_bytes(), now())
        .unwrap_err();
    assert_eq!(get.status(), 405);
    assert_eq!(get.response().headers()[http::header::ALLOW], "POST");
    let bad = r
        .receive_http(&http::Method::POST, &headers, b"hello", now())
        .unwrap_err();
    assert_eq!(bad.status(), 400);
    assert_eq!(
        bad.to_string(),
        r#"unreadable callback body (content-type "application/json"): the body is neither a JSON object nor a form (it starts with "hello")"#
    );
    let no_event = r
        .receive(
            br#"{"appid":1,"timestamp":1,"nonce":"1","signature":"x"}"#,
            now(),
        )
        .unwrap_err();
    assert_eq!(
        no_event,
        ReceiveError::Body {
            error: BodyError::MissingEvent,
            content_type: None
        }
    );
    assert_eq!(no_event.response().status(), 400);
    // A missing signature input is a 401 naming it.
    let err = r
        .receive(br#"{"event":"e","timestamp":1,"signature":"x"}"#, now())
        .unwrap_err();
    assert_eq!(
        err,
        ReceiveError::Signature(SignatureError::Missing { field: "nonce" })
    );
    // A wrong secret.
    let wrong = Receiver::new(CallbackSecret::new("not-the-secret").unwrap());
    let body = signed(
        ROOM_CREATE,
        r#""signature": "signature""#,
        "264b7f500b4935a082fef1da1760769245880d7c",
    );
    let err = wrong.receive(body.as_bytes(), now()).unwrap_err();
    assert_eq!(
        err,
        ReceiveError::Signature(SignatureError::Mismatch { secrets: 1 })
    );
    assert_eq!(err.response().status(), 401);
    assert!(!format!("{err} {err:?} {wrong:?}").contains("not-the-secret"));
    // Rotation: the second secret matches.
    let both = Receiver::with_secrets([
        CallbackSecret::new("not-the-secret").unwrap(),
        CallbackSecret::new("secret").unwrap(),
    ])
    .unwrap();
    assert_eq!(
        both.receive(body.as_bytes(), now()).unwrap().verification,
        Verification::Secret(1)
    );
    assert!(Receiver::with_secrets([]).is_err());
    // Freshness: the example's 2017 timestamp against a 2023 clock.
    let err = r
        .clone()
        .with_freshness(Duration::from_secs(600))
        .receive(body.as_bytes(), now())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ReceiveError::Freshness(FreshnessError::OutOfWindow { .. })
        ),
        "{err}"
    );
    let then = UNIX_EPOCH + Duration::from_secs(1_499_677_000);
    assert!(
        r.clone()
            .with_freshness(Duration::from_secs(600))
            .receive(body.as_bytes(), then)
            .is_ok()
    );
    // Skipping the check, explicitly.
    let skip = r
        .insecure_skip_signature_check()
        .receive(ROOM_CREATE.as_bytes(), now())
        .unwrap();
    assert_eq!(skip.verification, Verification::Skipped);
    // The success answers.
    let ok = ok_response();
    assert_eq!((ok.status(), ok.body().len()), (http::StatusCode::OK, 0));
    assert_eq!(ok.headers()[http::header::CONTENT_LENGTH], "0");
    assert_eq!(sink_failed_response().status(), 500);
}

#[test]
fn percent_encoded_json_and_bom_are_read() {
    let secret = CallbackSecret::new("secret").unwrap();
    let json = format!(
        r#"{{"event":"room_login","appid":"1","timestamp":"1499676978","nonce":"350176","signature":"{}","room_id":"a+b","room_seq":"1","user_account":"u","session_id":"1","login_time":"1"}}"#,
        sign(&secret, "1499676978", "350176")
    );
    let encoded: String =
        percent_encoding::utf8_percent_encode(&json, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    assert!(encoded.starts_with("%7B"));
    let c = receiver().receive(encoded.as_bytes(), now()).unwrap();
    assert_eq!(c.format, BodyFormat::PercentEncodedJson);
    let Event::RoomLogin(e) = &c.event else {
        panic!();
    };
    assert_eq!(e.room_id, "a+b");
    let with_bom = [b"\xEF\xBB\xBF\r\n".as_slice(), json.as_bytes()].concat();
    assert_eq!(receiver().receive(&with_bom, now()).unwrap().event, c.event);
}

#[test]
fn nothing_panics_on_truncations_and_mutations_of_the_examples() {
    for (body, placeholder, signature) in SIGNED {
        let body = signed(body, placeholder, signature);
        let bytes = body.as_bytes();
        for end in 0..=bytes.len() {
            let _ = receiver().receive(&bytes[..end], now());
        }
        for i in 0..bytes.len() {
            let mut mutated = bytes.to_vec();
            mutated[i] ^= 0x55;
            if let Ok(c) = receiver()
                .insecure_skip_signature_check()
                .receive(&mutated, now())
            {
                let _ = c.dedup_key();
            }
        }
    }
}
