//! `ForbidRTCStream` (spec §11): one stream ID forbidden on the media service, known or
//! not; a stream being published stops and leaves its room's list.

use zego_core::ReturnCode;
use zego_core::actions::ForbidRTCStream;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let stream_ids = call.one_stream::<ForbidRTCStream>()?;
    call.forbid(&stream_ids, ReturnCode::FORBID_FAILED)?;
    Ok(None)
}
