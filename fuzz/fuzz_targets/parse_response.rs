//! `parse_response`: any HTTP status and any body return a result, never a panic, and the
//! result agrees with the body.
//!
//! Input: the status (2 bytes, little-endian), then the body. Bodies over
//! `MAX_BODY_BYTES` are refused before parsing (a property test covers that path: fuzzing
//! megabyte inputs is slow); run with a `-max_len` of a few KiB.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use zego_core::actions::{DescribeUserNum, SendCustomCommand};
use zego_core::{
    Action, Budget, Group, MAX_BODY_BYTES, QueryWriter, Rate, RequestContext, ResponseError,
    ValidationError, parse_response,
};

/// A call whose `Data` is any JSON (or none), to read the same body without a shape.
struct AnyData;

impl Action for AnyData {
    const NAME: &'static str = "AnyData";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(1));
    type Data = Option<Value>;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn write_params(&self, _: &mut QueryWriter, _: &RequestContext) {}
}

fuzz_target!(|data: &[u8]| {
    let Some((status, body)) = data.split_first_chunk::<2>() else {
        return;
    };
    let status = u16::from_le_bytes(*status);
    let typed = parse_response::<SendCustomCommand>(status, body);
    // The same body read with a `Data` that accepts any JSON.
    let generic = parse_response::<AnyData>(status, body);
    // And with another call's `Data`, where absence reads as `None`.
    if let Ok(reply) = parse_response::<DescribeUserNum>(status, body) {
        assert!(reply.code.is_success());
    }

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
