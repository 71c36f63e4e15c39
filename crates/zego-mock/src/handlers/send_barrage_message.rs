//! `SendBarrageMessage` (spec §2): a barrage message to everyone online in a room but the
//! sender, with the checks of `SendBroadcastMessage`; its `MessageId` is a string,
//! `"1_<Unix ms>_<the room's barrage counter>"`. The mock drops none.

use zego_core::actions::BarrageData;

use super::{Call, Handled, data};
use crate::inbox::MessageId;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let message = call.room_message()?;
    let now_ms = call.now_ms();
    let message_id = call.open_room(message.room_id)?.take_barrage_id(now_ms);
    call.deliver_to_room(&message, MessageId::Barrage(message_id.clone()));
    data(&BarrageData {
        message_id: Some(message_id),
    })
}
