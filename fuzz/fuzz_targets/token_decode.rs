//! Token04 `decode`: any input gives a result, never a panic, and a token that decodes is
//! consistent: `inspect` reads the same cipher and expiry from it, the login and publish
//! checks run, and a token generated again from its fields decodes to the same fields.
//!
//! Input: a mode byte, then the rest. `(mode >> 2) % 3` picks the secret (the three
//! secrets of the spec's vectors); `mode % 4` says what the rest is:
//! - 0: the token string (inputs that are not UTF-8 are skipped);
//! - 1: a container, sent as `"04"` + standard base64 (the structural steps);
//! - 2: the header `expire` (8 bytes, big-endian) then a plaintext, encrypted here with
//!   AES-256-GCM under the secret (nonce 0…11) and packed as spec §5.2 says, so that the
//!   JSON and field steps see any plaintext;
//! - 3: the same with AES-256-CBC (IV 0…15) and spec §5.1's layout.
#![no_main]

use aes_gcm::aead::{Aead, KeyInit};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use libfuzzer_sys::fuzz_target;
use zego_token::{
    AppId, Cipher, DecodeError, GenerateError, ServerSecret, TokenBuilder, decode, inspect,
};

const SECRETS: [&str; 3] = [
    "0123456789abcdef0123456789abcdef",
    "fa94dd0f974cf2e293728a526b028271",
    "5c3e8a0b9f1d4e7a2b6c8d0e1f3a5b7c",
];

fn container(header_expire: i64, iv: &[u8], ct: &[u8], mode: Option<u8>) -> Vec<u8> {
    let mut out = header_expire.to_be_bytes().to_vec();
    out.extend_from_slice(&(iv.len() as u16).to_be_bytes());
    out.extend_from_slice(iv);
    out.extend_from_slice(&(ct.len() as u16).to_be_bytes());
    out.extend_from_slice(ct);
    out.extend(mode);
    out
}

fn sealed(secret: &str, cipher: Cipher, data: &[u8]) -> Option<String> {
    let (header, plaintext) = data.split_first_chunk::<8>()?;
    let key: [u8; 32] = secret.as_bytes().try_into().ok()?;
    let header = i64::from_be_bytes(*header);
    let bytes = match cipher {
        Cipher::Gcm => {
            let nonce: [u8; 12] = std::array::from_fn(|i| i as u8);
            let ct = aes_gcm::Aes256Gcm::new(&key.into())
                .encrypt(&nonce.into(), plaintext)
                .ok()?;
            u16::try_from(ct.len()).ok()?;
            container(header, &nonce, &ct, Some(1))
        }
        _ => {
            let iv: [u8; 16] = std::array::from_fn(|i| i as u8);
            let ct = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into())
                .encrypt_padded_vec::<Pkcs7>(plaintext);
            u16::try_from(ct.len()).ok()?;
            container(header, &iv, &ct, None)
        }
    };
    Some(format!("04{}", STANDARD.encode(bytes)))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let secret_text = SECRETS[usize::from(mode >> 2) % SECRETS.len()];
    let secret = ServerSecret::new(secret_text).unwrap();
    let token = match mode % 4 {
        0 => match std::str::from_utf8(rest) {
            Ok(token) => token.to_owned(),
            Err(_) => return,
        },
        1 => format!("04{}", STANDARD.encode(rest)),
        2 => match sealed(secret_text, Cipher::Gcm, rest) {
            Some(token) => token,
            None => return,
        },
        _ => match sealed(secret_text, Cipher::Cbc, rest) {
            Some(token) => token,
            None => return,
        },
    };

    let result = decode(&secret, &token);
    let info = inspect(&token);
    let decoded = match (result, info) {
        (Err(err), Err(structural)) => {
            // A structural failure is the same whichever function meets it.
            assert_eq!(err, structural);
            assert!(!err.to_string().contains(secret_text));
            return;
        }
        (Err(err), Ok(_)) => {
            assert!(matches!(
                err,
                DecodeError::AuthFailed
                    | DecodeError::BadPadding
                    | DecodeError::BadJson { .. }
                    | DecodeError::MissingField(_)
                    | DecodeError::BadField(_)
                    | DecodeError::ExpireMismatch { .. }
            ));
            assert!(!err.to_string().contains(secret_text));
            return;
        }
        (Ok(_), Err(structural)) => panic!("decoded, but inspect failed: {structural}"),
        (Ok(decoded), Ok(info)) => {
            assert_eq!((decoded.cipher, decoded.expire), (info.cipher, info.expire));
            decoded
        }
    };
    assert!(decoded.app_id.get() != 0 && !decoded.user_id.is_empty());
    assert_eq!(decoded.iv.len(), decoded.cipher.iv_len());
    assert!(decoded.is_expired(decoded.expire));
    let _ = decoded.privileges();
    let _ = decoded.check_login(decoded.app_id, &decoded.user_id, "room", decoded.ctime);
    let _ = decoded.check_publish("room", "stream", decoded.ctime);

    // Generated again from its fields, it decodes to the same fields.
    let (Ok(nonce), Some(valid_for)) = (
        i32::try_from(decoded.nonce),
        decoded.expire.checked_sub(decoded.ctime),
    ) else {
        return;
    };
    let again = TokenBuilder::new(AppId::new(decoded.app_id.get()), decoded.user_id.clone())
        .valid_for(valid_for)
        .payload(decoded.payload.clone())
        .cipher(decoded.cipher)
        .generate_with(&secret, decoded.ctime, nonce, &decoded.iv);
    match again {
        Ok(token) => assert_eq!(decode(&secret, token.as_str()).as_ref(), Ok(&decoded)),
        // Go's escaping can make the plaintext longer than the one that was read.
        Err(GenerateError::TooLong { .. }) => {}
        Err(GenerateError::EffectiveTimeInvalid { seconds }) => assert!(seconds <= 0),
        Err(other) => panic!("{other}"),
    }
});
