//! Calls whose list parameter has a per-request maximum, and the one fan-out that splits
//! them into requests and merges the replies.

use std::fmt;

use serde::Serialize;

use crate::action::Action;
use crate::code::ReturnCode;
use crate::error::{Error, TransportFailure, ValidationError};
use crate::response::Reply;
use crate::validate::Rules;

/// A call whose list parameter (`ToUserId[]`, `UserId[]`, `RoomId[]`, `StreamId[]`) takes
/// at most [`Batched::MAX_PER_REQUEST`] elements per request. A [`FanOut`] sends a longer
/// list as several requests and merges their replies.
///
/// Its list holds distinct elements (the constructors merge duplicates with
/// [`distinct`](crate::distinct)), so every element goes in exactly one request.
pub trait Batched: Action + Sized {
    /// The list parameter, as named on the wire (for example `ToUserId[]`).
    const LIST: &'static str;

    /// The most elements one request takes.
    const MAX_PER_REQUEST: usize;

    /// The code the server answers for a longer list.
    const TOO_MANY: ReturnCode;

    /// What the replies of a fan-out merge into (for example, every user a message did
    /// not reach).
    type Merged: Default + Serialize + fmt::Debug + Send + 'static;

    /// The list's distinct elements, in order. Empty for a call that goes without the
    /// list (a whole-room `SendCustomCommand`): the fan-out then makes one request.
    fn items(&self) -> &[String];

    /// The same call for a part of its list.
    fn with_items(&self, items: Vec<String>) -> Self;

    /// Every check of [`Action::validate`] but the per-request maximum.
    fn validate_batch(&self) -> Result<(), ValidationError>;

    /// Adds the `Data` of one request to the merged result, or says why it cannot account
    /// for the request's elements (the request is then reported as failed, with its
    /// elements).
    fn merge(merged: &mut Self::Merged, data: Self::Data) -> Result<(), String>;

    /// The elements the merged result reports as not reached although their request
    /// succeeded (for `SendCustomCommand`, the users of `FailUsers`). None by default.
    fn unreached(merged: &Self::Merged) -> Vec<&str> {
        let _ = merged;
        Vec::new()
    }

    /// The per-request maximum, as the last check of [`Action::validate`].
    fn validate_count(&self) -> Result<(), ValidationError> {
        Rules::of::<Self>().count(
            Self::LIST,
            self.items().len(),
            Self::MAX_PER_REQUEST,
            Self::TOO_MANY,
        )
    }
}

/// Merges the list that one request's reply carries into the fan-out's (for
/// [`Batched::merge`] of a query whose list holds one entry per element asked about): a
/// reply without the list (`member`) cannot account for its elements.
pub(crate) fn merge_list<T>(
    merged: &mut Option<Vec<T>>,
    list: Option<Vec<T>>,
    member: &str,
) -> Result<(), String> {
    let list = list.ok_or_else(|| format!("the reply has no {member}: the answer is unknown"))?;
    merged.get_or_insert_with(Vec::new).extend(list);
    Ok(())
}

/// How far a fan-out is: `done` requests of `total` have a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Requests with a result.
    pub done: usize,
    /// Requests in all.
    pub total: usize,
}

/// Sends a [`Batched`] call with any number of elements as requests of at most
/// [`Batched::MAX_PER_REQUEST`], and merges their results. Every distinct element is in
/// exactly one request, in the order given; nothing is dropped: a request that fails as
/// a whole is reported with its elements and its error.
///
/// The transport sends each request through the call driver (which paces them with the
/// shared rate budget) and records each result, in order.
///
/// ```
/// use zego_core::{FanOut, NoData, Reply, ReturnCode};
/// use zego_core::actions::KickoutUser;
/// let users: Vec<String> = (0..12).map(|i| format!("user{i}")).collect();
/// let mut fan_out = FanOut::new(KickoutUser::new("room", users))?;
/// assert_eq!(fan_out.call_count(), 3, "at most 5 users per request");
/// let mut sizes = Vec::new();
/// while let Some(call) = fan_out.next_call() {
///     sizes.push(call.user_ids().len());
///     // A transport sends `call` here and records what it got:
///     fan_out.record(Ok(Reply {
///         code: ReturnCode::SUCCESS,
///         request_id: "1".into(),
///         message: "success".into(),
///         data: NoData,
///         attempts: 1,
///     }));
/// }
/// assert_eq!(sizes, [5, 5, 2]);
/// assert!(fan_out.finish().is_complete());
/// # Ok::<(), zego_core::ValidationError>(())
/// ```
#[derive(Debug)]
pub struct FanOut<B: Batched> {
    /// The whole call; taken when it is sent as it is (a call without the list).
    template: Option<B>,
    /// The position in the template's list of the next request's first element.
    next: usize,
    /// The requests in all.
    total: usize,
    /// The elements of the request handed out and not yet recorded.
    in_flight: Option<Vec<String>>,
    reply: FanOutReply<B::Merged>,
}

/// The merged result of a fan-out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FanOutReply<M> {
    /// How many requests were made.
    pub calls: usize,
    /// The `RequestId` of every request that succeeded, in order.
    pub request_ids: Vec<String>,
    /// The merged `Data` of the requests that succeeded.
    pub data: M,
    /// Requests that failed as a whole, with their elements.
    pub failed_chunks: Vec<FailedChunk>,
    /// Attempts over all requests, retries included.
    pub attempts: u32,
}

/// A request of a fan-out that failed as a whole: it is not known to have taken effect
/// for any of its elements (unless [`Error::may_have_taken_effect`] says it may have).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedChunk {
    /// The elements of that request (empty for a request without the list, such as a
    /// whole-room message).
    pub items: Vec<String>,
    /// How it failed.
    pub error: Error,
}

impl<M> FanOutReply<M> {
    /// `true` when every request succeeded.
    pub fn is_complete(&self) -> bool {
        self.failed_chunks.is_empty()
    }

    /// The elements that requests which succeeded did not reach ([`Batched::unreached`]):
    /// `fan_out.unreached::<SendCustomCommand>()`.
    pub fn unreached<B: Batched<Merged = M>>(&self) -> Vec<&str> {
        B::unreached(&self.data)
    }

    /// The elements of the requests that failed as a whole, in order.
    pub fn failed_items(&self) -> impl Iterator<Item = &str> {
        self.failed_chunks
            .iter()
            .flat_map(|c| c.items.iter().map(String::as_str))
    }
}

impl<B: Batched> FanOut<B> {
    /// Checks the call (every check of a single request but the per-request maximum) and
    /// plans its requests. A call without the list is one request.
    pub fn new(call: B) -> Result<Self, ValidationError> {
        call.validate_batch()?;
        let total = call.items().len().div_ceil(B::MAX_PER_REQUEST).max(1);
        Ok(FanOut {
            template: Some(call),
            next: 0,
            total,
            in_flight: None,
            reply: FanOutReply::default(),
        })
    }

    /// How many requests the fan-out makes in all.
    pub fn call_count(&self) -> usize {
        self.total
    }

    /// How many requests have a result, of how many.
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.reply.calls,
            total: self.total,
        }
    }

    /// The next request to send, or `None` when all were handed out. Record its result
    /// with [`FanOut::record`] before asking for the next one; a request whose result was
    /// not recorded is reported as failed, as it may have reached the server.
    pub fn next_call(&mut self) -> Option<B> {
        if self.in_flight.is_some() {
            self.record(Err(Error::Transport {
                attempts: 0,
                source: TransportFailure::maybe_sent("the outcome of the request was not recorded"),
                effect_before: false,
            }));
        }
        if self.reply.calls >= self.total {
            return None;
        }
        let items = self.template.as_ref()?.items();
        if items.is_empty() {
            // A call without the list is the one request.
            self.in_flight = Some(Vec::new());
            return self.template.take();
        }
        let end = (self.next + B::MAX_PER_REQUEST).min(items.len());
        let chunk = items[self.next..end].to_vec();
        self.next = end;
        let call = self.template.as_ref()?.with_items(chunk.clone());
        self.in_flight = Some(chunk);
        Some(call)
    }

    /// Records the result of the request last handed out. Ignored when none is out.
    pub fn record(&mut self, result: Result<Reply<B::Data>, Error>) {
        let Some(items) = self.in_flight.take() else {
            return;
        };
        self.reply.calls += 1;
        match result {
            Ok(reply) => {
                self.reply.attempts += reply.attempts;
                match B::merge(&mut self.reply.data, reply.data) {
                    Ok(()) => self.reply.request_ids.push(reply.request_id),
                    Err(reason) => self.reply.failed_chunks.push(FailedChunk {
                        items,
                        error: Error::Response {
                            attempts: reply.attempts,
                            source: crate::ResponseError::Data {
                                request_id: reply.request_id,
                                reason,
                            },
                            effect_before: false,
                        },
                    }),
                }
            }
            Err(error) => {
                self.reply.attempts += error.attempts();
                self.reply.failed_chunks.push(FailedChunk { items, error });
            }
        }
    }

    /// The merged result. Requests never handed out are reported as failed with a "not
    /// sent" error, so that no element is dropped silently.
    pub fn finish(mut self) -> FanOutReply<B::Merged> {
        while self.next_call().is_some() {
            self.record(Err(Error::Transport {
                attempts: 0,
                source: TransportFailure::not_sent("the fan-out stopped before this request"),
                effect_before: false,
            }));
        }
        self.reply
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NoData;
    use crate::actions::{CustomCommandData, FailedUser, KickoutUser, SendCustomCommand};

    fn reply<D>(data: D) -> Result<Reply<D>, Error> {
        Ok(Reply {
            code: ReturnCode::SUCCESS,
            request_id: "r".into(),
            message: String::new(),
            data,
            attempts: 1,
        })
    }

    fn failed(users: &[&str]) -> Result<Reply<CustomCommandData>, Error> {
        reply(CustomCommandData {
            fail_users: users
                .iter()
                .map(|u| FailedUser {
                    user_id: (*u).into(),
                    code: ReturnCode::USER_NOT_ONLINE,
                })
                .collect(),
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
                0 => f.record(failed(&["u3"])),
                1 => f.record(Err(Error::Transport {
                    attempts: 3,
                    source: TransportFailure::not_sent("refused"),
                    effect_before: false,
                })),
                _ => f.record(failed(&[])),
            }
            i += 1;
            assert_eq!(f.progress(), Progress { done: i, total: 3 });
        }
        assert_eq!(seen, users, "every user once, in order");
        let reply = f.finish();
        assert_eq!(reply.calls, 3);
        assert_eq!(reply.attempts, 5);
        assert!(!reply.all_delivered() && !reply.is_complete());
        assert_eq!(reply.request_ids.len(), 2);
        assert_eq!(reply.failed_chunks[0].items, users[10..20].to_vec());
        let undelivered = reply.undelivered_user_ids();
        assert_eq!(undelivered.len(), 11);
        assert_eq!(undelivered[0], "u3");
        assert_eq!(reply.unreached::<SendCustomCommand>(), ["u3"]);
    }

    #[test]
    fn whole_room_is_one_call_and_unsent_calls_are_reported() {
        let mut f = FanOut::new(SendCustomCommand::to_room("r", "f", "x")).unwrap();
        assert_eq!(f.call_count(), 1);
        let call = f.next_call().unwrap();
        assert!(call.is_to_room());
        f.record(failed(&[]));
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
    fn invalid_calls_are_rejected_whole() {
        let users: Vec<String> = (0..15).map(|i| format!("u{i}")).collect();
        let err = FanOut::new(SendCustomCommand::to_users(
            "r",
            "f",
            users.clone(),
            "x".repeat(1025),
        ))
        .unwrap_err();
        assert_eq!(err.field(), "MessageContent");
        let err = FanOut::new(KickoutUser::new("r", Vec::<String>::new())).unwrap_err();
        assert_eq!(err.field(), "UserId[]");
        // The per-request maximum is the fan-out's to handle, not an error.
        assert_eq!(
            FanOut::new(KickoutUser::new("r", users))
                .unwrap()
                .call_count(),
            3
        );
    }

    #[test]
    fn a_reply_that_cannot_account_for_its_items_fails_its_chunk() {
        let rooms: Vec<String> = (0..12).map(|i| format!("room{i}")).collect();
        let mut f = FanOut::new(crate::actions::DescribeUserNum::new(rooms.clone())).unwrap();
        let _ = f.next_call().unwrap();
        f.record(reply(crate::actions::UserNumData::default()));
        let _ = f.next_call().unwrap();
        f.record(reply(crate::actions::UserNumData {
            user_count_list: Some(vec![crate::actions::RoomUserCount {
                room_id: "room10".into(),
                user_count: 4,
                admin_user_count: 0,
            }]),
        }));
        let merged = f.finish();
        assert_eq!(merged.counts().len(), 1);
        assert_eq!(merged.failed_chunks.len(), 1);
        assert_eq!(merged.failed_chunks[0].items, rooms[..10].to_vec());
        assert!(matches!(
            merged.failed_chunks[0].error,
            Error::Response {
                source: crate::ResponseError::Data { .. },
                ..
            }
        ));
        let _: NoData = FanOut::new(KickoutUser::new("r", ["a"]))
            .unwrap()
            .finish()
            .data;
    }
}
