//! The forbid and resume calls of the media service, on one stream
//! (`ForbidRTCStream`, `ResumeRTCStream`: spec §11, §12) or on up to twenty
//! (`ForbidRTCStreams`, `ResumeRTCStreams`: spec §13, §14): two types, [`RtcStream`] and
//! [`RtcStreams`], whose [`Switch`] says which of the two calls each is.

use std::fmt;
use std::marker::PhantomData;

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::batch::Batched;
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::NoData;
use crate::validate::{Rules, distinct};

/// Whether a [`RtcStream`] or [`RtcStreams`] call forbids or resumes:
/// [`Forbid`](super::Forbid) or [`Resume`](super::Resume).
pub trait Switch: sealed::Sealed + fmt::Debug + Clone + Eq + Send + Sync + 'static {
    /// The `Action` name of the call on one stream.
    const ONE: &'static str;
    /// The `Action` name of the call on a list of streams.
    const MANY: &'static str;
}

pub(crate) mod sealed {
    /// Only the crate's switches.
    pub trait Sealed {}
}

/// The budget of the four calls: 20/s per AppId, 5/s in the test environment.
const BUDGET: Budget =
    Budget::per_app(Rate::per_second(20)).in_test_environment(Rate::per_second(5));

/// A forbid or resume of one stream ID on the RTC media service: the one type of
/// [`ForbidRTCStream`](super::ForbidRTCStream) and [`ResumeRTCStream`](super::ResumeRTCStream),
/// which differ only in their name (`S`).
///
/// A media-service call: its codes are read in that group, and it carries `Sequence`, a
/// fresh value from the client's source on every attempt. In the test environment the
/// stream ID is sent with the prefix `zegotest-<AppId>-`, unless it has it already. It
/// sets a state, so a retry after the request may have reached the server is safe.
///
/// Checked before anything is sent: `StreamId` not empty (2), at most 256 bytes and made
/// of the characters of the vendor's stream-ID rules (else 30009). Budget: 20/s per
/// AppId (5/s in the test environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtcStream<S> {
    stream_id: String,
    switch: PhantomData<S>,
}

impl<S: Switch> RtcStream<S> {
    /// The call on `stream_id` (as published, without the test environment's prefix).
    pub fn new(stream_id: impl Into<String>) -> Self {
        RtcStream {
            stream_id: stream_id.into(),
            switch: PhantomData,
        }
    }

    /// The stream.
    pub fn stream_id(&self) -> &str {
        &self.stream_id
    }
}

impl<S: Switch> Action for RtcStream<S> {
    const NAME: &'static str = S::ONE;
    const GROUP: Group = Group::MediaService;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = BUDGET;
    const SEQUENCE: bool = true;
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        Rules::of::<Self>().stream_id("StreamId", &self.stream_id)
    }

    fn write_params(&self, q: &mut QueryWriter, context: &RequestContext) {
        q.param("StreamId", &context.media_stream_id(&self.stream_id));
    }
}

/// A forbid or resume of up to 20 stream IDs at once on the RTC media service: the one
/// type of [`ForbidRTCStreams`](super::ForbidRTCStreams) and
/// [`ResumeRTCStreams`](super::ResumeRTCStreams), which differ only in their name (`S`).
///
/// A media-service call: its codes are read in that group, and each request carries one
/// `Sequence` for all its streams, a fresh value from the client's source on every
/// attempt. In the test environment each stream ID is sent with the prefix
/// `zegotest-<AppId>-`, unless it has it already. It sets a state, so a retry after the
/// request may have reached the server is safe. More than 20 streams: a
/// [`FanOut`](crate::FanOut) sends them as several requests, each with its own
/// `Sequence`.
///
/// Checked before anything is sent: 1 to 20 distinct stream IDs, each not empty, at most
/// 256 bytes and made of the characters of the vendor's stream-ID rules (every problem of
/// the list: 30006). Budget: 20/s per AppId (5/s in the test environment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtcStreams<S> {
    stream_ids: Vec<String>,
    switch: PhantomData<S>,
}

impl<S: Switch> RtcStreams<S> {
    /// The call on `stream_ids` (duplicates merged; as published, without the test
    /// environment's prefix).
    pub fn new<I, T>(stream_ids: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        RtcStreams {
            stream_ids: distinct(stream_ids),
            switch: PhantomData,
        }
    }

    /// The distinct streams, in order.
    pub fn stream_ids(&self) -> &[String] {
        &self.stream_ids
    }
}

impl<S: Switch> Action for RtcStreams<S> {
    const NAME: &'static str = S::MANY;
    const GROUP: Group = Group::MediaService;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = BUDGET;
    const SEQUENCE: bool = true;
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.validate_batch()?;
        self.validate_count()
    }

    fn write_params(&self, q: &mut QueryWriter, context: &RequestContext) {
        let wire = self.stream_ids.iter().map(|id| context.media_stream_id(id));
        q.array("StreamId", wire);
    }
}

impl<S: Switch> Batched for RtcStreams<S> {
    const LIST: &'static str = "StreamId[]";
    const MAX_PER_REQUEST: usize = 20;
    const TOO_MANY: ReturnCode = ReturnCode::INVALID_STREAM_ID_LIST;
    type Merged = NoData;

    fn items(&self) -> &[String] {
        &self.stream_ids
    }

    fn with_items(&self, stream_ids: Vec<String>) -> Self {
        RtcStreams {
            stream_ids,
            switch: PhantomData,
        }
    }

    fn validate_batch(&self) -> Result<(), ValidationError> {
        Rules::of::<Self>().stream_list(Self::LIST, &self.stream_ids)
    }

    fn merge(_: &mut NoData, _: NoData) -> Result<(), String> {
        Ok(())
    }
}
