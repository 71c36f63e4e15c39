//! `KickoutUser` (spec §3): up to five users out of a room; unknown IDs are ignored, and
//! the room closes when its last online user is kicked.

use zego_core::ReturnCode;
use zego_core::actions::KickoutUser;

use super::{Call, Handled};

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
    let world = call.world();
    for user_id in user_ids {
        world.leave(room_id, user_id);
    }
    Ok(None)
}
