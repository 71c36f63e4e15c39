//! `SendBroadcastMessage`: a text message to every user of a room (spec §1).

use serde::{Deserialize, Serialize};

use crate::response::{ReplyData, opt_number_or_string};

use super::message::{MessageKind, RoomMessage, sealed};

/// `SendBroadcastMessage`: sends a text message to every user logged into a room, except
/// one logged in with the sender's ID. Receivers get it in the client SDK's
/// `onIMRecvBroadcastMessage` callback. Its reply is [`BroadcastData`].
///
/// The sender need not be in the room; to reach everyone, send as an ID that is not in it.
/// It is a send: a retry after the request may have reached the server can deliver it
/// twice, so that happens only with the caller's opt-in.
///
/// Checked before anything is sent: `RoomId` and `UserId` not empty, content of 1 to 1024
/// UTF-8 bytes (empty: 1008, longer: 50012). Budget: 100/s per AppId (10/s in the test
/// environment). The same type as `SendBarrageMessage` but for its kind
/// ([`RoomMessage`]).
///
/// ```
/// use zego_core::{Action};
/// use zego_core::actions::{MessageCategory, SendBroadcastMessage};
/// let message = SendBroadcastMessage::new("room-1", "server", MessageCategory::Chat, "hello")
///     .user_name("The Server");
/// assert!(message.validate().is_ok());
/// assert_eq!(SendBroadcastMessage::NAME, "SendBroadcastMessage");
/// ```
pub type SendBroadcastMessage = RoomMessage<Broadcast>;

/// The kind of [`SendBroadcastMessage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Broadcast {}

impl sealed::Sealed for Broadcast {}

impl MessageKind for Broadcast {
    const NAME: &'static str = "SendBroadcastMessage";
    type Data = BroadcastData;
}

/// The `Data` of a `SendBroadcastMessage` reply. A reply without `Data`, or without
/// `MessageId`, reads as `message_id: None`: never as an ID the server did not send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct BroadcastData {
    /// The message's ID (`MessageId`): a per-room counter. A JSON number here (a string
    /// in SendBarrageMessage); a numeric string is accepted too.
    #[serde(
        rename = "MessageId",
        default,
        deserialize_with = "opt_number_or_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<u64>,
}

impl ReplyData for BroadcastData {
    fn absent() -> Self {
        BroadcastData::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;
    use crate::action::RequestContext;
    use crate::action::golden;
    use crate::actions::MessageCategory;
    use crate::code::ReturnCode;
    use crate::error::Problem;
    use crate::parse_response;
    use crate::query::QueryWriter;
    use crate::response::ABSENT_DATA;

    #[test]
    fn limits() {
        let ok =
            |content: String| SendBroadcastMessage::new("r", "u", MessageCategory::System, content);
        assert_eq!(ok("a".repeat(1024)).validate(), Ok(()));
        let e = ok("a".repeat(1025)).validate().unwrap_err();
        assert_eq!(
            (e.call(), e.field()),
            ("SendBroadcastMessage", "MessageContent")
        );
        assert_eq!(
            e.problem(),
            &Problem::TooLong {
                limit: 1024,
                size: 1025
            }
        );
        assert_eq!(e.mirrors(), ReturnCode::MESSAGE_TOO_LONG);
        let e = ok(String::new()).validate().unwrap_err();
        assert_eq!(e.mirrors(), ReturnCode::MESSAGE_CONTENT_EMPTY);
        let e = SendBroadcastMessage::new("", "u", MessageCategory::Chat, "x")
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.field(), e.mirrors()),
            ("RoomId", ReturnCode::PARAMETER_ERROR)
        );
        let e = SendBroadcastMessage::new("r", "", MessageCategory::Chat, "x")
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "UserId");
    }

    #[test]
    fn params_in_the_vendors_order() {
        let context = RequestContext {
            app_id: crate::AppId::new(1),
            test_environment: false,
        };
        let mut q = QueryWriter::new();
        SendBroadcastMessage::new(
            "room1",
            "user1",
            MessageCategory::System,
            "hello zego big im - 广播消息",
        )
        .user_name("userName")
        .write_params(&mut q, &context);
        assert_eq!(
            q.as_str(),
            "RoomId=room1&UserId=user1&UserName=userName&MessageCategory=1\
             &MessageContent=hello%20zego%20big%20im%20-%20%E5%B9%BF%E6%92%AD%E6%B6%88%E6%81%AF"
        );
        let mut q = QueryWriter::new();
        SendBroadcastMessage::new("r", "u", MessageCategory::Chat, "x")
            .write_params(&mut q, &context);
        assert_eq!(
            q.as_str(),
            "RoomId=r&UserId=u&MessageCategory=2&MessageContent=x"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Data":{
        "MessageId":3
    },
    "Message":"success",
    "RequestId":"619831198646468496"
}"#;
        let reply = parse_response::<SendBroadcastMessage>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.data.message_id, Some(3));
        assert_eq!(reply.request_id, "619831198646468496");
        let text = br#"{"Code":0,"RequestId":"1","Data":{"MessageId":"18446744073709551615"}}"#;
        let reply = parse_response::<SendBroadcastMessage>(200, text).unwrap();
        assert_eq!(reply.data.message_id, Some(u64::MAX));
        for absent in ABSENT_DATA {
            let reply = parse_response::<SendBroadcastMessage>(200, absent.as_bytes()).unwrap();
            assert_eq!(
                reply.data.message_id, None,
                "absent Data is not a message ID of 0"
            );
        }
        assert_eq!(
            serde_json::to_string(&reply.data).unwrap(),
            r#"{"MessageId":18446744073709551615}"#
        );
    }

    #[test]
    fn golden_request() {
        let config = golden::config();
        let message =
            SendBroadcastMessage::new("room1", "user1", MessageCategory::System, "hello zego+")
                .user_name("userName");
        assert_eq!(
            golden::url(&config, &message),
            "https://rtc-api.zego.im/?Action=SendBroadcastMessage&RoomId=room1&UserId=user1\
             &UserName=userName&MessageCategory=1&MessageContent=hello%20zego%2B&AppId=12345\
             &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }
}
