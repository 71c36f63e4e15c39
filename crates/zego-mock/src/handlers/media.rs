//! What the five media-service calls share (spec §0.4, §0.5, §11–§15): their stream IDs,
//! with the test environment's prefix `zegotest-<AppId>-` required and taken off, and
//! the `Sequence` rule.

use zego_core::{Action, Batched, ReturnCode, Rules, distinct};

use super::{Call, Coded};

/// What a stale `Sequence` is answered: 2, with a `Message` naming the rule (the vendor
/// documents no code).
const STALE: &str = "Sequence must increase for each StreamId within 10 seconds";

impl Call<'_> {
    /// `StreamId` of the single-stream call `A`, then its `Sequence`: the stream ID as
    /// published (without the prefix), checked by the core's rules for `A` (empty: 2;
    /// over 256 bytes or a character outside the vendor's rules: 30009); in the test
    /// environment without the prefix: 30009.
    pub(crate) fn one_stream<A: Action>(&mut self) -> Result<Vec<String>, Coded> {
        let wire = self.required("StreamId")?;
        let stream_id = self.unprefixed(wire).ok_or(ReturnCode::INVALID_STREAM_ID)?;
        Rules::of::<A>().stream_id("StreamId", stream_id)?;
        let stream_ids = vec![stream_id.to_owned()];
        self.sequence(&stream_ids)?;
        Ok(stream_ids)
    }

    /// `StreamId[]` of the batch call `A`, then its `Sequence`: the distinct stream IDs
    /// as published, in order. None, more than `A::MAX_PER_REQUEST` (counted as sent),
    /// an element the core's rules refuse or, in the test environment, one without the
    /// prefix: 30006, and nothing applied.
    pub(crate) fn stream_list<A: Batched>(&mut self) -> Result<Vec<String>, Coded> {
        let invalid = ReturnCode::INVALID_STREAM_ID_LIST;
        let wire: Vec<&str> = self.params.all(A::LIST).collect();
        let rules = Rules::of::<A>();
        rules.count(A::LIST, wire.len(), A::MAX_PER_REQUEST, invalid)?;
        let stream_ids = wire
            .into_iter()
            .map(|id| self.unprefixed(id).map(str::to_owned))
            .collect::<Option<Vec<String>>>()
            .ok_or(invalid)?;
        rules.stream_list(A::LIST, &stream_ids)?;
        let stream_ids = distinct(stream_ids);
        self.sequence(&stream_ids)?;
        Ok(stream_ids)
    }

    /// A stream ID as the media service takes it: in the test environment it must start
    /// with `zegotest-<AppId>-`, which is taken off; in production it is as it is.
    fn unprefixed<'v>(&self, wire: &'v str) -> Option<&'v str> {
        if !self.world.test_env {
            return Some(wire);
        }
        wire.strip_prefix(&format!("zegotest-{}-", self.world.app_id))
    }

    /// `Sequence`: a decimal number (2 when missing or not one) greater than the last
    /// accepted for each of `stream_ids` within 10 s, else stale (2, the rule named in
    /// `Message`, nothing applied); then it is the last of each.
    fn sequence(&mut self, stream_ids: &[String]) -> Result<(), Coded> {
        let sequence = self
            .number("Sequence", 0, u64::MAX)?
            .ok_or(ReturnCode::PARAMETER_ERROR)?;
        let now = self.now.instant;
        if self
            .world()
            .media
            .accept_sequence(stream_ids, sequence, now)
        {
            return Ok(());
        }
        Err(Coded {
            code: ReturnCode::PARAMETER_ERROR,
            message: Some(STALE),
            data: None,
        })
    }

    /// Forbids `stream_ids` (spec §11, §13); `failed` when the mock keeps too many.
    pub(crate) fn forbid(
        &mut self,
        stream_ids: &[String],
        failed: ReturnCode,
    ) -> Result<(), Coded> {
        let now_ms = self.now_ms();
        Ok(self.world().forbid(stream_ids, failed, now_ms)?)
    }

    /// Lifts the forbid on `stream_ids` (spec §12, §14).
    pub(crate) fn resume(&mut self, stream_ids: &[String]) {
        self.world().media.resume(stream_ids);
    }
}
