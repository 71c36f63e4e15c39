//! `DescribeUserList`: the users of a room, a page at a time (spec §5).

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::page::Paged;
use crate::query::QueryWriter;
use crate::response::{ReplyData, number_or_string, opt_string_or_number, string_or_number};
use crate::validate::Rules;

/// `DescribeUserList`: one page of the users of a room, in login order, with the
/// `Marker` where the next page starts. A room that does not exist has no users (an
/// empty list, not an error).
///
/// The clients' "every page" methods (`pages`, `all_pages`) follow the markers to the
/// last page ([`Pager`](crate::Pager)), one page per second per room (the per-room
/// budget).
///
/// A query: a retry after the request may have reached the server is safe.
///
/// Checked before anything is sent: `RoomId` not empty, `Limit` 0 to 200 (else 2).
/// Budget: 200/s per AppId and 1/s per room.
///
/// ```
/// use zego_core::parse_response;
/// use zego_core::actions::{DescribeUserList, UserListOrder};
/// let first = DescribeUserList::new("room-1").order(UserListOrder::NewestFirst).limit(50);
/// let body = br#"{"Code":0,"RequestId":"1","Data":{"Marker":"1635940599950-user2",
///     "UserList":[{"UserId":"user2","UserName":"Bo","UserRole":2}]}}"#;
/// let reply = parse_response::<DescribeUserList>(200, body)?;
/// assert_eq!(reply.data.users().unwrap()[0].user_id, "user2");
/// let next = first.marker(reply.data.next_marker().unwrap());
/// assert_eq!(next.starts_at(), "1635940599950-user2");
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeUserList {
    room_id: String,
    order: UserListOrder,
    limit: u32,
    marker: String,
}

/// The order of a user list (`Mode`): by login time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum UserListOrder {
    /// `0`: the oldest login first (the vendor's default).
    #[default]
    OldestFirst,
    /// `1`: the newest login first.
    NewestFirst,
}

impl UserListOrder {
    /// The value on the wire: 0 or 1.
    pub const fn value(self) -> u32 {
        match self {
            UserListOrder::OldestFirst => 0,
            UserListOrder::NewestFirst => 1,
        }
    }
}

impl DescribeUserList {
    /// The most users a page holds (`Limit`), and the default.
    pub const MAX_LIMIT: u32 = 200;

    /// The first page of the users of `room_id`: oldest first, 200 users.
    pub fn new(room_id: impl Into<String>) -> Self {
        DescribeUserList {
            room_id: room_id.into(),
            order: UserListOrder::OldestFirst,
            limit: Self::MAX_LIMIT,
            marker: String::new(),
        }
    }

    /// The order (`Mode`).
    pub fn order(mut self, order: UserListOrder) -> Self {
        self.order = order;
        self
    }

    /// Users per page (`Limit`), 0 to 200; the server reads 0 as 200.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = limit;
        self
    }

    /// Starts at this `Marker`, from a previous reply; empty (the default) starts at the
    /// beginning and is not sent.
    pub fn marker(mut self, marker: impl Into<String>) -> Self {
        self.marker = marker.into();
        self
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// Users per page.
    pub fn page_limit(&self) -> u32 {
        self.limit
    }

    /// Where the page starts (empty: at the beginning).
    pub fn starts_at(&self) -> &str {
        &self.marker
    }
}

impl Action for DescribeUserList {
    const NAME: &'static str = "DescribeUserList";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(200)).per_room(Rate::per_second(1));
    type Data = UserListData;

    fn validate(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        rules.id("RoomId", &self.room_id)?;
        rules.range(
            "Limit",
            self.limit.into(),
            0,
            Self::MAX_LIMIT.into(),
            ReturnCode::PARAMETER_ERROR,
        )
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id)
            .display("Mode", self.order.value())
            .display("Limit", self.limit)
            .optional("Marker", &self.marker);
    }

    fn budget_room(&self) -> Option<&str> {
        Some(&self.room_id)
    }
}

impl Paged for DescribeUserList {
    type Item = ListedUser;

    fn with_cursor(&self, marker: String) -> Self {
        self.clone().marker(marker)
    }

    fn next_cursor(data: &UserListData) -> Result<Option<String>, String> {
        match (&data.user_list, &data.marker) {
            (None, _) => Err("the reply has no UserList: the page's users are unknown".into()),
            // A safety stop: a page without users is the last.
            (Some(users), _) if users.is_empty() => Ok(None),
            (Some(_), None) => {
                Err("the reply has no Marker: whether more pages follow is unknown".into())
            }
            (Some(_), Some(marker)) => Ok(Some(marker.clone()).filter(|m| !m.is_empty())),
        }
    }

    fn into_items(data: UserListData) -> Vec<ListedUser> {
        data.user_list.unwrap_or_default()
    }
}

/// The `Data` of a `DescribeUserList` reply: one page. A reply without `Data`, or
/// without `UserList` or `Marker`, reads as `None` for what it lacks (the users are
/// unknown; whether more pages follow is unknown), never as an empty or last page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserListData {
    /// Where the next page starts (`Marker`); `""` on the last page. Opaque.
    #[serde(
        rename = "Marker",
        default,
        deserialize_with = "opt_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub marker: Option<String>,
    /// This page's users (`UserList`).
    #[serde(rename = "UserList", default, skip_serializing_if = "Option::is_none")]
    pub user_list: Option<Vec<ListedUser>>,
}

impl UserListData {
    /// This page's users, when the server sent them.
    pub fn users(&self) -> Option<&[ListedUser]> {
        self.user_list.as_deref()
    }

    /// The marker of the next page: `None` on the last page (`Marker` empty) and when
    /// the reply has no `Marker`.
    pub fn next_marker(&self) -> Option<&str> {
        self.marker.as_deref().filter(|m| !m.is_empty())
    }
}

impl ReplyData for UserListData {
    fn absent() -> Self {
        UserListData::default()
    }
}

/// A user of a room's list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ListedUser {
    /// The user's ID (`UserId`; the vendor's table calls it "user name").
    #[serde(rename = "UserId", deserialize_with = "string_or_number")]
    pub user_id: String,
    /// The user's name (`UserName`; the vendor's table calls it "nickname").
    #[serde(rename = "UserName", default, deserialize_with = "string_or_number")]
    pub user_name: String,
    /// `1` anchor, `2` audience, `4` administrator (`UserRole`): meaningful for LiveRoom
    /// apps only.
    #[serde(rename = "UserRole", default, deserialize_with = "number_or_string")]
    pub user_role: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::parse_response;
    use crate::response::ABSENT_DATA;

    #[test]
    fn limits() {
        for limit in [0, 1, 200] {
            assert_eq!(DescribeUserList::new("r").limit(limit).validate(), Ok(()));
        }
        let e = DescribeUserList::new("r")
            .limit(201)
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "DescribeUserList",
                "Limit",
                &Problem::OutOfRange {
                    value: 201,
                    min: 0,
                    max: 200
                },
                ReturnCode::PARAMETER_ERROR
            )
        );
        let e = DescribeUserList::new("").validate().unwrap_err();
        assert_eq!(
            (e.field(), e.problem(), e.mirrors()),
            ("RoomId", &Problem::Empty, ReturnCode::PARAMETER_ERROR)
        );
    }

    #[test]
    fn params_and_the_room_budget() {
        let config = golden::config();
        assert_eq!(
            golden::params(&config, &DescribeUserList::new("r 1")),
            "RoomId=r%201&Mode=0&Limit=200"
        );
        let list = DescribeUserList::new("r")
            .order(UserListOrder::NewestFirst)
            .limit(0)
            .marker("1635940599950-user2");
        assert_eq!(
            golden::params(&config, &list),
            "RoomId=r&Mode=1&Limit=0&Marker=1635940599950-user2"
        );
        assert_eq!(list.budget_room(), Some("r"));
        assert_eq!(
            DescribeUserList::BUDGET.room_rate(),
            Some(Rate::per_second(1))
        );
        assert_eq!(
            DescribeUserList::BUDGET.app_rate(true),
            Rate::per_second(200)
        );
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let query = DescribeUserList::new("room_demo").limit(2);
        assert_eq!(
            golden::url(&config, &query),
            "https://rtc-api.zego.im/?Action=DescribeUserList&RoomId=room_demo&Mode=0&Limit=2\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "TestRequestId1635940600561291000",
    "Data": {
        "Marker": "1635940599950-user2",
        "UserList": [
            {
                "UserId": "user1",
                "UserName": "user1",
                "UserRole": 1
            },
            {
                "UserId": "user2",
                "UserName": "user2",
                "UserRole": 2
            }
        ]
    }
}"#;
        let reply = parse_response::<DescribeUserList>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "TestRequestId1635940600561291000");
        assert_eq!(reply.data.next_marker(), Some("1635940599950-user2"));
        assert_eq!(
            reply.data.users().unwrap()[1],
            ListedUser {
                user_id: "user2".into(),
                user_name: "user2".into(),
                user_role: 2
            }
        );
        assert_eq!(
            DescribeUserList::next_cursor(&reply.data),
            Ok(Some("1635940599950-user2".to_owned()))
        );
        assert_eq!(
            serde_json::to_value(&reply.data).unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()["Data"]
        );
        let last = br#"{"Code":0,"RequestId":"1","Data":{"Marker":"","UserList":[{"UserId":"u","UserRole":"1"}]}}"#;
        let reply = parse_response::<DescribeUserList>(200, last).unwrap();
        assert_eq!(reply.data.next_marker(), None);
        assert_eq!(reply.data.marker.as_deref(), Some(""));
        assert_eq!(DescribeUserList::next_cursor(&reply.data), Ok(None));
        let empty_room = br#"{"Code":0,"RequestId":"1","Data":{"Marker":"","UserList":[]}}"#;
        let reply = parse_response::<DescribeUserList>(200, empty_room).unwrap();
        assert_eq!(reply.data.users(), Some(&[][..]));
        for absent in ABSENT_DATA {
            let reply = parse_response::<DescribeUserList>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.data, UserListData::default());
            assert!(DescribeUserList::next_cursor(&reply.data).is_err());
        }
    }
}
