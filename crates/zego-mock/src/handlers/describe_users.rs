//! `DescribeUsers` (spec §4): whether each of up to ten users is online in a room, one
//! entry per requested user in request order; a user not online is all zeros.

use zego_core::actions::{DescribeUsers, UserStatus, UsersData};

use super::{Call, Handled, data};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    let user_ids = call.required_items::<DescribeUsers>()?;
    let room = call.open_room(room_id)?;
    let statuses = user_ids
        .into_iter()
        .map(|user_id| {
            let user = room.user(user_id);
            UserStatus {
                user_id: user_id.to_owned(),
                status: u32::from(user.is_some()),
                login_time: user.map_or(0, |u| i64::try_from(u.login_time).unwrap_or(i64::MAX)),
                user_role: user.map_or(0, |u| u.role),
            }
        })
        .collect();
    data(&UsersData {
        user_status_list: Some(statuses),
    })
}
