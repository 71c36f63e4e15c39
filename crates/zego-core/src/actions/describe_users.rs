//! `DescribeUsers`: whether each of up to ten users is in a room (spec §4).

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::batch::{Batched, FanOutReply, merge_list};
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{Reply, ReplyData, number_or_string};
use crate::validate::{Rules, distinct};

/// `DescribeUsers`: for up to 10 users, whether each is in a room, when each logged in
/// and each one's role. A room that does not exist is an error (50001).
///
/// A query: a retry after the request may have reached the server is safe. More than 10
/// users: a [`FanOut`](crate::FanOut) sends them as several requests.
///
/// Checked before anything is sent: `RoomId` not empty, 1 to 10 distinct non-empty user
/// IDs (none: 2, more: 3). Budget: 10/s per AppId.
///
/// ```
/// use zego_core::parse_response;
/// use zego_core::actions::DescribeUsers;
/// let query = DescribeUsers::new("room-1", ["alice", "bob", "alice"]);
/// assert_eq!(query.user_ids(), ["alice", "bob"]);
/// let body = br#"{"Code":0,"RequestId":"1","Data":{"UserStatusList":[
///     {"UserId":"alice","Status":1,"LoginTime":1675674019365,"UserRole":1},
///     {"UserId":"bob","Status":0,"LoginTime":0,"UserRole":0}]}}"#;
/// let reply = parse_response::<DescribeUsers>(200, body)?;
/// let users = reply.users().unwrap();
/// assert!(users[0].in_room() && !users[1].in_room());
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeUsers {
    room_id: String,
    user_ids: Vec<String>,
}

impl DescribeUsers {
    /// Asks about `user_ids` (duplicates merged) in `room_id`.
    pub fn new<I, S>(room_id: impl Into<String>, user_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DescribeUsers {
            room_id: room_id.into(),
            user_ids: distinct(user_ids),
        }
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

impl Action for DescribeUsers {
    const NAME: &'static str = "DescribeUsers";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(10));
    type Data = UsersData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_batch()?;
        self.validate_count()
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id)
            .array("UserId", &self.user_ids);
    }
}

impl Batched for DescribeUsers {
    const LIST: &'static str = "UserId[]";
    const MAX_PER_REQUEST: usize = 10;
    const TOO_MANY: ReturnCode = ReturnCode::PARAMETER_TOO_LONG;
    type Merged = UsersData;

    fn items(&self) -> &[String] {
        &self.user_ids
    }

    fn with_items(&self, user_ids: Vec<String>) -> Self {
        DescribeUsers {
            room_id: self.room_id.clone(),
            user_ids,
        }
    }

    fn validate_batch(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        rules.id("RoomId", &self.room_id)?;
        rules.list(Self::LIST, &self.user_ids)
    }

    fn merge(merged: &mut UsersData, data: UsersData) -> Result<(), String> {
        merge_list(
            &mut merged.user_status_list,
            data.user_status_list,
            "UserStatusList",
        )
    }
}

/// The `Data` of a `DescribeUsers` reply. A reply without `Data`, or without
/// `UserStatusList`, reads as `user_status_list: None` (the users' states are unknown),
/// never as an empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct UsersData {
    /// One entry per user asked about (`UserStatusList`).
    #[serde(
        rename = "UserStatusList",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_status_list: Option<Vec<UserStatus>>,
}

impl UsersData {
    /// The users' states, when the server sent them.
    pub fn users(&self) -> Option<&[UserStatus]> {
        self.user_status_list.as_deref()
    }
}

impl ReplyData for UsersData {
    fn absent() -> Self {
        UsersData::default()
    }
}

/// One user's state in the room.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserStatus {
    /// The user (`UserId`).
    #[serde(rename = "UserId")]
    pub user_id: String,
    /// `1` in the room, `0` not (`Status`).
    #[serde(rename = "Status", deserialize_with = "number_or_string")]
    pub status: u32,
    /// When the user logged into the room, in Unix milliseconds (`LoginTime`); 0 for a
    /// user not in it.
    #[serde(rename = "LoginTime", default, deserialize_with = "number_or_string")]
    pub login_time: i64,
    /// `1` anchor, `2` audience, `4` administrator (`UserRole`): meaningful for
    /// LiveRoom apps only.
    #[serde(rename = "UserRole", default, deserialize_with = "number_or_string")]
    pub user_role: u32,
}

impl UserStatus {
    /// `true` when the user is in the room (`Status` 1).
    pub fn in_room(&self) -> bool {
        self.status == 1
    }
}

impl Reply<UsersData> {
    /// The users' states, when the server sent them.
    pub fn users(&self) -> Option<&[UserStatus]> {
        self.data.users()
    }
}

impl FanOutReply<UsersData> {
    /// The states of the users of every request that succeeded, in order.
    pub fn users(&self) -> &[UserStatus] {
        self.data.users().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::response::ABSENT_DATA;
    use crate::{FanOut, parse_response};

    fn users(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn limits() {
        for n in 1..=10 {
            assert_eq!(DescribeUsers::new("r", users(n)).validate(), Ok(()), "{n}");
        }
        let e = DescribeUsers::new("r", users(11)).validate().unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "DescribeUsers",
                "UserId[]",
                &Problem::TooMany {
                    limit: 10,
                    count: 11
                },
                ReturnCode::PARAMETER_TOO_LONG
            )
        );
        let e = DescribeUsers::new("r", Vec::<String>::new())
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::NoElements, ReturnCode::PARAMETER_ERROR)
        );
        let e = DescribeUsers::new("r", ["a", ""]).validate().unwrap_err();
        assert_eq!(e.problem(), &Problem::EmptyElement { index: 1 });
        let e = DescribeUsers::new("", ["a"]).validate().unwrap_err();
        assert_eq!(
            (e.field(), e.problem(), e.mirrors()),
            ("RoomId", &Problem::Empty, ReturnCode::PARAMETER_ERROR)
        );
        // Longer lists go through a fan-out, 10 users a request.
        assert_eq!(
            FanOut::new(DescribeUsers::new("r", users(25)))
                .unwrap()
                .call_count(),
            3
        );
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let query = DescribeUsers::new("room1", ["a", "b"]);
        assert_eq!(
            golden::url(&config, &query),
            "https://rtc-api.zego.im/?Action=DescribeUsers&RoomId=room1&UserId[]=a&UserId[]=b\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Data": {
        "UserStatusList": [
            {
                "UserId": "a",
                "Status": 1,
                "LoginTime": 1675674019365,
                "UserRole": 1
            },
            {
                "UserId": "b",
                "Status": 1,
                "LoginTime": 1675674019455,
                "UserRole": 1
            }
        ]
    },
    "Message": "success",
    "RequestId": "TestRequestId1675674022729915000"
}"#;
        let reply = parse_response::<DescribeUsers>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "TestRequestId1675674022729915000");
        let list = reply.users().unwrap();
        assert_eq!(
            list[1],
            UserStatus {
                user_id: "b".into(),
                status: 1,
                login_time: 1_675_674_019_455,
                user_role: 1
            }
        );
        assert!(list.iter().all(UserStatus::in_room));
        assert_eq!(
            serde_json::to_value(&reply.data).unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()["Data"]
        );
        let strings = br#"{"Code":0,"RequestId":"1","Data":{"UserStatusList":[{"UserId":"c","Status":"0","LoginTime":"0","UserRole":"0"}]}}"#;
        let reply = parse_response::<DescribeUsers>(200, strings).unwrap();
        assert!(!reply.users().unwrap()[0].in_room());
        for absent in ABSENT_DATA {
            let reply = parse_response::<DescribeUsers>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.users(), None, "no Data is not an empty room");
        }
    }

    #[test]
    fn a_fan_out_merges_the_lists_and_fails_a_reply_without_one() {
        let reply = |data: UsersData| {
            Ok(Reply {
                code: ReturnCode::SUCCESS,
                request_id: "1".into(),
                message: String::new(),
                data,
                attempts: 1,
            })
        };
        let mut fan_out = FanOut::new(DescribeUsers::new("r", users(15))).unwrap();
        let first = fan_out.next_call().unwrap();
        let list = first
            .user_ids()
            .iter()
            .map(|u| UserStatus {
                user_id: u.clone(),
                status: 1,
                login_time: 1,
                user_role: 2,
            })
            .collect();
        fan_out.record(reply(UsersData {
            user_status_list: Some(list),
        }));
        let _second = fan_out.next_call().unwrap();
        fan_out.record(reply(UsersData::default()));
        let merged = fan_out.finish();
        assert_eq!(merged.users().len(), 10);
        assert_eq!(merged.failed_chunks[0].items, users(15)[10..].to_vec());
    }
}
