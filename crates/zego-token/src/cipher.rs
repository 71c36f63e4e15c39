//! The two ciphers and the container they are packed in.

use std::fmt;
use std::str::FromStr;

use aes::Aes256;
use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use zego_core::ServerSecret;

/// The cipher of a token.
///
/// AES-256-GCM is the default and the vendor's recommended mode. AES-256-CBC is the older
/// format that the vendor's generators emitted until late 2023; it has no integrity
/// protection (see `docs/tokens.md`), so use it only for app servers and clients that
/// expect it.
///
/// ```
/// use zego_token::Cipher;
/// assert_eq!(Cipher::default(), Cipher::Gcm);
/// assert_eq!("cbc".parse::<Cipher>()?, Cipher::Cbc);
/// assert_eq!(Cipher::Gcm.to_string(), "gcm");
/// assert_eq!(Cipher::Gcm.iv_len(), 12);
/// # Ok::<(), zego_token::ParseCipherError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Cipher {
    /// AES-256-GCM: a 12-byte nonce, a 16-byte tag, and a trailing mode byte `0x01`.
    #[default]
    Gcm,
    /// AES-256-CBC with PKCS#7 padding and a 16-byte IV; no trailing mode byte.
    Cbc,
}

impl Cipher {
    /// The length of the IV (CBC) or nonce (GCM), in bytes: 12 for GCM, 16 for CBC.
    pub const fn iv_len(self) -> usize {
        match self {
            Cipher::Gcm => GCM_NONCE_LEN,
            Cipher::Cbc => CBC_IV_LEN,
        }
    }

    /// `"gcm"` or `"cbc"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Cipher::Gcm => "gcm",
            Cipher::Cbc => "cbc",
        }
    }
}

impl fmt::Display for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A cipher name other than `gcm` or `cbc`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown cipher: expected gcm or cbc")]
#[non_exhaustive]
pub struct ParseCipherError;

impl FromStr for Cipher {
    type Err = ParseCipherError;

    /// `gcm` or `cbc`, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("gcm") {
            Ok(Cipher::Gcm)
        } else if s.eq_ignore_ascii_case("cbc") {
            Ok(Cipher::Cbc)
        } else {
            Err(ParseCipherError)
        }
    }
}

pub(crate) const GCM_NONCE_LEN: usize = 12;
pub(crate) const CBC_IV_LEN: usize = 16;
pub(crate) const GCM_TAG_LEN: usize = 16;
pub(crate) const CBC_BLOCK_LEN: usize = 16;
/// The trailing byte of a GCM container.
pub(crate) const MODE_GCM: u8 = 1;
/// The reserved trailing byte for CBC; no generator writes it, decoders accept it.
pub(crate) const MODE_CBC: u8 = 0;
/// The length of the secret, and of the AES-256 key made of its bytes.
pub const SECRET_LEN: usize = 32;
/// The longest plaintext whose ciphertext fits the container's 16-bit length field, in
/// either cipher: 65 535 − 16 bytes.
pub const MAX_PLAINTEXT_BYTES: usize = 65_519;

/// The AES-256 key: the secret's 32 characters used as bytes, not hex-decoded. `Err`
/// carries the secret's length in bytes.
pub(crate) fn key_of(secret: &ServerSecret) -> Result<[u8; SECRET_LEN], usize> {
    let bytes = secret.expose().as_bytes();
    bytes.try_into().map_err(|_| bytes.len())
}

/// An IV or nonce whose length is the cipher's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Iv {
    /// A GCM nonce.
    Gcm([u8; GCM_NONCE_LEN]),
    /// A CBC IV.
    Cbc([u8; CBC_IV_LEN]),
}

impl Iv {
    /// `None` when `bytes` is not `cipher.iv_len()` bytes long.
    pub(crate) fn new(cipher: Cipher, bytes: &[u8]) -> Option<Iv> {
        match cipher {
            Cipher::Gcm => bytes.try_into().ok().map(Iv::Gcm),
            Cipher::Cbc => bytes.try_into().ok().map(Iv::Cbc),
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match self {
            Iv::Gcm(b) => b,
            Iv::Cbc(b) => b,
        }
    }
}

/// Encrypts `plaintext`: GCM gives the ciphertext then the 16-byte tag, CBC the padded
/// ciphertext. `None` only when AES-GCM refuses the length (over 64 GiB).
pub(crate) fn encrypt(key: &[u8; SECRET_LEN], iv: &Iv, plaintext: &[u8]) -> Option<Vec<u8>> {
    match iv {
        Iv::Gcm(nonce) => Aes256Gcm::new(key.into())
            .encrypt(&Nonce::from(*nonce), plaintext)
            .ok(),
        Iv::Cbc(iv) => Some(
            cbc::Encryptor::<Aes256>::new(key.into(), iv.into())
                .encrypt_padded_vec::<Pkcs7>(plaintext),
        ),
    }
}

/// Why a ciphertext did not decrypt.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecryptFailure {
    /// GCM: the tag does not match.
    Auth,
    /// CBC: the PKCS#7 padding is not valid.
    Padding,
}

/// Decrypts a ciphertext field.
pub(crate) fn decrypt(
    key: &[u8; SECRET_LEN],
    iv: &Iv,
    ciphertext: &[u8],
) -> Result<Vec<u8>, DecryptFailure> {
    match iv {
        Iv::Gcm(nonce) => Aes256Gcm::new(key.into())
            .decrypt(&Nonce::from(*nonce), ciphertext)
            .map_err(|_| DecryptFailure::Auth),
        Iv::Cbc(iv) => {
            if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(CBC_BLOCK_LEN) {
                return Err(DecryptFailure::Padding);
            }
            // Strict PKCS#7: the last byte n is 1..=16 and the last n bytes all equal n.
            cbc::Decryptor::<Aes256>::new(key.into(), iv.into())
                .decrypt_padded_vec::<Pkcs7>(ciphertext)
                .map_err(|_| DecryptFailure::Padding)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_the_secret_bytes_not_hex() {
        let secret = ServerSecret::new("fa94dd0f974cf2e293728a526b028271").unwrap();
        let key = key_of(&secret).unwrap();
        assert_eq!(&key[..8], b"fa94dd0f");
        let short = ServerSecret::new("abc").unwrap();
        assert_eq!(key_of(&short), Err(3));
    }

    #[test]
    fn both_ciphers_round_trip() {
        let key = [7u8; 32];
        for iv in [Iv::Gcm([1; 12]), Iv::Cbc([2; 16])] {
            for len in [0, 1, 15, 16, 17, 100] {
                let plaintext = vec![b'x'; len];
                let ct = encrypt(&key, &iv, &plaintext).unwrap();
                let expected_len = match iv {
                    Iv::Gcm(_) => len + 16,
                    Iv::Cbc(_) => 16 * (len / 16 + 1),
                };
                assert_eq!(ct.len(), expected_len, "{iv:?} {len}");
                assert_eq!(decrypt(&key, &iv, &ct).unwrap(), plaintext);
            }
        }
    }

    #[test]
    fn cbc_padding_is_strict() {
        let key = [7u8; 32];
        let iv = [0u8; 16];
        // A block whose plaintext ends in 02 03: the last byte claims 3 bytes of padding
        // but the two before it are not 03.
        let mut block = *b"0123456789abc\x01\x02\x03";
        let ct = cbc::Encryptor::<Aes256>::new(&key.into(), &iv.into())
            .encrypt_padded_vec::<aes::cipher::block_padding::NoPadding>(&block);
        assert_eq!(
            decrypt(&key, &Iv::Cbc(iv), &ct),
            Err(DecryptFailure::Padding)
        );
        block[13] = 3;
        block[14] = 3;
        let ct = cbc::Encryptor::<Aes256>::new(&key.into(), &iv.into())
            .encrypt_padded_vec::<aes::cipher::block_padding::NoPadding>(&block);
        assert_eq!(decrypt(&key, &Iv::Cbc(iv), &ct).unwrap(), b"0123456789abc");
        // Padding byte 0 and 17 are refused.
        for last in [0u8, 17] {
            block[15] = last;
            let ct = cbc::Encryptor::<Aes256>::new(&key.into(), &iv.into())
                .encrypt_padded_vec::<aes::cipher::block_padding::NoPadding>(&block);
            assert_eq!(
                decrypt(&key, &Iv::Cbc(iv), &ct),
                Err(DecryptFailure::Padding),
                "{last}"
            );
        }
    }
}
