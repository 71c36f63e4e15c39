//! Budgets kept outside the process: what the driver asks of one, and what it answers.
//!
//! The in-process [`Gcra`](crate::Gcra) paces one client. Several processes that share
//! an AppId share its budgets too, so they must take their slots from one place that all
//! of them see (the crate `zego-redis` keeps them in Redis). Taking such a slot is I/O,
//! which the core never does: the driver asks for it with [`Step::Take`](crate::Step),
//! the transport's loop ([`run`](crate::run)) passes the [`SlotRequest`] to the client's
//! [`SharedBudget`], and hands the answer back with [`Call::taken`](crate::Call::taken).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::action::Rate;
use crate::credentials::AppId;

/// One slot wanted from every budget of a call: the call's per-AppId budget, and its
/// per-room budget when it has one (spec §16).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SlotRequest {
    /// The AppId whose budget it is.
    pub app_id: AppId,
    /// `true` in the test environment (`IsTest=true`), whose budgets are kept apart.
    pub test_environment: bool,
    /// The call (`Action`), e.g. `SendCustomCommand`.
    pub action: &'static str,
    /// The per-AppId rate, as the client paces it ([`Rate::paced`]).
    pub app_rate: Rate,
    /// The room and its per-room rate, for a call with a per-room budget.
    pub room: Option<(String, Rate)>,
    /// The latest start the call can use, from now: the rest of its time cap. A slot
    /// that would start later must not be taken.
    pub within: Duration,
    /// How late a slot may be taken without moving the budget's schedule: half the
    /// smallest pacing margin of its budgets ([`Rate::margin`]). A request that leaves up
    /// to this much after its slot keeps the next slot where it was, and no window of the
    /// vendor's period holds more than the vendor's count (the pace leaves twice this
    /// much of room).
    pub tolerance: Duration,
}

impl SlotRequest {
    /// One slot of `action`'s per-AppId budget of `app_id`, at `app_rate`, in the
    /// production environment, for a call without a time cap.
    pub fn new(app_id: AppId, action: &'static str, app_rate: Rate) -> Self {
        SlotRequest {
            app_id,
            test_environment: false,
            action,
            app_rate,
            room: None,
            within: Duration::MAX,
            tolerance: Duration::ZERO,
        }
    }

    /// With this [`tolerance`](SlotRequest::tolerance).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// In the test environment or not.
    pub fn test_environment(mut self, test: bool) -> Self {
        self.test_environment = test;
        self
    }

    /// And one slot of the per-room budget of `room`, at `rate`.
    pub fn room(mut self, room: impl Into<String>, rate: Rate) -> Self {
        self.room = Some((room.into(), rate));
        self
    }

    /// With a slot that starts within `within` from now, or none.
    pub fn within(mut self, within: Duration) -> Self {
        self.within = within;
        self
    }
}

/// Why a shared budget gave no slot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BudgetError {
    /// The earliest slot starts after the call's time cap: nothing was taken, nothing
    /// sent.
    #[error(
        "{action}: the rate budget is exhausted: the earliest slot starts in {wait:?}, after the call's time cap; nothing was sent"
    )]
    Exhausted {
        /// The call.
        action: &'static str,
        /// How far ahead the earliest slot was.
        wait: Duration,
    },
    /// The shared budget could not be asked (its store is unreachable, too slow, or
    /// answered something else). With [`OnUnavailable::Fail`] the call ends with it.
    #[error("{action}: the shared rate budget is unavailable ({reason}); nothing was sent")]
    Unavailable {
        /// The call.
        action: &'static str,
        /// What went wrong, without credentials.
        reason: String,
    },
}

/// What a call does when its shared budget cannot be asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnUnavailable {
    /// Pace this attempt with the client's in-process budget instead, and emit a warning
    /// event (feature `tracing`). The call goes on; processes that fall back at the same
    /// time can together exceed the server's budget, whose 206 answers the driver then
    /// retries. The default.
    #[default]
    Local,
    /// End the call with [`BudgetError::Unavailable`]: nothing is sent.
    Fail,
}

/// The future a [`SharedBudget`] answers with: the wait from now until the slot starts.
pub type TakeFuture<'a> = Pin<Box<dyn Future<Output = Result<Duration, BudgetError>> + Send + 'a>>;

/// A rate budget kept outside the process, shared by every process that uses it.
///
/// [`take`](SharedBudget::take) takes one slot in every budget of the request, all or
/// none, and answers how long from now the slot starts, or
/// [`BudgetError::Exhausted`] (nothing taken) when that is later than
/// [`SlotRequest::within`]. A blocking implementation does its I/O in `take` and
/// returns a ready future; the blocking client accepts only those, the async client
/// only the others ([`is_blocking`](SharedBudget::is_blocking)).
pub trait SharedBudget: Send + Sync + fmt::Debug {
    /// Takes a slot for `request`.
    fn take<'a>(&'a self, request: &'a SlotRequest) -> TakeFuture<'a>;

    /// `true` when [`take`](SharedBudget::take) does its I/O before returning (its
    /// future is always ready).
    fn is_blocking(&self) -> bool;

    /// What a call does when [`take`](SharedBudget::take) fails with
    /// [`BudgetError::Unavailable`].
    fn on_unavailable(&self) -> OnUnavailable {
        OnUnavailable::Local
    }
}
