//! Reading tokens: the container, the decryption, the JSON, and the login checks.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use zego_core::{AppId, ServerSecret};

use crate::cipher::{
    self, CBC_BLOCK_LEN, Cipher, DecryptFailure, GCM_TAG_LEN, Iv, MODE_CBC, MODE_GCM,
};
use crate::generate::PREFIX;
use crate::json::parse_members;
use crate::privileges::{PayloadError, Privileges};

/// The fields of a token that decoded and, for GCM, authenticated with the secret.
///
/// Decoding proves nothing about whether the token is acceptable for a login: check that
/// with [`check_login`](Self::check_login) (app, user, expiry, privileges).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodedToken {
    /// The cipher, told from the container's structure.
    pub cipher: Cipher,
    /// The AppID in the encrypted JSON.
    pub app_id: AppId,
    /// The user ID in the encrypted JSON.
    pub user_id: String,
    /// The creation time, Unix seconds.
    pub ctime: i64,
    /// The expiry time, Unix seconds, from the encrypted JSON (equal to the clear header).
    pub expire: i64,
    /// The JSON nonce. Generators write 32-bit values; any `i64` is accepted.
    pub nonce: i64,
    /// The payload string: `""` for a basic token (also when the JSON has `null` or no
    /// payload), a privilege document for a privilege token.
    pub payload: String,
    /// The IV (CBC, 16 bytes) or GCM nonce (12 bytes).
    pub iv: Vec<u8>,
}

impl DecodedToken {
    /// Whether the token has expired at `now` (Unix seconds): it is valid while
    /// `now < expire`.
    pub fn is_expired(&self, now: i64) -> bool {
        now >= self.expire
    }

    /// The privilege document: `Ok(None)` for a basic token (empty payload), `Ok(Some)`
    /// for a privilege token, and an error for a payload that is not a privilege
    /// document.
    pub fn privileges(&self) -> Result<Option<Privileges>, PayloadError> {
        if self.payload.is_empty() {
            Ok(None)
        } else {
            Privileges::parse(&self.payload).map(Some)
        }
    }

    /// Whether this token lets `user_id` of `app_id` log in to `room_id` at `now` (Unix
    /// seconds), as ZEGO's server decides: the app and the user are the token's, it has
    /// not expired, and a privilege payload names that room and allows login.
    ///
    /// ```
    /// use zego_token::{decode, AppId, CheckError, Privileges, ServerSecret, TokenBuilder};
    ///
    /// let secret = ServerSecret::new("0123456789abcdef0123456789abcdef")?;
    /// let token = TokenBuilder::new(AppId::new(7), "alice")
    ///     .privileges(&Privileges::room("room-1").login(true))
    ///     .generate_with(&secret, 1_700_000_000, 1, &[0; 12])?;
    /// let decoded = decode(&secret, token.as_str())?;
    /// let now = 1_700_000_100;
    /// assert_eq!(decoded.check_login(AppId::new(7), "alice", "room-1", now), Ok(()));
    /// assert_eq!(decoded.check_login(AppId::new(7), "alice", "room-2", now), Err(CheckError::RoomMismatch));
    /// assert_eq!(decoded.check_login(AppId::new(7), "bob", "room-1", now), Err(CheckError::UserIdMismatch));
    /// assert!(matches!(decoded.check_login(AppId::new(7), "alice", "room-1", token.expire()),
    ///                  Err(CheckError::Expired { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_login(
        &self,
        app_id: AppId,
        user_id: &str,
        room_id: &str,
        now: i64,
    ) -> Result<(), CheckError> {
        if self.app_id != app_id {
            return Err(CheckError::AppIdMismatch {
                expected: app_id,
                actual: self.app_id,
            });
        }
        if self.user_id != user_id {
            return Err(CheckError::UserIdMismatch);
        }
        self.check_expiry(now)?;
        if let Some(privileges) = self.privileges()? {
            if privileges.room_id() != room_id {
                return Err(CheckError::RoomMismatch);
            }
            if !privileges.may_login() {
                return Err(CheckError::LoginNotAllowed);
            }
        }
        Ok(())
    }

    /// Whether this token lets its user publish `stream_id` in `room_id` at `now`: it
    /// has not expired, and a privilege payload names that room, allows publishing, and
    /// has no stream list, an empty one, or one that contains `stream_id`.
    pub fn check_publish(
        &self,
        room_id: &str,
        stream_id: &str,
        now: i64,
    ) -> Result<(), CheckError> {
        self.check_expiry(now)?;
        if let Some(privileges) = self.privileges()? {
            if privileges.room_id() != room_id {
                return Err(CheckError::RoomMismatch);
            }
            if !privileges.may_publish() {
                return Err(CheckError::PublishNotAllowed);
            }
            if !privileges.may_publish_stream(stream_id) {
                return Err(CheckError::StreamNotAllowed);
            }
        }
        Ok(())
    }

    fn check_expiry(&self, now: i64) -> Result<(), CheckError> {
        if self.is_expired(now) {
            return Err(CheckError::Expired {
                expire: self.expire,
                now,
            });
        }
        Ok(())
    }
}

/// Why a decoded token is not acceptable for a login or a publish. These are separate
/// from [`DecodeError`]: the token itself is well formed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The token is for another app (Express 1002076).
    #[error("the token is for AppID {actual}, not {expected}")]
    AppIdMismatch {
        /// The app the check was for.
        expected: AppId,
        /// The app in the token.
        actual: AppId,
    },
    /// The token is for another user (Express 1002077).
    #[error("the token is for another user ID")]
    UserIdMismatch,
    /// The token has expired: `now >= expire` (Express 1002078).
    #[error("the token expired at {expire} (now {now})")]
    Expired {
        /// The token's expiry, Unix seconds.
        expire: i64,
        /// The time of the check, Unix seconds.
        now: i64,
    },
    /// The payload is not a privilege document (Express 1002075, token format error).
    #[error(transparent)]
    PayloadInvalid(#[from] PayloadError),
    /// The privilege payload is for another room.
    #[error("the token's privileges are for another room")]
    RoomMismatch,
    /// The privilege payload does not allow login (privilege "1" is 0).
    #[error("the token's privileges do not allow login")]
    LoginNotAllowed,
    /// The privilege payload does not allow publishing (privilege "2" is 0).
    #[error("the token's privileges do not allow publishing")]
    PublishNotAllowed,
    /// The privilege payload's stream list does not contain the stream.
    #[error("the token's privileges do not allow publishing this stream ID")]
    StreamNotAllowed,
}

/// What anyone can read from a token without the secret, as the client SDKs read the
/// expiry to call back before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The cipher, told from the container's structure.
    pub cipher: Cipher,
    /// The expiry in the clear header. It is not authenticated: trust only the decrypted
    /// value ([`DecodedToken::expire`]).
    pub expire: i64,
    /// The length of the binary container, in bytes.
    pub container_len: usize,
}

/// Why a token did not decode. Each variant is one step of the decoder (spec §6), named
/// as in the specification ([`name`](Self::name)); the token, the secret and the
/// plaintext are never part of an error.
///
/// A server that decodes tokens from untrusted callers should tell them only "invalid
/// token", whatever the variant: with CBC, telling a padding failure apart is a padding
/// oracle. The variants are for logs and tests.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The secret is not exactly 32 bytes; nothing was decoded.
    #[error("the ServerSecret is {len} bytes; decoding needs the 32-character secret")]
    SecretInvalid {
        /// The secret's length in bytes.
        len: usize,
    },
    /// Step 1: the token does not start with `04`.
    #[error("not a Token04: the token does not start with \"04\"")]
    BadPrefix,
    /// Step 2: the rest is not standard, canonically padded base64.
    #[error("token base64: not standard base64 with '=' padding")]
    BadBase64,
    /// Steps 3–5: the container ends inside the expiry, a length or a field.
    #[error("token container: it ends inside the {field}")]
    Truncated {
        /// The field that is cut short: `expire`, `iv length`, `iv`, `ciphertext length`
        /// or `ciphertext`.
        field: &'static str,
    },
    /// Step 6: two or more bytes follow the ciphertext.
    #[error("token container: {len} bytes follow the ciphertext; at most the 1-byte mode")]
    TrailingData {
        /// How many bytes follow.
        len: usize,
    },
    /// Step 6: the mode byte after the ciphertext is neither 1 (GCM) nor 0 (CBC).
    #[error("token container: unknown cipher mode byte {0}")]
    UnknownMode(u8),
    /// Step 7: the IV field's length is not the cipher's (12 for GCM, 16 for CBC).
    #[error("token container: the {cipher} IV field is {len} bytes, not {}", .cipher.iv_len())]
    BadIvLength {
        /// The cipher told from the structure.
        cipher: Cipher,
        /// The IV field's length.
        len: usize,
    },
    /// Step 7: the ciphertext field is shorter than a GCM tag, or not a non-zero multiple
    /// of 16 bytes for CBC.
    #[error("token container: a {cipher} ciphertext field cannot be {len} bytes")]
    BadCiphertextLength {
        /// The cipher told from the structure.
        cipher: Cipher,
        /// The ciphertext field's length.
        len: usize,
    },
    /// Step 7, GCM: the tag does not match: another secret, or a changed token.
    #[error("token decryption: AES-GCM authentication failed (wrong secret or altered token)")]
    AuthFailed,
    /// Step 7, CBC: the PKCS#7 padding is not valid: another secret, or a changed token.
    #[error("token decryption: bad AES-CBC padding (wrong secret or altered token)")]
    BadPadding,
    /// Step 8: the plaintext is not UTF-8 JSON whose top level is an object, or it has a
    /// duplicate key.
    #[error("token JSON: {reason}")]
    BadJson {
        /// What is wrong, without any of the plaintext.
        reason: &'static str,
    },
    /// Step 9: a required field is missing.
    #[error("token JSON: no {0}")]
    MissingField(&'static str),
    /// Step 9: a field has the wrong type or is out of range.
    #[error("token JSON: {0} has the wrong type or is out of range")]
    BadField(&'static str),
    /// Step 10: the clear header's expiry differs from the encrypted JSON's.
    #[error("token: the header expire {header} differs from the encrypted expire {json}")]
    ExpireMismatch {
        /// The header's value.
        header: i64,
        /// The JSON's value.
        json: i64,
    },
}

impl DecodeError {
    /// The error's name in the Token04 specification (`BadPrefix`, `AuthFailed`, …), as
    /// the test vectors' `expect_error` spell it.
    pub fn name(&self) -> &'static str {
        match self {
            DecodeError::SecretInvalid { .. } => "SecretInvalid",
            DecodeError::BadPrefix => "BadPrefix",
            DecodeError::BadBase64 => "BadBase64",
            DecodeError::Truncated { .. } => "Truncated",
            DecodeError::TrailingData { .. } => "TrailingData",
            DecodeError::UnknownMode(_) => "UnknownMode",
            DecodeError::BadIvLength { .. } => "BadIvLength",
            DecodeError::BadCiphertextLength { .. } => "BadCiphertextLength",
            DecodeError::AuthFailed => "AuthFailed",
            DecodeError::BadPadding => "BadPadding",
            DecodeError::BadJson { .. } => "BadJson",
            DecodeError::MissingField(_) => "MissingField",
            DecodeError::BadField(_) => "BadField",
            DecodeError::ExpireMismatch { .. } => "ExpireMismatch",
        }
    }
}

/// The parsed container, before decryption.
struct Container {
    cipher: Cipher,
    expire: i64,
    iv: Iv,
    ciphertext: Vec<u8>,
    len: usize,
}

/// Steps 1–7 up to decryption: prefix, base64, layout, cipher, IV and ciphertext lengths.
fn open(token: &str) -> Result<Container, DecodeError> {
    let body = token.strip_prefix(PREFIX).ok_or(DecodeError::BadPrefix)?;
    let bytes = STANDARD.decode(body).map_err(|_| DecodeError::BadBase64)?;
    let len = bytes.len();
    let (expire, rest) = bytes
        .split_first_chunk::<8>()
        .ok_or(DecodeError::Truncated { field: "expire" })?;
    let expire = i64::from_be_bytes(*expire);
    let (iv, rest) = length_prefixed(rest, "iv length", "iv")?;
    let (ciphertext, rest) = length_prefixed(rest, "ciphertext length", "ciphertext")?;
    let cipher = match rest {
        [] | [MODE_CBC] => Cipher::Cbc,
        [MODE_GCM] => Cipher::Gcm,
        [mode] => return Err(DecodeError::UnknownMode(*mode)),
        _ => return Err(DecodeError::TrailingData { len: rest.len() }),
    };
    let iv = Iv::new(cipher, iv).ok_or(DecodeError::BadIvLength {
        cipher,
        len: iv.len(),
    })?;
    let ct_ok = match cipher {
        Cipher::Gcm => ciphertext.len() >= GCM_TAG_LEN,
        Cipher::Cbc => !ciphertext.is_empty() && ciphertext.len().is_multiple_of(CBC_BLOCK_LEN),
    };
    if !ct_ok {
        return Err(DecodeError::BadCiphertextLength {
            cipher,
            len: ciphertext.len(),
        });
    }
    Ok(Container {
        cipher,
        expire,
        iv,
        ciphertext: ciphertext.to_vec(),
        len,
    })
}

/// A `u16` big-endian length, then that many bytes.
fn length_prefixed<'a>(
    bytes: &'a [u8],
    length_field: &'static str,
    field: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DecodeError> {
    let (len, rest) = bytes
        .split_first_chunk::<2>()
        .ok_or(DecodeError::Truncated {
            field: length_field,
        })?;
    let len = usize::from(u16::from_be_bytes(*len));
    if rest.len() < len {
        return Err(DecodeError::Truncated { field });
    }
    Ok(rest.split_at(len))
}

/// Reads what a token shows without the secret: its cipher and its clear expiry. Only
/// the structure is checked (decoder steps 1–7 before decryption); nothing is
/// authenticated.
///
/// ```
/// use zego_token::{inspect, Cipher};
/// let info = inspect("04AAAAAGVT/xAADAABAgMEBQYHCAkKCwB9VsfaDKlHu8iK5kCMQvvkMtEwOrcQngH4Ra7k3dwHlqbI2FNseJc7MvJR0jG/jvkLG9utwTiApfIYbxYrZGt2DMggXgABE2ubbVp+LcldLlZruaEVZlfU1rOEcumVd6p5zuB68eHA/3Ik0hUxuDWaf8OmT/nff2+lQTQT0GIB")?;
/// assert_eq!((info.cipher, info.expire, info.container_len), (Cipher::Gcm, 1700003600, 150));
/// # Ok::<(), zego_token::DecodeError>(())
/// ```
pub fn inspect(token: &str) -> Result<TokenInfo, DecodeError> {
    let container = open(token)?;
    Ok(TokenInfo {
        cipher: container.cipher,
        expire: container.expire,
        container_len: container.len,
    })
}

/// Decodes a token with the app's secret: the prefix, the base64, the container, the
/// cipher (told from the structure, never by trying both), the decryption, the JSON, and
/// that the clear expiry equals the encrypted one. Any input gives a result; none panics.
///
/// Expiry, app, user and privileges are not checked here: see
/// [`DecodedToken::check_login`] and [`DecodedToken::is_expired`].
///
/// ```
/// use zego_token::{decode, Cipher, DecodeError, ServerSecret};
///
/// let secret = ServerSecret::new("fa94dd0f974cf2e293728a526b028271")?;
/// // A CBC token from the vendor's older Go generator.
/// let token = "04AAAAAGVT/xAAEGFiY2RlZmdoaWowMTIzNDUAcITfevU0QcUoMPEgO/9MdI/Rc/K8gNp85I0vY0ECMwcoGgnm2WZZwxWyAVD9+35u0C0LKwDBwu3AOOjN8HsocKAwniGGzcFLJIy/nqCrFsxmRx8XegnHniHwpvGNvdbVmBUeqAOd03THnm967UxScfM=";
/// let decoded = decode(&secret, token)?;
/// assert_eq!((decoded.cipher, decoded.app_id.get(), decoded.user_id.as_str()), (Cipher::Cbc, 1234567890, "user1"));
/// assert_eq!((decoded.ctime, decoded.expire, decoded.nonce), (1700000000, 1700003600, 987654321));
///
/// assert_eq!(decode(&secret, "03AAAA"), Err(DecodeError::BadPrefix));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decode(secret: &ServerSecret, token: &str) -> Result<DecodedToken, DecodeError> {
    let key = cipher::key_of(secret).map_err(|len| DecodeError::SecretInvalid { len })?;
    let container = open(token)?;
    let plaintext =
        cipher::decrypt(&key, &container.iv, &container.ciphertext).map_err(|e| match e {
            DecryptFailure::Auth => DecodeError::AuthFailed,
            DecryptFailure::Padding => DecodeError::BadPadding,
        })?;
    let members = parse_members(&plaintext).map_err(|reason| DecodeError::BadJson { reason })?;

    let app_id = match members.get("app_id") {
        None => return Err(DecodeError::MissingField("app_id")),
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n != 0)
            .ok_or(DecodeError::BadField("app_id"))?,
    };
    let user_id = match members.get("user_id") {
        None => return Err(DecodeError::MissingField("user_id")),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(_) => return Err(DecodeError::BadField("user_id")),
    };
    let integer = |name: &'static str| match members.get(name) {
        None => Err(DecodeError::MissingField(name)),
        Some(v) => v.as_i64().ok_or(DecodeError::BadField(name)),
    };
    let ctime = integer("ctime")?;
    let expire = integer("expire")?;
    let nonce = integer("nonce")?;
    let payload = match members.get("payload") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(DecodeError::BadField("payload")),
    };
    if expire != container.expire {
        return Err(DecodeError::ExpireMismatch {
            header: container.expire,
            json: expire,
        });
    }
    Ok(DecodedToken {
        cipher: container.cipher,
        app_id: AppId::new(app_id),
        user_id,
        ctime,
        expire,
        nonce,
        payload,
        iv: container.iv.as_bytes().to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token_of(container: &[u8]) -> String {
        format!("04{}", STANDARD.encode(container))
    }

    #[test]
    fn structure_errors() {
        assert_eq!(inspect("").err(), Some(DecodeError::BadPrefix));
        assert_eq!(inspect("0").err(), Some(DecodeError::BadPrefix));
        assert_eq!(
            inspect("04").err(),
            Some(DecodeError::Truncated { field: "expire" })
        );
        assert_eq!(inspect("04 AAA").err(), Some(DecodeError::BadBase64));
        assert_eq!(inspect("04AA=A").err(), Some(DecodeError::BadBase64));
        // Non-canonical trailing bits: "AB==" has bits set after the one byte.
        assert_eq!(inspect("04AB==").err(), Some(DecodeError::BadBase64));
        assert_eq!(inspect("04é").err(), Some(DecodeError::BadBase64));

        let mut c = vec![0u8; 8];
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::Truncated { field: "iv length" })
        );
        c.extend_from_slice(&[0, 12]);
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::Truncated { field: "iv" })
        );
        c.extend_from_slice(&[0; 12]);
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::Truncated {
                field: "ciphertext length"
            })
        );
        c.extend_from_slice(&[0, 15]);
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::Truncated {
                field: "ciphertext"
            })
        );
        c.extend_from_slice(&[0; 15]);
        // No mode byte: CBC, whose IV must be 16 bytes.
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::BadIvLength {
                cipher: Cipher::Cbc,
                len: 12
            })
        );
        c.push(MODE_GCM);
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::BadCiphertextLength {
                cipher: Cipher::Gcm,
                len: 15
            })
        );
        c.push(0);
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::TrailingData { len: 2 })
        );
    }

    #[test]
    fn cbc_ciphertext_must_be_whole_blocks() {
        let mut c = vec![0u8; 8];
        c.extend_from_slice(&[0, 16]);
        c.extend_from_slice(&[0; 16]);
        c.extend_from_slice(&[0, 0]);
        assert_eq!(
            inspect(&token_of(&c)).err(),
            Some(DecodeError::BadCiphertextLength {
                cipher: Cipher::Cbc,
                len: 0
            })
        );
        let mut c17 = c.clone();
        c17.truncate(c17.len() - 2);
        c17.extend_from_slice(&[0, 17]);
        c17.extend_from_slice(&[0; 17]);
        assert_eq!(
            inspect(&token_of(&c17)).err(),
            Some(DecodeError::BadCiphertextLength {
                cipher: Cipher::Cbc,
                len: 17
            })
        );
        let mut c16 = c;
        c16.truncate(c16.len() - 2);
        c16.extend_from_slice(&[0, 16]);
        c16.extend_from_slice(&[0; 16]);
        let info = inspect(&token_of(&c16)).unwrap();
        assert_eq!((info.cipher, info.expire), (Cipher::Cbc, 0));
        // The reserved mode byte 0 is CBC too.
        c16.push(MODE_CBC);
        assert_eq!(inspect(&token_of(&c16)).unwrap().cipher, Cipher::Cbc);
    }

    #[test]
    fn every_name_is_distinct() {
        let errors = [
            DecodeError::SecretInvalid { len: 1 },
            DecodeError::BadPrefix,
            DecodeError::BadBase64,
            DecodeError::Truncated { field: "iv" },
            DecodeError::TrailingData { len: 2 },
            DecodeError::UnknownMode(2),
            DecodeError::BadIvLength {
                cipher: Cipher::Gcm,
                len: 16,
            },
            DecodeError::BadCiphertextLength {
                cipher: Cipher::Gcm,
                len: 1,
            },
            DecodeError::AuthFailed,
            DecodeError::BadPadding,
            DecodeError::BadJson { reason: "x" },
            DecodeError::MissingField("user_id"),
            DecodeError::BadField("user_id"),
            DecodeError::ExpireMismatch { header: 1, json: 2 },
        ];
        let mut names: Vec<&str> = errors.iter().map(DecodeError::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), errors.len());
        for e in &errors {
            assert!(e.to_string().starts_with(|c: char| c.is_lowercase()), "{e}");
        }
    }
}
