//! `SendBroadcastMessage` (spec §1): a text message to everyone online in a room but the
//! sender, numbered by the room's `MessageId` counter.

use zego_core::actions::BroadcastData;

use super::{Call, Handled, data};
use crate::inbox::MessageId;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let message = call.room_message()?;
    let message_id = call.open_room(message.room_id)?.take_message_id();
    call.deliver_to_room(&message, MessageId::Broadcast(message_id));
    data(&BroadcastData {
        message_id: Some(message_id),
    })
}
