//! `ForbidRTCStreams` (spec §13): up to twenty stream IDs forbidden at once, as
//! `ForbidRTCStream` forbids one; a bad list or a stale `Sequence` applies nothing.

use zego_core::ReturnCode;
use zego_core::actions::ForbidRTCStreams;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let stream_ids = call.stream_list::<ForbidRTCStreams>()?;
    call.forbid(&stream_ids, ReturnCode::BATCH_FORBID_FAILED)?;
    Ok(None)
}
