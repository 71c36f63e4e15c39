//! What users receive: the messages delivered to each user of each world, as their
//! client SDKs would see them, kept within a total budget of entries and bytes.

use serde::{Serialize, Serializer};
use zego_core::actions::MessageCategory;

use crate::bounded::{Bounded, Weigh};
use crate::world::WorldKey;

/// The most messages all inboxes keep together; the oldest are dropped first.
pub const MAX_INBOX_MESSAGES: usize = 100_000;

/// The most bytes all inboxes keep together (the UTF-8 length of each message's text);
/// the oldest messages are dropped first.
pub const MAX_INBOX_BYTES: usize = 32 * 1024 * 1024;

/// A message delivered to a user.
///
/// ```
/// use zego_mock::{Delivered, MessageKind};
/// let message = Delivered::custom_command("room-1", "server", "hello");
/// assert_eq!(message.kind, MessageKind::CustomCommand);
/// assert_eq!(
///     serde_json::to_value(&message)?,
///     serde_json::json!({"kind": "custom_command", "room_id": "room-1",
///                        "from_user_id": "server", "content": "hello"}),
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Delivered {
    /// Which call sent it, with what only that call carries.
    #[serde(flatten)]
    pub kind: MessageKind,
    /// The room it was sent in.
    pub room_id: String,
    /// The sender (`FromUserId`, or `UserId` for a broadcast or a barrage).
    pub from_user_id: String,
    /// The decoded `MessageContent`.
    pub content: String,
}

/// Which call sent a [`Delivered`] message, and the client SDK callback that receives it.
/// In JSON, its `"kind"` and fields sit beside the message's own.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageKind {
    /// `SendCustomCommand` (`onIMRecvCustomCommand`): `"kind": "custom_command"`.
    CustomCommand,
    /// `SendBroadcastMessage` (`onIMRecvBroadcastMessage`): `"kind": "broadcast"`.
    #[non_exhaustive]
    Broadcast {
        /// The sender's name (`UserName`; empty when none was sent).
        from_user_name: String,
        /// `MessageCategory` (in JSON its number: 1 system, 2 chat).
        #[serde(serialize_with = "category_number")]
        category: MessageCategory,
        /// The `MessageId` the call answered: the room's counter.
        message_id: u64,
    },
    /// `SendBarrageMessage` (`onIMRecvBarrageMessage`): `"kind": "barrage"`.
    #[non_exhaustive]
    Barrage {
        /// The sender's name (`UserName`; empty when none was sent).
        from_user_name: String,
        /// `MessageCategory` (in JSON its number: 1 system, 2 chat).
        #[serde(serialize_with = "category_number")]
        category: MessageCategory,
        /// The `MessageId` the call answered, such as `"1_1611647493487_29"`.
        message_id: String,
    },
}

/// The `MessageId` of a room message, which says which call sent it.
#[derive(Clone, Debug)]
pub(crate) enum MessageId {
    /// `SendBroadcastMessage`'s: the room's counter.
    Broadcast(u64),
    /// `SendBarrageMessage`'s: an opaque string.
    Barrage(String),
}

fn category_number<S: Serializer>(category: &MessageCategory, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u32(category.value())
}

impl Delivered {
    /// A `SendCustomCommand` message.
    pub fn custom_command(
        room_id: impl Into<String>,
        from_user_id: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        Delivered::new(
            MessageKind::CustomCommand,
            room_id.into(),
            from_user_id.into(),
            content.into(),
        )
    }

    /// A room message (`SendBroadcastMessage`, `SendBarrageMessage`, by its `id`).
    pub(crate) fn room_message(
        id: MessageId,
        room_id: &str,
        (from_user_id, from_user_name): (&str, &str),
        category: MessageCategory,
        content: &str,
    ) -> Self {
        let from_user_name = from_user_name.to_owned();
        let kind = match id {
            MessageId::Broadcast(message_id) => MessageKind::Broadcast {
                from_user_name,
                category,
                message_id,
            },
            MessageId::Barrage(message_id) => MessageKind::Barrage {
                from_user_name,
                category,
                message_id,
            },
        };
        Delivered::new(
            kind,
            room_id.to_owned(),
            from_user_id.to_owned(),
            content.to_owned(),
        )
    }

    fn new(kind: MessageKind, room_id: String, from_user_id: String, content: String) -> Self {
        Delivered {
            kind,
            room_id,
            from_user_id,
            content,
        }
    }
}

/// One message in one user's inbox.
#[derive(Debug)]
struct Stored {
    world: WorldKey,
    user_id: String,
    /// When it was delivered: milliseconds since the mock started.
    at_ms: u64,
    message: Delivered,
}

/// A message with its receiver and time, as `GET /_mock/inboxes` lists it:
/// `{"user_id", "at_ms", ...}` beside the message's own fields.
#[derive(Debug, Serialize)]
pub(crate) struct InboxEntry {
    user_id: String,
    at_ms: u64,
    #[serde(flatten)]
    message: Delivered,
}

impl Weigh for Stored {
    fn bytes(&self) -> usize {
        let kind = match &self.message.kind {
            MessageKind::CustomCommand => 0,
            MessageKind::Broadcast { from_user_name, .. } => from_user_name.len(),
            MessageKind::Barrage {
                from_user_name,
                message_id,
                ..
            } => from_user_name.len() + message_id.len(),
        };
        self.user_id.len()
            + self.message.room_id.len()
            + self.message.from_user_id.len()
            + self.message.content.len()
            + kind
    }
}

/// Every inbox of every world, in one store in delivery order.
#[derive(Debug)]
pub(crate) struct Inboxes {
    kept: Bounded<Stored>,
}

impl Inboxes {
    pub(crate) fn new(max_messages: usize, max_bytes: usize) -> Self {
        Inboxes {
            kept: Bounded::new(max_messages, max_bytes),
        }
    }

    pub(crate) fn deliver(
        &mut self,
        world: WorldKey,
        user_id: &str,
        message: Delivered,
        at_ms: u64,
    ) {
        self.kept.push(Stored {
            world,
            user_id: user_id.to_owned(),
            at_ms,
            message,
        });
    }

    /// The last `limit` messages delivered in `world`, to anyone, oldest first.
    pub(crate) fn recent(&self, world: WorldKey, limit: usize) -> Vec<InboxEntry> {
        let mut recent: Vec<InboxEntry> = self
            .kept
            .iter()
            .rev()
            .filter(|stored| stored.world == world)
            .take(limit)
            .map(|stored| InboxEntry {
                user_id: stored.user_id.clone(),
                at_ms: stored.at_ms,
                message: stored.message.clone(),
            })
            .collect();
        recent.reverse();
        recent
    }

    /// The messages `user_id` of `world` received, in delivery order.
    pub(crate) fn of(&self, world: WorldKey, user_id: &str) -> Vec<Delivered> {
        self.kept
            .iter()
            .filter(|stored| stored.world == world && stored.user_id == user_id)
            .map(|stored| stored.message.clone())
            .collect()
    }

    /// How many messages, and how many bytes, all inboxes keep.
    #[cfg(test)]
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.kept.len(), self.kept.bytes())
    }

    pub(crate) fn clear(&mut self) {
        self.kept.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORLD: WorldKey = WorldKey {
        app_id: 1,
        test_env: false,
    };

    #[test]
    fn inboxes_are_per_world_and_user_and_bounded_together() {
        let mut inboxes = Inboxes::new(100, 40);
        let other = WorldKey {
            app_id: 1,
            test_env: true,
        };
        let message = |content: &str| Delivered::custom_command("r", "f", content);
        // Each counts 1 (user) + 1 (room) + 1 (sender) + 5 (content) = 8 bytes.
        inboxes.deliver(WORLD, "a", message("one.."), 0);
        inboxes.deliver(other, "a", message("two.."), 0);
        inboxes.deliver(WORLD, "b", message("three"), 0);
        assert_eq!(inboxes.of(WORLD, "a"), [message("one..")]);
        assert_eq!(inboxes.of(other, "a"), [message("two..")]);
        assert_eq!(inboxes.size(), (3, 24));
        for n in 0..3 {
            inboxes.deliver(WORLD, "b", message(&format!("more{n}")), 0);
        }
        // 48 bytes would be over 40: the oldest, in any inbox, went first.
        assert!(inboxes.of(WORLD, "a").is_empty());
        assert_eq!(inboxes.of(other, "a"), [message("two..")]);
        assert_eq!(inboxes.size(), (5, 40));
        inboxes.deliver(WORLD, "b", message("last."), 0);
        assert!(inboxes.of(other, "a").is_empty());
        assert_eq!(inboxes.of(WORLD, "b").len(), 5);
    }

    #[test]
    fn a_broadcast_counts_its_sender_name_and_shows_its_fields() {
        let id = MessageId::Broadcast(3);
        let message = Delivered::room_message(id, "r", ("u", "Uma"), MessageCategory::System, "hi");
        let stored = Stored {
            world: WORLD,
            user_id: "v".into(),
            at_ms: 0,
            message,
        };
        assert_eq!(stored.bytes(), 1 + 1 + 1 + 2 + 3);
        assert_eq!(
            serde_json::to_value(&stored.message).unwrap(),
            serde_json::json!({"kind": "broadcast", "room_id": "r", "from_user_id": "u",
                "from_user_name": "Uma", "category": 1, "message_id": 3, "content": "hi"})
        );
    }

    #[test]
    fn a_barrage_counts_its_sender_name_and_id_and_shows_its_fields() {
        let id = MessageId::Barrage("1_2_3".into());
        let message = Delivered::room_message(id, "r", ("u", "Uma"), MessageCategory::Chat, "hi");
        let stored = Stored {
            world: WORLD,
            user_id: "v".into(),
            at_ms: 0,
            message,
        };
        assert_eq!(stored.bytes(), 1 + 1 + 1 + 2 + 3 + 5);
        assert_eq!(
            serde_json::to_value(&stored.message).unwrap(),
            serde_json::json!({"kind": "barrage", "room_id": "r", "from_user_id": "u",
                "from_user_name": "Uma", "category": 2, "message_id": "1_2_3", "content": "hi"})
        );
    }
}
