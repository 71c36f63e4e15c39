//! `DescribeUserNum`: how many users are in each of up to ten rooms (spec §6).

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::batch::{Batched, FanOutReply, merge_list};
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{Reply, ReplyData, number_or_string};
use crate::validate::{Rules, distinct};

/// `DescribeUserNum`: the number of users in each of up to 10 rooms. A room that does not
/// exist counts 0 users; `UserCount` includes the administrators of `AdminUserCount`.
///
/// A query: a retry after the request may have reached the server is safe. More than 10
/// rooms: a [`FanOut`](crate::FanOut) sends them as several requests.
///
/// Checked before anything is sent: 1 to 10 distinct non-empty room IDs (none: 2, more:
/// 3). Budget: 10/s per AppId (1/s in the test environment).
///
/// ```
/// use zego_core::{parse_response};
/// use zego_core::actions::DescribeUserNum;
/// let query = DescribeUserNum::new(["room1", "room2"]);
/// let body = br#"{"Code":0,"Message":"success","RequestId":"1",
///     "Data":{"UserCountList":[{"RoomId":"room1","UserCount":2,"AdminUserCount":0}]}}"#;
/// let reply = parse_response::<DescribeUserNum>(200, body)?;
/// assert_eq!(reply.data.counts().unwrap()[0].user_count, 2);
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeUserNum {
    room_ids: Vec<String>,
}

impl DescribeUserNum {
    /// Counts the users of `room_ids` (duplicates merged).
    pub fn new<I, S>(room_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        DescribeUserNum {
            room_ids: distinct(room_ids),
        }
    }

    /// The distinct rooms, in order.
    pub fn room_ids(&self) -> &[String] {
        &self.room_ids
    }
}

impl Action for DescribeUserNum {
    const NAME: &'static str = "DescribeUserNum";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(10)).in_test_environment(Rate::per_second(1));
    type Data = UserNumData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_batch()?;
        self.validate_count()
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.array("RoomId", &self.room_ids);
    }
}

impl Batched for DescribeUserNum {
    const LIST: &'static str = "RoomId[]";
    const MAX_PER_REQUEST: usize = 10;
    const TOO_MANY: ReturnCode = ReturnCode::PARAMETER_TOO_LONG;
    type Merged = UserNumData;

    fn items(&self) -> &[String] {
        &self.room_ids
    }

    fn with_items(&self, room_ids: Vec<String>) -> Self {
        DescribeUserNum { room_ids }
    }

    fn validate_batch(&self) -> Result<(), ValidationError> {
        Rules::of::<Self>().list(Self::LIST, &self.room_ids)
    }

    fn merge(merged: &mut UserNumData, data: UserNumData) -> Result<(), String> {
        merge_list(
            &mut merged.user_count_list,
            data.user_count_list,
            "UserCountList",
        )
    }
}

/// The `Data` of a `DescribeUserNum` reply. A reply without `Data`, or without
/// `UserCountList`, reads as `user_count_list: None` (the counts are unknown), never as
/// an empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct UserNumData {
    /// One entry per room asked about (`UserCountList`).
    #[serde(
        rename = "UserCountList",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub user_count_list: Option<Vec<RoomUserCount>>,
}

impl UserNumData {
    /// The counts, when the server sent them.
    pub fn counts(&self) -> Option<&[RoomUserCount]> {
        self.user_count_list.as_deref()
    }
}

impl ReplyData for UserNumData {
    fn absent() -> Self {
        UserNumData::default()
    }
}

/// The users in one room.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct RoomUserCount {
    /// The room (`RoomId`).
    #[serde(rename = "RoomId")]
    pub room_id: String,
    /// Users in the room, administrators included (`UserCount`).
    #[serde(rename = "UserCount", deserialize_with = "number_or_string")]
    pub user_count: u32,
    /// Administrators in the room (`AdminUserCount`), from cloud recording and stream
    /// moderation.
    #[serde(
        rename = "AdminUserCount",
        default,
        deserialize_with = "number_or_string"
    )]
    pub admin_user_count: u32,
}

impl Reply<UserNumData> {
    /// The counts, when the server sent them.
    pub fn counts(&self) -> Option<&[RoomUserCount]> {
        self.data.counts()
    }
}

impl FanOutReply<UserNumData> {
    /// The counts of every request that succeeded, in the order of the rooms.
    pub fn counts(&self) -> &[RoomUserCount] {
        self.data.counts().unwrap_or_default()
    }
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
        let rooms = |n: usize| (0..n).map(|i| format!("r{i}")).collect::<Vec<_>>();
        assert_eq!(DescribeUserNum::new(rooms(10)).validate(), Ok(()));
        let e = DescribeUserNum::new(rooms(11)).validate().unwrap_err();
        assert_eq!((e.call(), e.field()), ("DescribeUserNum", "RoomId[]"));
        assert_eq!(
            e.problem(),
            &Problem::TooMany {
                limit: 10,
                count: 11
            }
        );
        assert_eq!(e.mirrors(), ReturnCode::PARAMETER_TOO_LONG);
        let e = DescribeUserNum::new(Vec::<String>::new())
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::NoElements, ReturnCode::PARAMETER_ERROR)
        );
        let mut twice = rooms(10);
        twice.extend(rooms(10));
        assert_eq!(DescribeUserNum::new(twice).room_ids().len(), 10);
    }

    #[test]
    fn params_and_the_vendors_example() {
        let context = RequestContext {
            app_id: crate::AppId::new(1),
            test_environment: true,
        };
        let mut q = QueryWriter::new();
        DescribeUserNum::new(["room1", "room2"]).write_params(&mut q, &context);
        assert_eq!(q.as_str(), "RoomId[]=room1&RoomId[]=room2");
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "7840039829955402142",
    "Data": {
        "UserCountList": [
            {
                "RoomId": "room1",
                "UserCount": 2,
                "AdminUserCount": 0
            },
            {
                "RoomId": "room2",
                "UserCount": 3,
                "AdminUserCount": 1
            }
        ]
    }
}"#;
        let reply = parse_response::<DescribeUserNum>(200, body.as_bytes()).unwrap();
        let counts = reply.counts().unwrap();
        assert_eq!(counts.len(), 2);
        assert_eq!(
            counts[1],
            RoomUserCount {
                room_id: "room2".into(),
                user_count: 3,
                admin_user_count: 1
            }
        );
        let strings = br#"{"Code":0,"RequestId":"1","Data":{"UserCountList":[{"RoomId":"r","UserCount":"7"}]}}"#;
        let reply = parse_response::<DescribeUserNum>(200, strings).unwrap();
        assert_eq!(reply.counts().unwrap()[0].user_count, 7);
        for absent in ABSENT_DATA {
            let reply = parse_response::<DescribeUserNum>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.counts(), None, "no Data is not zero rooms");
        }
    }

    #[test]
    fn a_reply_without_counts_fails_its_chunk() {
        let mut merged = UserNumData::default();
        assert!(DescribeUserNum::merge(&mut merged, UserNumData::default()).is_err());
        let one = UserNumData {
            user_count_list: Some(vec![RoomUserCount {
                room_id: "r".into(),
                user_count: 1,
                admin_user_count: 0,
            }]),
        };
        DescribeUserNum::merge(&mut merged, one.clone()).unwrap();
        DescribeUserNum::merge(&mut merged, one).unwrap();
        assert_eq!(merged.counts().unwrap().len(), 2);
    }

    #[test]
    fn golden_request() {
        let config = golden::config().with_endpoint(crate::Region::Frankfurt);
        let query = DescribeUserNum::new(["room1", "room 2", "room1"]);
        assert_eq!(
            golden::url(&config, &query),
            "https://rtc-api-fra.zego.im/?Action=DescribeUserNum&RoomId[]=room1&RoomId[]=room%202\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }
}
