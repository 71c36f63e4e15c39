//! `CloseRoom` (spec §7): every user out of a room and the room closed; its streams
//! close (callbacks `stream_close` type 5), its users' sessions end (`room_logout`
//! reason 3), and a `room_close` is sent only with `RoomCloseCallback=true`. A room that
//! does not exist, or is already closed, is 5018.

use zego_core::ReturnCode;
use zego_core::actions::CloseRoom;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    call.at_most(
        "CustomReason",
        CloseRoom::MAX_REASON_BYTES,
        ReturnCode::PARAMETER_TOO_LONG,
    )?;
    let announce = call.flag("RoomCloseCallback")?;
    call.room_budget(room_id)?;
    let now_ms = call.now_ms();
    if !call.world().close_room(room_id, announce, now_ms) {
        return Err(ReturnCode::ROOM_CLOSED.into());
    }
    Ok(None)
}
