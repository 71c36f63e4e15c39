//! `ResumeRTCStream`: lift the forbid on a stream ID (spec §12).

use super::rtc_stream::{RtcStream, Switch, sealed};

/// `ResumeRTCStream`: allows a forbidden stream ID (`ForbidRTCStream`,
/// `ForbidRTCStreams`) to be published to the RTC media service again. No client is told:
/// a publisher that was stopped must publish again itself. Resuming a stream that is not
/// forbidden succeeds and changes nothing. Its reply has no data
/// ([`NoData`](crate::NoData)).
///
/// A media-service call: its codes are read in that group, and it carries `Sequence`,
/// a fresh value from the client's source on every attempt. In the test environment the
/// stream ID is sent with the prefix `zegotest-<AppId>-`, unless it has it already. It
/// sets a state, so a retry after the request may have reached the server is safe.
///
/// Checked before anything is sent: `StreamId` not empty (2), at most 256 bytes and made
/// of the characters of the vendor's stream-ID rules (else 30009). Budget: 20/s per
/// AppId (5/s in the test environment). The same type as `ForbidRTCStream` but for its
/// switch ([`RtcStream`]).
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::ResumeRTCStream;
/// assert!(ResumeRTCStream::new("rtc01").validate().is_ok());
/// ```
pub type ResumeRTCStream = RtcStream<Resume>;

/// The switch of [`ResumeRTCStream`] and [`ResumeRTCStreams`](super::ResumeRTCStreams).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resume {}

impl sealed::Sealed for Resume {}

impl Switch for Resume {
    const ONE: &'static str = "ResumeRTCStream";
    const MANY: &'static str = "ResumeRTCStreams";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::{Action, NoData, ReturnCode, parse_response};

    #[test]
    fn limits() {
        assert_eq!(ResumeRTCStream::new("s".repeat(256)).validate(), Ok(()));
        let e = ResumeRTCStream::new("s".repeat(257))
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "ResumeRTCStream",
                "StreamId",
                &Problem::TooLong {
                    limit: 256,
                    size: 257
                },
                ReturnCode::INVALID_STREAM_ID
            )
        );
        let e = ResumeRTCStream::new("").validate().unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::Empty, ReturnCode::PARAMETER_ERROR)
        );
        let e = ResumeRTCStream::new("a b").validate().unwrap_err();
        assert_eq!(e.mirrors(), ReturnCode::INVALID_STREAM_ID);
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let resume = ResumeRTCStream::new("rtc01");
        assert_eq!(
            golden::url_with_sequence(&config, &resume, 1),
            "https://rtc-api.zego.im/?Action=ResumeRTCStream&StreamId=rtc01&Sequence=1\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
        let test = config.with_is_test(true);
        assert!(golden::url(&test, &resume).contains(
            "?Action=ResumeRTCStream&StreamId=zegotest-12345-rtc01&Sequence=1615186943000&AppId="
        ));
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Message":"ok",
    "RequestId":"5310603407599603439",
    "Data":null
}"#;
        let reply = parse_response::<ResumeRTCStream>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "5310603407599603439");
        assert_eq!(reply.data, NoData);
    }
}
