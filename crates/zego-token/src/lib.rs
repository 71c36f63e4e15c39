//! ZEGO login tokens (Token04): generate them on your app server, decode and check them
//! in tests.
//!
//! A client logs in to ZEGO (the Express SDK's `loginRoom`, ZIM's `login`) with a token
//! that your app server makes from the app's ServerSecret. Generation is a pure function
//! of its inputs: the creation time, the JSON nonce and the IV are arguments of
//! [`TokenBuilder::generate_with`], so every token can be reproduced;
//! [`TokenBuilder::generate`] (feature `std-rng`, on by default) reads the clock and the
//! OS random source for them. AES-GCM is the default cipher; the older AES-CBC format is
//! selectable. The output equals the vendor's Go generator's byte for byte.
//!
//! ```
//! use zego_token::{decode, AppId, Privileges, ServerSecret, TokenBuilder};
//!
//! let secret = ServerSecret::new("fa94dd0f974cf2e293728a526b028271")?;
//! let token = TokenBuilder::new(AppId::new(1234567890), "user1")
//!     .valid_for(3600)
//!     .privileges(&Privileges::room("room1").login(true))   // may log in to room1 only
//!     .generate_with(&secret, 1700000000, 987654321,         // ctime, JSON nonce,
//!         &[0x5a, 0x2b, 0x8c, 0x0d, 0x1e, 0x3f, 0x4a, 0x5b, 0x6c, 0x7d, 0x8e, 0x9f])?; // GCM nonce
//! // The token the vendor's Go generator makes from the same inputs:
//! assert_eq!(token.as_str(), "04AAAAAGVT/xAADForjA0eP0pbbH2OnwDMIaWQfdBhVGJY9NslU2/uP7znwhMU7WJiS11paho9I+OLQiBTZyBnBJr8yePA128kQYI2JUBQs99Lk0p3kaJWf9l02NbqAV84AC3fuzynPpIsZbziOD7bJrIkL5lEgzdEKwIb4ViU46hLHPlzDwKI10+e0+oHDaWyfB0inmlEFSTXzB7pHFIp1Op8H+zazFTXz+3mJIjOzc6N3TdpfFMepivcEPUF/1dNoU7TShJStynRMx452aNyE8yt6sj6vXuZOnhVA4YpCy3rFf22AQ==");
//!
//! // What ZEGO's server does with it:
//! let decoded = decode(&secret, token.as_str())?;
//! assert_eq!((decoded.user_id.as_str(), decoded.expire), ("user1", 1700003600));
//! assert!(decoded.check_login(AppId::new(1234567890), "user1", "room1", 1700000100).is_ok());
//! assert!(decoded.check_login(AppId::new(1234567890), "user1", "room2", 1700000100).is_err());
//! assert!(decoded.is_expired(1700003600));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! In production, let the crate choose the time and the random values (feature
//! `std-rng`):
//!
#![cfg_attr(feature = "std-rng", doc = "```")]
#![cfg_attr(not(feature = "std-rng"), doc = "```ignore")]
//! # use zego_token::{AppId, ServerSecret, TokenBuilder};
//! # let secret = ServerSecret::new("fa94dd0f974cf2e293728a526b028271")?;
//! let token = TokenBuilder::new(AppId::new(1234567890), "user1").generate(&secret)?;
//! // Send `token.as_str()` to that user's client over TLS; it expires at `token.expire()`.
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Validation follows the vendor's generator ([`GenerateError`]); decoding follows the
//! specification's steps and never panics ([`DecodeError`] names the step that failed);
//! whether a decoded token admits a login is a separate check ([`CheckError`]). The
//! secret never appears in `Debug` output or in an error. `docs/tokens.md` in the
//! repository covers the two ciphers, expiry and renewal, and privilege payloads.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod cipher;
mod decode;
mod generate;
mod json;
mod privileges;

pub use cipher::{Cipher, MAX_PLAINTEXT_BYTES, ParseCipherError, SECRET_LEN};
pub use decode::{CheckError, DecodeError, DecodedToken, TokenInfo, decode, inspect};
pub use generate::{DEFAULT_VALID_FOR, GenerateError, PREFIX, Token, TokenBuilder};
pub use privileges::{PayloadError, Privileges};
pub use zego_core::{AppId, ServerSecret};
