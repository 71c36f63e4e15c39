//! `DescribeSimpleStreamList` (spec §8): a room's stream list, the published streams
//! and those `AddStream` put in, in the order they entered it; a room that does not
//! exist has none.

use zego_core::actions::{RoomStream, StreamListData};

use super::{Call, Handled, data};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    call.room_budget(room_id)?;
    let streams = call.world().open_room(room_id).map(|room| {
        room.streams()
            .into_iter()
            .map(|stream| RoomStream {
                stream_id: stream.stream_id.clone(),
                user_id: stream.user_id.clone(),
                user_name: stream.user_name.clone(),
                create_time: i64::try_from(stream.create_time).unwrap_or(i64::MAX),
                stream_number_id: stream.stream_number_id,
            })
            .collect()
    });
    data(&StreamListData {
        stream_list: Some(streams.unwrap_or_default()),
    })
}
