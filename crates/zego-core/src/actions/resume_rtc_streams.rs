//! `ResumeRTCStreams`: lift the forbid on up to twenty stream IDs at once (spec §14).

use super::Resume;
use super::rtc_stream::RtcStreams;

/// `ResumeRTCStreams`: allows up to 20 forbidden stream IDs to be published to the RTC
/// media service again, as `ResumeRTCStream` does for one. No client is told; a stream
/// that is not forbidden is left as it is. Its reply has no data
/// ([`NoData`](crate::NoData)).
///
/// A media-service call: its codes are read in that group, and each request carries one
/// `Sequence` for all its streams, a fresh value from the client's source on every
/// attempt. In the test environment each stream ID is sent with the prefix
/// `zegotest-<AppId>-`, unless it has it already. It sets a state, so a retry after the
/// request may have reached the server is safe. More than 20 streams: a
/// [`FanOut`](crate::FanOut) sends them as several requests, each with its own
/// `Sequence`.
///
/// Checked before anything is sent: 1 to 20 distinct stream IDs, each not empty, at most
/// 256 bytes and made of the characters of the vendor's stream-ID rules (every problem
/// of the list: 30006). Budget: 20/s per AppId (5/s in the test environment). The same
/// type as `ForbidRTCStreams` but for its switch ([`RtcStreams`]).
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::ResumeRTCStreams;
/// assert!(ResumeRTCStreams::new(["rtc01", "rtc02"]).validate().is_ok());
/// ```
pub type ResumeRTCStreams = RtcStreams<Resume>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::{Action, NoData, ReturnCode, parse_response};

    #[test]
    fn limits() {
        let streams = |n: usize| (0..n).map(|i| format!("s{i}")).collect::<Vec<_>>();
        assert_eq!(ResumeRTCStreams::new(streams(20)).validate(), Ok(()));
        let e = ResumeRTCStreams::new(streams(21)).validate().unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "ResumeRTCStreams",
                "StreamId[]",
                &Problem::TooMany {
                    limit: 20,
                    count: 21
                },
                ReturnCode::INVALID_STREAM_ID_LIST
            )
        );
        let e = ResumeRTCStreams::new(Vec::<String>::new())
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::NoElements, ReturnCode::INVALID_STREAM_ID_LIST)
        );
        let e = ResumeRTCStreams::new(["x".repeat(257)])
            .validate()
            .unwrap_err();
        assert_eq!(e.mirrors(), ReturnCode::INVALID_STREAM_ID_LIST);
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let resume = ResumeRTCStreams::new(["rtc01", "rtc02"]);
        assert_eq!(
            golden::url_with_sequence(&config, &resume, 1),
            "https://rtc-api.zego.im/?Action=ResumeRTCStreams&StreamId[]=rtc01&StreamId[]=rtc02\
             &Sequence=1&AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Message":"ok",
    "RequestId":"5310603407599603439",
    "Data":null
}"#;
        let reply = parse_response::<ResumeRTCStreams>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "5310603407599603439");
        assert_eq!(reply.data, NoData);
    }
}
