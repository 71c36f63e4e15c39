//! The media layer of a world (spec §11–§15): the streams clients publish on the RTC
//! media servers, active or closed, the stream IDs forbidden there, and the `Sequence`
//! of the last request for each stream (spec §0.5).
//!
//! It is apart from the rooms' stream lists (spec §8): `AddStream` and `DeleteStream`
//! change only a list, so a stream may be listed and not published (added), or published
//! and not listed (deleted from the list while its publisher goes on).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// How long the `Sequence` of a request binds the next requests for its streams: a
/// request whose `Sequence` is not greater than the last accepted one for a stream,
/// within this time of it, is stale (spec §0.5).
pub const SEQUENCE_WINDOW: Duration = Duration::from_secs(10);

/// The most stream IDs a world keeps forbidden; a forbid that would go over it fails
/// as a whole (42001, or 42003 for a batch: "forbidding failed, retry"), so that no
/// stream of requests makes the mock's memory grow without limit.
pub const MAX_FORBIDDEN_STREAMS: usize = 100_000;

/// Past this many `Sequence` records, those older than [`SEQUENCE_WINDOW`] (which bind
/// nothing any more) are dropped.
const PRUNE_SEQUENCES_OVER: usize = 4096;

/// A stream published on the media servers: who published it, in which room, and when
/// it started and (once it stopped) ended, in Unix milliseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Published {
    pub(crate) room_id: String,
    pub(crate) user_id: String,
    pub(crate) create_ms: u64,
    pub(crate) close_ms: Option<u64>,
}

/// The media layer of one world.
#[derive(Debug, Default)]
pub(crate) struct Media {
    /// Every stream published so far, by stream ID: the active ones and the last
    /// publish of each closed one.
    streams: BTreeMap<String, Published>,
    forbidden: BTreeSet<String>,
    /// The last accepted `Sequence` of each stream, and when it came.
    sequences: HashMap<String, (u64, Instant)>,
    prune_sequences_at: usize,
    /// The app's "query stream-state history" permission: with it, a closed stream is
    /// answered 41006 with its times; without it (the default), 41004.
    pub(crate) history: bool,
}

impl Media {
    /// The active publish of `stream_id`, if there is one.
    pub(crate) fn active(&self, stream_id: &str) -> Option<&Published> {
        self.streams
            .get(stream_id)
            .filter(|published| published.close_ms.is_none())
    }

    /// Every active publish, by stream ID.
    pub(crate) fn all_active(&self) -> impl Iterator<Item = (&String, &Published)> {
        self.streams
            .iter()
            .filter(|(_, published)| published.close_ms.is_none())
    }

    /// The last publish of `stream_id`, active or closed.
    pub(crate) fn last(&self, stream_id: &str) -> Option<&Published> {
        self.streams.get(stream_id)
    }

    /// `user_id` starts publishing `stream_id` in `room_id` at `now_ms`.
    pub(crate) fn start(&mut self, stream_id: &str, room_id: &str, user_id: &str, now_ms: u64) {
        let published = Published {
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
            create_ms: now_ms,
            close_ms: None,
        };
        self.streams.insert(stream_id.to_owned(), published);
    }

    /// Ends the active publishes of `room_id` (only `user_id`'s, when given) at
    /// `now_ms`, or the one of `stream_id` there. Returns the stream IDs it ended.
    pub(crate) fn end(
        &mut self,
        room_id: &str,
        user_id: Option<&str>,
        stream_id: Option<&str>,
        now_ms: u64,
    ) -> Vec<String> {
        let mut ended = Vec::new();
        for (id, published) in &mut self.streams {
            let matches = published.close_ms.is_none()
                && published.room_id == room_id
                && user_id.is_none_or(|user| published.user_id == user)
                && stream_id.is_none_or(|stream| id == stream);
            if matches {
                published.close_ms = Some(now_ms.max(published.create_ms));
                ended.push(id.clone());
            }
        }
        ended
    }

    /// Whether `stream_id` is forbidden.
    pub(crate) fn is_forbidden(&self, stream_id: &str) -> bool {
        self.forbidden.contains(stream_id)
    }

    /// The forbidden stream IDs, in order.
    pub(crate) fn forbidden(&self) -> impl Iterator<Item = &String> {
        self.forbidden.iter()
    }

    /// Records `stream_ids` as forbidden; `false`, and nothing recorded, when that would
    /// keep more than [`MAX_FORBIDDEN_STREAMS`].
    pub(crate) fn forbid(&mut self, stream_ids: &[String]) -> bool {
        let new = stream_ids
            .iter()
            .filter(|id| !self.forbidden.contains(*id))
            .count();
        if self.forbidden.len() + new > MAX_FORBIDDEN_STREAMS {
            return false;
        }
        self.forbidden.extend(stream_ids.iter().cloned());
        true
    }

    /// Lifts the forbid on `stream_ids` (those not forbidden are left as they are).
    pub(crate) fn resume(&mut self, stream_ids: &[String]) {
        for id in stream_ids {
            self.forbidden.remove(id);
        }
    }

    /// The `Sequence` rule (spec §0.5): `false` when `sequence` is not greater than the
    /// last accepted one of any of `stream_ids` that came less than [`SEQUENCE_WINDOW`]
    /// before `now` (nothing is recorded then); else it becomes the last of each.
    pub(crate) fn accept_sequence(
        &mut self,
        stream_ids: &[String],
        sequence: u64,
        now: Instant,
    ) -> bool {
        let binds = |(last, at): &(u64, Instant)| {
            now.saturating_duration_since(*at) < SEQUENCE_WINDOW && sequence <= *last
        };
        if stream_ids
            .iter()
            .any(|id| self.sequences.get(id).is_some_and(binds))
        {
            return false;
        }
        for id in stream_ids {
            self.sequences.insert(id.clone(), (sequence, now));
        }
        if self.sequences.len() > self.prune_sequences_at.max(PRUNE_SEQUENCES_OVER) {
            self.sequences
                .retain(|_, (_, at)| now.saturating_duration_since(*at) < SEQUENCE_WINDOW);
            self.prune_sequences_at = 2 * self.sequences.len();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|id| (*id).to_owned()).collect()
    }

    #[test]
    fn a_sequence_must_increase_per_stream_within_the_window() {
        let mut media = Media::default();
        let t0 = Instant::now();
        assert!(media.accept_sequence(&ids(&["a"]), 5, t0));
        assert!(!media.accept_sequence(&ids(&["a"]), 5, t0), "equal: stale");
        assert!(
            !media.accept_sequence(&ids(&["a"]), 4, t0),
            "smaller: stale"
        );
        assert!(media.accept_sequence(&ids(&["b"]), 1, t0), "another stream");
        // A batch is refused whole when one of its streams is stale.
        assert!(!media.accept_sequence(&ids(&["c", "a"]), 5, t0));
        assert!(
            media.accept_sequence(&ids(&["c"]), 1, t0),
            "c was not recorded"
        );
        assert!(media.accept_sequence(&ids(&["c", "a"]), 6, t0));
        // After the window, any value again.
        let later = t0 + SEQUENCE_WINDOW;
        assert!(!media.accept_sequence(&ids(&["a"]), 6, later - Duration::from_millis(1)));
        assert!(media.accept_sequence(&ids(&["a"]), 1, later));
    }

    #[test]
    fn old_sequence_records_are_pruned_and_fresh_ones_kept() {
        let mut media = Media::default();
        let t0 = Instant::now();
        for n in 0..PRUNE_SEQUENCES_OVER {
            assert!(media.accept_sequence(&[n.to_string()], 1, t0));
        }
        let later = t0 + SEQUENCE_WINDOW;
        assert!(media.accept_sequence(&ids(&["fresh", "0"]), 1, later));
        assert_eq!(media.sequences.len(), 2, "the old records went");
        assert!(!media.accept_sequence(&ids(&["fresh"]), 1, later));
    }

    #[test]
    fn publishes_end_by_room_user_or_stream_and_are_remembered() {
        let mut media = Media::default();
        media.start("a1", "r", "alice", 10);
        media.start("a2", "r", "alice", 10);
        media.start("b1", "r", "bob", 10);
        media.start("q1", "q", "alice", 10);
        assert_eq!(media.end("r", Some("alice"), None, 20), ["a1", "a2"]);
        assert_eq!(media.end("r", None, Some("q1"), 20), Vec::<String>::new());
        assert_eq!(media.end("q", None, Some("q1"), 5), ["q1"]);
        assert_eq!(
            media.last("q1").unwrap().close_ms,
            Some(10),
            "never before its start"
        );
        assert!(media.active("a1").is_none());
        assert_eq!(media.last("a1").unwrap().close_ms, Some(20));
        let active: Vec<&String> = media.all_active().map(|(id, _)| id).collect();
        assert_eq!(active, ["b1"]);
    }

    #[test]
    fn forbidden_records_are_bounded() {
        let mut media = Media::default();
        let many: Vec<String> = (0..MAX_FORBIDDEN_STREAMS).map(|n| n.to_string()).collect();
        assert!(media.forbid(&many));
        assert!(
            media.forbid(&ids(&["0", "1"])),
            "already forbidden: nothing new"
        );
        assert!(
            !media.forbid(&ids(&["0", "new"])),
            "one too many: nothing applied"
        );
        assert!(media.is_forbidden("0") && !media.is_forbidden("new"));
        media.resume(&ids(&["0", "never"]));
        assert!(!media.is_forbidden("0"));
        assert!(media.forbid(&ids(&["new"])));
    }
}
