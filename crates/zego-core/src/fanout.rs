//! Fan-out: one `SendCustomCommand` to any number of users, as calls of at most 10.

use std::collections::VecDeque;

use crate::actions::send_custom_command::{
    FailedUser, MAX_TARGETS, SendCustomCommand, SendCustomCommandReply,
};
use crate::error::{Error, TransportFailure, ValidationError};

/// Splits a message to many users into calls of at most 10 users, and merges their
/// results. Every distinct user is in exactly one call, in the order given; nothing is
/// dropped: a call that fails as a whole is reported with its users and its error.
///
/// The transport sends each call through the call driver (which paces them with the
/// shared rate budget) and records each result, in order.
///
/// ```
/// use zego_core::{FanOut, SendCustomCommand};
/// let users: Vec<String> = (0..25).map(|i| format!("user{i}")).collect();
/// let mut fan_out = FanOut::new(SendCustomCommand::to_users("room", "server", users, "hi"))?;
/// assert_eq!(fan_out.call_count(), 3);
/// let mut sizes = Vec::new();
/// while let Some(call) = fan_out.next_call() {
///     sizes.push(call.targets().len());
///     // A transport sends `call` here and records what it got:
///     fan_out.record(Ok(zego_core::Reply {
///         request_id: "1".into(),
///         message: "success".into(),
///         data: Default::default(),
///         attempts: 1,
///     }));
/// }
/// assert_eq!(sizes, [10, 10, 5]);
/// assert!(fan_out.finish().all_delivered());
/// # Ok::<(), zego_core::ValidationError>(())
/// ```
#[derive(Debug)]
pub struct FanOut {
    template: SendCustomCommand,
    pending: VecDeque<Vec<String>>,
    whole_room: bool,
    in_flight: Option<Vec<String>>,
    reply: FanOutReply,
}

/// The merged result of a fan-out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FanOutReply {
    /// How many calls were made.
    pub calls: usize,
    /// The `RequestId` of every call that succeeded, in order.
    pub request_ids: Vec<String>,
    /// Users that calls which succeeded did not reach (`FailUsers`, 50003: not online).
    pub failed_users: Vec<FailedUser>,
    /// Calls that failed as a whole, with their users.
    pub failed_chunks: Vec<FailedChunk>,
    /// Requests sent over all calls, retries included.
    pub attempts: u32,
}

/// A call of a fan-out that failed as a whole: none of its users is known to have the
/// message (unless [`Error::may_have_taken_effect`] says it may have taken effect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedChunk {
    /// The users of that call (empty for a whole-room message).
    pub users: Vec<String>,
    /// How it failed.
    pub error: Error,
}

impl FanOutReply {
    /// `true` when every call succeeded and reached every target.
    pub fn all_delivered(&self) -> bool {
        self.failed_users.is_empty() && self.failed_chunks.is_empty()
    }

    /// Every user the message is not known to have reached: the failed users of
    /// successful calls, then the users of failed calls.
    pub fn undelivered_user_ids(&self) -> Vec<&str> {
        self.failed_users
            .iter()
            .map(|u| u.user_id.as_str())
            .chain(
                self.failed_chunks
                    .iter()
                    .flat_map(|c| c.users.iter().map(String::as_str)),
            )
            .collect()
    }
}

impl FanOut {
    /// Checks the message (every check of a single call but the limit of 10 users) and
    /// splits its users into calls of at most 10. A whole-room message is one call.
    pub fn new(command: SendCustomCommand) -> Result<Self, ValidationError> {
        command.validate_shape()?;
        let whole_room = command.is_to_room();
        let pending = if whole_room {
            VecDeque::from([Vec::new()])
        } else {
            command
                .targets()
                .chunks(MAX_TARGETS)
                .map(<[String]>::to_vec)
                .collect()
        };
        Ok(FanOut {
            template: command,
            pending,
            whole_room,
            in_flight: None,
            reply: FanOutReply::default(),
        })
    }

    /// How many calls the fan-out makes in all.
    pub fn call_count(&self) -> usize {
        self.reply.calls + usize::from(self.in_flight.is_some()) + self.pending.len()
    }

    /// The next call to send, or `None` when all were handed out. Record its result with
    /// [`FanOut::record`] before asking for the next one; a call whose result was not
    /// recorded is reported as failed, as it may have reached the server.
    pub fn next_call(&mut self) -> Option<SendCustomCommand> {
        if self.in_flight.is_some() {
            self.record(Err(Error::Transport {
                attempts: 0,
                source: TransportFailure::maybe_sent("the outcome of the call was not recorded"),
            }));
        }
        let users = self.pending.pop_front()?;
        let call = if self.whole_room {
            self.template.clone()
        } else {
            self.template.with_users(users.clone())
        };
        self.in_flight = Some(users);
        Some(call)
    }

    /// Records the result of the call last handed out. Ignored when none is out.
    pub fn record(&mut self, result: Result<SendCustomCommandReply, Error>) {
        let Some(users) = self.in_flight.take() else {
            return;
        };
        self.reply.calls += 1;
        match result {
            Ok(reply) => {
                self.reply.attempts += reply.attempts;
                self.reply.request_ids.push(reply.request_id);
                self.reply.failed_users.extend(reply.data.fail_users);
            }
            Err(error) => {
                self.reply.attempts += error.attempts();
                self.reply.failed_chunks.push(FailedChunk { users, error });
            }
        }
    }

    /// The merged result. Calls never handed out are reported as failed chunks with a
    /// "not sent" error, so that no user is dropped silently.
    pub fn finish(mut self) -> FanOutReply {
        while self.next_call().is_some() {
            self.record(Err(Error::Transport {
                attempts: 0,
                source: TransportFailure::not_sent("the fan-out stopped before this call"),
            }));
        }
        self.reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::send_custom_command::CustomCommandData;
    use crate::code::ReturnCode;
    use crate::response::Reply;

    fn ok(fail: &[&str]) -> Result<SendCustomCommandReply, Error> {
        Ok(Reply {
            request_id: "r".into(),
            message: String::new(),
            data: CustomCommandData {
                fail_users: fail
                    .iter()
                    .map(|u| FailedUser {
                        user_id: (*u).into(),
                        code: ReturnCode::USER_NOT_ONLINE,
                    })
                    .collect(),
            },
            attempts: 1,
        })
    }

    #[test]
    fn chunks_merge_and_report_everything() {
        let users: Vec<String> = (0..25).map(|i| format!("u{i}")).collect();
        let mut with_dups = users.clone();
        with_dups.extend(users.iter().take(5).cloned());
        let mut f = FanOut::new(SendCustomCommand::to_users("r", "f", with_dups, "x")).unwrap();
        assert_eq!(f.call_count(), 3);
        let mut seen = Vec::new();
        let mut i = 0;
        while let Some(call) = f.next_call() {
            assert!(call.targets().len() <= 10);
            seen.extend(call.targets().to_vec());
            match i {
                0 => f.record(ok(&["u3"])),
                1 => f.record(Err(Error::Transport {
                    attempts: 3,
                    source: TransportFailure::not_sent("refused"),
                })),
                _ => f.record(ok(&[])),
            }
            i += 1;
        }
        assert_eq!(seen, users);
        let reply = f.finish();
        assert_eq!(reply.calls, 3);
        assert_eq!(reply.attempts, 5);
        assert!(!reply.all_delivered());
        assert_eq!(reply.request_ids.len(), 2);
        assert_eq!(reply.failed_chunks[0].users, users[10..20].to_vec());
        let undelivered = reply.undelivered_user_ids();
        assert_eq!(undelivered.len(), 11);
        assert_eq!(undelivered[0], "u3");
    }

    #[test]
    fn whole_room_is_one_call_and_unsent_calls_are_reported() {
        let mut f = FanOut::new(SendCustomCommand::to_room("r", "f", "x")).unwrap();
        let call = f.next_call().unwrap();
        assert!(call.is_to_room());
        f.record(ok(&[]));
        assert!(f.next_call().is_none());
        assert!(f.finish().all_delivered());

        let users: Vec<String> = (0..15).map(|i| format!("u{i}")).collect();
        let mut f = FanOut::new(SendCustomCommand::to_users("r", "f", users, "x")).unwrap();
        let _ = f.next_call();
        let reply = f.finish();
        assert_eq!(reply.calls, 2);
        assert_eq!(reply.failed_chunks.len(), 2);
        assert!(reply.failed_chunks[0].error.may_have_taken_effect());
        assert!(!reply.failed_chunks[1].error.may_have_taken_effect());
        assert_eq!(reply.undelivered_user_ids().len(), 15);
    }

    #[test]
    fn invalid_message_is_rejected_whole() {
        let users: Vec<String> = (0..15).map(|i| format!("u{i}")).collect();
        let err = FanOut::new(SendCustomCommand::to_users(
            "r",
            "f",
            users,
            "x".repeat(1025),
        ))
        .unwrap_err();
        assert_eq!(err.field(), "MessageContent");
    }
}
