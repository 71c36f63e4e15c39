//! Callback bodies: any bytes give a result, never a panic, through format detection,
//! parsing, the typed models, signature verification, de-duplication and the lifecycle
//! lists; and what is read survives being written back.
//!
//! Input: the body. Bodies over `MAX_CALLBACK_BODY_BYTES` are refused before parsing;
//! run with a `-max_len` of a few KiB.
#![no_main]

use std::time::{Duration, Instant, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use zego_core::AppId;
use zego_core::callbacks::{
    BodyFormat, CallbackSecret, Event, Lifecycles, ReceiveError, Receiver, SignatureError,
    TypedEvent, Verification, detect_format, parse_unverified, read_body, sign, verify_signature,
};

fuzz_target!(|body: &[u8]| {
    let secret = CallbackSecret::new("secret").expect("a valid secret");
    let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);

    // The whole receiver, with verification on: a 2xx only for a valid signature.
    let receiver = Receiver::new(secret.clone()).with_freshness(Duration::from_secs(600));
    match receiver.receive(body, now) {
        Ok(callback) => {
            assert_eq!(callback.verification, Verification::Secret(0));
            let c = &callback.common;
            let (ts, nonce, sig) = (
                c.timestamp_text
                    .as_deref()
                    .expect("verified: has a timestamp"),
                c.nonce.as_deref().expect("verified: has a nonce"),
                c.signature.as_deref().expect("verified: has a signature"),
            );
            assert_eq!(sign(&secret, ts, nonce), sig.to_ascii_lowercase());
        }
        Err(e) => {
            let status = e.status().as_u16();
            assert!(matches!(status, 400 | 401), "{e}");
            assert_eq!(status == 400, matches!(e, ReceiveError::Body { .. }), "{e}");
            assert_eq!(e.response().status(), e.status());
        }
    }

    let Ok(callback) = parse_unverified(body) else {
        return;
    };
    assert!(!callback.common.event.is_empty());
    assert_eq!(detect_format(body), Some(callback.format));

    // The raw fields survive being written as JSON and read again.
    let json = callback.fields.to_json();
    let again = read_body(json.as_bytes()).expect("written fields read back");
    assert_eq!(again.format, BodyFormat::Json);
    assert_eq!(again.fields, callback.fields, "{json}");

    // Whatever the timestamp and nonce texts, their own signature verifies.
    let c = &callback.common;
    let ts = c.timestamp_text.as_deref().unwrap_or("1");
    let nonce = c.nonce.as_deref().unwrap_or("1");
    let signature = sign(&secret, ts, nonce);
    assert_eq!(
        verify_signature(&[secret.clone()], ts, nonce, &signature),
        Ok(0)
    );
    if let Some(received) = c.signature.as_deref() {
        let verdict = verify_signature(&[secret.clone()], ts, nonce, received);
        assert!(
            verdict.is_ok()
                || matches!(
                    verdict,
                    Err(SignatureError::Malformed { .. } | SignatureError::Mismatch { .. })
                )
        );
    }

    // The de-duplication key is a function of the body.
    let key = callback.dedup_key();
    assert_eq!(
        parse_unverified(body).map(|c| c.dedup_key()).ok(),
        Some(key)
    );

    // A typed event written as the vendor would, read back, is the same event.
    if let Some(fields) =
        callback
            .event
            .to_vendor_fields(AppId::new(1), 1_700_000_000, "350176", &secret)
    {
        let rebuilt = fields.to_json();
        let reread = Receiver::new(secret.clone())
            .receive(rebuilt.as_bytes(), now)
            .expect("a body written by to_vendor_fields verifies");
        assert_eq!(reread.event, callback.event, "{rebuilt}");
        assert_eq!(reread.dedup_key(), callback.dedup_key());
        assert_eq!(callback.event.name(), Some(callback.name()));
    } else {
        assert!(matches!(callback.event, Event::Other | Event::Invalid(_)));
    }

    // Applying an event twice: the second time brings nothing new.
    let mut lists = Lifecycles::new();
    let t = Instant::now();
    lists.apply(&callback.event, t);
    let second = lists.apply(&callback.event, t);
    assert!(
        !second.verdict.is_new(),
        "{:?} twice: {second:?}",
        callback.event
    );

    // The typed models never panic on any fields, whatever the event name says.
    let fields = &callback.fields;
    let _ = zego_core::callbacks::RoomCreate::from_fields(fields);
    let _ = zego_core::callbacks::RoomClose::from_fields(fields);
    let _ = zego_core::callbacks::RoomLogin::from_fields(fields);
    let _ = zego_core::callbacks::RoomLogout::from_fields(fields);
    let _ = zego_core::callbacks::StreamClose::from_fields(fields);
    if let Ok(e) = zego_core::callbacks::StreamCreate::from_fields(fields) {
        let _ = e.codec();
    }
});
