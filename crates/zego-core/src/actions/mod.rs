//! Every call of the API: one module each, with its parameters, checks, budgets and
//! `Data`. Each call is a type implementing [`Action`](crate::Action) (and
//! [`Batched`](crate::Batched) when its list parameter has a per-request maximum); the
//! clients run any of them.
//!
//! | call | group | idempotent | budget per AppId (test environment) |
//! |---|---|---|---|
//! | [`SendCustomCommand`] | room signalling | no | 100/s (10/s) |
//! | [`SendBroadcastMessage`] | room signalling | no | 100/s (10/s) |
//! | [`KickoutUser`] | room signalling | yes | 50/s |
//! | [`DescribeUserNum`] | room signalling | yes | 10/s (1/s) |

mod describe_user_num;
mod kickout_user;
mod send_broadcast_message;
mod send_custom_command;

pub use describe_user_num::{DescribeUserNum, RoomUserCount, UserNumData};
pub use kickout_user::KickoutUser;
pub use send_broadcast_message::{BroadcastData, MessageCategory, SendBroadcastMessage};
pub use send_custom_command::{CustomCommandData, FailedUser, SendCustomCommand};
