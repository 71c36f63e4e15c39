//! Every generation error, the order of the vendor's four checks, and what errors and
//! `Debug` output never show.

use zego_token::{
    AppId, Cipher, DecodeError, GenerateError, MAX_PLAINTEXT_BYTES, Privileges, ServerSecret,
    TokenBuilder, decode,
};

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const CTIME: i64 = 1_700_000_000;
const GCM_IV: [u8; 12] = [7; 12];
const CBC_IV: [u8; 16] = [9; 16];

fn secret() -> ServerSecret {
    ServerSecret::new(SECRET).unwrap()
}

fn ok_builder() -> TokenBuilder {
    TokenBuilder::new(AppId::new(1), "u")
}

#[test]
fn app_id_zero() {
    let err = TokenBuilder::new(AppId::new(0), "u")
        .generate_with(&secret(), CTIME, 1, &GCM_IV)
        .unwrap_err();
    assert_eq!(err, GenerateError::AppIdInvalid);
    assert!(err.to_string().contains("app_id"), "{err}");
}

#[test]
fn empty_user_id() {
    let err = TokenBuilder::new(AppId::new(1), "")
        .generate_with(&secret(), CTIME, 1, &GCM_IV)
        .unwrap_err();
    assert_eq!(err, GenerateError::UserIdInvalid);
    assert!(err.to_string().contains("user_id"), "{err}");
}

#[test]
fn secret_not_32_bytes() {
    for candidate in [
        "0123456789abcdef0123456789abcde",
        "0123456789abcdef0123456789abcdef0",
        "fa94dd0f974cf2e293728a526b028271fa94dd0f974cf2e293728a526b028271",
        "Zq",
    ] {
        let short = ServerSecret::new(candidate).unwrap();
        let err = ok_builder()
            .generate_with(&short, CTIME, 1, &GCM_IV)
            .unwrap_err();
        assert_eq!(
            err,
            GenerateError::SecretInvalid {
                len: candidate.len()
            }
        );
        let message = err.to_string();
        assert!(
            message.contains("ServerSecret") && message.contains("32"),
            "{message}"
        );
        assert!(!message.contains(candidate), "{message}");
        assert!(!format!("{err:?}").contains(candidate));
        // Decoding checks the secret before anything else, too.
        assert_eq!(
            decode(&short, "not even a token"),
            Err(DecodeError::SecretInvalid {
                len: candidate.len()
            })
        );
    }
}

#[test]
fn validity_not_positive() {
    for seconds in [0, -1, i64::MIN] {
        let err = ok_builder()
            .valid_for(seconds)
            .generate_with(&secret(), CTIME, 1, &GCM_IV)
            .unwrap_err();
        assert_eq!(err, GenerateError::EffectiveTimeInvalid { seconds });
        assert!(
            err.to_string().contains("effective_time_in_seconds")
                && err.to_string().contains(&seconds.to_string()),
            "{err}"
        );
    }
    // One second is the smallest validity.
    let token = ok_builder()
        .valid_for(1)
        .generate_with(&secret(), CTIME, 1, &GCM_IV)
        .unwrap();
    assert_eq!(token.expire(), CTIME + 1);
}

#[test]
fn the_four_checks_come_in_the_vendors_order() {
    let bad_secret = ServerSecret::new("short").unwrap();
    let all_bad = TokenBuilder::new(AppId::new(0), "").valid_for(0);
    assert_eq!(
        all_bad.generate_with(&bad_secret, CTIME, 1, &[]),
        Err(GenerateError::AppIdInvalid)
    );
    let app_ok = TokenBuilder::new(AppId::new(1), "").valid_for(0);
    assert_eq!(
        app_ok.generate_with(&bad_secret, CTIME, 1, &[]),
        Err(GenerateError::UserIdInvalid)
    );
    let user_ok = TokenBuilder::new(AppId::new(1), "u").valid_for(0);
    assert_eq!(
        user_ok.generate_with(&bad_secret, CTIME, 1, &[]),
        Err(GenerateError::SecretInvalid { len: 5 })
    );
    assert_eq!(
        user_ok.generate_with(&secret(), CTIME, 1, &[]),
        Err(GenerateError::EffectiveTimeInvalid { seconds: 0 })
    );
    // `validate` makes the same four checks without time or randomness.
    assert_eq!(
        all_bad.validate(&bad_secret),
        Err(GenerateError::AppIdInvalid)
    );
    assert_eq!(ok_builder().validate(&secret()), Ok(()));
}

#[cfg(feature = "std-rng")]
#[test]
fn generate_checks_before_reading_the_clock_or_the_random_source() {
    assert_eq!(
        TokenBuilder::new(AppId::new(0), "u").generate(&secret()),
        Err(GenerateError::AppIdInvalid)
    );
    assert_eq!(
        ok_builder().valid_for(-5).generate(&secret()),
        Err(GenerateError::EffectiveTimeInvalid { seconds: -5 })
    );
    // Overflow is found with the clock's time.
    assert!(matches!(
        ok_builder().valid_for(i64::MAX).generate(&secret()),
        Err(GenerateError::ExpireOverflow {
            valid_for: i64::MAX,
            ..
        })
    ));
}

#[test]
fn expire_overflow() {
    let err = ok_builder()
        .valid_for(2)
        .generate_with(&secret(), i64::MAX - 1, 1, &GCM_IV)
        .unwrap_err();
    assert_eq!(
        err,
        GenerateError::ExpireOverflow {
            ctime: i64::MAX - 1,
            valid_for: 2
        }
    );
    assert!(err.to_string().contains("expire"), "{err}");
    // The largest expire that fits is fine, and so is a negative ctime.
    let token = ok_builder()
        .valid_for(1)
        .generate_with(&secret(), i64::MAX - 1, 1, &GCM_IV)
        .unwrap();
    assert_eq!(token.expire(), i64::MAX);
    assert_eq!(decode(&secret(), token.as_str()).unwrap().expire, i64::MAX);
    let token = ok_builder()
        .generate_with(&secret(), -10_000, 1, &GCM_IV)
        .unwrap();
    assert_eq!(decode(&secret(), token.as_str()).unwrap().ctime, -10_000);
}

#[test]
fn iv_of_the_wrong_length() {
    for (cipher, iv) in [
        (Cipher::Gcm, &CBC_IV[..]),
        (Cipher::Gcm, &[][..]),
        (Cipher::Cbc, &GCM_IV[..]),
        (Cipher::Cbc, &[0; 17][..]),
    ] {
        let err = ok_builder()
            .cipher(cipher)
            .generate_with(&secret(), CTIME, 1, iv)
            .unwrap_err();
        assert_eq!(
            err,
            GenerateError::IvLength {
                cipher,
                expected: cipher.iv_len(),
                actual: iv.len()
            }
        );
        assert!(err.to_string().starts_with("iv is"), "{err}");
    }
    assert!(
        ok_builder()
            .cipher(Cipher::Cbc)
            .generate_with(&secret(), CTIME, 1, &CBC_IV)
            .is_ok()
    );
}

/// The plaintext's fixed part for app 1, user "u", this ctime and expire, and nonce 1.
fn fixed_len() -> usize {
    r#"{"app_id":1,"user_id":"u","ctime":1700000000,"expire":1700003600,"nonce":1,"payload":""}"#
        .len()
}

#[test]
fn too_long_at_exactly_one_byte_over_the_limit() {
    for (cipher, iv) in [(Cipher::Gcm, &GCM_IV[..]), (Cipher::Cbc, &CBC_IV[..])] {
        let fits = "p".repeat(MAX_PLAINTEXT_BYTES - fixed_len());
        let token = ok_builder()
            .cipher(cipher)
            .payload(fits.clone())
            .generate_with(&secret(), CTIME, 1, iv)
            .unwrap_or_else(|e| panic!("{cipher}: {e}"));
        let decoded = decode(&secret(), token.as_str()).unwrap();
        assert_eq!(decoded.payload, fits);

        let err = ok_builder()
            .cipher(cipher)
            .payload(fits + "p")
            .generate_with(&secret(), CTIME, 1, iv)
            .unwrap_err();
        assert_eq!(
            err,
            GenerateError::TooLong {
                plaintext_bytes: MAX_PLAINTEXT_BYTES + 1,
                limit: MAX_PLAINTEXT_BYTES
            }
        );
        assert!(err.to_string().contains("65519"), "{err}");
    }
}

#[test]
fn no_other_limits_by_default() {
    // Long and odd user IDs and payloads that are not JSON are the caller's business.
    let user = "用户".repeat(200);
    let token = TokenBuilder::new(AppId::new(u32::MAX), user.clone())
        .payload("not json at all \u{0}")
        .generate_with(&secret(), CTIME, i32::MIN, &GCM_IV)
        .unwrap();
    let decoded = decode(&secret(), token.as_str()).unwrap();
    assert_eq!(decoded.user_id, user);
    assert_eq!(decoded.nonce, i64::from(i32::MIN));
    assert_eq!(decoded.payload, "not json at all \u{0}");
    assert!(decoded.privileges().is_err());
}

#[test]
fn secrets_and_tokens_stay_out_of_debug_output() {
    let token = ok_builder()
        .privileges(&Privileges::room("r").login(true))
        .generate_with(&secret(), CTIME, 1, &GCM_IV)
        .unwrap();
    let debug = format!("{token:?}");
    assert!(
        !debug.contains(token.as_str()) && !debug.contains("04AAAA"),
        "{debug}"
    );
    assert!(
        debug.contains("Gcm") && debug.contains("1700003600"),
        "{debug}"
    );
    assert!(!format!("{:?}", secret()).contains(SECRET));
    let err = decode(&secret(), &token.as_str().replace('A', "B")).unwrap_err();
    assert!(!err.to_string().contains(SECRET));
}
