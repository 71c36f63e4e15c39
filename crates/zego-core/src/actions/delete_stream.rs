//! `DeleteStream`: take a stream out of a room's stream list (spec §10).

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::Group;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::NoData;

use super::stream_entry::StreamEntry;

/// `DeleteStream`: removes a stream from a room's stream list while its user stays in
/// the room (unlike `KickoutUser`): to take a user "off the mic", or to remove a stream
/// `AddStream` put in. The room's users get a "stream deleted" notice
/// (`onRoomStreamUpdate`), except a member whose ID is the `UserId` given. It only
/// announces: the publisher and the players must stop the media themselves.
///
/// A room that does not exist is 50001, a stream not in its list 138. It sets a state,
/// so a retry after the request may have reached the server is safe: should the first
/// attempt have removed the stream, the retry answers 138 and the error says that an
/// earlier attempt may have taken effect.
///
/// Checked before anything is sent: `RoomId`, `UserId` and `StreamId` not empty (2),
/// `StreamId` at most 256 bytes (longer: 3; no such stream can be in a list). Budget:
/// 10/s per AppId (1/s in the test environment).
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::DeleteStream;
/// let delete = DeleteStream::new("room-1", "Server-Administrator", "cdn-movie");
/// assert!(delete.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeleteStream {
    entry: StreamEntry,
}

impl DeleteStream {
    /// Removes `stream_id` from the list of `room_id`, as `user_id` (the user left out of
    /// the notice).
    pub fn new(
        room_id: impl Into<String>,
        user_id: impl Into<String>,
        stream_id: impl Into<String>,
    ) -> Self {
        DeleteStream {
            entry: StreamEntry::new(room_id, user_id, stream_id),
        }
    }

    /// The user's name (`UserName`); empty means none is sent.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.entry.user_name = name.into();
        self
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.entry.room_id
    }

    /// The user who deletes it (left out of the notice).
    pub fn user_id(&self) -> &str {
        &self.entry.user_id
    }

    /// The stream.
    pub fn stream_id(&self) -> &str {
        &self.entry.stream_id
    }
}

impl Action for DeleteStream {
    const NAME: &'static str = "DeleteStream";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(10)).in_test_environment(Rate::per_second(1));
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.entry.validate::<Self>()
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        self.entry.write_params(q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::code::ReturnCode;
    use crate::error::Problem;
    use crate::parse_response;

    #[test]
    fn limits() {
        assert_eq!(
            DeleteStream::new("r", "u", "s".repeat(256)).validate(),
            Ok(())
        );
        let e = DeleteStream::new("r", "u", "s".repeat(257))
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "DeleteStream",
                "StreamId",
                &Problem::TooLong {
                    limit: 256,
                    size: 257
                },
                ReturnCode::PARAMETER_TOO_LONG
            )
        );
        for (room, user, stream, field) in [
            ("", "u", "s", "RoomId"),
            ("r", "", "s", "UserId"),
            ("r", "u", "", "StreamId"),
        ] {
            let e = DeleteStream::new(room, user, stream)
                .validate()
                .unwrap_err();
            assert_eq!(
                (e.field(), e.problem(), e.mirrors()),
                (field, &Problem::Empty, ReturnCode::PARAMETER_ERROR)
            );
        }
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let delete = DeleteStream::new("room1", "user1", "streamId1").user_name("userName");
        assert_eq!(
            golden::url(&config, &delete),
            "https://rtc-api.zego.im/?Action=DeleteStream&RoomId=room1&UserId=user1\
             &UserName=userName&StreamId=streamId1&AppId=12345\
             &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Message":"success",
    "RequestId":"5885338326725063742"
}"#;
        let reply = parse_response::<DeleteStream>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "5885338326725063742");
        assert_eq!(reply.data, NoData);
        let gone = br#"{"Code":138,"Message":"no such stream","RequestId":"2"}"#;
        let e = parse_response::<DeleteStream>(200, gone).unwrap_err();
        assert!(
            e.to_string().contains("138 (the stream does not exist)"),
            "{e}"
        );
    }
}
