//! `DescribeSimpleStreamList`: the streams of a room (spec §8).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::Group;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{Reply, ReplyData, number_or_string, string_or_number};
use crate::validate::Rules;

/// `DescribeSimpleStreamList`: the streams in a room's list, as the room's users see
/// them: the streams its clients publish and the ones `AddStream` put in, with their
/// IDs as published (never with the test environment's prefix). A room that does not
/// exist has no streams (an empty list).
///
/// A query: a retry after the request may have reached the server is safe.
///
/// Checked before anything is sent: `RoomId` not empty. Budget: 50/s per AppId and 1 per
/// 10 s per room.
///
/// ```
/// use zego_core::parse_response;
/// use zego_core::actions::DescribeSimpleStreamList;
/// let query = DescribeSimpleStreamList::new("room-1");
/// let body = br#"{"Code":0,"RequestId":"1","Data":{"StreamList":[{"StreamId":"s1",
///     "UserId":"alice","UserName":"Alice","CreateTime":1642045110123,"StreamNumberId":10}]}}"#;
/// let reply = parse_response::<DescribeSimpleStreamList>(200, body)?;
/// assert_eq!(reply.streams().unwrap()[0].stream_id, "s1");
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeSimpleStreamList {
    room_id: String,
}

impl DescribeSimpleStreamList {
    /// Lists the streams of `room_id`.
    pub fn new(room_id: impl Into<String>) -> Self {
        DescribeSimpleStreamList {
            room_id: room_id.into(),
        }
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }
}

impl Action for DescribeSimpleStreamList {
    const NAME: &'static str = "DescribeSimpleStreamList";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(50)).per_room(Rate::new(1, Duration::from_secs(10)));
    type Data = StreamListData;

    fn validate(&self) -> Result<(), ValidationError> {
        Rules::of::<Self>().id("RoomId", &self.room_id)
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id);
    }

    fn budget_room(&self) -> Option<&str> {
        Some(&self.room_id)
    }
}

/// The `Data` of a `DescribeSimpleStreamList` reply. A reply without `Data`, or without
/// `StreamList`, reads as `stream_list: None` (the streams are unknown), never as an
/// empty list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct StreamListData {
    /// The room's streams (`StreamList`).
    #[serde(
        rename = "StreamList",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub stream_list: Option<Vec<RoomStream>>,
}

impl StreamListData {
    /// The streams, when the server sent them.
    pub fn streams(&self) -> Option<&[RoomStream]> {
        self.stream_list.as_deref()
    }
}

impl ReplyData for StreamListData {
    fn absent() -> Self {
        StreamListData::default()
    }
}

/// A stream of a room's list.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct RoomStream {
    /// The stream (`StreamId`).
    #[serde(rename = "StreamId", deserialize_with = "string_or_number")]
    pub stream_id: String,
    /// The publishing user's ID (`UserId`; the vendor's table calls it "user name").
    #[serde(rename = "UserId", default, deserialize_with = "string_or_number")]
    pub user_id: String,
    /// The publishing user's name (`UserName`; the vendor's table calls it "nickname").
    #[serde(rename = "UserName", default, deserialize_with = "string_or_number")]
    pub user_name: String,
    /// When the stream was created, in Unix milliseconds (`CreateTime`; the vendor
    /// gives no unit, its example has 13 digits).
    #[serde(rename = "CreateTime", default, deserialize_with = "number_or_string")]
    pub create_time: i64,
    /// The stream's number in the room (`StreamNumberId`).
    #[serde(
        rename = "StreamNumberId",
        default,
        deserialize_with = "number_or_string"
    )]
    pub stream_number_id: u32,
}

impl Reply<StreamListData> {
    /// The streams, when the server sent them.
    pub fn streams(&self) -> Option<&[RoomStream]> {
        self.data.streams()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::code::ReturnCode;
    use crate::error::Problem;
    use crate::parse_response;
    use crate::response::ABSENT_DATA;

    #[test]
    fn limits_and_the_room_budget() {
        assert_eq!(DescribeSimpleStreamList::new("r").validate(), Ok(()));
        let e = DescribeSimpleStreamList::new("").validate().unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "DescribeSimpleStreamList",
                "RoomId",
                &Problem::Empty,
                ReturnCode::PARAMETER_ERROR
            )
        );
        assert_eq!(DescribeSimpleStreamList::new("r").budget_room(), Some("r"));
        let room = DescribeSimpleStreamList::BUDGET.room_rate().unwrap();
        assert_eq!((room.count(), room.period()), (1, Duration::from_secs(10)));
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config().with_is_test(true);
        let query = DescribeSimpleStreamList::new("room1");
        assert_eq!(
            golden::url(&config, &query),
            "https://rtc-api.zego.im/?Action=DescribeSimpleStreamList&RoomId=room1\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0&IsTest=true"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "5885338326725063742",
    "Data": {
        "StreamList": [{
          "StreamId": "stream_demo",
          "UserId": "user_demo",
          "UserName": "user_name_demo",
          "CreateTime": 1642045110123,
          "StreamNumberId": 10
        }]
    }
}"#;
        let reply = parse_response::<DescribeSimpleStreamList>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "5885338326725063742");
        assert_eq!(
            reply.streams().unwrap(),
            [RoomStream {
                stream_id: "stream_demo".into(),
                user_id: "user_demo".into(),
                user_name: "user_name_demo".into(),
                create_time: 1_642_045_110_123,
                stream_number_id: 10
            }]
        );
        assert_eq!(
            serde_json::to_value(&reply.data).unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()["Data"]
        );
        let strings = br#"{"Code":0,"RequestId":"1","Data":{"StreamList":[{"StreamId":"s","CreateTime":"1642045110123","StreamNumberId":"3"}]}}"#;
        let reply = parse_response::<DescribeSimpleStreamList>(200, strings).unwrap();
        assert_eq!(reply.streams().unwrap()[0].stream_number_id, 3);
        let empty = br#"{"Code":0,"RequestId":"1","Data":{"StreamList":[]}}"#;
        let reply = parse_response::<DescribeSimpleStreamList>(200, empty).unwrap();
        assert_eq!(reply.streams(), Some(&[][..]));
        for absent in ABSENT_DATA {
            let reply = parse_response::<DescribeSimpleStreamList>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.streams(), None, "no Data is not an empty room");
        }
    }
}
