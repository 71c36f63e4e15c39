//! `ForbidRTCStream`: forbid a stream ID on the RTC media service (spec §11).

use super::rtc_stream::{RtcStream, Switch, sealed};

/// `ForbidRTCStream`: forbids a stream ID from being published to the RTC media service.
/// The publishing client is told through `onPublisherStateUpdate` (error 1003025), the
/// players through `onPlayerStateUpdate` (1004025). A stream that does not exist is
/// forbidden ahead of time: the call succeeds. `ResumeRTCStream` lifts it. Its reply has
/// no data ([`NoData`](crate::NoData)).
///
/// A media-service call: its codes are read in that group, and it carries `Sequence`,
/// a fresh value from the client's source on every attempt. In the test environment the
/// stream ID is sent with the prefix `zegotest-<AppId>-`, unless it has it already. It
/// sets a state, so a retry after the request may have reached the server is safe.
///
/// Checked before anything is sent: `StreamId` not empty (2), at most 256 bytes and made
/// of the characters of the vendor's stream-ID rules (else 30009). Budget: 20/s per
/// AppId (5/s in the test environment). The same type as `ResumeRTCStream` but for its
/// switch ([`RtcStream`]).
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::ForbidRTCStream;
/// let forbid = ForbidRTCStream::new("rtc01");
/// assert!(ForbidRTCStream::SEQUENCE && forbid.validate().is_ok());
/// ```
pub type ForbidRTCStream = RtcStream<Forbid>;

/// The switch of [`ForbidRTCStream`] and [`ForbidRTCStreams`](super::ForbidRTCStreams).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Forbid {}

impl sealed::Sealed for Forbid {}

impl Switch for Forbid {
    const ONE: &'static str = "ForbidRTCStream";
    const MANY: &'static str = "ForbidRTCStreams";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::{Action, NoData, ReturnCode, parse_response};

    #[test]
    fn limits() {
        let id = "~!@#$%^&*()_+=-`;',.<>/\\’aZ09";
        assert_eq!(ForbidRTCStream::new(id).validate(), Ok(()));
        assert_eq!(ForbidRTCStream::new("s".repeat(256)).validate(), Ok(()));
        let e = ForbidRTCStream::new("s".repeat(257))
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "ForbidRTCStream",
                "StreamId",
                &Problem::TooLong {
                    limit: 256,
                    size: 257
                },
                ReturnCode::INVALID_STREAM_ID
            )
        );
        let e = ForbidRTCStream::new("").validate().unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::Empty, ReturnCode::PARAMETER_ERROR)
        );
        for bad in ["a b", "流", "a?b", "a:b", "a\"b", "a[0]", "a|b", "{a}"] {
            let e = ForbidRTCStream::new(bad).validate().unwrap_err();
            assert!(
                matches!(e.problem(), Problem::NotAllowed { .. }),
                "{bad}: {e}"
            );
            assert_eq!(e.mirrors(), ReturnCode::INVALID_STREAM_ID);
        }
        assert!(
            ForbidRTCStream::new("a b")
                .validate()
                .unwrap_err()
                .to_string()
                .contains(r#"StreamId is "a b", with ' '"#)
        );
    }

    #[test]
    fn golden_requests_with_sequence_and_the_test_prefix() {
        let config = golden::config();
        let forbid = ForbidRTCStream::new("rtc01");
        assert_eq!(
            golden::url(&config, &forbid),
            "https://rtc-api.zego.im/?Action=ForbidRTCStream&StreamId=rtc01\
             &Sequence=1615186943000&AppId=12345&SignatureNonce=4fd24687296dd9f3\
             &Timestamp=1615186943&Signature=43e5cfcca828314675f91b001390566a\
             &SignatureVersion=2.0"
        );
        let test = config.with_is_test(true);
        for id in ["rtc01", "zegotest-12345-rtc01"] {
            assert_eq!(
                golden::url_with_sequence(&test, &ForbidRTCStream::new(id), 1_617_249_600_001),
                "https://rtc-api.zego.im/?Action=ForbidRTCStream\
                 &StreamId=zegotest-12345-rtc01&Sequence=1617249600001&AppId=12345\
                 &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
                 &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0\
                 &IsTest=true"
            );
        }
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Message":"ok",
    "RequestId":"1929203990360298509",
    "Data":null
}"#;
        let reply = parse_response::<ForbidRTCStream>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "1929203990360298509");
        assert_eq!((reply.message.as_str(), reply.data), ("ok", NoData));
        // 30009 is read in the media service's table.
        let bad = br#"{"Code":30009,"Message":"bad","RequestId":"2","Data":null}"#;
        let e = parse_response::<ForbidRTCStream>(200, bad).unwrap_err();
        assert!(e.to_string().contains("30009 (invalid StreamId"), "{e}");
    }
}
