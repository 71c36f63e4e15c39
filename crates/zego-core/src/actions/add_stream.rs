//! `AddStream`: announce a stream in a room's stream list (spec §9).

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::NoData;
use crate::validate::{MAX_STREAM_ID_BYTES, Rules};

use super::stream_entry::StreamEntry;

/// `AddStream`: adds a stream to a room's stream list, so that the room's users get a
/// "stream added" notice (`onRoomStreamUpdate`) and learn its ID: for example a CDN
/// stream the room watches together. It only announces: someone must publish the
/// stream for it to be playable.
///
/// The room must exist (else 50001): this call cannot create one. A stream ID already in
/// the list under another user is 1012. The vendor advises a `UserId` that no room
/// member uses (such as `"Server-Administrator"`); a member whose ID is used gets no
/// notice, and the stream goes when that member leaves. It sets a state (adding the same
/// stream for the same user again answers 0 and sends no second notice), so a retry
/// after the request may have reached the server is safe.
///
/// Checked before anything is sent: `RoomId`, `UserId` and `StreamId` not empty (2),
/// `StreamId` at most 256 bytes, `StreamTitle` at most 127 and `ExtraInfo` at most 1024
/// (longer: 3). Budget: 10/s per AppId (1/s in the test environment).
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::{AddStream, CensorFlag};
/// let add = AddStream::new("room-1", "Server-Administrator", "cdn-movie")
///     .title("Movie night")
///     .extra_info(r#"{"url":"https://cdn.example/movie.flv"}"#)
///     .censor_flag(CensorFlag::NotAllowed);
/// assert!(add.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddStream {
    entry: StreamEntry,
    title: String,
    extra_info: String,
    censor_flag: CensorFlag,
}

/// Whether content moderation may review an added stream (`CensorFlag`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CensorFlag {
    /// `0`: moderation may pull the stream (the default).
    #[default]
    Allowed,
    /// `1`: moderation does not pull it; the vendor advises it for a stream added to
    /// several rooms, so that it is not reviewed once per room.
    NotAllowed,
}

impl CensorFlag {
    /// The value on the wire: 0 or 1.
    pub const fn value(self) -> u32 {
        match self {
            CensorFlag::Allowed => 0,
            CensorFlag::NotAllowed => 1,
        }
    }
}

impl AddStream {
    /// The longest `StreamId`, in bytes.
    pub const MAX_STREAM_ID_BYTES: usize = MAX_STREAM_ID_BYTES;
    /// The longest `StreamTitle`, in UTF-8 bytes before URL encoding.
    pub const MAX_TITLE_BYTES: usize = 127;
    /// The longest `ExtraInfo`, in UTF-8 bytes before URL encoding.
    pub const MAX_EXTRA_INFO_BYTES: usize = 1024;

    /// Adds `stream_id` to the list of `room_id`, as published by `user_id`.
    pub fn new(
        room_id: impl Into<String>,
        user_id: impl Into<String>,
        stream_id: impl Into<String>,
    ) -> Self {
        AddStream {
            entry: StreamEntry::new(room_id, user_id, stream_id),
            title: String::new(),
            extra_info: String::new(),
            censor_flag: CensorFlag::Allowed,
        }
    }

    /// The user's name (`UserName`); empty means none is sent.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.entry.user_name = name.into();
        self
    }

    /// The stream's title (`StreamTitle`); empty means none is sent.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// The stream's extra information (`ExtraInfo`); empty means none is sent.
    pub fn extra_info(mut self, extra_info: impl Into<String>) -> Self {
        self.extra_info = extra_info.into();
        self
    }

    /// Whether moderation may review the stream (`CensorFlag`, always sent).
    pub fn censor_flag(mut self, flag: CensorFlag) -> Self {
        self.censor_flag = flag;
        self
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.entry.room_id
    }

    /// The user the stream is attributed to.
    pub fn user_id(&self) -> &str {
        &self.entry.user_id
    }

    /// The stream.
    pub fn stream_id(&self) -> &str {
        &self.entry.stream_id
    }
}

impl Action for AddStream {
    const NAME: &'static str = "AddStream";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(10)).in_test_environment(Rate::per_second(1));
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.entry.validate::<Self>()?;
        let rules = Rules::of::<Self>();
        let too_long = ReturnCode::PARAMETER_TOO_LONG;
        rules.at_most("StreamTitle", &self.title, Self::MAX_TITLE_BYTES, too_long)?;
        rules.at_most(
            "ExtraInfo",
            &self.extra_info,
            Self::MAX_EXTRA_INFO_BYTES,
            too_long,
        )
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        self.entry.write_params(q);
        q.optional("StreamTitle", &self.title)
            .optional("ExtraInfo", &self.extra_info)
            .display("CensorFlag", self.censor_flag.value());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::parse_response;

    fn too_long(add: AddStream) -> (&'static str, Problem, ReturnCode) {
        let e = add.validate().unwrap_err();
        assert_eq!(e.call(), "AddStream");
        (e.field(), e.problem().clone(), e.mirrors())
    }

    #[test]
    fn limits() {
        let add = || AddStream::new("r", "u", "s");
        let at_limits = AddStream::new("r", "u", "s".repeat(256))
            .title("t".repeat(127))
            .extra_info("推".repeat(341));
        assert_eq!(at_limits.validate(), Ok(()));
        let over = |field, limit, size| {
            (
                field,
                Problem::TooLong { limit, size },
                ReturnCode::PARAMETER_TOO_LONG,
            )
        };
        assert_eq!(
            too_long(AddStream::new("r", "u", "s".repeat(257))),
            over("StreamId", 256, 257)
        );
        assert_eq!(
            too_long(add().title("题".repeat(43))),
            over("StreamTitle", 127, 129)
        );
        assert_eq!(
            too_long(add().extra_info("x".repeat(1025))),
            over("ExtraInfo", 1024, 1025)
        );
        for (room, user, stream, field) in [
            ("", "u", "s", "RoomId"),
            ("r", "", "s", "UserId"),
            ("r", "u", "", "StreamId"),
        ] {
            assert_eq!(
                too_long(AddStream::new(room, user, stream)),
                (field, Problem::Empty, ReturnCode::PARAMETER_ERROR)
            );
        }
        // A room-signalling stream ID has no character rule: a CDN stream may be named
        // anyhow.
        assert_eq!(AddStream::new("r", "u", "a b:c").validate(), Ok(()));
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config().with_is_test(true);
        let add = AddStream::new("room1", "user1", "streamId1")
            .user_name("userName")
            .title("流标题")
            .extra_info("附加信息");
        // Test environment, and still no prefix: AddStream is room signalling.
        assert_eq!(
            golden::url(&config, &add),
            "https://rtc-api.zego.im/?Action=AddStream&RoomId=room1&UserId=user1\
             &UserName=userName&StreamId=streamId1&StreamTitle=%E6%B5%81%E6%A0%87%E9%A2%98\
             &ExtraInfo=%E9%99%84%E5%8A%A0%E4%BF%A1%E6%81%AF&CensorFlag=0&AppId=12345\
             &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0&IsTest=true"
        );
        let flagged = AddStream::new("r", "u", "s").censor_flag(CensorFlag::NotAllowed);
        assert_eq!(
            golden::params(&config, &flagged),
            "RoomId=r&UserId=u&StreamId=s&CensorFlag=1"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Message":"success",
    "RequestId":"4443515903608307334"
}"#;
        let reply = parse_response::<AddStream>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "4443515903608307334");
        assert_eq!(reply.data, NoData);
    }
}
