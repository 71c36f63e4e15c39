//! `DescribeRTCStreamState` (spec §15): a stream's state on the media servers. Being
//! published: 0 with its start time; stopped: 41006 with both times while the app has
//! the stream-state history permission, else 41004 (`"Data": null`), as for a stream
//! never published.

use zego_core::ReturnCode;
use zego_core::actions::{DescribeRTCStreamState, StreamStateData};

use super::{Call, Coded, Handled, data};
use crate::world::seconds;

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let stream_ids = call.one_stream::<DescribeRTCStreamState>()?;
    let media = &call.world().media;
    let published = media
        .last(&stream_ids[0])
        .filter(|published| published.close_ms.is_none() || media.history)
        .ok_or(ReturnCode::STREAM_ID_NOT_FOUND)?;
    let times = StreamStateData {
        create_time: Some(seconds(published.create_ms)),
        close_time: published.close_ms.map(seconds),
    };
    if times.close_time.is_none() {
        return data(&times);
    }
    Err(Coded {
        code: ReturnCode::STREAM_CLOSED,
        message: None,
        data: data(&times)?,
    })
}
