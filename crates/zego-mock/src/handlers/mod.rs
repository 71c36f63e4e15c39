//! The calls the mock implements: one file each, registered here by the core's type, so
//! that the mock takes each call's name, group and budgets from the very type the
//! client sends and the two cannot disagree.
//!
//! The gateway (`gateway.rs`) runs the shared checks, the call's feature switch and the
//! per-AppId budget; a handler then reads and checks its parameters with the helpers of
//! [`Call`] (the core's own [`Rules`](zego_core::Rules) where they apply), names its room
//! for a per-room budget ([`Call::room_budget`]), and acts on its world. The media
//! service's shared pieces (the stream-ID prefix, `Sequence`) are in `media.rs`, the ban
//! rules' (the rule's type, key and privileges) in `ban_rules.rs`.

mod add_stream;
mod ban_rules;
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
mod media;
mod resume_rtc_stream;
mod resume_rtc_streams;
mod send_barrage_message;
mod send_broadcast_message;
mod send_custom_command;
mod set_forbid_user_rule;

use std::time::Instant;

use serde::Serialize;
use serde_json::Value;
use zego_core::actions::{
    AddStream, CloseRoom, DelForbidUserRule, DeleteStream, DescribeForbidUserRules,
    DescribeRTCStreamState, DescribeSimpleStreamList, DescribeUserList, DescribeUserNum,
    DescribeUsers, ForbidRTCStream, ForbidRTCStreams, KickoutUser, MessageCategory,
    ResumeRTCStream, ResumeRTCStreams, SendBarrageMessage, SendBroadcastMessage, SendCustomCommand,
    SetForbidUserRule,
};
use zego_core::validate::MAX_MESSAGE_BYTES;
use zego_core::{Action, Batched, Budget, Group, Rate, ReturnCode, Rules, ValidationError};

use crate::inbox::{Delivered, MessageId};
use crate::request::{Now, Params};
use crate::state::{BucketKey, State};
use crate::world::{RoomState, World, WorldKey, unix_millis};

/// What a handler answers: the success's `Data` (`None`: no `Data` member for a
/// room-signalling call, as the vendor shows for calls such as `KickoutUser`, and
/// `"Data": null` for a media-service call), or a non-zero code.
pub(crate) type Handled = Result<Option<Value>, Coded>;

/// An answer with a non-zero code: an error, or one of the codes that are answers
/// (41006), with what it carries besides the code.
#[derive(Debug, PartialEq)]
pub(crate) struct Coded {
    pub(crate) code: ReturnCode,
    /// The `Message`, when it says more than the code's meaning.
    pub(crate) message: Option<&'static str>,
    /// The `Data`, when the answer carries one (else the group's error shape).
    pub(crate) data: Option<Value>,
}

impl From<ReturnCode> for Coded {
    fn from(code: ReturnCode) -> Self {
        Coded {
            code,
            message: None,
            data: None,
        }
    }
}

/// A check of the core's [`Rules`](zego_core::Rules) that fails answers the code it
/// mirrors: the mock refuses what the client refuses, with the same code.
impl From<ValidationError> for Coded {
    fn from(error: ValidationError) -> Self {
        error.mirrors().into()
    }
}

/// A call's handler and what the gateway needs to know of the call.
#[derive(Clone, Copy)]
pub(crate) struct Handler {
    /// The `Action` it answers.
    pub(crate) name: &'static str,
    /// The group its codes and envelope follow.
    pub(crate) group: Group,
    /// Its budgets per AppId (and environment) and per room.
    pub(crate) budget: Budget,
    /// Whether the world has the feature the call needs (else 9, before the budget).
    pub(crate) enabled: fn(&World) -> bool,
    /// Its parameters' checks and its effect.
    pub(crate) handle: fn(&mut Call<'_>) -> Handled,
}

/// A call that needs no feature switch.
fn always(_: &World) -> bool {
    true
}

impl Handler {
    /// The handler of the core's call `A`, with `A`'s name, group and budgets.
    pub(crate) const fn of<A: Action>(handle: fn(&mut Call<'_>) -> Handled) -> Self {
        Handler {
            name: A::NAME,
            group: A::GROUP,
            budget: A::BUDGET,
            enabled: always,
            handle,
        }
    }

    /// Needs the feature `enabled` says the world has (spec §16's second check).
    pub(crate) const fn when(mut self, enabled: fn(&World) -> bool) -> Self {
        self.enabled = enabled;
        self
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

/// Whether the world's app has the ban rules (spec §17).
fn ban_rules(world: &World) -> bool {
    world.rules.enabled
}

/// Every call the mock implements; any other `Action` is answered 100000007.
pub(crate) const REGISTRY: &[Handler] = &[
    Handler::of::<SendCustomCommand>(send_custom_command::handle),
    Handler::of::<SendBroadcastMessage>(send_broadcast_message::handle),
    Handler::of::<SendBarrageMessage>(send_barrage_message::handle),
    Handler::of::<KickoutUser>(kickout_user::handle),
    Handler::of::<DescribeUsers>(describe_users::handle),
    Handler::of::<DescribeUserList>(describe_user_list::handle),
    Handler::of::<DescribeUserNum>(describe_user_num::handle),
    Handler::of::<CloseRoom>(close_room::handle),
    Handler::of::<DescribeSimpleStreamList>(describe_simple_stream_list::handle),
    Handler::of::<AddStream>(add_stream::handle),
    Handler::of::<DeleteStream>(delete_stream::handle),
    Handler::of::<ForbidRTCStream>(forbid_rtc_stream::handle),
    Handler::of::<ResumeRTCStream>(resume_rtc_stream::handle),
    Handler::of::<ForbidRTCStreams>(forbid_rtc_streams::handle),
    Handler::of::<ResumeRTCStreams>(resume_rtc_streams::handle),
    Handler::of::<DescribeRTCStreamState>(describe_rtc_stream_state::handle),
    Handler::of::<SetForbidUserRule>(set_forbid_user_rule::handle).when(ban_rules),
    Handler::of::<DescribeForbidUserRules>(describe_forbid_user_rules::handle).when(ban_rules),
    Handler::of::<DelForbidUserRule>(del_forbid_user_rule::handle).when(ban_rules),
];

/// A room message (`SendBroadcastMessage`, `SendBarrageMessage`) as checked: its room,
/// sender, sender's name, category and content.
pub(crate) struct RoomMessage<'a> {
    pub(crate) room_id: &'a str,
    pub(crate) user_id: &'a str,
    user_name: &'a str,
    category: MessageCategory,
    content: &'a str,
}

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

    /// An optional parameter that is one of `options`, written as its decimal number
    /// (`value`) exactly: `None` when absent or empty, 2 for any other value.
    pub(crate) fn one_of<T: Copy>(
        &self,
        key: &str,
        options: &[T],
        value: fn(T) -> u32,
    ) -> Result<Option<T>, ReturnCode> {
        let Some(text) = self.params.non_empty(key) else {
            return Ok(None);
        };
        options
            .iter()
            .copied()
            .find(|option| value(*option).to_string() == text)
            .map(Some)
            .ok_or(ReturnCode::PARAMETER_ERROR)
    }

    /// An optional unsigned decimal number (digits only, at most 20) of `min` to `max`:
    /// `None` when absent or empty, 2 for any other value.
    pub(crate) fn number(&self, key: &str, min: u64, max: u64) -> Result<Option<u64>, ReturnCode> {
        let Some(text) = self.params.non_empty(key) else {
            return Ok(None);
        };
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse::<u64>().ok())
            .flatten()
            .filter(|n| text.len() <= 20 && (min..=max).contains(n))
            .map(Some)
            .ok_or(ReturnCode::PARAMETER_ERROR)
    }

    /// An optional Boolean: `true` or `false` in any case; `false` when absent or empty,
    /// 2 for any other value.
    pub(crate) fn flag(&self, key: &str) -> Result<bool, ReturnCode> {
        match self.params.non_empty(key) {
            None => Ok(false),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(ReturnCode::PARAMETER_ERROR),
        }
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

    /// A room message's parameters (`RoomId`, `UserId` missing: 2; `MessageCategory`
    /// missing or not 1 or 2: 2; the content as [`Call::message`] checks it), then the
    /// call's per-room budget.
    pub(crate) fn room_message(&mut self) -> Result<RoomMessage<'a>, ReturnCode> {
        let room_id = self.required("RoomId")?;
        let user_id = self.required("UserId")?;
        let user_name = self.optional("UserName");
        let categories = [MessageCategory::System, MessageCategory::Chat];
        let category = self
            .one_of("MessageCategory", &categories, MessageCategory::value)?
            .ok_or(ReturnCode::PARAMETER_ERROR)?;
        let content = self.message()?;
        self.room_budget(room_id)?;
        Ok(RoomMessage {
            room_id,
            user_id,
            user_name,
            category,
            content,
        })
    }

    /// A stream of a room's list as the call `A` (`AddStream`, `DeleteStream`) names it:
    /// `RoomId` and `UserId` (missing: 2), and `StreamId` as the core's rules check it
    /// for `A` (empty: 2, over 256 bytes: 3).
    pub(crate) fn stream_entry<A: Action>(&self) -> Result<(&'a str, &'a str, &'a str), Coded> {
        let room_id = self.required("RoomId")?;
        let user_id = self.required("UserId")?;
        let stream_id = self.optional("StreamId");
        Rules::of::<A>().stream_id("StreamId", stream_id)?;
        Ok((room_id, user_id, stream_id))
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

    /// Delivers a room message, numbered `id`, to everyone online in its room but its
    /// sender.
    pub(crate) fn deliver_to_room(&mut self, message: &RoomMessage<'_>, id: MessageId) {
        let receivers = match self.world().open_room(message.room_id) {
            Some(room) => room.online_except(message.user_id),
            None => return,
        };
        let delivered = Delivered::room_message(
            id,
            message.room_id,
            (message.user_id, message.user_name),
            message.category,
            message.content,
        );
        self.deliver(&receivers, &delivered);
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
        let rules = REGISTRY
            .iter()
            .filter(|h| (h.enabled)(&World::default()) && h.name.contains("ForbidUserRule"))
            .count();
        assert_eq!(rules, 3, "the ban-rule calls are on by default");
        let mut off = World::default();
        off.rules.enabled = false;
        let needing: Vec<&str> = REGISTRY
            .iter()
            .filter(|h| !(h.enabled)(&off))
            .map(|h| h.name)
            .collect();
        assert_eq!(
            needing,
            [
                "SetForbidUserRule",
                "DescribeForbidUserRules",
                "DelForbidUserRule"
            ]
        );
    }
}
