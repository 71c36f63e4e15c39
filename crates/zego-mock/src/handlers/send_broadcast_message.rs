//! `SendBroadcastMessage` (spec §1): a text message to everyone online in a room but the
//! sender, numbered by the room's `MessageId` counter.

use zego_core::ReturnCode;
use zego_core::actions::{BroadcastData, MessageCategory};

use super::{Call, Handled, data};
use crate::inbox::Delivered;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    let user_id = call.required("UserId")?;
    let user_name = call.optional("UserName");
    let category = category(call.required("MessageCategory")?)?;
    let content = call.message()?;
    call.room_budget(room_id)?;
    let room = call.open_room(room_id)?;
    let message_id = room.take_message_id();
    let receivers = room.online_except(user_id);
    let message =
        Delivered::broadcast(room_id, (user_id, user_name), category, message_id, content);
    call.deliver(&receivers, &message);
    data(&BroadcastData {
        message_id: Some(message_id),
    })
}

/// `MessageCategory`: 1 or 2 in decimal, else 2.
fn category(value: &str) -> Result<MessageCategory, ReturnCode> {
    [MessageCategory::System, MessageCategory::Chat]
        .into_iter()
        .find(|category| category.value().to_string() == value)
        .ok_or(ReturnCode::PARAMETER_ERROR)
}
