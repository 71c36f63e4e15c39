//! `SendCustomCommand`: push a custom signalling message to users of a room.

use serde::Deserialize;

use crate::action::{Action, Rate};
use crate::actions::{at_most, require};
use crate::code::ReturnCode;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{Reply, string_or_number};

/// The most target users one call takes (`ToUserId[]`).
pub const MAX_TARGETS: usize = 10;

/// The largest `MessageContent`, in UTF-8 bytes before URL encoding.
pub const MAX_CONTENT_BYTES: usize = 1024;

/// The longest room ID, in bytes: the limit of the ZEGO client SDKs, which create rooms.
pub const MAX_ROOM_ID_BYTES: usize = 128;

/// The longest user ID, in bytes: the limit of the ZEGO client SDKs, which log users in.
pub const MAX_USER_ID_BYTES: usize = 64;

/// `SendCustomCommand`: sends a custom message to up to 10 users of a room, or to every
/// user in it. Receivers get it in the client SDK's `onIMRecvCustomCommand` callback.
///
/// - The user whose ID equals the sender (`FromUserId`) never receives the message; to
///   reach everyone in a room, send as an ID that is not in it. The sender need not be in
///   the room.
/// - Receivers must be online in the room when it is sent: there is no offline store.
///   Targets that are not online come back in the reply's
///   [`fail_users`](CustomCommandData::fail_users) (code 50003) while the call succeeds.
/// - A user named twice is sent the message once: targets are merged, keeping the first
///   occurrence's order, before the limit of 10 is checked.
///
/// Limits, checked before anything is sent: `RoomId` of 1 to 128 bytes, `FromUserId`
/// and every target of 1 to 64 bytes (the client SDKs' limits), 1 to 10 distinct targets
/// (more: split them with a [`FanOut`](crate::FanOut)), content of 1 to 1024 UTF-8 bytes.
///
/// ```
/// use zego_core::{Action, SendCustomCommand};
/// let everyone = SendCustomCommand::to_room("room-1", "server", r#"{"type":"refresh"}"#);
/// assert!(everyone.targets().is_empty());
/// let some = SendCustomCommand::to_users("room-1", "server", ["alice", "bob", "alice"], "hi");
/// assert_eq!(some.targets(), ["alice", "bob"]);
/// assert!(some.validate().is_ok());
/// let empty = SendCustomCommand::to_room("room-1", "server", "");
/// assert_eq!(empty.validate().unwrap_err().field(), "MessageContent");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendCustomCommand {
    room_id: String,
    from_user_id: String,
    targets: Targets,
    content: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Targets {
    Room,
    Users(Vec<String>),
}

impl SendCustomCommand {
    /// A message to every user online in the room (no `ToUserId[]`), except the sender.
    pub fn to_room(
        room_id: impl Into<String>,
        from_user_id: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        SendCustomCommand {
            room_id: room_id.into(),
            from_user_id: from_user_id.into(),
            targets: Targets::Room,
            content: content.into(),
        }
    }

    /// A message to the given users of the room. Duplicates are merged. An empty list is
    /// a validation error (it never means "everyone": use [`SendCustomCommand::to_room`]).
    pub fn to_users<I, S>(
        room_id: impl Into<String>,
        from_user_id: impl Into<String>,
        users: I,
        content: impl Into<String>,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut merged: Vec<String> = Vec::new();
        for user in users {
            let user = user.into();
            if !merged.contains(&user) {
                merged.push(user);
            }
        }
        SendCustomCommand {
            room_id: room_id.into(),
            from_user_id: from_user_id.into(),
            targets: Targets::Users(merged),
            content: content.into(),
        }
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// The sender.
    pub fn from_user_id(&self) -> &str {
        &self.from_user_id
    }

    /// The distinct target users, in order; empty for a whole-room message.
    pub fn targets(&self) -> &[String] {
        match &self.targets {
            Targets::Room => &[],
            Targets::Users(users) => users,
        }
    }

    /// `true` for a whole-room message.
    pub fn is_to_room(&self) -> bool {
        matches!(self.targets, Targets::Room)
    }

    /// The message content.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// Every check but the limit of 10 targets: what a fan-out needs.
    pub(crate) fn validate_shape(&self) -> Result<(), ValidationError> {
        identifier("RoomId", &self.room_id, MAX_ROOM_ID_BYTES)?;
        identifier("FromUserId", &self.from_user_id, MAX_USER_ID_BYTES)?;
        if let Targets::Users(users) = &self.targets {
            if users.is_empty() {
                return Err(ValidationError::Empty {
                    field: "ToUserId[]",
                    mirrors: ReturnCode::PARAMETER_ERROR,
                });
            }
            for (index, user) in users.iter().enumerate() {
                if user.is_empty() {
                    return Err(ValidationError::EmptyElement {
                        field: "ToUserId[]",
                        index,
                        mirrors: ReturnCode::PARAMETER_ERROR,
                    });
                }
                if user.len() > MAX_USER_ID_BYTES {
                    return Err(ValidationError::ElementTooLong {
                        field: "ToUserId[]",
                        index,
                        limit: MAX_USER_ID_BYTES,
                        size: user.len(),
                        mirrors: ReturnCode::PARAMETER_TOO_LONG,
                    });
                }
            }
        }
        require(
            "MessageContent",
            &self.content,
            ReturnCode::MESSAGE_CONTENT_EMPTY,
        )?;
        at_most(
            "MessageContent",
            &self.content,
            MAX_CONTENT_BYTES,
            ReturnCode::MESSAGE_TOO_LONG,
        )
    }

    /// The same message to another list of users (for a fan-out chunk).
    pub(crate) fn with_users(&self, users: Vec<String>) -> Self {
        SendCustomCommand {
            room_id: self.room_id.clone(),
            from_user_id: self.from_user_id.clone(),
            targets: Targets::Users(users),
            content: self.content.clone(),
        }
    }
}

/// An ID must be present (code 2) and within its length (code 3).
fn identifier(field: &'static str, value: &str, limit: usize) -> Result<(), ValidationError> {
    require(field, value, ReturnCode::PARAMETER_ERROR)?;
    at_most(field, value, limit, ReturnCode::PARAMETER_TOO_LONG)
}

impl Action for SendCustomCommand {
    const NAME: &'static str = "SendCustomCommand";
    const RATE_LIMIT: Rate = Rate::per_second(100);
    const TEST_RATE_LIMIT: Rate = Rate::per_second(10);
    type Data = CustomCommandData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_shape()?;
        let count = self.targets().len();
        if count > MAX_TARGETS {
            return Err(ValidationError::TooMany {
                field: "ToUserId[]",
                limit: MAX_TARGETS,
                count,
                mirrors: ReturnCode::TOO_MANY_USERS,
            });
        }
        Ok(())
    }

    fn write_params(&self, q: &mut QueryWriter) {
        q.param("RoomId", &self.room_id)
            .param("FromUserId", &self.from_user_id)
            .array("ToUserId", self.targets())
            .param("MessageContent", &self.content);
    }

    fn encoded_len_hint(&self) -> usize {
        // Worst case: every content byte becomes `%XX`.
        64 + 3 * (self.room_id.len() + self.from_user_id.len() + self.content.len())
            + self
                .targets()
                .iter()
                .map(|t| 12 + 3 * t.len())
                .sum::<usize>()
    }
}

/// The `Data` of a `SendCustomCommand` reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct CustomCommandData {
    /// The targets the message did not reach (50003: not online), while the call as a
    /// whole succeeded.
    #[serde(rename = "FailUsers", default, deserialize_with = "vec_or_null")]
    pub fail_users: Vec<FailedUser>,
}

/// A target the message did not reach.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FailedUser {
    /// The user ID (`Uid`).
    #[serde(rename = "Uid", deserialize_with = "string_or_number")]
    pub user_id: String,
    /// Why (`Code`): 50003 when the user is not online.
    #[serde(rename = "Code")]
    pub code: ReturnCode,
}

fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// The reply of a `SendCustomCommand` call.
pub type SendCustomCommandReply = Reply<CustomCommandData>;

impl Reply<CustomCommandData> {
    /// `true` when every target was reached (no `FailUsers`).
    pub fn all_delivered(&self) -> bool {
        self.data.fail_users.is_empty()
    }

    /// The targets the message did not reach, with their codes.
    pub fn failed_users(&self) -> &[FailedUser] {
        &self.data.fail_users
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn content_limits_in_bytes() {
        let ok = SendCustomCommand::to_room("r", "f", "a".repeat(1024));
        assert_eq!(ok.validate(), Ok(()));
        let over = SendCustomCommand::to_room("r", "f", "a".repeat(1025));
        assert_eq!(
            over.validate(),
            Err(ValidationError::TooLong {
                field: "MessageContent",
                limit: 1024,
                size: 1025,
                mirrors: ReturnCode::MESSAGE_TOO_LONG
            })
        );
        // 341 three-byte characters are 1023 bytes; 342 are 1026.
        let cjk = SendCustomCommand::to_room("r", "f", "推".repeat(341));
        assert_eq!(cjk.validate(), Ok(()));
        let cjk = SendCustomCommand::to_room("r", "f", "推".repeat(342));
        assert!(matches!(
            cjk.validate(),
            Err(ValidationError::TooLong { size: 1026, .. })
        ));
        let empty = SendCustomCommand::to_room("r", "f", "");
        assert_eq!(
            empty.validate(),
            Err(ValidationError::Empty {
                field: "MessageContent",
                mirrors: ReturnCode::MESSAGE_CONTENT_EMPTY
            })
        );
    }

    #[test]
    fn target_limits() {
        for n in 1..=10 {
            let cmd = SendCustomCommand::to_users("r", "f", users(n), "x");
            assert_eq!(cmd.validate(), Ok(()), "{n}");
        }
        let cmd = SendCustomCommand::to_users("r", "f", users(11), "x");
        assert_eq!(
            cmd.validate(),
            Err(ValidationError::TooMany {
                field: "ToUserId[]",
                limit: 10,
                count: 11,
                mirrors: ReturnCode::TOO_MANY_USERS
            })
        );
        let none = SendCustomCommand::to_users("r", "f", Vec::<String>::new(), "x");
        assert_eq!(none.validate().unwrap_err().field(), "ToUserId[]");
        let blank = SendCustomCommand::to_users("r", "f", ["a", ""], "x");
        assert_eq!(
            blank.validate(),
            Err(ValidationError::EmptyElement {
                field: "ToUserId[]",
                index: 1,
                mirrors: ReturnCode::PARAMETER_ERROR
            })
        );
    }

    #[test]
    fn duplicates_are_merged_before_the_limit() {
        let mut list = users(10);
        list.extend(users(10));
        let cmd = SendCustomCommand::to_users("r", "f", list, "x");
        assert_eq!(cmd.targets(), users(10).as_slice());
        assert_eq!(cmd.validate(), Ok(()));
    }

    #[test]
    fn id_lengths() {
        let ok =
            SendCustomCommand::to_users("r".repeat(128), "f".repeat(64), ["u".repeat(64)], "x");
        assert_eq!(ok.validate(), Ok(()));
        let e = SendCustomCommand::to_room("r".repeat(129), "f", "x")
            .validate()
            .unwrap_err();
        assert_eq!(
            e,
            ValidationError::TooLong {
                field: "RoomId",
                limit: 128,
                size: 129,
                mirrors: ReturnCode::PARAMETER_TOO_LONG
            }
        );
        let e = SendCustomCommand::to_room("r", "f".repeat(65), "x")
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "FromUserId");
        let e = SendCustomCommand::to_users("r", "f", ["a", &"u".repeat(65)], "x")
            .validate()
            .unwrap_err();
        assert_eq!(
            e,
            ValidationError::ElementTooLong {
                field: "ToUserId[]",
                index: 1,
                limit: 64,
                size: 65,
                mirrors: ReturnCode::PARAMETER_TOO_LONG
            }
        );
        assert!(
            e.to_string()
                .contains("element 1 is 65 bytes, over the limit of 64"),
            "{e}"
        );
    }

    #[test]
    fn ids_required() {
        let e = SendCustomCommand::to_room("", "f", "x")
            .validate()
            .unwrap_err();
        assert_eq!(
            (e.field(), e.mirrors()),
            ("RoomId", ReturnCode::PARAMETER_ERROR)
        );
        let e = SendCustomCommand::to_room("r", "", "x")
            .validate()
            .unwrap_err();
        assert_eq!(e.field(), "FromUserId");
    }

    #[test]
    fn params_in_fixed_order() {
        let mut q = QueryWriter::new();
        SendCustomCommand::to_users("r 1", "f", ["a", "b&c"], "x=y").write_params(&mut q);
        assert_eq!(
            q.as_str(),
            "RoomId=r%201&FromUserId=f&ToUserId[]=a&ToUserId[]=b%26c&MessageContent=x%3Dy"
        );
        let mut q = QueryWriter::new();
        SendCustomCommand::to_room("r", "f", "x").write_params(&mut q);
        assert_eq!(q.as_str(), "RoomId=r&FromUserId=f&MessageContent=x");
    }
}
