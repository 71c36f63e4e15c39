//! The query encoder: any string, encoded as a value, an array element and a
//! `MessageContent`, decodes (with `form_urlencoded`, not the encoder's code) to exactly
//! itself, and the encoded text has only unreserved characters, `%XX` escapes and the
//! structural `&`, `=` and `[]`.
//!
//! Input: the string's UTF-8 bytes (other inputs are skipped).
#![no_main]

use libfuzzer_sys::fuzz_target;
use zego_core::actions::SendCustomCommand;
use zego_core::{AppId, Config, Nonce, QueryWriter, ReturnCode, ServerSecret, prepare};

const MAX_CONTENT_BYTES: usize = SendCustomCommand::MAX_CONTENT_BYTES;

fn check_shape(query: &str) {
    let bytes = query.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let escape = bytes.get(i + 1..i + 3).unwrap_or_default();
            assert!(
                escape.len() == 2
                    && escape
                        .iter()
                        .all(|h| h.is_ascii_digit() || (b'A'..=b'F').contains(h)),
                "bad escape in {query}"
            );
            i += 3;
        } else {
            assert!(
                b.is_ascii_alphanumeric() || b"-._~&=[]".contains(&b),
                "byte {b:#04x} in {query}"
            );
            i += 1;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };

    let mut q = QueryWriter::new();
    q.param("K", s).array("A", [s, "x", s]).display("D", s);
    check_shape(q.as_str());
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_str().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let expected = [("K", s), ("A[]", s), ("A[]", "x"), ("A[]", s), ("D", s)];
    assert_eq!(pairs.len(), expected.len(), "{}", q.as_str());
    for ((key, value), (k, v)) in pairs.iter().zip(expected) {
        assert_eq!((key.as_str(), value.as_str()), (k, v));
    }

    // The same string through the public request builder.
    let config = Config::new(AppId::new(12345), ServerSecret::new("secret").unwrap());
    let nonce = Nonce::from_bytes([1, 2, 3, 4, 5, 6, 7, 8]);
    let command = SendCustomCommand::to_users("room", "server", ["user"], s);
    match prepare(&config, &command, &nonce, 1_615_186_943) {
        Ok(request) => {
            assert!(!s.is_empty() && s.len() <= MAX_CONTENT_BYTES);
            let query = request.uri().query().unwrap();
            check_shape(query);
            let content: Vec<_> = form_urlencoded::parse(query.as_bytes())
                .filter(|(k, _)| k == "MessageContent")
                .map(|(_, v)| v.into_owned())
                .collect();
            assert_eq!(content, [s]);
        }
        Err(e) => {
            assert!(s.is_empty() || s.len() > MAX_CONTENT_BYTES);
            let expected = if s.is_empty() {
                ReturnCode::MESSAGE_CONTENT_EMPTY
            } else {
                ReturnCode::MESSAGE_TOO_LONG
            };
            assert_eq!((e.field(), e.mirrors()), ("MessageContent", expected));
        }
    }
});
