//! Every call of the API: one module each, with its parameters, checks, budgets and
//! `Data`. Each call is a type implementing [`Action`](crate::Action) (and
//! [`Batched`](crate::Batched) when its list parameter has a per-request maximum,
//! [`Paged`](crate::Paged) when its answer comes a page at a time); the clients run any
//! of them.
//!
//! | call | group | idempotent | budget per AppId (test environment) | per room | list, pages, `Sequence` |
//! |---|---|---|---|---|---|
//! | [`SendCustomCommand`] | room signalling | no | 100/s (10/s) | | `ToUserId[]` ≤ 10 |
//! | [`SendBroadcastMessage`] | room signalling | no | 100/s (10/s) | | |
//! | [`SendBarrageMessage`] | room signalling | no | 100/s (10/s) | | |
//! | [`KickoutUser`] | room signalling | yes | 50/s | | `UserId[]` ≤ 5 |
//! | [`DescribeUsers`] | room signalling | yes | 10/s | | `UserId[]` ≤ 10 |
//! | [`DescribeUserList`] | room signalling | yes | 200/s | 1/s | pages (`Marker`) |
//! | [`DescribeUserNum`] | room signalling | yes | 10/s (1/s) | | `RoomId[]` ≤ 10 |
//! | [`CloseRoom`] | room signalling | yes | 1/s (1/s) | | |
//! | [`DescribeSimpleStreamList`] | room signalling | yes | 50/s | 1 per 10 s | |
//! | [`AddStream`] | room signalling | yes | 10/s (1/s) | | |
//! | [`DeleteStream`] | room signalling | yes | 10/s (1/s) | | |
//! | [`ForbidRTCStream`] | media service | yes | 20/s (5/s) | | `Sequence` |
//! | [`ResumeRTCStream`] | media service | yes | 20/s (5/s) | | `Sequence` |
//! | [`ForbidRTCStreams`] | media service | yes | 20/s (5/s) | | `StreamId[]` ≤ 20, `Sequence` |
//! | [`ResumeRTCStreams`] | media service | yes | 20/s (5/s) | | `StreamId[]` ≤ 20, `Sequence` |
//! | [`DescribeRTCStreamState`] | media service | yes | 40/s (10/s) | | `Sequence` |
//! | [`SetForbidUserRule`] | room signalling | yes | 10/s | | |
//! | [`DescribeForbidUserRules`] | room signalling | yes | 1/s | | |
//! | [`DelForbidUserRule`] | room signalling | yes | 10/s | | |
//!
//! Idempotent: a query, or a call that sets a state, which has the same effect when it
//! arrives twice, so that a retry after the request may have reached the server is safe;
//! the sends are not.

mod add_stream;
mod close_room;
mod del_forbid_user_rule;
mod delete_stream;
mod describe_forbid_user_rules;
mod describe_rtc_stream_state;
mod describe_simple_stream_list;
mod describe_user_list;
mod describe_user_num;
mod describe_users;
mod forbid_rtc_stream;
mod forbid_rtc_streams;
mod kickout_user;
mod message;
mod resume_rtc_stream;
mod resume_rtc_streams;
mod rtc_stream;
mod send_barrage_message;
mod send_broadcast_message;
mod send_custom_command;
mod set_forbid_user_rule;
mod stream_entry;

pub use add_stream::{AddStream, CensorFlag};
pub use close_room::CloseRoom;
pub use del_forbid_user_rule::DelForbidUserRule;
pub use delete_stream::DeleteStream;
pub use describe_forbid_user_rules::{DescribeForbidUserRules, ForbidRule, ForbidRulesData};
pub use describe_rtc_stream_state::{DescribeRTCStreamState, StreamState, StreamStateData};
pub use describe_simple_stream_list::{DescribeSimpleStreamList, RoomStream, StreamListData};
pub use describe_user_list::{DescribeUserList, ListedUser, UserListData, UserListOrder};
pub use describe_user_num::{DescribeUserNum, RoomUserCount, UserNumData};
pub use describe_users::{DescribeUsers, UserStatus, UsersData};
pub use forbid_rtc_stream::{Forbid, ForbidRTCStream};
pub use forbid_rtc_streams::ForbidRTCStreams;
pub use kickout_user::KickoutUser;
pub use message::{MessageCategory, MessageKind, RoomMessage};
pub use resume_rtc_stream::{Resume, ResumeRTCStream};
pub use resume_rtc_streams::ResumeRTCStreams;
pub use rtc_stream::{RtcStream, RtcStreams, Switch};
pub use send_barrage_message::{Barrage, BarrageData, SendBarrageMessage};
pub use send_broadcast_message::{Broadcast, BroadcastData, SendBroadcastMessage};
pub use send_custom_command::{CustomCommandData, FailedUser, SendCustomCommand};
pub use set_forbid_user_rule::{
    ForbidRuleData, ForbidTarget, Privilege, RuleType, SetForbidUserRule,
};
