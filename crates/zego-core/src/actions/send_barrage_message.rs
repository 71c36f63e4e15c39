//! `SendBarrageMessage`: a "barrage" (bullet-screen) message to the users of a room
//! (spec §2).

use serde::{Deserialize, Serialize};

use crate::response::{ReplyData, opt_string_or_number};

use super::message::{MessageKind, RoomMessage, sealed};

/// `SendBarrageMessage`: sends a barrage message to the users logged into a room, except
/// one logged in with the sender's ID. Receivers get it in the client SDK's
/// `onIMRecvBarrageMessage` callback. Meant for rooms with very many messages: delivery
/// is not guaranteed. Its reply is [`BarrageData`].
///
/// The sender need not be in the room; to reach everyone, send as an ID that is not in it.
/// It is a send: a retry after the request may have reached the server can deliver it
/// twice, so that happens only with the caller's opt-in.
///
/// Checked before anything is sent: `RoomId` and `UserId` not empty, content of 1 to 1024
/// UTF-8 bytes (empty: 1008, longer: 50012). Budget: 100/s per AppId (10/s in the test
/// environment). The same type as `SendBroadcastMessage` but for its kind
/// ([`RoomMessage`]).
///
/// ```
/// use zego_core::{parse_response, Action};
/// use zego_core::actions::{MessageCategory, SendBarrageMessage};
/// let message = SendBarrageMessage::new("room-1", "server", MessageCategory::Chat, "666");
/// assert!(message.validate().is_ok());
/// let body = br#"{"Code":0,"Data":{"MessageId":"1_1611647493487_29"},"RequestId":"1"}"#;
/// let reply = parse_response::<SendBarrageMessage>(200, body)?;
/// assert_eq!(reply.data.message_id.as_deref(), Some("1_1611647493487_29"));
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
pub type SendBarrageMessage = RoomMessage<Barrage>;

/// The kind of [`SendBarrageMessage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Barrage {}

impl sealed::Sealed for Barrage {}

impl MessageKind for Barrage {
    const NAME: &'static str = "SendBarrageMessage";
    type Data = BarrageData;
}

/// The `Data` of a `SendBarrageMessage` reply. A reply without `Data`, or without
/// `MessageId`, reads as `message_id: None`: never as an ID the server did not send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct BarrageData {
    /// The message's ID (`MessageId`), opaque (the vendor's look like
    /// `"1_1611647493487_29"`; never parse them). A JSON string here (a number in
    /// SendBroadcastMessage); a number is accepted too, as its decimal text.
    #[serde(
        rename = "MessageId",
        default,
        deserialize_with = "opt_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<String>,
}

impl ReplyData for BarrageData {
    fn absent() -> Self {
        BarrageData::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;
    use crate::action::golden;
    use crate::actions::MessageCategory;
    use crate::code::ReturnCode;
    use crate::error::Problem;
    use crate::parse_response;
    use crate::response::ABSENT_DATA;

    #[test]
    fn limits() {
        let message = |content: String| {
            SendBarrageMessage::new("r", "u", MessageCategory::Chat, content).validate()
        };
        assert_eq!(message("a".repeat(1024)), Ok(()));
        assert_eq!(message("推".repeat(341)), Ok(()), "1023 bytes");
        let e = message("a".repeat(1025)).unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem(), e.mirrors()),
            (
                "SendBarrageMessage",
                "MessageContent",
                &Problem::TooLong {
                    limit: 1024,
                    size: 1025
                },
                ReturnCode::MESSAGE_TOO_LONG
            )
        );
        let e = message(String::new()).unwrap_err();
        assert_eq!(
            (e.problem(), e.mirrors()),
            (&Problem::Empty, ReturnCode::MESSAGE_CONTENT_EMPTY)
        );
        for (room, user, field) in [("", "u", "RoomId"), ("r", "", "UserId")] {
            let e = SendBarrageMessage::new(room, user, MessageCategory::Chat, "x")
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
        let message = SendBarrageMessage::new(
            "room1",
            "user1",
            MessageCategory::Chat,
            "hello zego big im-弹幕消息",
        )
        .user_name("userName");
        assert_eq!(message.category(), MessageCategory::Chat);
        assert_eq!(
            golden::url(&config, &message),
            "https://rtc-api.zego.im/?Action=SendBarrageMessage&RoomId=room1&UserId=user1\
             &UserName=userName&MessageCategory=2\
             &MessageContent=hello%20zego%20big%20im-%E5%BC%B9%E5%B9%95%E6%B6%88%E6%81%AF\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code":0,
    "Data":{
        "MessageId":"1_1611647493487_29"
    },
    "Message":"success",
    "RequestId":"2237080460466033406"
}"#;
        let reply = parse_response::<SendBarrageMessage>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.data.message_id.as_deref(), Some("1_1611647493487_29"));
        assert_eq!(reply.request_id, "2237080460466033406");
        assert_eq!(
            serde_json::to_string(&reply.data).unwrap(),
            r#"{"MessageId":"1_1611647493487_29"}"#
        );
        // A number is kept as its decimal text.
        let number = br#"{"Code":0,"RequestId":"1","Data":{"MessageId":29}}"#;
        let reply = parse_response::<SendBarrageMessage>(200, number).unwrap();
        assert_eq!(reply.data.message_id.as_deref(), Some("29"));
        for absent in ABSENT_DATA
            .into_iter()
            .chain([r#"{"Code":0,"RequestId":"1","Data":{"MessageId":null}}"#])
        {
            let reply = parse_response::<SendBarrageMessage>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.data.message_id, None, "no Data is no message ID");
        }
    }
}
