//! What `AddStream` (spec §9) and `DeleteStream` (spec §10) share: a stream of a room's
//! list, and the user it is announced as.

use crate::action::Action;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::validate::Rules;

/// A stream of a room's stream list, as the two calls name it: `RoomId`, `UserId`,
/// `UserName` (optional) and `StreamId`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StreamEntry {
    pub(crate) room_id: String,
    pub(crate) user_id: String,
    pub(crate) user_name: String,
    pub(crate) stream_id: String,
}

impl StreamEntry {
    pub(crate) fn new(
        room_id: impl Into<String>,
        user_id: impl Into<String>,
        stream_id: impl Into<String>,
    ) -> Self {
        StreamEntry {
            room_id: room_id.into(),
            user_id: user_id.into(),
            user_name: String::new(),
            stream_id: stream_id.into(),
        }
    }

    /// `RoomId`, `UserId` and `StreamId` not empty (2), `StreamId` at most 256 bytes (3),
    /// as the call `A` answers them.
    pub(crate) fn validate<A: Action>(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<A>();
        rules.id("RoomId", &self.room_id)?;
        rules.id("UserId", &self.user_id)?;
        rules.stream_id("StreamId", &self.stream_id)
    }

    /// The parameters in the vendor's order; `UserName` only when set.
    pub(crate) fn write_params(&self, q: &mut QueryWriter) {
        q.param("RoomId", &self.room_id)
            .param("UserId", &self.user_id)
            .optional("UserName", &self.user_name)
            .param("StreamId", &self.stream_id);
    }
}
