//! The privilege payload of a "strict" token: one room, may log in, may publish, and the
//! stream IDs that may be published.

use serde_json::Value;

use crate::json::push_go_string;

/// The privilege document of a privilege ("strict") token, written into its `payload`.
///
/// [`to_payload`](Self::to_payload) writes exactly what the vendor's Go sample writes:
/// `room_id`, then `privilege` with keys `"1"` (login) and `"2"` (publish), then
/// `stream_id_list` (`null` when no list was given, `[]` for an empty one), compact, with
/// Go's string escaping.
///
/// ```
/// use zego_token::Privileges;
///
/// let basic = Privileges::room("room1").login(true);
/// assert_eq!(basic.to_payload(),
///            r#"{"room_id":"room1","privilege":{"1":1,"2":0},"stream_id_list":null}"#);
///
/// let host = Privileges::room("live-room-7").login(true).publish(true)
///     .stream("host-42-main").stream("host-42-aux");
/// assert_eq!(host.to_payload(),
///            r#"{"room_id":"live-room-7","privilege":{"1":1,"2":1},"stream_id_list":["host-42-main","host-42-aux"]}"#);
///
/// // Reading accepts any JSON form (the vendor's Python sample writes spaces).
/// let read = Privileges::parse(r#"{"room_id": "room1", "privilege": {"1": 1, "2": 0}, "stream_id_list": null}"#)?;
/// assert_eq!(read, basic);
/// # Ok::<(), zego_token::PayloadError>(())
/// ```
///
/// ZEGO's server enforces a privilege token only for apps where ZEGO technical support
/// enabled it; ZIM tokens carry no privileges (an empty payload).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Privileges {
    room_id: String,
    login: bool,
    publish: bool,
    stream_ids: Option<Vec<String>>,
}

impl Privileges {
    /// A document for one room, with neither login nor publishing allowed and no stream
    /// list; allow them with [`login`](Self::login) and [`publish`](Self::publish).
    pub fn room(room_id: impl Into<String>) -> Self {
        Privileges {
            room_id: room_id.into(),
            login: false,
            publish: false,
            stream_ids: None,
        }
    }

    /// Whether the user may log in to the room (privilege `"1"`).
    #[must_use]
    pub fn login(mut self, allowed: bool) -> Self {
        self.login = allowed;
        self
    }

    /// Whether the user may publish streams in the room (privilege `"2"`).
    #[must_use]
    pub fn publish(mut self, allowed: bool) -> Self {
        self.publish = allowed;
        self
    }

    /// Appends one stream ID to the list of streams the user may publish (creating the
    /// list if there was none).
    #[must_use]
    pub fn stream(mut self, stream_id: impl Into<String>) -> Self {
        self.stream_ids
            .get_or_insert_with(Vec::new)
            .push(stream_id.into());
        self
    }

    /// Sets the list of streams the user may publish. An empty list is written as `[]`;
    /// like `null`, it means stream IDs are not checked.
    #[must_use]
    pub fn streams<I, S>(mut self, stream_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.stream_ids = Some(stream_ids.into_iter().map(Into::into).collect());
        self
    }

    /// The only room the token may log in to.
    pub fn room_id(&self) -> &str {
        &self.room_id
    }

    /// Whether login is allowed (privilege `"1"` is `1`).
    pub fn may_login(&self) -> bool {
        self.login
    }

    /// Whether publishing is allowed (privilege `"2"` is `1`).
    pub fn may_publish(&self) -> bool {
        self.publish
    }

    /// The stream IDs the user may publish; `None` when the document has no list (`null`).
    pub fn stream_ids(&self) -> Option<&[String]> {
        self.stream_ids.as_deref()
    }

    /// Whether the user may publish `stream_id`: publishing is allowed, and the stream
    /// list is absent, empty, or contains `stream_id` (compared exactly).
    pub fn may_publish_stream(&self, stream_id: &str) -> bool {
        self.publish
            && match &self.stream_ids {
                None => true,
                Some(ids) => ids.is_empty() || ids.iter().any(|id| id == stream_id),
            }
    }

    /// The payload string, exactly as the vendor's Go sample writes it.
    pub fn to_payload(&self) -> String {
        let list_len: usize = self
            .stream_ids
            .iter()
            .flatten()
            .map(|id| id.len() + 3)
            .sum();
        let mut out = String::with_capacity(64 + self.room_id.len() + list_len);
        out.push_str("{\"room_id\":");
        push_go_string(&mut out, &self.room_id);
        out.push_str(",\"privilege\":{\"1\":");
        out.push(if self.login { '1' } else { '0' });
        out.push_str(",\"2\":");
        out.push(if self.publish { '1' } else { '0' });
        out.push_str("},\"stream_id_list\":");
        match &self.stream_ids {
            None => out.push_str("null"),
            Some(ids) => {
                out.push('[');
                for (i, id) in ids.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_go_string(&mut out, id);
                }
                out.push(']');
            }
        }
        out.push('}');
        out
    }

    /// Reads a privilege document in any JSON form.
    ///
    /// `room_id` (a string) and `privilege` (an object) are required. In `privilege`, the
    /// keys `"1"` and `"2"` are each `0` or `1`; a missing key means "not allowed", and
    /// other keys are ignored. `stream_id_list` is `null`, absent, or an array of strings.
    /// Unknown keys are ignored.
    pub fn parse(payload: &str) -> Result<Self, PayloadError> {
        let value: Value = serde_json::from_str(payload).map_err(|_| PayloadError::NotJson)?;
        let Value::Object(doc) = value else {
            return Err(PayloadError::NotAnObject);
        };
        let room_id = match doc.get("room_id") {
            None => return Err(PayloadError::MissingField("room_id")),
            Some(Value::String(room)) => room.clone(),
            Some(_) => return Err(PayloadError::BadField("room_id")),
        };
        let privilege = match doc.get("privilege") {
            None => return Err(PayloadError::MissingField("privilege")),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(PayloadError::BadField("privilege")),
        };
        let bit = |key: &str| match privilege.get(key) {
            None => Ok(false),
            Some(v) => match v.as_u64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(PayloadError::BadField("privilege")),
            },
        };
        let login = bit("1")?;
        let publish = bit("2")?;
        let stream_ids = match doc.get("stream_id_list") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|item| item.as_str().map(str::to_owned))
                    .collect::<Option<Vec<String>>>()
                    .ok_or(PayloadError::BadField("stream_id_list"))?,
            ),
            Some(_) => return Err(PayloadError::BadField("stream_id_list")),
        };
        Ok(Privileges {
            room_id,
            login,
            publish,
            stream_ids,
        })
    }
}

/// A payload that is not a privilege document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The payload is not valid JSON (ZEGO answers "token format error", Express 1002075).
    #[error("the privilege payload is not valid JSON")]
    NotJson,
    /// The payload is JSON but not an object.
    #[error("the privilege payload is not a JSON object")]
    NotAnObject,
    /// A required key is missing.
    #[error("the privilege payload has no {0}")]
    MissingField(&'static str),
    /// A key has the wrong type or value.
    #[error("the privilege payload's {0} has the wrong type or value")]
    BadField(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_list_is_written_as_brackets() {
        let p = Privileges::room("r")
            .publish(true)
            .streams(Vec::<String>::new());
        assert_eq!(
            p.to_payload(),
            r#"{"room_id":"r","privilege":{"1":0,"2":1},"stream_id_list":[]}"#
        );
        assert_eq!(Privileges::parse(&p.to_payload()).unwrap(), p);
        assert!(p.may_publish_stream("anything"));
    }

    #[test]
    fn go_escaping_in_ids() {
        let p = Privileges::room("r<&>").stream("a\"b");
        assert_eq!(
            p.to_payload(),
            r#"{"room_id":"r\u003c\u0026\u003e","privilege":{"1":0,"2":0},"stream_id_list":["a\"b"]}"#
        );
    }

    #[test]
    fn stream_list_checks() {
        let p = Privileges::room("r").publish(true).stream("a");
        assert!(p.may_publish_stream("a"));
        assert!(!p.may_publish_stream("A"));
        assert!(!p.clone().publish(false).may_publish_stream("a"));
    }

    #[test]
    fn parse_errors_name_the_key() {
        use PayloadError::*;
        let cases = [
            ("", NotJson),
            ("{", NotJson),
            ("[]", NotAnObject),
            (r#"{"privilege":{}}"#, MissingField("room_id")),
            (r#"{"room_id":1,"privilege":{}}"#, BadField("room_id")),
            (r#"{"room_id":"r"}"#, MissingField("privilege")),
            (r#"{"room_id":"r","privilege":[1]}"#, BadField("privilege")),
            (
                r#"{"room_id":"r","privilege":{"1":2}}"#,
                BadField("privilege"),
            ),
            (
                r#"{"room_id":"r","privilege":{"2":true}}"#,
                BadField("privilege"),
            ),
            (
                r#"{"room_id":"r","privilege":{"1":1.0}}"#,
                BadField("privilege"),
            ),
            (
                r#"{"room_id":"r","privilege":{},"stream_id_list":"a"}"#,
                BadField("stream_id_list"),
            ),
            (
                r#"{"room_id":"r","privilege":{},"stream_id_list":["a",1]}"#,
                BadField("stream_id_list"),
            ),
        ];
        for (payload, expected) in cases {
            assert_eq!(Privileges::parse(payload), Err(expected), "{payload}");
        }
    }

    #[test]
    fn missing_bits_are_not_allowed_and_extra_keys_ignored() {
        let p = Privileges::parse(r#"{"room_id":"r","privilege":{"3":1},"extra":{}}"#).unwrap();
        assert_eq!(p, Privileges::room("r"));
        assert_eq!(p.stream_ids(), None);
    }
}
