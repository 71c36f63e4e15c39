//! `AddStream` (spec §9): a stream announced in an existing room's list, attributed to
//! a user, with its title, extra information and censor flag. It is not published: no
//! callback, and the media layer does not know it.

use zego_core::ReturnCode;
use zego_core::actions::{AddStream, CensorFlag};

use super::{Call, Handled};
use crate::world::Stream;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let (room_id, user_id, stream_id) = call.stream_entry::<AddStream>()?;
    let too_long = ReturnCode::PARAMETER_TOO_LONG;
    let title = call.at_most("StreamTitle", AddStream::MAX_TITLE_BYTES, too_long)?;
    let extra_info = call.at_most("ExtraInfo", AddStream::MAX_EXTRA_INFO_BYTES, too_long)?;
    let flags = [CensorFlag::Allowed, CensorFlag::NotAllowed];
    let censor_flag = call.one_of("CensorFlag", &flags, CensorFlag::value)?;
    call.room_budget(room_id)?;
    let stream = Stream {
        stream_id: stream_id.to_owned(),
        user_id: user_id.to_owned(),
        user_name: call.optional("UserName").to_owned(),
        create_time: 0,
        stream_number_id: 0,
        title: title.to_owned(),
        extra_info: extra_info.to_owned(),
        censor_flag: censor_flag.unwrap_or_default().value(),
        added: true,
    };
    let now_ms = call.now_ms();
    call.world().add_stream(room_id, stream, now_ms)?;
    Ok(None)
}
