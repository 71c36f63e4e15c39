//! The calls the mock implements: one file each, registered here by the core's type, so
//! that the mock takes each call's name, group and budgets from the very type the
//! client sends and the two cannot disagree.
//!
//! The gateway (`gateway.rs`) runs the shared checks and the per-AppId budget; a handler
//! then reads and checks its parameters with the helpers of [`Call`], names its room for
//! a per-room budget ([`Call::room_budget`]), and acts on its world.

mod describe_user_num;
mod kickout_user;
mod send_broadcast_message;
mod send_custom_command;

use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use zego_core::actions::{DescribeUserNum, KickoutUser, SendBroadcastMessage, SendCustomCommand};
use zego_core::validate::MAX_MESSAGE_BYTES;
use zego_core::{Action, Batched, Budget, Group, Rate, ReturnCode};

use crate::inbox::Delivered;
use crate::request::{Now, Params};
use crate::state::{BucketKey, State};
use crate::world::{RoomState, World, WorldKey, unix_millis};

/// What a handler answers: the success's `Data` (`None`: no `Data` member, as the
/// vendor shows for calls such as `KickoutUser`), or an error code.
pub(crate) type Handled = Result<Option<Value>, ReturnCode>;

/// A call's handler and what the gateway needs to know of the call.
#[derive(Clone, Copy)]
pub(crate) struct Handler {
    /// The `Action` it answers.
    pub(crate) name: &'static str,
    /// The group its codes and envelope follow.
    pub(crate) group: Group,
    /// Its budgets per AppId (and environment) and per room.
    pub(crate) budget: Budget,
    /// Its parameters' checks and its effect.
    pub(crate) handle: fn(&mut Call<'_>) -> Handled,
}

impl Handler {
    /// The handler of the core's call `A`, with `A`'s name, group and budgets.
    pub(crate) const fn of<A: Action>(handle: fn(&mut Call<'_>) -> Handled) -> Self {
        Handler {
            name: A::NAME,
            group: A::GROUP,
            budget: A::BUDGET,
            handle,
        }
    }

    /// The call's throttling code: 206 (per AppId) or 207 (per room) for room
    /// signalling, 30002 for the media service.
    pub(crate) fn throttled(&self, per_room: bool) -> ReturnCode {
        match self.group {
            Group::MediaService => ReturnCode::MEDIA_QPS_LIMIT,
            _ if per_room => ReturnCode::ROOM_QPS_LIMIT,
            _ => ReturnCode::APP_QPS_LIMIT,
        }
    }

    /// Takes one request from `key`'s bucket of budget `rate` (when budgets are on);
    /// over it, the call's throttling code.
    pub(crate) fn spend(
        &self,
        state: &mut State,
        key: BucketKey,
        rate: Rate,
        now: Instant,
    ) -> Result<(), ReturnCode> {
        let per_room = key.room.is_some();
        if !state.rate_limits || state.take_token(key, rate, now) {
            return Ok(());
        }
        Err(self.throttled(per_room))
    }
}

/// Every call the mock implements; any other `Action` is answered 100000007.
pub(crate) const REGISTRY: &[Handler] = &[
    Handler::of::<SendCustomCommand>(send_custom_command::handle),
    Handler::of::<SendBroadcastMessage>(send_broadcast_message::handle),
    Handler::of::<KickoutUser>(kickout_user::handle),
    Handler::of::<DescribeUserNum>(describe_user_num::handle),
];

/// One request past the gateway: its parameters and the world it acts on.
pub(crate) struct Call<'a> {
    handler: &'a Handler,
    params: &'a Params,
    state: &'a mut State,
    world: WorldKey,
    now: Now,
}

impl<'a> Call<'a> {
    pub(crate) fn new(
        handler: &'a Handler,
        params: &'a Params,
        state: &'a mut State,
        world: WorldKey,
        now: Now,
    ) -> Self {
        Call {
            handler,
            params,
            state,
            world,
            now,
        }
    }

    /// A required parameter: present and not empty, else 2.
    pub(crate) fn required(&self, key: &str) -> Result<&'a str, ReturnCode> {
        self.params
            .non_empty(key)
            .ok_or(ReturnCode::PARAMETER_ERROR)
    }

    /// An optional parameter: empty when absent (an empty value means absent).
    pub(crate) fn optional(&self, key: &str) -> &'a str {
        self.params.first(key).unwrap_or_default()
    }

    /// An optional text of at most `limit` bytes once decoded, else `too_long`.
    pub(crate) fn at_most(
        &self,
        key: &str,
        limit: usize,
        too_long: ReturnCode,
    ) -> Result<&'a str, ReturnCode> {
        let value = self.optional(key);
        if value.len() > limit {
            return Err(too_long);
        }
        Ok(value)
    }

    /// A message's `MessageContent`: 1008 when missing or empty, 50012 over
    /// [`MAX_MESSAGE_BYTES`] once decoded.
    pub(crate) fn message(&self) -> Result<&'a str, ReturnCode> {
        let content = self
            .params
            .non_empty("MessageContent")
            .ok_or(ReturnCode::MESSAGE_CONTENT_EMPTY)?;
        if content.len() > MAX_MESSAGE_BYTES {
            return Err(ReturnCode::MESSAGE_TOO_LONG);
        }
        Ok(content)
    }

    /// The elements of `A`'s list parameter (`A::LIST`, brackets and all; the key
    /// without them is another parameter), in order, duplicates kept: an empty element
    /// is 2, more than `A::MAX_PER_REQUEST` is `A::TOO_MANY`. None is allowed here.
    pub(crate) fn items<A: Batched>(&self) -> Result<Vec<&'a str>, ReturnCode> {
        let items: Vec<&'a str> = self.params.all(A::LIST).collect();
        if items.iter().any(|item| item.is_empty()) {
            return Err(ReturnCode::PARAMETER_ERROR);
        }
        if items.len() > A::MAX_PER_REQUEST {
            return Err(A::TOO_MANY);
        }
        Ok(items)
    }

    /// [`Call::items`] of a required list: none is 2.
    pub(crate) fn required_items<A: Batched>(&self) -> Result<Vec<&'a str>, ReturnCode> {
        let items = self.items::<A>()?;
        if items.is_empty() {
            return Err(ReturnCode::PARAMETER_ERROR);
        }
        Ok(items)
    }

    /// Spends one request of the call's per-room budget in `room_id`, if the call has
    /// one (207 over it). A handler calls it once its parameters are valid, before it
    /// acts.
    pub(crate) fn room_budget(&mut self, room_id: &str) -> Result<(), ReturnCode> {
        let Some(rate) = self.handler.budget.room_rate() else {
            return Ok(());
        };
        let key = BucketKey {
            world: self.world,
            action: self.handler.name,
            room: Some(room_id.to_owned()),
        };
        self.handler.spend(self.state, key, rate, self.now.instant)
    }

    /// The mock's wall clock when the request came, Unix milliseconds.
    pub(crate) fn now_ms(&self) -> u64 {
        unix_millis(self.now.wall)
    }

    /// The world the request acts on. Its changes are sent as callbacks once the handler
    /// returns.
    pub(crate) fn world(&mut self) -> &mut World {
        self.state.world(self.world)
    }

    /// The room, which must exist (someone online in it), else 50001.
    pub(crate) fn open_room(&mut self, room_id: &str) -> Result<&mut RoomState, ReturnCode> {
        self.world()
            .open_room(room_id)
            .ok_or(ReturnCode::ROOM_NOT_FOUND)
    }

    /// Delivers `message` to each of `receivers`.
    pub(crate) fn deliver(&mut self, receivers: &[String], message: &Delivered) {
        for user_id in receivers {
            self.state.deliver(self.world, user_id, message.clone());
        }
    }
}

/// A success whose `Data` is `data`, in the core's own shape of it.
pub(crate) fn data(data: &impl Serialize) -> Handled {
    // The core's reply types are plain data and always encode.
    Ok(Some(serde_json::to_value(data).unwrap_or(Value::Null)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_is_registered_once_with_its_core_types_facts() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|h| h.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len(), "a name registered twice");
        let describe = REGISTRY
            .iter()
            .find(|h| h.name == "DescribeUserNum")
            .unwrap();
        assert_eq!(describe.budget, DescribeUserNum::BUDGET);
        assert_eq!(describe.group, Group::RoomSignalling);
        assert_eq!(describe.throttled(false), ReturnCode::APP_QPS_LIMIT);
        assert_eq!(describe.throttled(true), ReturnCode::ROOM_QPS_LIMIT);
    }
}
