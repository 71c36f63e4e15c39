//! `parse_response`: any HTTP status and any body return a result, never a panic, and the
//! result agrees with the body.
//!
//! Input: the status (2 bytes, little-endian), then the body. Bodies over
//! `MAX_BODY_BYTES` are refused before parsing (a property test covers that path: fuzzing
//! megabyte inputs is slow); run with a `-max_len` of a few KiB.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use zego_core::{CustomCommandData, MAX_BODY_BYTES, ResponseError, parse_response};

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = u16::from_le_bytes(*status);
    let typed = parse_response::<CustomCommandData>(status, body);
    // The same body read with a `Data` that accepts any JSON.
    let generic = parse_response::<Value>(status, body);

    match &typed {
        Ok(reply) => assert_eq!(reply.attempts, 0),
        Err(ResponseError::NotEnvelope {
            status: s, excerpt, ..
        }) => {
            assert_eq!(*s, status);
            assert!(excerpt.chars().count() <= 200);
        }
        Err(ResponseError::TooLarge { .. }) => assert!(body.len() > MAX_BODY_BYTES),
        Err(ResponseError::Api(api)) => assert!(!api.code.is_success()),
        Err(_) => {}
    }
    // A non-zero `Code` is reported the same whatever the call's `Data` looks like.
    if let Err(ResponseError::Api(api)) = &typed {
        assert_eq!(
            generic.as_ref().err(),
            Some(&ResponseError::Api(api.clone()))
        );
    }
    if let Err(ResponseError::Api(api)) = &generic {
        assert_eq!(typed.as_ref().err(), Some(&ResponseError::Api(api.clone())));
    }
    // A success for the call's `Data` is a success for any `Data`, with the same
    // envelope fields, unless the generic reading hits a number JSON cannot hold.
    if let (Ok(t), Ok(g)) = (&typed, &generic) {
        assert_eq!((&t.request_id, &t.message), (&g.request_id, &g.message));
    }
});
