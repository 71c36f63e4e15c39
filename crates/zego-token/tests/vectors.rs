//! The specification's test vectors (`token04-vectors.json`, a copy of the spec's file):
//! the encoder reproduces every reproducible token byte for byte, the decoder gives back
//! every valid token's inputs, and every invalid token fails with the named error.
//!
//! The plaintext and the container are also checked with an independent decryption and
//! packing written here from the specification, not taken from the crate.

use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use serde_json::Value;
use zego_token::{AppId, Cipher, ServerSecret, TokenBuilder, decode};

const VECTORS: &str = include_str!("token04-vectors.json");

fn vectors() -> Vec<Value> {
    serde_json::from_str(VECTORS).expect("the vector file is JSON")
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{}: {key} is not a string", v["id"]))
}

fn int(v: &Value, key: &str) -> i64 {
    v[key]
        .as_i64()
        .unwrap_or_else(|| panic!("{}: {key} is not an integer", v["id"]))
}

fn bytes(v: &Value, key: &str) -> Vec<u8> {
    hex::decode(text(v, key)).unwrap_or_else(|e| panic!("{}: {key}: {e}", v["id"]))
}

fn cipher(v: &Value) -> Cipher {
    text(v, "cipher").parse().expect("gcm or cbc")
}

fn secret(v: &Value) -> ServerSecret {
    ServerSecret::new(text(v, "secret")).expect("a usable secret")
}

fn is_valid(v: &Value) -> bool {
    v["valid"].as_bool().expect("valid is a boolean")
}

/// The vectors an encoder must reproduce (spec §9, "How to use the vectors").
fn reproducible(v: &Value) -> bool {
    is_valid(v)
        && v["decode_only"].as_bool() != Some(true)
        && (v["source"] == "independent" || v["json_key_order"] == "go")
}

fn builder(v: &Value) -> TokenBuilder {
    let app_id = u32::try_from(int(v, "app_id")).expect("a u32 app_id");
    TokenBuilder::new(AppId::new(app_id), text(v, "user_id"))
        .valid_for(int(v, "effective_time_in_seconds"))
        .payload(text(v, "payload"))
        .cipher(cipher(v))
}

/// Splits a container as spec §5 lays it out: expire, IV, ciphertext field, the rest.
fn split(container: &[u8]) -> (i64, &[u8], &[u8], &[u8]) {
    let expire = i64::from_be_bytes(container[..8].try_into().unwrap());
    let iv_len = usize::from(u16::from_be_bytes([container[8], container[9]]));
    let iv = &container[10..10 + iv_len];
    let at = 10 + iv_len;
    let ct_len = usize::from(u16::from_be_bytes([container[at], container[at + 1]]));
    let ct = &container[at + 2..at + 2 + ct_len];
    (expire, iv, ct, &container[at + 2 + ct_len..])
}

/// Decrypts a ciphertext field with the RustCrypto crates directly.
fn independent_decrypt(cipher: Cipher, secret: &str, iv: &[u8], ct: &[u8]) -> Vec<u8> {
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

#[test]
fn the_vector_file_has_what_the_spec_lists() {
    let all = vectors();
    assert_eq!(all.len(), 29);
    let valid = all.iter().filter(|v| is_valid(v)).count();
    let decode_only = all
        .iter()
        .filter(|v| v["decode_only"].as_bool() == Some(true))
        .count();
    assert_eq!((valid, decode_only, all.len() - valid), (16, 1, 13));
    let vendor = all
        .iter()
        .filter(|v| v["source"] == "vendor generator")
        .count();
    assert_eq!(vendor, 5);
    let mut ids: Vec<&str> = all.iter().map(|v| text(v, "id")).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 29, "ids are unique");
}

#[test]
fn the_encoder_reproduces_every_reproducible_vector_byte_for_byte() {
    let all = vectors();
    let mut reproduced = Vec::new();
    for v in all.iter().filter(|v| reproducible(v)) {
        let id = text(v, "id");
        let nonce = i32::try_from(int(v, "nonce")).expect("an i32 nonce");
        let token = builder(v)
            .generate_with(&secret(v), int(v, "ctime"), nonce, &bytes(v, "iv_hex"))
            .unwrap_or_else(|e| panic!("{id}: {e}"));

        assert_eq!(token.as_str(), text(v, "token"), "{id}: token");
        assert_eq!(token.cipher(), cipher(v), "{id}: cipher");
        assert_eq!(token.ctime(), int(v, "ctime"), "{id}: ctime");
        assert_eq!(token.expire(), int(v, "expire"), "{id}: expire");

        let container = STANDARD.decode(&token.as_str()[2..]).unwrap();
        assert_eq!(container, bytes(v, "binary_hex"), "{id}: container");
        let (expire, iv, ct, rest) = split(&container);
        assert_eq!(expire, int(v, "expire"), "{id}: header expire");
        assert_eq!(iv, bytes(v, "iv_hex"), "{id}: iv");
        assert_eq!(ct, bytes(v, "ciphertext_hex"), "{id}: ciphertext field");
        match cipher(v) {
            Cipher::Gcm => {
                assert_eq!(rest, [1], "{id}: mode byte");
                assert_eq!(&ct[ct.len() - 16..], bytes(v, "tag_hex"), "{id}: tag");
            }
            Cipher::Cbc => assert!(rest.is_empty(), "{id}: no mode byte"),
        }

        let plaintext = independent_decrypt(cipher(v), text(v, "secret"), iv, ct);
        assert_eq!(plaintext, bytes(v, "plaintext_hex"), "{id}: plaintext");
        assert_eq!(plaintext, text(v, "plaintext_json").as_bytes(), "{id}");
        reproduced.push(id);
    }
    // 16 valid vectors, less the decode-only one and the Python generator's.
    assert_eq!(reproduced.len(), 14, "{reproduced:?}");
    assert!(reproduced.contains(&"gcm-basic") && reproduced.contains(&"cbc-basic"));
}

#[test]
fn the_decoder_gives_back_every_valid_vectors_inputs() {
    let mut decoded_count = 0;
    for v in vectors().iter().filter(|v| is_valid(v)) {
        let id = text(v, "id");
        let decoded = decode(&secret(v), text(v, "token")).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(decoded.cipher, cipher(v), "{id}");
        assert_eq!(i64::from(decoded.app_id.get()), int(v, "app_id"), "{id}");
        assert_eq!(decoded.user_id, text(v, "user_id"), "{id}");
        assert_eq!(decoded.ctime, int(v, "ctime"), "{id}");
        assert_eq!(decoded.expire, int(v, "expire"), "{id}");
        assert_eq!(
            decoded.expire - decoded.ctime,
            int(v, "effective_time_in_seconds"),
            "{id}"
        );
        assert_eq!(decoded.nonce, int(v, "nonce"), "{id}");
        assert_eq!(decoded.payload, text(v, "payload"), "{id}");
        assert_eq!(decoded.iv, bytes(v, "iv_hex"), "{id}");
        // The vectors' expiry times are in the past; the token is valid until expire.
        assert!(!decoded.is_expired(decoded.expire - 1), "{id}");
        assert!(decoded.is_expired(decoded.expire), "{id}");
        // A privilege payload, whichever generator wrote it, reads as a document.
        if !decoded.payload.is_empty() {
            let privileges = decoded.privileges().unwrap_or_else(|e| panic!("{id}: {e}"));
            assert!(privileges.is_some(), "{id}");
        }
        decoded_count += 1;
    }
    assert_eq!(decoded_count, 16);
}

#[test]
fn every_invalid_vector_fails_with_the_named_error() {
    let all = vectors();
    let mut seen = Vec::new();
    for v in all.iter().filter(|v| !is_valid(v)) {
        let id = text(v, "id");
        let expected = text(v, "expect_error");
        let err = decode(&secret(v), text(v, "token")).expect_err(&format!("{id} must not decode"));
        assert_eq!(err.name(), expected, "{id}: {err}");
        seen.push(expected);
    }
    assert_eq!(seen.len(), 13);
    seen.sort_unstable();
    seen.dedup();
    // Every error name the spec's vectors use.
    assert_eq!(
        seen,
        [
            "AuthFailed",
            "BadBase64",
            "BadIvLength",
            "BadJson",
            "BadPadding",
            "BadPrefix",
            "ExpireMismatch",
            "MissingField",
            "TrailingData",
            "Truncated",
            "UnknownMode"
        ]
    );
}

#[test]
fn invalid_vectors_say_which_field_or_value() {
    let by_id = |id: &str| {
        let v = vectors()
            .into_iter()
            .find(|v| v["id"] == id)
            .expect("vector exists");
        decode(&secret(&v), text(&v, "token")).unwrap_err()
    };
    assert_eq!(
        by_id("inv-gcm-missing-user-id"),
        zego_token::DecodeError::MissingField("user_id")
    );
    assert_eq!(
        by_id("inv-unknown-mode-byte"),
        zego_token::DecodeError::UnknownMode(2)
    );
    assert_eq!(
        by_id("inv-header-expire-mismatch"),
        zego_token::DecodeError::ExpireMismatch {
            header: 1_700_003_600 + 86_400,
            json: 1_700_003_600
        }
    );
    assert_eq!(
        by_id("inv-gcm-iv-length-16"),
        zego_token::DecodeError::BadIvLength {
            cipher: Cipher::Gcm,
            len: 16
        }
    );
    assert_eq!(
        by_id("inv-trailing-data"),
        zego_token::DecodeError::TrailingData { len: 2 }
    );
}

/// Spec §9.1: tokens from the vendor's own generators.
#[test]
fn the_vendor_generators_tokens() {
    let all = vectors();
    let vendor: Vec<&Value> = all
        .iter()
        .filter(|v| v["source"] == "vendor generator")
        .collect();
    assert_eq!(vendor.len(), 5);
    for v in &vendor {
        let id = text(v, "id");
        // All five decode to their inputs (checked field by field above); the cipher is
        // told from the structure.
        let decoded = decode(&secret(v), text(v, "token")).unwrap();
        assert_eq!(decoded.cipher, cipher(v), "{id}");
        assert_eq!(decoded.payload, text(v, "payload"), "{id}");

        let nonce = i32::try_from(int(v, "nonce")).unwrap();
        let ours = builder(v)
            .generate_with(&secret(v), int(v, "ctime"), nonce, &bytes(v, "iv_hex"))
            .unwrap();
        if v["json_key_order"] == "go" {
            // The four Go tokens, GCM and CBC: byte for byte.
            assert_eq!(ours.as_str(), text(v, "token"), "{id}");
        } else {
            // The Python generator orders the keys differently, so its plaintext, and so
            // its token, differ from the Go form...
            assert_eq!(id, "vendor-python-cbc-privilege");
            assert_ne!(ours.as_str(), text(v, "token"), "{id}");
            assert_eq!(decode(&secret(v), ours.as_str()).unwrap(), decoded);
            // ...but the container is the same: its own plaintext, encrypted with the
            // same key and IV and packed as spec §5.1 says, is its token.
            let key: [u8; 32] = text(v, "secret").as_bytes().try_into().unwrap();
            let iv: [u8; 16] = bytes(v, "iv_hex").try_into().unwrap();
            let ct = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
                .encrypt_padded_vec::<Pkcs7>(&bytes(v, "plaintext_hex"));
            let mut container = int(v, "expire").to_be_bytes().to_vec();
            container.extend_from_slice(&16u16.to_be_bytes());
            container.extend_from_slice(&iv);
            container.extend_from_slice(&u16::try_from(ct.len()).unwrap().to_be_bytes());
            container.extend_from_slice(&ct);
            assert_eq!(
                format!("04{}", STANDARD.encode(&container)),
                text(v, "token")
            );
        }
    }
}

/// Spec §6.1: the 15th character shows the cipher (a help for reading logs).
#[test]
fn the_cipher_shows_in_the_fifteenth_character() {
    for v in vectors()
        .iter()
        .filter(|v| is_valid(v) && v["ctime"] == 1_700_000_000)
    {
        let token = text(v, "token");
        let expected = if cipher(v) == Cipher::Gcm { 'D' } else { 'E' };
        if int(v, "expire") == 1_700_003_600 {
            assert!(
                token.starts_with(&format!("04AAAAAGVT/xAA{expected}")),
                "{}",
                v["id"]
            );
        }
        assert_eq!(token.chars().nth(14), Some(expected), "{}", v["id"]);
    }
}
