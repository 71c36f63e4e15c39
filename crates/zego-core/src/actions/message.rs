//! The two room-message calls, `SendBroadcastMessage` (spec §1) and `SendBarrageMessage`
//! (spec §2): one type, [`RoomMessage`], whose kind says which call it is and what it
//! answers.

use std::fmt;
use std::marker::PhantomData;

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::Group;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::ReplyData;
use crate::validate::{MAX_MESSAGE_BYTES, Rules};

/// The `MessageCategory` of a broadcast or barrage message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageCategory {
    /// `1`: a system message.
    System,
    /// `2`: a chat message, the usual choice.
    #[default]
    Chat,
}

impl MessageCategory {
    /// The value on the wire: 1 or 2.
    pub const fn value(self) -> u32 {
        match self {
            MessageCategory::System => 1,
            MessageCategory::Chat => 2,
        }
    }
}

/// Which room-message call a [`RoomMessage`] is: [`Broadcast`](super::Broadcast) or
/// [`Barrage`](super::Barrage).
pub trait MessageKind: sealed::Sealed + fmt::Debug + Clone + Eq + Send + Sync + 'static {
    /// The call's `Action` name.
    const NAME: &'static str;
    /// The call's `Data`.
    type Data: ReplyData;
}

pub(crate) mod sealed {
    /// Only the crate's kinds.
    pub trait Sealed {}
}

/// A text message from a sender to the users of a room: the one type of the two message
/// calls, [`SendBroadcastMessage`](super::SendBroadcastMessage) and
/// [`SendBarrageMessage`](super::SendBarrageMessage), which differ only in their name and
/// their reply (`K`).
///
/// Every user logged into the room receives it, except one logged in with the sender's
/// ID; the sender need not be in the room, so to reach everyone, send as an ID that is
/// not in it. It is a send: a retry after the request may have reached the server can
/// deliver it twice, so that happens only with the caller's opt-in.
///
/// Checked before anything is sent: `RoomId` and `UserId` not empty (2), content of 1 to
/// 1024 UTF-8 bytes (empty: 1008, longer: 50012). Budget: 100/s per AppId (10/s in the
/// test environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomMessage<K> {
    room_id: String,
    user_id: String,
    user_name: String,
    category: MessageCategory,
    content: String,
    kind: PhantomData<K>,
}

impl<K: MessageKind> RoomMessage<K> {
    /// The largest `MessageContent`, in UTF-8 bytes before URL encoding.
    pub const MAX_CONTENT_BYTES: usize = MAX_MESSAGE_BYTES;

    /// A message from `user_id` (the sender) to everyone in `room_id`.
    pub fn new(
        room_id: impl Into<String>,
        user_id: impl Into<String>,
        category: MessageCategory,
        content: impl Into<String>,
    ) -> Self {
        RoomMessage {
            room_id: room_id.into(),
            user_id: user_id.into(),
            user_name: String::new(),
            category,
            content: content.into(),
            kind: PhantomData,
        }
    }

    /// The sender's name (`UserName`); empty means none is sent.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_name = name.into();
        self
    }

    /// The room.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// The sender.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The message content.
    pub fn content(&self) -> &str {
        &self.content
    }

    /// The category.
    pub fn category(&self) -> MessageCategory {
        self.category
    }
}

impl<K: MessageKind> Action for RoomMessage<K> {
    const NAME: &'static str = K::NAME;
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = false;
    const BUDGET: Budget =
        Budget::per_app(Rate::per_second(100)).in_test_environment(Rate::per_second(10));
    type Data = K::Data;

    fn validate(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        rules.id("RoomId", &self.room_id)?;
        rules.id("UserId", &self.user_id)?;
        rules.message("MessageContent", &self.content)
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.param("RoomId", &self.room_id)
            .param("UserId", &self.user_id)
            .optional("UserName", &self.user_name)
            .display("MessageCategory", self.category.value())
            .param("MessageContent", &self.content);
    }
}
