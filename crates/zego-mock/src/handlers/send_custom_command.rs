//! `SendCustomCommand` (`zego-server-api.md` §6): a message to named users of a room, or
//! to everyone online in it, never to the sender (which may not be named).

use zego_core::actions::{CustomCommandData, FailedUser, SendCustomCommand};
use zego_core::{ReturnCode, distinct};

use super::{Call, Handled, data};
use crate::inbox::Delivered;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    let from_user_id = call.required("FromUserId")?;
    let targets = call.items::<SendCustomCommand>()?;
    // The sender never receives its own message: named as a target, the request is
    // refused, as the core's validation refuses it (it would never be reached).
    if targets.contains(&from_user_id) {
        return Err(ReturnCode::PARAMETER_ERROR.into());
    }
    let content = call.message()?;
    call.room_budget(room_id)?;
    let room = call.open_room(room_id)?;

    // The named targets (each once, in order), or everyone online but the sender. Named
    // targets not online in the room are reported.
    let mut fail_users = Vec::new();
    let receivers = if targets.is_empty() {
        room.online_except(from_user_id)
    } else {
        let (online, offline): (Vec<String>, Vec<String>) = distinct(targets)
            .into_iter()
            .partition(|target| room.is_online(target));
        fail_users.extend(offline.into_iter().map(|user_id| FailedUser {
            user_id,
            code: ReturnCode::USER_NOT_ONLINE,
        }));
        online
    };
    call.deliver(
        &receivers,
        &Delivered::custom_command(room_id, from_user_id, content),
    );
    data(&CustomCommandData { fail_users })
}
