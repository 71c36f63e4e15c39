//! `DeleteStream` (spec §10): a stream taken out of a room's list (a published one is
//! announced closed, callback `stream_close` type 100, and goes on being published); a
//! stream the list does not have is 138. Any `UserId` may delete any stream.

use zego_core::actions::DeleteStream;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let (room_id, _, stream_id) = call.stream_entry::<DeleteStream>()?;
    call.room_budget(room_id)?;
    let now_ms = call.now_ms();
    call.world().delete_stream(room_id, stream_id, now_ms)?;
    Ok(None)
}
