//! `ResumeRTCStreams` (spec §14): the forbid on up to twenty stream IDs lifted at once,
//! as `ResumeRTCStream` lifts one; a bad list or a stale `Sequence` applies nothing.

use zego_core::actions::ResumeRTCStreams;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let stream_ids = call.stream_list::<ResumeRTCStreams>()?;
    call.resume(&stream_ids);
    Ok(None)
}
