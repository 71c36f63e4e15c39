//! `KickoutUser`: remove users from a room (spec §3).

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::batch::Batched;
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::NoData;
use crate::validate::{MAX_REASON_BYTES, Rules, distinct};

/// `KickoutUser`: kicks up to 5 users out of a room; all their publishing and playing
/// stops. The kicked clients are told through `onRoomStateChanged`, the others through
/// `onRoomUserUpdate`. A kicked user may log in again at once (a ban rule stops that).
///
/// A user not in the room is ignored and the call still succeeds. Kicking sets a state, so
/// a retry after the request may have reached the server is safe. More than 5 users: a
/// [`FanOut`](crate::FanOut) sends them as several requests.
///
/// Checked before anything is sent: `RoomId` not empty, 1 to 5 distinct non-empty user
/// IDs (more: 50011), `CustomReason` of at most 256 bytes (longer: 3). Budget: 50/s per
/// AppId.
///
/// ```
/// use zego_core::{Action};
/// use zego_core::actions::KickoutUser;
/// let kick = KickoutUser::new("room-1", ["troll", "spammer", "troll"]).reason("abuse");
/// assert_eq!(kick.user_ids(), ["troll", "spammer"]);
/// assert!(kick.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KickoutUser {
    room_id: String,
    user_ids: Vec<String>,
    reason: String,
}

impl KickoutUser {
    /// The longest `CustomReason`, in UTF-8 bytes before URL encoding.
    pub const MAX_REASON_BYTES: usize = MAX_REASON_BYTES;

    /// Kicks `user_ids` (duplicates merged) out of `room_id`.
    pub fn new<I, S>(room_id: impl Into<String>, user_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        KickoutUser {
            room_id: room_id.into(),
            user_ids: distinct(user_ids),
            reason: String::new(),
        }
    }

    /// The reason given to the kicked clients (`CustomReason`); empty means none.
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// The distinct users, in order.
    pub fn user_ids(&self) -> &[String] {
        &self.user_ids
    }
}

impl Action for KickoutUser {
    const NAME: &'static str = "KickoutUser";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(50));
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_batch()?;
        self.validate_count()
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id)
            .array("UserId", &self.user_ids)
            .optional("CustomReason", &self.reason);
    }
}

impl Batched for KickoutUser {
    const LIST: &'static str = "UserId[]";
    const MAX_PER_REQUEST: usize = 5;
    const TOO_MANY: ReturnCode = ReturnCode::TOO_MANY_USERS;
    type Merged = NoData;

    fn items(&self) -> &[String] {
        &self.user_ids
    }

    fn with_items(&self, user_ids: Vec<String>) -> Self {
        KickoutUser {
            room_id: self.room_id.clone(),
            user_ids,
            reason: self.reason.clone(),
        }
    }

    fn validate_batch(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        rules.id("RoomId", &self.room_id)?;
        rules.list(Self::LIST, &self.user_ids)?;
        rules.reason("CustomReason", &self.reason)
    }

    fn merge(_: &mut NoData, _: NoData) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::parse_response;

    fn users(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn limits() {
        for n in 1..=5 {
            assert_eq!(KickoutUser::new("r", users(n)).validate(), Ok(()), "{n}");
        }
        let e = KickoutUser::new("r", users(6)).validate().unwrap_err();
        assert_eq!((e.call(), e.field()), ("KickoutUser", "UserId[]"));
        assert_eq!(e.problem(), &Problem::TooMany { limit: 5, count: 6 });
        assert_eq!(e.mirrors(), ReturnCode::TOO_MANY_USERS);
        let e = KickoutUser::new("r", Vec::<String>::new())
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::NoElements, ReturnCode::PARAMETER_ERROR)
        );
        let e = KickoutUser::new("r", ["a", ""]).validate().unwrap_err();
        assert_eq!(e.problem(), &Problem::EmptyElement { index: 1 });
        let e = KickoutUser::new("", ["a"]).validate().unwrap_err();
        assert_eq!(e.field(), "RoomId");
        let ok = KickoutUser::new("r", ["a"]).reason("踢".repeat(85)); // 255 bytes
        assert_eq!(ok.validate(), Ok(()));
        let e = KickoutUser::new("r", ["a"])
            .reason("x".repeat(257))
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "CustomReason");
        assert_eq!(
            e.problem(),
            &Problem::TooLong {
                limit: 256,
                size: 257
            }
        );
        assert_eq!(e.mirrors(), ReturnCode::PARAMETER_TOO_LONG);
        assert_eq!(
            KickoutUser::new("r", ["a"])
                .reason("x".repeat(256))
                .validate(),
            Ok(())
        );
    }

    #[test]
    fn params_and_the_vendors_example() {
        let context = RequestContext {
            app_id: crate::AppId::new(1),
            test_environment: false,
        };
        let mut q = QueryWriter::new();
        KickoutUser::new("room1", ["a", "b", "a"])
            .reason("踢出用户-原因")
            .write_params(&mut q, &context);
        assert_eq!(
            q.as_str(),
            "RoomId=room1&UserId[]=a&UserId[]=b\
             &CustomReason=%E8%B8%A2%E5%87%BA%E7%94%A8%E6%88%B7-%E5%8E%9F%E5%9B%A0"
        );
        let mut q = QueryWriter::new();
        KickoutUser::new("r", ["a"]).write_params(&mut q, &context);
        assert_eq!(q.as_str(), "RoomId=r&UserId[]=a");
        let body = r#"{
    "Code":0,
    "Message":"success",
    "RequestId":"343649807833778782"
}"#;
        let reply = parse_response::<KickoutUser>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "343649807833778782");
        assert_eq!(reply.data, NoData);
    }

    #[test]
    fn golden_request() {
        let config = golden::config().with_is_test(true);
        let kick = KickoutUser::new("room1", ["a", "b"]).reason("踢出用户-原因");
        assert_eq!(
            golden::url(&config, &kick),
            "https://rtc-api.zego.im/?Action=KickoutUser&RoomId=room1&UserId[]=a&UserId[]=b\
             &CustomReason=%E8%B8%A2%E5%87%BA%E7%94%A8%E6%88%B7-%E5%8E%9F%E5%9B%A0&AppId=12345\
             &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0&IsTest=true"
        );
    }
}
