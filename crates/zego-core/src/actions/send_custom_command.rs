//! `SendCustomCommand`: push a custom signalling message to users of a room.

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::batch::{Batched, FanOutReply};
use crate::code::{Group, ReturnCode};
use crate::error::{Problem, ValidationError};
use crate::query::QueryWriter;
use crate::response::{Reply, ReplyData, string_or_number, vec_or_null};
use crate::validate::{MAX_MESSAGE_BYTES, Rules, distinct};

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
/// - The sender named among the targets is a validation error of `ToUserId[]` (code 2):
///   it would never be reached, and the reply would not say so.
/// - It is a send: a retry after the request may have reached the server can deliver it
///   twice, so that happens only with the caller's opt-in.
///
/// Checked before anything is sent: `RoomId` and `FromUserId` not empty, 1 to 10
/// distinct non-empty targets (more: a [`FanOut`](crate::FanOut) sends them as several
/// requests), none of them the sender, content of 1 to 1024 UTF-8 bytes. Budget: 100/s per AppId (10/s in the test
/// environment).
///
/// ```
/// use zego_core::{Action};
/// use zego_core::actions::SendCustomCommand;
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
    /// The largest `MessageContent`, in UTF-8 bytes before URL encoding.
    pub const MAX_CONTENT_BYTES: usize = MAX_MESSAGE_BYTES;

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
        SendCustomCommand {
            room_id: room_id.into(),
            from_user_id: from_user_id.into(),
            targets: Targets::Users(distinct(users)),
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
}

impl Action for SendCustomCommand {
    const NAME: &'static str = "SendCustomCommand";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = false;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(100)).in_test_environment(Rate::per_second(10));
    type Data = CustomCommandData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_batch()?;
        self.validate_count()
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id)
            .param("FromUserId", &self.from_user_id)
            .array("ToUserId", self.targets())
            .param("MessageContent", &self.content);
    }

    fn encoded_len_hint(&self) -> usize {
        // Worst case: every byte becomes `%XX`.
        64 + 3 * (self.room_id.len() + self.from_user_id.len() + self.content.len())
            + self
                .targets()
                .iter()
                .map(|t| 12 + 3 * t.len())
                .sum::<usize>()
    }
}

impl Batched for SendCustomCommand {
    const LIST: &'static str = "ToUserId[]";
    const MAX_PER_REQUEST: usize = 10;
    const TOO_MANY: ReturnCode = ReturnCode::TOO_MANY_USERS;
    type Merged = CustomCommandData;

    fn items(&self) -> &[String] {
        self.targets()
    }

    fn with_items(&self, users: Vec<String>) -> Self {
        SendCustomCommand {
            room_id: self.room_id.clone(),
            from_user_id: self.from_user_id.clone(),
            targets: Targets::Users(users),
            content: self.content.clone(),
        }
    }

    fn validate_batch(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        rules.id("RoomId", &self.room_id)?;
        rules.id("FromUserId", &self.from_user_id)?;
        if let Targets::Users(users) = &self.targets {
            rules.list(Self::LIST, users)?;
            // The sender never receives its own message: named as a target, it would be
            // left out silently while the reply says every target was reached.
            if let Some(index) = users.iter().position(|u| *u == self.from_user_id) {
                let problem = Problem::NotAllowed {
                    value: format!("{:?} (element {index}), the sender", users[index]),
                    allowed: "users other than FromUserId, which never receives its own message",
                };
                return Err(rules.error(Self::LIST, problem, ReturnCode::PARAMETER_ERROR));
            }
        }
        rules.message("MessageContent", &self.content)
    }

    fn merge(merged: &mut CustomCommandData, data: CustomCommandData) -> Result<(), String> {
        merged.fail_users.extend(data.fail_users);
        Ok(())
    }

    fn unreached(merged: &CustomCommandData) -> Vec<&str> {
        merged
            .fail_users
            .iter()
            .map(|u| u.user_id.as_str())
            .collect()
    }
}

/// The `Data` of a `SendCustomCommand` reply: the targets the message did not reach.
///
/// The vendor's `FailUsers` lists the exceptions of a call that succeeded. A reply whose
/// `Data` (or whose `FailUsers`) is absent or `null` reports no exception: it reads as an
/// empty list, which is this call's rule for an absent `Data`
/// ([`ReplyData::absent`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct CustomCommandData {
    /// The targets the message did not reach (50003: not online), while the call as a
    /// whole succeeded.
    #[serde(rename = "FailUsers", default, deserialize_with = "vec_or_null")]
    pub fail_users: Vec<FailedUser>,
}

impl ReplyData for CustomCommandData {
    fn absent() -> Self {
        CustomCommandData::default()
    }
}

/// A target the message did not reach.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct FailedUser {
    /// The user ID (`Uid`).
    #[serde(rename = "Uid", deserialize_with = "string_or_number")]
    pub user_id: String,
    /// Why (`Code`): 50003 when the user is not online.
    #[serde(rename = "Code")]
    pub code: ReturnCode,
}

impl Reply<CustomCommandData> {
    /// `true` when no target is reported as not reached.
    pub fn all_delivered(&self) -> bool {
        self.data.fail_users.is_empty()
    }

    /// The targets the message did not reach, with their codes.
    pub fn failed_users(&self) -> &[FailedUser] {
        &self.data.fail_users
    }
}

impl FanOutReply<CustomCommandData> {
    /// `true` when every request succeeded and reached every target.
    pub fn all_delivered(&self) -> bool {
        self.data.fail_users.is_empty() && self.failed_chunks.is_empty()
    }

    /// The users that requests which succeeded did not reach (50003: not online).
    pub fn failed_users(&self) -> &[FailedUser] {
        &self.data.fail_users
    }

    /// Every user the message is not known to have reached: the failed users of
    /// requests that succeeded, then the users of requests that failed.
    pub fn undelivered_user_ids(&self) -> Vec<&str> {
        self.data
            .fail_users
            .iter()
            .map(|u| u.user_id.as_str())
            .chain(self.failed_items())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Problem;

    fn users(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    fn problem(cmd: &SendCustomCommand) -> (&'static str, Problem, ReturnCode) {
        let e = cmd.validate().unwrap_err();
        assert_eq!(e.call(), "SendCustomCommand");
        (e.field(), e.problem().clone(), e.mirrors())
    }

    #[test]
    fn content_limits_in_bytes() {
        let ok = SendCustomCommand::to_room("r", "f", "a".repeat(1024));
        assert_eq!(ok.validate(), Ok(()));
        let over = SendCustomCommand::to_room("r", "f", "a".repeat(1025));
        assert_eq!(
            problem(&over),
            (
                "MessageContent",
                Problem::TooLong {
                    limit: 1024,
                    size: 1025
                },
                ReturnCode::MESSAGE_TOO_LONG
            )
        );
        // 341 three-byte characters are 1023 bytes; 342 are 1026.
        assert_eq!(
            SendCustomCommand::to_room("r", "f", "推".repeat(341)).validate(),
            Ok(())
        );
        let cjk = SendCustomCommand::to_room("r", "f", "推".repeat(342));
        assert!(matches!(
            problem(&cjk).1,
            Problem::TooLong { size: 1026, .. }
        ));
        let empty = SendCustomCommand::to_room("r", "f", "");
        assert_eq!(
            problem(&empty),
            (
                "MessageContent",
                Problem::Empty,
                ReturnCode::MESSAGE_CONTENT_EMPTY
            )
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
            problem(&cmd),
            (
                "ToUserId[]",
                Problem::TooMany {
                    limit: 10,
                    count: 11
                },
                ReturnCode::TOO_MANY_USERS
            )
        );
        let none = SendCustomCommand::to_users("r", "f", Vec::<String>::new(), "x");
        assert_eq!(
            problem(&none),
            (
                "ToUserId[]",
                Problem::NoElements,
                ReturnCode::PARAMETER_ERROR
            )
        );
        let blank = SendCustomCommand::to_users("r", "f", ["a", ""], "x");
        assert_eq!(
            problem(&blank),
            (
                "ToUserId[]",
                Problem::EmptyElement { index: 1 },
                ReturnCode::PARAMETER_ERROR
            )
        );
    }

    #[test]
    fn the_sender_among_the_targets_is_refused() {
        for targets in [vec!["f"], vec!["a", "b", "f", "c"], vec!["a", "f", "f"]] {
            let cmd = SendCustomCommand::to_users("r", "f", targets.clone(), "x");
            let (field, problem, code) = problem(&cmd);
            assert_eq!((field, code), ("ToUserId[]", ReturnCode::PARAMETER_ERROR));
            let index = targets.iter().position(|t| *t == "f").unwrap();
            assert!(
                matches!(&problem, Problem::NotAllowed { value, .. }
                    if value.contains(&format!("(element {index})"))),
                "{problem:?}"
            );
            let message = cmd.validate().unwrap_err().to_string();
            assert!(message.contains("FromUserId"), "{message}");
            // In a fan-out too, before anything is sent.
            assert!(cmd.validate_batch().is_err());
        }
        let many = users(25).into_iter().chain(["f".to_owned()]);
        let fan_out = SendCustomCommand::to_users("r", "f", many, "x");
        assert_eq!(fan_out.validate_batch().unwrap_err().field(), "ToUserId[]");
        // Another ID than the sender's, or the whole room (which leaves the sender out).
        let close = SendCustomCommand::to_users("r", "f", ["F", "f ", "ff"], "x");
        assert_eq!(close.validate(), Ok(()));
        assert_eq!(SendCustomCommand::to_room("r", "f", "x").validate(), Ok(()));
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
    fn ids_are_required_but_not_bounded_one_by_one() {
        assert_eq!(
            problem(&SendCustomCommand::to_room("", "f", "x")),
            ("RoomId", Problem::Empty, ReturnCode::PARAMETER_ERROR)
        );
        assert_eq!(
            problem(&SendCustomCommand::to_room("r", "", "x")).0,
            "FromUserId"
        );
        // Long IDs are the server's to judge; the request as a whole is bounded.
        let long =
            SendCustomCommand::to_users("r".repeat(1000), "f".repeat(500), ["u".repeat(300)], "x");
        assert_eq!(long.validate(), Ok(()));
    }

    #[test]
    fn params_in_fixed_order() {
        let context = RequestContext {
            app_id: crate::AppId::new(1),
            test_environment: false,
        };
        let mut q = QueryWriter::new();
        SendCustomCommand::to_users("r 1", "f", ["a", "b&c"], "x=y").write_params(&mut q, &context);
        assert_eq!(
            q.as_str(),
            "RoomId=r%201&FromUserId=f&ToUserId[]=a&ToUserId[]=b%26c&MessageContent=x%3Dy"
        );
        let mut q = QueryWriter::new();
        SendCustomCommand::to_room("r", "f", "x").write_params(&mut q, &context);
        assert_eq!(q.as_str(), "RoomId=r&FromUserId=f&MessageContent=x");
    }

    #[test]
    fn absent_data_reports_no_failed_target() {
        for body in [
            r#"{"Code":0,"Message":"success","RequestId":"1"}"#,
            r#"{"Code":0,"Message":"success","RequestId":"1","Data":null}"#,
            r#"{"Code":0,"Message":"success","RequestId":"1","Data":{}}"#,
            r#"{"Code":0,"Message":"success","RequestId":"1","Data":{"FailUsers":null}}"#,
        ] {
            let reply = crate::parse_response::<SendCustomCommand>(200, body.as_bytes()).unwrap();
            assert!(reply.all_delivered(), "{body}");
        }
        // It serializes back to the vendor's shape.
        let data = CustomCommandData {
            fail_users: vec![FailedUser {
                user_id: "1111".into(),
                code: ReturnCode::USER_NOT_ONLINE,
            }],
        };
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            r#"{"FailUsers":[{"Uid":"1111","Code":50003}]}"#
        );
    }
}
