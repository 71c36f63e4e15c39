//! Making tokens.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zego_core::{AppId, ServerSecret};

use crate::cipher::{self, Cipher, Iv, MAX_PLAINTEXT_BYTES, MODE_GCM, SECRET_LEN};
use crate::json::{PlaintextFields, write_plaintext};
use crate::privileges::Privileges;

/// The validity of a token when none is given: 3600 s, as in the vendor's samples.
pub const DEFAULT_VALID_FOR: i64 = 3600;

/// The version prefix of every Token04.
pub const PREFIX: &str = "04";

/// What a token says, before the time and the random values are chosen: the app, the
/// user, how long it is valid, the payload and the cipher.
///
/// [`generate_with`](Self::generate_with) is a pure function of the builder, the secret,
/// the creation time, the JSON nonce and the IV; [`generate`](Self::generate) (feature
/// `std-rng`, on by default) reads the clock and the OS random source for those.
///
/// ```
/// use zego_token::{AppId, Cipher, ServerSecret, TokenBuilder};
///
/// let secret = ServerSecret::new("0123456789abcdef0123456789abcdef")?;
/// let token = TokenBuilder::new(AppId::new(1234567890), "user1")
///     .valid_for(3600)
///     .generate_with(&secret, 1700000000, 123456789, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])?;
/// // Spec vector `gcm-basic`, byte for byte.
/// assert_eq!(token.as_str(), "04AAAAAGVT/xAADAABAgMEBQYHCAkKCwB9VsfaDKlHu8iK5kCMQvvkMtEwOrcQngH4Ra7k3dwHlqbI2FNseJc7MvJR0jG/jvkLG9utwTiApfIYbxYrZGt2DMggXgABE2ubbVp+LcldLlZruaEVZlfU1rOEcumVd6p5zuB68eHA/3Ik0hUxuDWaf8OmT/nff2+lQTQT0GIB");
/// assert_eq!((token.cipher(), token.expire()), (Cipher::Gcm, 1700003600));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBuilder {
    app_id: AppId,
    user_id: String,
    valid_for: i64,
    payload: String,
    cipher: Cipher,
}

impl TokenBuilder {
    /// A basic token (empty payload) for `user_id` of `app_id`, valid for
    /// [`DEFAULT_VALID_FOR`] seconds, encrypted with AES-GCM.
    pub fn new(app_id: AppId, user_id: impl Into<String>) -> Self {
        TokenBuilder {
            app_id,
            user_id: user_id.into(),
            valid_for: DEFAULT_VALID_FOR,
            payload: String::new(),
            cipher: Cipher::Gcm,
        }
    }

    /// How long the token is valid, in seconds (the vendor's `effectiveTimeInSeconds`):
    /// `expire = ctime + seconds`. It must be at least 1. ZIM needs more than 30 s and
    /// at most 24 days; prefer renewing short-lived tokens over long-lived ones.
    #[must_use]
    pub fn valid_for(mut self, seconds: i64) -> Self {
        self.valid_for = seconds;
        self
    }

    /// The payload, passed through as given (`""` for a basic token).
    #[must_use]
    pub fn payload(mut self, payload: impl Into<String>) -> Self {
        self.payload = payload.into();
        self
    }

    /// A privilege payload, written as the vendor's Go sample writes it.
    #[must_use]
    pub fn privileges(self, privileges: &Privileges) -> Self {
        self.payload(privileges.to_payload())
    }

    /// The cipher: [`Cipher::Gcm`] (the default) or the older [`Cipher::Cbc`].
    #[must_use]
    pub fn cipher(mut self, cipher: Cipher) -> Self {
        self.cipher = cipher;
        self
    }

    /// The vendor generator's four checks, in its order: the app ID is not 0, the user ID
    /// is not empty, the secret is exactly 32 bytes, the validity is at least 1 s.
    pub fn validate(&self, secret: &ServerSecret) -> Result<(), GenerateError> {
        self.check(secret).map(|_| ())
    }

    fn check(&self, secret: &ServerSecret) -> Result<[u8; SECRET_LEN], GenerateError> {
        if self.app_id.get() == 0 {
            return Err(GenerateError::AppIdInvalid);
        }
        if self.user_id.is_empty() {
            return Err(GenerateError::UserIdInvalid);
        }
        let key = cipher::key_of(secret).map_err(|len| GenerateError::SecretInvalid { len })?;
        if self.valid_for <= 0 {
            return Err(GenerateError::EffectiveTimeInvalid {
                seconds: self.valid_for,
            });
        }
        Ok(key)
    }

    /// Makes the token from the given creation time (Unix seconds), JSON nonce and IV:
    /// the same inputs always give the same token.
    ///
    /// `iv` is the GCM nonce (12 bytes) or the CBC IV (16 bytes), for the builder's
    /// cipher. Outside tests it must come from a cryptographically secure random source,
    /// and a GCM nonce must never be used twice with one secret.
    ///
    /// Checks, in order: the vendor's four ([`validate`](Self::validate)), then that
    /// `ctime + validity` fits in an `i64`, that the IV has the cipher's length, and that
    /// the plaintext fits the container.
    pub fn generate_with(
        &self,
        secret: &ServerSecret,
        ctime: i64,
        nonce: i32,
        iv: &[u8],
    ) -> Result<Token, GenerateError> {
        let key = self.check(secret)?;
        let expire = self.expire_at(ctime)?;
        let iv = Iv::new(self.cipher, iv).ok_or(GenerateError::IvLength {
            cipher: self.cipher,
            expected: self.cipher.iv_len(),
            actual: iv.len(),
        })?;
        self.seal(&key, ctime, expire, nonce, &iv)
    }

    /// Makes the token now: the creation time is the wall clock, the JSON nonce is drawn
    /// uniformly from 0 … 2³¹−1 and the IV from the OS random source. The inputs are
    /// checked before the clock or the random source is read.
    ///
    /// ```
    /// use zego_token::{decode, AppId, ServerSecret, TokenBuilder};
    ///
    /// let secret = ServerSecret::new("0123456789abcdef0123456789abcdef")?;
    /// let token = TokenBuilder::new(AppId::new(1), "alice").generate(&secret)?;
    /// assert_eq!(decode(&secret, token.as_str())?.expire, token.expire());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[cfg(feature = "std-rng")]
    pub fn generate(&self, secret: &ServerSecret) -> Result<Token, GenerateError> {
        let key = self.check(secret)?;
        let ctime = zego_core::unix_seconds(std::time::SystemTime::now());
        let expire = self.expire_at(ctime)?;
        let mut buf = [0u8; 4 + cipher::CBC_IV_LEN];
        let random = &mut buf[..4 + self.cipher.iv_len()];
        getrandom::fill(random).map_err(|e| GenerateError::RandomUnavailable {
            reason: e.to_string(),
        })?;
        let (nonce, iv) = random.split_at(4);
        let nonce = (u32::from_be_bytes([nonce[0], nonce[1], nonce[2], nonce[3]]) >> 1) as i32;
        let iv = Iv::new(self.cipher, iv).ok_or(GenerateError::IvLength {
            cipher: self.cipher,
            expected: self.cipher.iv_len(),
            actual: iv.len(),
        })?;
        self.seal(&key, ctime, expire, nonce, &iv)
    }

    fn expire_at(&self, ctime: i64) -> Result<i64, GenerateError> {
        ctime
            .checked_add(self.valid_for)
            .ok_or(GenerateError::ExpireOverflow {
                ctime,
                valid_for: self.valid_for,
            })
    }

    fn seal(
        &self,
        key: &[u8; SECRET_LEN],
        ctime: i64,
        expire: i64,
        nonce: i32,
        iv: &Iv,
    ) -> Result<Token, GenerateError> {
        let plaintext = write_plaintext(&PlaintextFields {
            app_id: self.app_id.get(),
            user_id: &self.user_id,
            ctime,
            expire,
            nonce,
            payload: &self.payload,
        });
        let token = seal(key, iv, expire, plaintext.as_bytes())?;
        Ok(Token {
            token,
            cipher: self.cipher,
            ctime,
            expire,
        })
    }
}

/// Encrypts `plaintext` and packs the container into a token string.
pub(crate) fn seal(
    key: &[u8; SECRET_LEN],
    iv: &Iv,
    expire: i64,
    plaintext: &[u8],
) -> Result<String, GenerateError> {
    let too_long = GenerateError::TooLong {
        plaintext_bytes: plaintext.len(),
        limit: MAX_PLAINTEXT_BYTES,
    };
    if plaintext.len() > MAX_PLAINTEXT_BYTES {
        return Err(too_long);
    }
    let ciphertext = cipher::encrypt(key, iv, plaintext).ok_or(too_long.clone())?;
    let (Ok(iv_len), Ok(ct_len)) = (
        u16::try_from(iv.as_bytes().len()),
        u16::try_from(ciphertext.len()),
    ) else {
        return Err(too_long);
    };
    let mut container = Vec::with_capacity(8 + 2 + iv.as_bytes().len() + 2 + ciphertext.len() + 1);
    container.extend_from_slice(&expire.to_be_bytes());
    container.extend_from_slice(&iv_len.to_be_bytes());
    container.extend_from_slice(iv.as_bytes());
    container.extend_from_slice(&ct_len.to_be_bytes());
    container.extend_from_slice(&ciphertext);
    if let Iv::Gcm(_) = iv {
        container.push(MODE_GCM);
    }
    let mut token = String::with_capacity(PREFIX.len() + container.len().div_ceil(3) * 4);
    token.push_str(PREFIX);
    STANDARD.encode_string(&container, &mut token);
    Ok(token)
}

/// A token made by [`TokenBuilder`], with its cipher, creation time and expiry.
///
/// It is a bearer credential: hand it to its user only, over TLS. Its `Debug` output
/// leaves the token string out; read it with [`as_str`](Self::as_str).
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    token: String,
    cipher: Cipher,
    ctime: i64,
    expire: i64,
}

impl Token {
    /// The token string, to pass to the client SDK's `loginRoom`, ZIM `login` or
    /// `renewToken`.
    pub fn as_str(&self) -> &str {
        &self.token
    }

    /// The token string.
    pub fn into_string(self) -> String {
        self.token
    }

    /// The cipher it was encrypted with.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// Its creation time, in Unix seconds.
    pub fn ctime(&self) -> i64 {
        self.ctime
    }

    /// Its expiry time, in Unix seconds: valid while `now < expire`.
    pub fn expire(&self) -> i64 {
        self.expire
    }
}

impl AsRef<str> for Token {
    fn as_ref(&self) -> &str {
        &self.token
    }
}

impl From<Token> for String {
    fn from(token: Token) -> String {
        token.token
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("cipher", &self.cipher)
            .field("ctime", &self.ctime)
            .field("expire", &self.expire)
            .field("len", &self.token.len())
            .finish_non_exhaustive()
    }
}

/// Why a token could not be made. The first four are the vendor generator's checks, in
/// its order; the secret is never part of an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// `app_id` is 0 (the vendor's `appId Invalid`).
    #[error("app_id is 0; a ZEGO AppID is 1 to 4294967295")]
    AppIdInvalid,
    /// `user_id` is empty (the vendor's `userId Invalid`).
    #[error("user_id is empty; it must have at least 1 byte")]
    UserIdInvalid,
    /// The secret is not exactly 32 bytes (the vendor's `secret Invalid`).
    #[error(
        "the ServerSecret is {len} bytes; a token needs the console's 32-character secret, exactly 32 bytes"
    )]
    SecretInvalid {
        /// The secret's length in bytes.
        len: usize,
    },
    /// The validity is not positive (the vendor's `effectiveTimeInSeconds Invalid`).
    #[error("effective_time_in_seconds is {seconds}; it must be at least 1")]
    EffectiveTimeInvalid {
        /// The validity given, in seconds.
        seconds: i64,
    },
    /// `ctime + effective_time_in_seconds` does not fit in an `i64`.
    #[error(
        "expire overflows: ctime {ctime} + effective_time_in_seconds {valid_for} is over the 64-bit limit"
    )]
    ExpireOverflow {
        /// The creation time.
        ctime: i64,
        /// The validity.
        valid_for: i64,
    },
    /// The IV or GCM nonce given has the wrong length for the cipher.
    #[error("iv is {actual} bytes; {cipher} needs {expected}")]
    IvLength {
        /// The builder's cipher.
        cipher: Cipher,
        /// Its IV length: 12 for GCM, 16 for CBC.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// The plaintext JSON (the user ID, the payload and the other fields) is too long for
    /// the container's 16-bit length fields.
    #[error(
        "the plaintext (user_id, payload and the other fields as JSON) is {plaintext_bytes} bytes, over the limit of {limit} bytes"
    )]
    TooLong {
        /// The plaintext's length in bytes.
        plaintext_bytes: usize,
        /// [`MAX_PLAINTEXT_BYTES`](crate::MAX_PLAINTEXT_BYTES).
        limit: usize,
    },
    /// The OS random source failed (feature `std-rng`). A token needs a random IV; there
    /// is no fallback.
    #[error("the OS random source failed: {reason}")]
    RandomUnavailable {
        /// The error reported by the OS.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    /// Spec §9.1: the Python generator's own plaintext bytes, sealed by this crate's
    /// container writer with the same key and IV, give the Python generator's token; only
    /// the JSON serialization differs from the Go form.
    #[test]
    fn python_plaintext_sealed_here_is_the_python_token() {
        let vectors: Vec<Value> =
            serde_json::from_str(include_str!("../tests/token04-vectors.json")).unwrap();
        let v = vectors
            .iter()
            .find(|v| v["id"] == "vendor-python-cbc-privilege")
            .unwrap();
        let secret = ServerSecret::new(v["secret"].as_str().unwrap()).unwrap();
        let key = cipher::key_of(&secret).unwrap();
        let iv = hex::decode(v["iv_hex"].as_str().unwrap()).unwrap();
        let iv = Iv::new(Cipher::Cbc, &iv).unwrap();
        let plaintext = hex::decode(v["plaintext_hex"].as_str().unwrap()).unwrap();
        let token = seal(&key, &iv, v["expire"].as_i64().unwrap(), &plaintext).unwrap();
        assert_eq!(token, v["token"].as_str().unwrap());
    }

    #[test]
    fn iv_must_match_the_cipher() {
        assert!(Iv::new(Cipher::Gcm, &[0; 12]).is_some());
        assert!(Iv::new(Cipher::Gcm, &[0; 16]).is_none());
        assert!(Iv::new(Cipher::Cbc, &[0; 16]).is_some());
        assert!(Iv::new(Cipher::Cbc, &[0; 12]).is_none());
    }

    #[cfg(feature = "std-rng")]
    #[test]
    fn generate_draws_a_fresh_iv_and_a_non_negative_nonce() {
        let secret = ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap();
        for cipher in [Cipher::Gcm, Cipher::Cbc] {
            let builder = TokenBuilder::new(AppId::new(1), "u").cipher(cipher);
            let a = builder.generate(&secret).unwrap();
            let b = builder.generate(&secret).unwrap();
            assert_ne!(a.as_str(), b.as_str());
            let (a, b) = (
                crate::decode(&secret, a.as_str()).unwrap(),
                crate::decode(&secret, b.as_str()).unwrap(),
            );
            assert_eq!((a.cipher, a.iv.len()), (cipher, cipher.iv_len()));
            assert_ne!(a.iv, b.iv);
            assert!(a.nonce >= 0 && b.nonce >= 0);
            assert_eq!(a.expire - a.ctime, DEFAULT_VALID_FOR);
            let now = zego_core::unix_seconds(std::time::SystemTime::now());
            assert!(
                (now - a.ctime).abs() <= 60,
                "ctime {} is the clock's {now}",
                a.ctime
            );
        }
    }
}
