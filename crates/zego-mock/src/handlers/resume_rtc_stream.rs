//! `ResumeRTCStream` (spec §12): the forbid on one stream ID lifted (none: nothing
//! changes); no client is told, and a stopped publisher stays stopped.

use zego_core::actions::ResumeRTCStream;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let stream_ids = call.one_stream::<ResumeRTCStream>()?;
    call.resume(&stream_ids);
    Ok(None)
}
