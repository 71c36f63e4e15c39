//! `DescribeUserNum` (spec §6): the users online in each of up to ten rooms, one entry
//! per requested room in request order; a room that does not exist counts 0.

use zego_core::actions::{DescribeUserNum, RoomUserCount, UserNumData};

use super::{Call, Handled, data};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_ids = call.required_items::<DescribeUserNum>()?;
    let world = call.world();
    let counts = room_ids
        .into_iter()
        .map(|room_id| {
            let (user_count, admin_user_count) = world.counts(room_id);
            RoomUserCount {
                room_id: room_id.to_owned(),
                user_count,
                admin_user_count,
            }
        })
        .collect();
    data(&UserNumData {
        user_count_list: Some(counts),
    })
}
