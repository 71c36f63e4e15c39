//! The checks calls share: identifiers, byte-limited text, lists with a maximum, and the
//! merging of duplicates. Every error names the call, the field, the limit and the size,
//! and the code the server would answer.

use std::collections::HashSet;

use crate::action::Action;
use crate::code::{Group, ReturnCode};
use crate::error::{Problem, ValidationError};

/// The largest message content, in UTF-8 bytes before URL encoding (SendCustomCommand,
/// SendBroadcastMessage, SendBarrageMessage).
pub const MAX_MESSAGE_BYTES: usize = 1024;

/// The longest stream ID, in bytes (spec §9, §11).
pub const MAX_STREAM_ID_BYTES: usize = 256;

/// The longest `CustomReason`, in UTF-8 bytes before URL encoding (KickoutUser, CloseRoom).
pub const MAX_REASON_BYTES: usize = 256;

/// The punctuation the vendor's stream-ID rules allow besides ASCII letters and digits
/// (spec §11); the apostrophe both as `'` and as the `’` the vendor's page prints.
pub const STREAM_ID_PUNCTUATION: &str = "~!@#$%^&*()_+=-`;',.<>/\\’";

/// What [`STREAM_ID_PUNCTUATION`] and the letters and digits make, for error messages.
const STREAM_ID_CHARACTERS: &str =
    "made of ASCII letters, digits and ~!@#$%^&*()_+=-`;',.<>/\\ (the vendor's stream-ID rules)";

/// The checks of one call: made with [`Rules::of`], each check's error names that call.
///
/// Identifiers (`RoomId`, `UserId`, ...) are only required to be non-empty: the vendor
/// gives them no length or character limit on the server API (the client SDKs' limits do
/// not bind it), and the whole request is bounded by
/// [`MAX_REQUEST_TARGET_BYTES`](crate::MAX_REQUEST_TARGET_BYTES). Free text is limited in
/// UTF-8 bytes before URL encoding.
///
/// ```
/// use zego_core::{Problem, ReturnCode, Rules};
/// use zego_core::actions::SendCustomCommand;
/// let rules = Rules::of::<SendCustomCommand>();
/// assert!(rules.id("RoomId", "room-1").is_ok());
/// let e = rules.text("MessageContent", &"推".repeat(342), 1024, ReturnCode::MESSAGE_TOO_LONG).unwrap_err();
/// assert_eq!(e.problem(), &Problem::TooLong { limit: 1024, size: 1026 });
/// assert_eq!(e.call(), "SendCustomCommand");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    call: &'static str,
    group: Group,
}

impl Rules {
    /// The checks of the call `A`.
    pub const fn of<A: Action>() -> Self {
        Rules {
            call: A::NAME,
            group: A::GROUP,
        }
    }

    /// An error of this call.
    pub fn error(
        &self,
        field: &'static str,
        problem: Problem,
        mirrors: ReturnCode,
    ) -> ValidationError {
        ValidationError::new(self.call, self.group, field, problem, mirrors)
    }

    /// A required value must not be empty (else `mirrors`).
    pub fn required(
        &self,
        field: &'static str,
        value: &str,
        mirrors: ReturnCode,
    ) -> Result<(), ValidationError> {
        if value.is_empty() {
            return Err(self.error(field, Problem::Empty, mirrors));
        }
        Ok(())
    }

    /// A required identifier (a room or user ID): not empty (code 2).
    pub fn id(&self, field: &'static str, value: &str) -> Result<(), ValidationError> {
        self.required(field, value, ReturnCode::PARAMETER_ERROR)
    }

    /// An optional value of at most `limit` bytes (else `mirrors`).
    pub fn at_most(
        &self,
        field: &'static str,
        value: &str,
        limit: usize,
        mirrors: ReturnCode,
    ) -> Result<(), ValidationError> {
        if value.len() > limit {
            return Err(self.error(
                field,
                Problem::TooLong {
                    limit,
                    size: value.len(),
                },
                mirrors,
            ));
        }
        Ok(())
    }

    /// Required free text of 1 to `limit` bytes: empty is code 2, over the limit
    /// `too_long`. A call whose empty text has a code of its own checks
    /// [`Rules::required`] first.
    pub fn text(
        &self,
        field: &'static str,
        value: &str,
        limit: usize,
        too_long: ReturnCode,
    ) -> Result<(), ValidationError> {
        self.required(field, value, ReturnCode::PARAMETER_ERROR)?;
        self.at_most(field, value, limit, too_long)
    }

    /// A message's `MessageContent`, as SendCustomCommand, SendBroadcastMessage and
    /// SendBarrageMessage take it: 1 to [`MAX_MESSAGE_BYTES`] bytes; empty is code 1008,
    /// longer 50012.
    pub fn message(&self, field: &'static str, value: &str) -> Result<(), ValidationError> {
        self.required(field, value, ReturnCode::MESSAGE_CONTENT_EMPTY)?;
        self.at_most(
            field,
            value,
            MAX_MESSAGE_BYTES,
            ReturnCode::MESSAGE_TOO_LONG,
        )
    }

    /// An optional `CustomReason`: at most [`MAX_REASON_BYTES`] (code 3).
    pub fn reason(&self, field: &'static str, value: &str) -> Result<(), ValidationError> {
        self.at_most(
            field,
            value,
            MAX_REASON_BYTES,
            ReturnCode::PARAMETER_TOO_LONG,
        )
    }

    /// A number of `min` to `max` (else `mirrors`).
    pub fn range(
        &self,
        field: &'static str,
        value: i64,
        min: i64,
        max: i64,
        mirrors: ReturnCode,
    ) -> Result<(), ValidationError> {
        if value < min || value > max {
            return Err(self.error(field, Problem::OutOfRange { value, min, max }, mirrors));
        }
        Ok(())
    }

    /// A stream ID: not empty (code 2), at most [`MAX_STREAM_ID_BYTES`] (code 3 for room
    /// signalling, 30009 for the media service); for the media service, also only the
    /// characters of the vendor's stream-ID rules (30009). The limits apply to the ID as
    /// the caller gives it, before the media service's test-environment prefix
    /// ([`RequestContext::media_stream_id`](crate::RequestContext::media_stream_id)).
    pub fn stream_id(&self, field: &'static str, value: &str) -> Result<(), ValidationError> {
        let media = self.group == Group::MediaService;
        let too_long = if media {
            ReturnCode::INVALID_STREAM_ID
        } else {
            ReturnCode::PARAMETER_TOO_LONG
        };
        self.required(field, value, ReturnCode::PARAMETER_ERROR)?;
        self.at_most(field, value, MAX_STREAM_ID_BYTES, too_long)?;
        if media {
            self.stream_id_characters(field, value, None, ReturnCode::INVALID_STREAM_ID)?;
        }
        Ok(())
    }

    /// A media-service list of stream IDs (`StreamId[]`): at least one element, each a
    /// stream ID as [`Rules::stream_id`] checks it for the media service; every problem is
    /// code 30006 (invalid `StreamId` list). Its length against the per-request maximum
    /// is [`Rules::count`]'s.
    pub fn stream_list(
        &self,
        field: &'static str,
        items: &[String],
    ) -> Result<(), ValidationError> {
        let mirrors = ReturnCode::INVALID_STREAM_ID_LIST;
        if items.is_empty() {
            return Err(self.error(field, Problem::NoElements, mirrors));
        }
        self.elements_mirroring(field, items, MAX_STREAM_ID_BYTES, mirrors, mirrors)?;
        for (index, item) in items.iter().enumerate() {
            self.stream_id_characters(field, item, Some(index), mirrors)?;
        }
        Ok(())
    }

    /// Only the characters of the vendor's stream-ID rules (else `mirrors`).
    fn stream_id_characters(
        &self,
        field: &'static str,
        value: &str,
        index: Option<usize>,
        mirrors: ReturnCode,
    ) -> Result<(), ValidationError> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || STREAM_ID_PUNCTUATION.contains(c);
        let Some(bad) = value.chars().find(|c| !allowed(*c)) else {
            return Ok(());
        };
        let value = match index {
            Some(index) => format!("element {index}, {value:?}, with {bad:?}"),
            None => format!("{value:?}, with {bad:?}"),
        };
        Err(self.error(
            field,
            Problem::NotAllowed {
                value,
                allowed: STREAM_ID_CHARACTERS,
            },
            mirrors,
        ))
    }

    /// A required list: at least one element (code 2), and no empty element (code 2).
    /// Its length against the per-request maximum is [`Rules::count`]'s.
    pub fn list(&self, field: &'static str, items: &[String]) -> Result<(), ValidationError> {
        if items.is_empty() {
            return Err(self.error(field, Problem::NoElements, ReturnCode::PARAMETER_ERROR));
        }
        self.elements(field, items, usize::MAX, ReturnCode::PARAMETER_ERROR)
    }

    /// No element empty (code 2) and none over `limit` bytes (`too_long`).
    pub fn elements(
        &self,
        field: &'static str,
        items: &[String],
        limit: usize,
        too_long: ReturnCode,
    ) -> Result<(), ValidationError> {
        self.elements_mirroring(field, items, limit, ReturnCode::PARAMETER_ERROR, too_long)
    }

    /// No element empty (`empty`) and none over `limit` bytes (`too_long`).
    fn elements_mirroring(
        &self,
        field: &'static str,
        items: &[String],
        limit: usize,
        empty: ReturnCode,
        too_long: ReturnCode,
    ) -> Result<(), ValidationError> {
        for (index, item) in items.iter().enumerate() {
            if item.is_empty() {
                return Err(self.error(field, Problem::EmptyElement { index }, empty));
            }
            if item.len() > limit {
                return Err(self.error(
                    field,
                    Problem::ElementTooLong {
                        index,
                        limit,
                        size: item.len(),
                    },
                    too_long,
                ));
            }
        }
        Ok(())
    }

    /// At most `limit` elements in one request (else `mirrors`).
    pub fn count(
        &self,
        field: &'static str,
        count: usize,
        limit: usize,
        mirrors: ReturnCode,
    ) -> Result<(), ValidationError> {
        if count > limit {
            return Err(self.error(field, Problem::TooMany { limit, count }, mirrors));
        }
        Ok(())
    }
}

/// The distinct values of `items`, in the order of their first occurrence, in linear
/// time: what every list of IDs is made of, so that one request never names an ID twice
/// and a fan-out puts every ID in exactly one request.
///
/// ```
/// assert_eq!(zego_core::distinct(["b", "a", "b", "c", "a"]), ["b", "a", "c"]);
/// ```
pub fn distinct<I, S>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let items: Vec<String> = items.into_iter().map(Into::into).collect();
    // Which to keep, found with a set of borrowed values: no value is copied.
    let keep: Vec<bool> = {
        let mut seen: HashSet<&str> = HashSet::with_capacity(items.len());
        items
            .iter()
            .map(|item| seen.insert(item.as_str()))
            .collect()
    };
    if keep.iter().all(|k| *k) {
        return items;
    }
    items
        .into_iter()
        .zip(keep)
        .filter_map(|(item, keep)| keep.then_some(item))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::SendCustomCommand;

    #[test]
    fn distinct_keeps_the_first_occurrence_in_order() {
        assert_eq!(distinct(Vec::<String>::new()), Vec::<String>::new());
        let many: Vec<String> = (0..10_000).map(|i| format!("u{}", i % 1000)).collect();
        let merged = distinct(many);
        assert_eq!(merged.len(), 1000);
        assert_eq!(merged[0], "u0");
        assert_eq!(merged[999], "u999");
    }

    #[test]
    fn each_check_names_call_field_limit_and_size() {
        let rules = Rules::of::<SendCustomCommand>();
        let e = rules.id("RoomId", "").unwrap_err();
        assert_eq!(
            (e.call(), e.field(), e.problem()),
            ("SendCustomCommand", "RoomId", &Problem::Empty)
        );
        let e = rules
            .text(
                "CustomReason",
                &"x".repeat(257),
                256,
                ReturnCode::PARAMETER_TOO_LONG,
            )
            .unwrap_err();
        assert_eq!(
            e.problem(),
            &Problem::TooLong {
                limit: 256,
                size: 257
            }
        );
        assert_eq!(e.mirrors(), ReturnCode::PARAMETER_TOO_LONG);
        assert!(
            rules
                .at_most("CustomReason", "", 256, ReturnCode::PARAMETER_TOO_LONG)
                .is_ok()
        );
        let items = ["a".to_owned(), String::new()];
        let e = rules.list("UserId[]", &items).unwrap_err();
        assert_eq!(e.problem(), &Problem::EmptyElement { index: 1 });
        let e = rules.list("UserId[]", &[]).unwrap_err();
        assert_eq!(e.problem(), &Problem::NoElements);
        let e = rules
            .count("UserId[]", 6, 5, ReturnCode::TOO_MANY_USERS)
            .unwrap_err();
        assert_eq!(e.problem(), &Problem::TooMany { limit: 5, count: 6 });
        assert!(
            rules
                .count("UserId[]", 5, 5, ReturnCode::TOO_MANY_USERS)
                .is_ok()
        );
        let e = rules.stream_id("StreamId", &"s".repeat(257)).unwrap_err();
        assert_eq!(e.mirrors(), ReturnCode::PARAMETER_TOO_LONG);
        assert!(rules.stream_id("StreamId", &"s".repeat(256)).is_ok());
    }
}
