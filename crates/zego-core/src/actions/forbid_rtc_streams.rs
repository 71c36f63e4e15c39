//! `ForbidRTCStreams`: forbid up to twenty stream IDs at once (spec §13).

use super::Forbid;
use super::rtc_stream::RtcStreams;

/// `ForbidRTCStreams`: forbids up to 20 stream IDs at once from being published to the
/// RTC media service, as `ForbidRTCStream` does for one: their publishers and players
/// are told, and a stream that does not exist is forbidden ahead of time. Its reply has
/// no data ([`NoData`](crate::NoData)).
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
/// type as `ResumeRTCStreams` but for its switch ([`RtcStreams`]).
///
/// ```
/// use zego_core::{Action, Batched};
/// use zego_core::actions::ForbidRTCStreams;
/// let forbid = ForbidRTCStreams::new(["rtc01", "rtc02", "rtc01"]);
/// assert_eq!(forbid.stream_ids(), ["rtc01", "rtc02"]);
/// assert!(forbid.validate().is_ok());
/// assert_eq!(ForbidRTCStreams::MAX_PER_REQUEST, 20);
/// ```
pub type ForbidRTCStreams = RtcStreams<Forbid>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::{Action, FanOut, NoData, ReturnCode, parse_response};

    fn streams(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("rtc{i}")).collect()
    }

    fn problem(forbid: ForbidRTCStreams) -> (&'static str, Problem, ReturnCode) {
        let e = forbid.validate().unwrap_err();
        assert_eq!(e.call(), "ForbidRTCStreams");
        (e.field(), e.problem().clone(), e.mirrors())
    }

    #[test]
    fn limits() {
        for n in [1, 20] {
            assert_eq!(ForbidRTCStreams::new(streams(n)).validate(), Ok(()));
        }
        let list = ReturnCode::INVALID_STREAM_ID_LIST;
        assert_eq!(
            problem(ForbidRTCStreams::new(streams(21))),
            (
                "StreamId[]",
                Problem::TooMany {
                    limit: 20,
                    count: 21
                },
                list
            )
        );
        assert_eq!(
            problem(ForbidRTCStreams::new(Vec::<String>::new())),
            ("StreamId[]", Problem::NoElements, list)
        );
        assert_eq!(
            problem(ForbidRTCStreams::new(["a", ""])),
            ("StreamId[]", Problem::EmptyElement { index: 1 }, list)
        );
        assert_eq!(ForbidRTCStreams::new(["a".repeat(256)]).validate(), Ok(()));
        assert_eq!(
            problem(ForbidRTCStreams::new(["a".repeat(257)])),
            (
                "StreamId[]",
                Problem::ElementTooLong {
                    index: 0,
                    limit: 256,
                    size: 257
                },
                list
            )
        );
        let (_, bad, code) = problem(ForbidRTCStreams::new(["a", "b c"]));
        assert_eq!(code, list);
        assert!(
            bad.to_string().contains(r#"element 1, "b c", with ' '"#),
            "{bad}"
        );
        // Longer lists go through a fan-out, 20 streams a request.
        assert_eq!(
            FanOut::new(ForbidRTCStreams::new(streams(45)))
                .unwrap()
                .call_count(),
            3
        );
    }

    #[test]
    fn golden_requests_with_sequence_and_the_test_prefix() {
        let config = golden::config();
        let forbid = ForbidRTCStreams::new(["rtc01", "rtc02"]);
        assert_eq!(
            golden::url_with_sequence(&config, &forbid, 1_617_249_600_001),
            "https://rtc-api.zego.im/?Action=ForbidRTCStreams&StreamId[]=rtc01&StreamId[]=rtc02\
             &Sequence=1617249600001&AppId=12345&SignatureNonce=4fd24687296dd9f3\
             &Timestamp=1615186943&Signature=43e5cfcca828314675f91b001390566a\
             &SignatureVersion=2.0"
        );
        let test = config.with_is_test(true);
        let forbid = ForbidRTCStreams::new(["rtc01", "zegotest-12345-rtc02"]);
        let url = golden::url(&test, &forbid);
        assert!(
            url.contains(
                "?Action=ForbidRTCStreams&StreamId[]=zegotest-12345-rtc01\
                 &StreamId[]=zegotest-12345-rtc02&Sequence=1615186943000&AppId=12345&"
            ),
            "{url}"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Message":"ok",
    "RequestId":"1929203990360298509",
    "Data":null
}"#;
        let reply = parse_response::<ForbidRTCStreams>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "1929203990360298509");
        assert_eq!(reply.data, NoData);
        // The batch's own failure code is transient in the media service: retried.
        let failed = br#"{"Code":42003,"Message":"m","RequestId":"2","Data":null}"#;
        let crate::ResponseError::Api(api) =
            parse_response::<ForbidRTCStreams>(200, failed).unwrap_err()
        else {
            panic!("not an api error")
        };
        assert_eq!(api.class(), crate::CodeClass::Transient);
    }
}
