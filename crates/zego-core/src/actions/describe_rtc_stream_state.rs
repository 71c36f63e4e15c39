//! `DescribeRTCStreamState`: whether a stream is live on the RTC media service
//! (spec §15).

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{Reply, ReplyData, blank_or_text, number_or_blank};
use crate::validate::Rules;

/// `DescribeRTCStreamState`: whether a stream exists on the RTC media servers and
/// whether it is active (streams published straight to a CDN, and mixed streams, are not
/// covered). An auxiliary check: the vendor's "stream created" and "stream closed"
/// callbacks are the main source of stream state.
///
/// Its three answers are replies, not errors ([`Reply::state`]): code 0, the stream is
/// active; 41006, it exists but is closed (only while the app's stream-state history
/// permission is in effect); 41004, no such stream (or the permission expired).
///
/// A media-service call: its codes are read in that group, and it carries `Sequence`,
/// a fresh value from the client's source on every attempt. In the test environment the
/// stream ID is sent with the prefix `zegotest-<AppId>-`, unless it has it already. A
/// query: a retry after the request may have reached the server is safe.
///
/// Checked before anything is sent: `StreamId` not empty (2), at most 256 bytes and made
/// of the characters of the vendor's stream-ID rules (else 30009). Budget: 40/s per
/// AppId (10/s in the test environment).
///
/// ```
/// use zego_core::parse_response;
/// use zego_core::actions::{DescribeRTCStreamState, StreamState};
/// let body = br#"{"Code":41006,"Message":"closed","RequestId":"1",
///     "Data":{"create_time":"1673334117","close_time":"1673337717"}}"#;
/// let reply = parse_response::<DescribeRTCStreamState>(200, body)?;
/// assert_eq!(reply.state(), Some(StreamState::Closed));
/// assert_eq!(reply.data.close_time, Some(1_673_337_717));
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeRTCStreamState {
    stream_id: String,
}

impl DescribeRTCStreamState {
    /// Asks about `stream_id` (as published, without the test environment's prefix).
    pub fn new(stream_id: impl Into<String>) -> Self {
        DescribeRTCStreamState {
            stream_id: stream_id.into(),
        }
    }

    /// The stream.
    pub fn stream_id(&self) -> &str {
        &self.stream_id
    }
}

impl Action for DescribeRTCStreamState {
    const NAME: &'static str = "DescribeRTCStreamState";
    const GROUP: Group = Group::MediaService;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(40)).in_test_environment(Rate::per_second(10));
    const SEQUENCE: bool = true;
    type Data = StreamStateData;

    fn validate(&self) -> Result<(), ValidationError> {
        Rules::of::<Self>().stream_id("StreamId", &self.stream_id)
    }

    fn write_params(&self, q: &mut QueryWriter, context: &RequestContext) {
        q.param("StreamId", &context.media_stream_id(&self.stream_id));
    }
}

/// The state of a stream on the RTC media service, from the code of a
/// `DescribeRTCStreamState` reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StreamState {
    /// Code 0: the stream exists and is active.
    Active,
    /// Code 41006: the stream exists but is closed (reported only while the app's
    /// stream-state history permission is in effect).
    Closed,
    /// Code 41004: the stream does not exist, or the history permission has expired.
    NotFound,
}

impl StreamState {
    /// The state a reply's code says: 0, 41006 and 41004; `None` for any other code.
    pub fn of(code: ReturnCode) -> Option<StreamState> {
        match code {
            ReturnCode::SUCCESS => Some(StreamState::Active),
            ReturnCode::STREAM_CLOSED => Some(StreamState::Closed),
            ReturnCode::STREAM_ID_NOT_FOUND => Some(StreamState::NotFound),
            _ => None,
        }
    }
}

/// The `Data` of a `DescribeRTCStreamState` reply: the stream's times, in Unix seconds.
///
/// The vendor writes them in snake_case, as decimal text (`"create_time": "1673334117"`),
/// with `""` for "no time"; a JSON number is accepted too. An empty string, `null`, an
/// absent member and an absent `Data` all read as `None`: a time the server did not
/// give, never 0. It serializes back to the vendor's shape (`""` for `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct StreamStateData {
    /// When the stream was created, in Unix seconds (`create_time`).
    #[serde(
        default,
        deserialize_with = "number_or_blank",
        serialize_with = "blank_or_text"
    )]
    pub create_time: Option<i64>,
    /// When the stream was closed, in Unix seconds (`close_time`); `None` while it is
    /// active.
    #[serde(
        default,
        deserialize_with = "number_or_blank",
        serialize_with = "blank_or_text"
    )]
    pub close_time: Option<i64>,
}

impl ReplyData for StreamStateData {
    fn absent() -> Self {
        StreamStateData::default()
    }
}

impl Reply<StreamStateData> {
    /// The stream's state, from the reply's code ([`StreamState::of`]); `None` only for
    /// a reply made by hand with another code.
    pub fn state(&self) -> Option<StreamState> {
        StreamState::of(self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::parse_response;

    #[test]
    fn limits() {
        assert_eq!(
            DescribeRTCStreamState::new("s".repeat(256)).validate(),
            Ok(())
        );
        let e = DescribeRTCStreamState::new("s".repeat(257))
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "DescribeRTCStreamState",
                "StreamId",
                &Problem::TooLong {
                    limit: 256,
                    size: 257
                },
                ReturnCode::INVALID_STREAM_ID
            )
        );
        let e = DescribeRTCStreamState::new("").validate().unwrap_err();
        assert_eq!(e.mirrors(), ReturnCode::PARAMETER_ERROR);
        let e = DescribeRTCStreamState::new("a/b?c").validate().unwrap_err();
        assert_eq!(e.mirrors(), ReturnCode::INVALID_STREAM_ID);
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let query = DescribeRTCStreamState::new("rtc01");
        assert_eq!(
            golden::url_with_sequence(&config, &query, 1_617_249_600_001),
            "https://rtc-api.zego.im/?Action=DescribeRTCStreamState&StreamId=rtc01\
             &Sequence=1617249600001&AppId=12345&SignatureNonce=4fd24687296dd9f3\
             &Timestamp=1615186943&Signature=43e5cfcca828314675f91b001390566a\
             &SignatureVersion=2.0"
        );
        let test = config.with_is_test(true);
        assert!(
            golden::url(&test, &query)
                .contains("&StreamId=zegotest-12345-rtc01&Sequence=1615186943000&")
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "ok",
    "RequestId": "98004",
    "Data": {
        "create_time": "1673334117",
        "close_time": ""
    }
}"#;
        let reply = parse_response::<DescribeRTCStreamState>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "98004");
        assert_eq!(reply.state(), Some(StreamState::Active));
        assert_eq!(
            reply.data,
            StreamStateData {
                create_time: Some(1_673_334_117),
                close_time: None
            }
        );
        assert_eq!(
            serde_json::to_value(&reply.data).unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()["Data"]
        );
    }

    #[test]
    fn the_answers_are_replies() {
        let closed = br#"{"Code":41006,"Message":"closed","RequestId":"1","Data":{"create_time":1673334117,"close_time":"1673337717"}}"#;
        let reply = parse_response::<DescribeRTCStreamState>(200, closed).unwrap();
        assert_eq!(reply.code, ReturnCode::STREAM_CLOSED);
        assert_eq!(reply.state(), Some(StreamState::Closed));
        assert_eq!(reply.data.create_time, Some(1_673_334_117));
        assert_eq!(reply.data.close_time, Some(1_673_337_717));
        for not_found in [
            &br#"{"Code":41004,"Message":"no","RequestId":"1","Data":null}"#[..],
            br#"{"Code":41004,"Message":"no","RequestId":"1"}"#,
            br#"{"Code":41004,"RequestId":"1","Data":{"create_time":null}}"#,
        ] {
            let reply = parse_response::<DescribeRTCStreamState>(200, not_found).unwrap();
            assert_eq!(reply.state(), Some(StreamState::NotFound));
            assert_eq!(reply.data, StreamStateData::default());
        }
        assert_eq!(StreamState::of(ReturnCode::new(41003)), None);
        // Other codes stay errors, read in the media service.
        let throttled = br#"{"Code":30002,"RequestId":"1","Data":null}"#;
        let e = parse_response::<DescribeRTCStreamState>(200, throttled).unwrap_err();
        let crate::ResponseError::Api(api) = e else {
            panic!("{e:?}")
        };
        assert_eq!(api.class(), crate::CodeClass::Throttled);
        // A time that is not a number is unreadable data, not a time of 0.
        let bad = br#"{"Code":0,"RequestId":"1","Data":{"create_time":"soon"}}"#;
        assert!(matches!(
            parse_response::<DescribeRTCStreamState>(200, bad),
            Err(crate::ResponseError::Data { .. })
        ));
    }
}
