//! `KickoutUser` (spec §3): up to five users out of a room; unknown IDs are ignored, and
//! the room closes when its last online user is kicked. Each kicked user's streams close
//! and its session ends with the reason "kicked out" (callbacks `stream_close` type 3,
//! `room_logout` reason 3, `room_close` reason 3).

use zego_core::ReturnCode;
use zego_core::actions::KickoutUser;

use super::{Call, Handled};
use crate::world::Departure;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    let user_ids = call.required_items::<KickoutUser>()?;
    call.at_most(
        "CustomReason",
        KickoutUser::MAX_REASON_BYTES,
        ReturnCode::PARAMETER_TOO_LONG,
    )?;
    call.room_budget(room_id)?;
    call.open_room(room_id)?;
    let now_ms = call.now_ms();
    let world = call.world();
    for user_id in user_ids {
        world.leave(room_id, user_id, Departure::KickedOut, now_ms);
    }
    Ok(None)
}
