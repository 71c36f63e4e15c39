//! Altered tokens: with GCM every change is rejected by `decode`; with CBC, changes to the
//! ciphertext are detected, and changes to the IV, which rewrite the first 16 plaintext
//! bytes without the secret (spec §8), either fail to decode or change the AppID so that
//! the login check refuses the token.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zego_token::{AppId, CheckError, Cipher, DecodeError, ServerSecret, TokenBuilder, decode};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const APP: u32 = 1_234_567_890;

fn secret() -> ServerSecret {
    ServerSecret::new(SECRET).unwrap()
}

fn container(cipher: Cipher, iv: &[u8]) -> Vec<u8> {
    let token = TokenBuilder::new(AppId::new(APP), "user1")
        .cipher(cipher)
        .payload(r#"{"room_id":"room1","privilege":{"1":1,"2":1},"stream_id_list":null}"#)
        .generate_with(&secret(), 1_700_000_000, 42, iv)
        .unwrap();
    STANDARD.decode(&token.as_str()[2..]).unwrap()
}

fn token_of(container: &[u8]) -> String {
    format!("04{}", STANDARD.encode(container))
}

#[test]
fn gcm_rejects_every_single_byte_change() {
    let original = container(Cipher::Gcm, &[3; 12]);
    let len = original.len();
    let ct_end = len - 1;
    let mut checked = 0;
    for at in 0..len {
        for mask in [0x01u8, 0x02, 0x10, 0x80, 0xff] {
            let mut altered = original.clone();
            altered[at] ^= mask;
            let err = decode(&secret(), &token_of(&altered))
                .expect_err(&format!("byte {at} ^ {mask:#x} was accepted"));
            match at {
                // The clear header: caught by comparing with the encrypted expire.
                0..8 => assert!(
                    matches!(err, DecodeError::ExpireMismatch { .. }),
                    "{at}: {err}"
                ),
                // The nonce and the ciphertext and tag: the tag does not match.
                10..22 => assert_eq!(err, DecodeError::AuthFailed, "{at}"),
                24.. if at < ct_end => assert_eq!(err, DecodeError::AuthFailed, "{at}"),
                // The mode byte: 0 means CBC, whose IV is 16 bytes; others are unknown.
                _ if at == ct_end => {
                    if mask == 0x01 {
                        assert_eq!(
                            err,
                            DecodeError::BadIvLength {
                                cipher: Cipher::Cbc,
                                len: 12
                            }
                        );
                    } else {
                        assert_eq!(err, DecodeError::UnknownMode(1 ^ mask));
                    }
                }
                // The two length fields: the layout no longer adds up.
                _ => assert!(
                    matches!(
                        err,
                        DecodeError::Truncated { .. }
                            | DecodeError::TrailingData { .. }
                            | DecodeError::UnknownMode(_)
                            | DecodeError::BadIvLength { .. }
                            | DecodeError::BadCiphertextLength { .. }
                            | DecodeError::AuthFailed
                    ),
                    "{at}: {err}"
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, len * 5);
}

#[test]
fn gcm_rejects_every_truncation_and_extension() {
    let original = container(Cipher::Gcm, &[3; 12]);
    for cut in 0..original.len() {
        assert!(
            decode(&secret(), &token_of(&original[..cut])).is_err(),
            "cut at {cut}"
        );
    }
    let mut longer = original.clone();
    longer.push(1);
    assert_eq!(
        decode(&secret(), &token_of(&longer)),
        Err(DecodeError::TrailingData { len: 2 })
    );
}

#[test]
fn gcm_rejects_another_secret() {
    let original = container(Cipher::Gcm, &[3; 12]);
    let other = ServerSecret::new("fedcba9876543210fedcba9876543210").unwrap();
    assert_eq!(
        decode(&other, &token_of(&original)),
        Err(DecodeError::AuthFailed)
    );
}

#[test]
fn cbc_detects_every_ciphertext_change() {
    let original = container(Cipher::Cbc, &[5; 16]);
    let ct_start = 8 + 2 + 16 + 2;
    for at in ct_start..original.len() {
        for mask in [0x01u8, 0x80] {
            let mut altered = original.clone();
            altered[at] ^= mask;
            let err = decode(&secret(), &token_of(&altered))
                .expect_err(&format!("ciphertext byte {at} ^ {mask:#x} was accepted"));
            assert!(
                matches!(
                    err,
                    DecodeError::BadPadding
                        | DecodeError::BadJson { .. }
                        | DecodeError::MissingField(_)
                        | DecodeError::BadField(_)
                ),
                "{at}: {err}"
            );
        }
    }
    // The header is checked against the encrypted expire in CBC too.
    let mut altered = original.clone();
    altered[7] ^= 1;
    assert!(matches!(
        decode(&secret(), &token_of(&altered)),
        Err(DecodeError::ExpireMismatch { .. })
    ));
}

#[test]
fn cbc_iv_changes_fail_to_decode_or_change_the_app_id() {
    let original = container(Cipher::Cbc, &[5; 16]);
    let decoded = decode(&secret(), &token_of(&original)).unwrap();
    let mut undetected_by_decode = 0;
    for at in 10..26 {
        for mask in [0x01u8, 0x02, 0x04, 0x08] {
            let mut altered = original.clone();
            altered[at] ^= mask;
            match decode(&secret(), &token_of(&altered)) {
                Err(_) => {}
                Ok(forged) => {
                    // The plaintext starts `{"app_id":123456`: only the AppID's digits
                    // can change and still parse. The login check refuses the token.
                    undetected_by_decode += 1;
                    assert_ne!(forged.app_id, decoded.app_id, "{at}");
                    assert_eq!(forged.user_id, decoded.user_id);
                    assert_eq!(
                        forged.check_login(AppId::new(APP), "user1", "room1", 1_700_000_001),
                        Err(CheckError::AppIdMismatch {
                            expected: AppId::new(APP),
                            actual: forged.app_id
                        })
                    );
                }
            }
        }
    }
    // Spec §8: CBC has no integrity; this is the known, bounded way through.
    assert!(undetected_by_decode > 0);

    // A chosen forgery: change the sixth digit of the AppID from 6 to 7.
    let mut forged = original;
    forged[10 + 15] ^= b'6' ^ b'7';
    let forged = decode(&secret(), &token_of(&forged)).unwrap();
    assert_eq!(forged.app_id, AppId::new(1_234_577_890));
}
