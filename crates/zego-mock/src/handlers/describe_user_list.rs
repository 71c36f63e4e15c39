//! `DescribeUserList` (spec §5): a page of the users online in a room, by login time
//! (then user ID), oldest (`Mode` 0) or newest (1) first, `Limit` at a time (0 or
//! absent: 200), from after the `Marker` `"<login ms>-<user ID>"` of the page before.
//! A room that does not exist has no users.

use zego_core::ReturnCode;
use zego_core::actions::{DescribeUserList, ListedUser, UserListData, UserListOrder};

use super::{Call, Handled, data};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let room_id = call.required("RoomId")?;
    let orders = [UserListOrder::OldestFirst, UserListOrder::NewestFirst];
    let order = call.one_of("Mode", &orders, UserListOrder::value)?;
    let max = u64::from(DescribeUserList::MAX_LIMIT);
    let limit = call
        .number("Limit", 0, max)?
        .filter(|n| *n > 0)
        .unwrap_or(max);
    let marker = match call.optional("Marker") {
        "" => None,
        text => Some(parse_marker(text).ok_or(ReturnCode::PARAMETER_ERROR)?),
    };
    call.room_budget(room_id)?;
    let newest_first = order == Some(UserListOrder::NewestFirst);
    let after = marker.as_ref().map(|(time, id)| (*time, id.as_str()));
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let (users, last) = call.world().user_page(room_id, newest_first, after, limit);
    let user_list = users.into_iter().map(|user| ListedUser {
        user_id: user.user_id.clone(),
        user_name: user.user_name.clone(),
        user_role: user.role,
    });
    data(&UserListData {
        marker: Some(last.map_or_else(String::new, |(time, id)| format!("{time}-{id}"))),
        user_list: Some(user_list.collect()),
    })
}

/// A marker `"<ms>-<user ID>"`: decimal digits, a dash, the rest.
fn parse_marker(text: &str) -> Option<(u64, String)> {
    let (time, user_id) = text.split_once('-')?;
    let digits = !time.is_empty() && time.bytes().all(|b| b.is_ascii_digit());
    Some((time.parse().ok().filter(|_| digits)?, user_id.to_owned()))
}
