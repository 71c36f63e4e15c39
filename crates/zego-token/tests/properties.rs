//! Property tests: random inputs round-trip through generation and decoding in both
//! ciphers; the plaintext has the Go generator's shape (checked with an independent
//! decryption and serde_json); privilege documents round-trip; and no input makes
//! decoding panic.
//!
//! Each property runs 1,000 cases by default. Set `PROPTEST_CASES` for another size; the
//! full run is `PROPTEST_CASES=10000 cargo test -p zego-token --release --test properties`.
//! Failing cases are kept in `tests/properties.regressions` and replayed first.

use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use serde_json::{Value, json};
use zego_token::{
    AppId, Cipher, DecodeError, GenerateError, Privileges, ServerSecret, TokenBuilder, decode,
    inspect,
};

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

/// 32 printable ASCII characters other than space (what `ServerSecret` keeps).
fn secret_strategy() -> impl Strategy<Value = String> {
    "[!-~]{32}"
}

fn cipher_strategy() -> impl Strategy<Value = Cipher> {
    prop_oneof![Just(Cipher::Gcm), Just(Cipher::Cbc)]
}

/// Any text, with control characters, the HTML-escaped characters, U+2028 and U+2029
/// made likely.
fn text_strategy(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => any::<char>(),
            1 => prop::sample::select(vec![
                '"', '\\', '/', '<', '>', '&', '\n', '\r', '\t', '\u{8}', '\u{c}', '\u{0}',
                '\u{1b}', '\u{7f}', '\u{2028}', '\u{2029}', '张', '🎧', 'é',
            ]),
        ],
        min..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

struct Inputs {
    secret: String,
    app_id: u32,
    user_id: String,
    ctime: i64,
    valid_for: i64,
    nonce: i32,
    iv: Vec<u8>,
    payload: String,
    cipher: Cipher,
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "app {} user {:?} ctime {} valid_for {} nonce {} iv {:02x?} payload {:?} {} secret {:?}",
            self.app_id,
            self.user_id,
            self.ctime,
            self.valid_for,
            self.nonce,
            self.iv,
            self.payload,
            self.cipher,
            self.secret
        )
    }
}

fn inputs_strategy() -> impl Strategy<Value = Inputs> {
    (
        secret_strategy(),
        1..=u32::MAX,
        text_strategy(1, 40),
        prop_oneof![any::<i64>(), 0i64..4_000_000_000],
        prop_oneof![1i64..=10_000_000, 1..=i64::MAX],
        any::<i32>(),
        cipher_strategy(),
        proptest::collection::vec(any::<u8>(), 16),
        text_strategy(0, 120),
    )
        .prop_map(
            |(secret, app_id, user_id, ctime, valid_for, nonce, cipher, iv, payload)| Inputs {
                secret,
                app_id,
                user_id,
                ctime,
                valid_for,
                nonce,
                iv: iv[..cipher.iv_len()].to_vec(),
                payload,
                cipher,
            },
        )
}

fn decrypt_independently(cipher: Cipher, secret: &str, iv: &[u8], ct: &[u8]) -> Vec<u8> {
    let key: [u8; 32] = secret.as_bytes().try_into().unwrap();
    match cipher {
        Cipher::Gcm => {
            let nonce: [u8; 12] = iv.try_into().unwrap();
            aes_gcm::Aes256Gcm::new(&key.into())
                .decrypt(&nonce.into(), ct)
                .unwrap()
        }
        Cipher::Cbc => {
            let iv: [u8; 16] = iv.try_into().unwrap();
            cbc::Decryptor::<aes::Aes256>::new(&key.into(), &iv.into())
                .decrypt_padded_vec::<Pkcs7>(ct)
                .unwrap()
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Generation then decoding gives back every input, or generation fails only because
    /// `ctime + validity` overflows.
    #[test]
    fn tokens_round_trip(inputs in inputs_strategy()) {
        let secret = ServerSecret::new(inputs.secret.clone()).unwrap();
        let result = TokenBuilder::new(AppId::new(inputs.app_id), inputs.user_id.clone())
            .valid_for(inputs.valid_for)
            .payload(inputs.payload.clone())
            .cipher(inputs.cipher)
            .generate_with(&secret, inputs.ctime, inputs.nonce, &inputs.iv);
        let Some(expire) = inputs.ctime.checked_add(inputs.valid_for) else {
            prop_assert_eq!(result, Err(GenerateError::ExpireOverflow {
                ctime: inputs.ctime,
                valid_for: inputs.valid_for,
            }));
            return Ok(());
        };
        let token = result.unwrap();
        prop_assert_eq!((token.ctime(), token.expire(), token.cipher()),
                        (inputs.ctime, expire, inputs.cipher));

        let decoded = decode(&secret, token.as_str()).unwrap();
        prop_assert_eq!(decoded.cipher, inputs.cipher);
        prop_assert_eq!(decoded.app_id, AppId::new(inputs.app_id));
        prop_assert_eq!(&decoded.user_id, &inputs.user_id);
        prop_assert_eq!(decoded.ctime, inputs.ctime);
        prop_assert_eq!(decoded.expire, expire);
        prop_assert_eq!(decoded.nonce, i64::from(inputs.nonce));
        prop_assert_eq!(&decoded.payload, &inputs.payload);
        prop_assert_eq!(&decoded.iv, &inputs.iv);
        prop_assert!(!decoded.is_expired(expire - 1));
        prop_assert!(decoded.is_expired(expire));

        let info = inspect(token.as_str()).unwrap();
        prop_assert_eq!((info.cipher, info.expire), (inputs.cipher, expire));

        // The same inputs always give the same token.
        let again = TokenBuilder::new(AppId::new(inputs.app_id), inputs.user_id.clone())
            .valid_for(inputs.valid_for)
            .payload(inputs.payload.clone())
            .cipher(inputs.cipher)
            .generate_with(&secret, inputs.ctime, inputs.nonce, &inputs.iv)
            .unwrap();
        prop_assert_eq!(again.as_str(), token.as_str());
    }

    /// The token is "04" and canonical base64 of the spec §5 container, and the plaintext,
    /// decrypted here with the cipher crates directly, is the Go generator's form:
    /// compact, keys in its order, HTML-safe escaping, no raw control characters.
    #[test]
    fn tokens_have_the_go_shape(inputs in inputs_strategy()) {
        prop_assume!(inputs.ctime.checked_add(inputs.valid_for).is_some());
        let secret = ServerSecret::new(inputs.secret.clone()).unwrap();
        let token = TokenBuilder::new(AppId::new(inputs.app_id), inputs.user_id.clone())
            .valid_for(inputs.valid_for)
            .payload(inputs.payload.clone())
            .cipher(inputs.cipher)
            .generate_with(&secret, inputs.ctime, inputs.nonce, &inputs.iv)
            .unwrap();
        let body = token.as_str().strip_prefix("04").unwrap();
        let container = STANDARD.decode(body).unwrap();
        prop_assert_eq!(STANDARD.encode(&container), body);
        prop_assert_eq!(token.as_str().len(), 2 + 4 * container.len().div_ceil(3));

        let iv_len = usize::from(u16::from_be_bytes([container[8], container[9]]));
        prop_assert_eq!(iv_len, inputs.cipher.iv_len());
        let at = 10 + iv_len;
        let ct_len = usize::from(u16::from_be_bytes([container[at], container[at + 1]]));
        let ct = &container[at + 2..at + 2 + ct_len];
        let rest = &container[at + 2 + ct_len..];
        prop_assert_eq!(rest, if inputs.cipher == Cipher::Gcm { &[1u8][..] } else { &[][..] });

        let plaintext = decrypt_independently(inputs.cipher, &inputs.secret, &inputs.iv, ct);
        match inputs.cipher {
            Cipher::Gcm => prop_assert_eq!(ct_len, plaintext.len() + 16),
            Cipher::Cbc => prop_assert_eq!(ct_len, 16 * (plaintext.len() / 16 + 1)),
        }
        let text = String::from_utf8(plaintext).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&value, &json!({
            "app_id": inputs.app_id,
            "user_id": inputs.user_id,
            "ctime": inputs.ctime,
            "expire": inputs.ctime + inputs.valid_for,
            "nonce": inputs.nonce,
            "payload": inputs.payload,
        }));
        let prefix = format!("{{\"app_id\":{},\"user_id\":\"", inputs.app_id);
        prop_assert!(text.starts_with(&prefix), "{}", text);
        let keys = [",\"ctime\":", ",\"expire\":", ",\"nonce\":", ",\"payload\":\""];
        let positions: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
        prop_assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", text);
        prop_assert!(text.ends_with("\"}"), "{}", text);
        prop_assert!(
            !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}'])
                && !text.chars().any(|c| u32::from(c) < 0x20),
            "{}", text
        );
    }

    /// A privilege document reads back as itself, and its JSON is what a JSON parser
    /// expects from the fields.
    #[test]
    fn privileges_round_trip(
        room in text_strategy(0, 30),
        login in any::<bool>(),
        publish in any::<bool>(),
        streams in proptest::option::of(proptest::collection::vec(text_strategy(0, 12), 0..5)),
    ) {
        let mut privileges = Privileges::room(room.clone()).login(login).publish(publish);
        if let Some(streams) = &streams {
            privileges = privileges.streams(streams.clone());
        }
        let payload = privileges.to_payload();
        prop_assert_eq!(Privileges::parse(&payload).unwrap(), privileges.clone());
        let value: Value = serde_json::from_str(&payload).unwrap();
        prop_assert_eq!(value, json!({
            "room_id": room,
            "privilege": {"1": u8::from(login), "2": u8::from(publish)},
            "stream_id_list": streams,
        }));
        prop_assert!(payload.starts_with("{\"room_id\":\""), "{}", payload);
        prop_assert!(!payload.contains(['<', '>', '&']), "{}", payload);

        // Through a token, the login check follows the document.
        let secret = ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap();
        let token = TokenBuilder::new(AppId::new(9), "u")
            .privileges(&privileges)
            .generate_with(&secret, 100, 1, &[0; 12])
            .unwrap();
        let decoded = decode(&secret, token.as_str()).unwrap();
        prop_assert_eq!(decoded.privileges().unwrap(), Some(privileges));
        prop_assert_eq!(decoded.check_login(AppId::new(9), "u", &room, 101).is_ok(), login);
        let other_room = format!("{room}x");
        prop_assert!(decoded.check_login(AppId::new(9), "u", &other_room, 101).is_err());
    }

    /// Any string decodes to a result, never a panic.
    #[test]
    fn any_string_decodes_without_panicking(
        token in prop_oneof![
            any::<String>(),
            any::<String>().prop_map(|s| format!("04{s}")),
            "04[A-Za-z0-9+/=]{0,200}",
        ],
    ) {
        let secret = ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap();
        let result = decode(&secret, &token);
        if !token.starts_with("04") {
            prop_assert_eq!(result, Err(DecodeError::BadPrefix));
        }
    }

    /// Any container, in well-formed base64, decodes to a result, never a panic; the
    /// structural steps agree with `inspect`.
    #[test]
    fn any_container_decodes_without_panicking(
        container in proptest::collection::vec(any::<u8>(), 0..200),
        secret in secret_strategy(),
    ) {
        let secret = ServerSecret::new(secret).unwrap();
        let token = format!("04{}", STANDARD.encode(&container));
        let decoded = decode(&secret, &token);
        match inspect(&token) {
            Err(structural) => prop_assert_eq!(decoded, Err(structural)),
            Ok(info) => {
                prop_assert_eq!(info.container_len, container.len());
                if let Ok(decoded) = decoded {
                    prop_assert_eq!(decoded.expire, info.expire);
                }
            }
        }
    }

    /// Any change of one byte of a GCM container is rejected.
    #[test]
    fn gcm_rejects_any_one_byte_change(
        inputs in inputs_strategy(),
        at in any::<prop::sample::Index>(),
        mask in 1u8..=255,
    ) {
        prop_assume!(inputs.ctime.checked_add(inputs.valid_for).is_some());
        let secret = ServerSecret::new(inputs.secret.clone()).unwrap();
        let token = TokenBuilder::new(AppId::new(inputs.app_id), inputs.user_id.clone())
            .valid_for(inputs.valid_for)
            .payload(inputs.payload.clone())
            .cipher(Cipher::Gcm)
            .generate_with(&secret, inputs.ctime, inputs.nonce, &inputs.iv[..12])
            .unwrap();
        let mut container = STANDARD.decode(&token.as_str()[2..]).unwrap();
        let at = at.index(container.len());
        container[at] ^= mask;
        let altered = format!("04{}", STANDARD.encode(&container));
        prop_assert!(decode(&secret, &altered).is_err(), "byte {} ^ {:#x}", at, mask);
    }
}
