//! `CloseRoom`: move every user out of a room and close it (spec §7).

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::Group;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::NoData;
use crate::validate::{MAX_REASON_BYTES, Rules};

/// `CloseRoom`: removes every user from a room and closes it; its streams are set to
/// closed. The users' clients are told through `onRoomStateChanged`. The developer's
/// "room closed" server callback fires only when asked for
/// ([`room_close_callback`](CloseRoom::room_close_callback)); the "user logged out" and
/// "stream closed" callbacks fire either way.
///
/// A room that does not exist, or is already closed, is an error (5018 or 5024; read 104
/// and 50001 the same way). Closing sets a state, so a retry after the request may have
/// reached the server is safe: should the first attempt have closed the room, the retry
/// answers 5018 and the error says that an earlier attempt may have taken effect.
///
/// Checked before anything is sent: `RoomId` not empty, `CustomReason` of at most 256
/// bytes (longer: 3). Budget: 1/s per AppId (in both environments).
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::CloseRoom;
/// let close = CloseRoom::new("room-1").reason("the show is over").room_close_callback(true);
/// assert!(close.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CloseRoom {
    room_id: String,
    reason: String,
    room_close_callback: bool,
}

impl CloseRoom {
    /// The longest `CustomReason`, in UTF-8 bytes before URL encoding.
    pub const MAX_REASON_BYTES: usize = MAX_REASON_BYTES;

    /// Closes `room_id`, without a reason and without the "room closed" callback.
    pub fn new(room_id: impl Into<String>) -> Self {
        CloseRoom {
            room_id: room_id.into(),
            reason: String::new(),
            room_close_callback: false,
        }
    }

    /// The reason given to the users' clients (`CustomReason`); empty means none.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// Whether the "room closed" server callback fires (`RoomCloseCallback`; default
    /// `false`).
    pub fn room_close_callback(mut self, fire: bool) -> Self {
        self.room_close_callback = fire;
        self
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }
}

impl Action for CloseRoom {
    const NAME: &'static str = "CloseRoom";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(1));
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        rules.id("RoomId", &self.room_id)?;
        rules.reason("CustomReason", &self.reason)
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id)
            .optional("CustomReason", &self.reason)
            .display("RoomCloseCallback", self.room_close_callback);
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
            CloseRoom::new("r").reason("x".repeat(256)).validate(),
            Ok(())
        );
        let e = CloseRoom::new("r")
            .reason("关".repeat(86))
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "CloseRoom",
                "CustomReason",
                &Problem::TooLong {
                    limit: 256,
                    size: 258
                },
                ReturnCode::PARAMETER_TOO_LONG
            )
        );
        let e = CloseRoom::new("").validate().unwrap_err();
        assert_eq!(
            (e.field(), e.problem(), e.mirrors()),
            ("RoomId", &Problem::Empty, ReturnCode::PARAMETER_ERROR)
        );
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let close = CloseRoom::new("room1").reason("clear");
        assert_eq!(
            golden::url(&config, &close),
            "https://rtc-api.zego.im/?Action=CloseRoom&RoomId=room1&CustomReason=clear\
             &RoomCloseCallback=false&AppId=12345&SignatureNonce=4fd24687296dd9f3\
             &Timestamp=1615186943&Signature=43e5cfcca828314675f91b001390566a\
             &SignatureVersion=2.0"
        );
        let with_callback = CloseRoom::new("r").room_close_callback(true);
        assert_eq!(
            golden::params(&config, &with_callback),
            "RoomId=r&RoomCloseCallback=true"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "TestRequestId1642755866616219000"
}"#;
        let reply = parse_response::<CloseRoom>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "TestRequestId1642755866616219000");
        assert_eq!(reply.data, NoData);
        // A room already closed is a state, not retried.
        let closed = br#"{"Code":5018,"Message":"room closed","RequestId":"2"}"#;
        let e = parse_response::<CloseRoom>(200, closed).unwrap_err();
        let crate::ResponseError::Api(api) = e else {
            panic!("{e:?}")
        };
        assert_eq!(api.class(), crate::CodeClass::State);
    }
}
