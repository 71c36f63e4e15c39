//! De-duplication keys (spec §6.7).

use std::fmt;

use sha2::{Digest, Sha256};

use super::Callback;
use super::common::is_common_key;
use super::events::Event;

/// A "have I seen this event" key (spec §6.7), built from business fields rather than
/// the nonce, because the vendor does not say whether a retry reuses its nonce.
///
/// | Event | Key made of |
/// |---|---|
/// | `room_create`, `room_close` | the name, `room_id`, `room_session_id` |
/// | `room_login`, `room_logout` | the name, `room_id`, `room_seq`, `user_account`, `session_id`, `login_time` |
/// | `stream_create` | the name, room, `room_session_id`, stream, `stream_sid`, `create_time_ms`, `stream_seq` |
/// | `stream_close` | the name, room, `room_session_id`, stream, `stream_sid`, `create_time_ms` |
/// | any other event | the name and the SHA-256 of the body without its five common fields, as compact JSON with sorted keys |
///
/// Numbers are compared as numbers (`"01"` and `1` give the same key); an absent
/// optional field counts as empty. The text is a JSON array of strings, so no two
/// different field lists give the same key. Keep keys at least as long as the vendor
/// retries (about a minute); [`TOMBSTONE_TTL`](super::TOMBSTONE_TTL) (10 minutes) is a
/// safe choice.
///
/// ```
/// use zego_core::callbacks::parse_unverified;
/// let a = parse_unverified(br#"{"event":"room_create","appid":1,"timestamp":1,"nonce":"1",
///     "signature":"x","room_id":"r","room_session_id":5,"room_create_time":"7"}"#)?;
/// let b = parse_unverified(br#"{"event":"room_create","appid":"1","timestamp":"2","nonce":"2",
///     "signature":"y","room_id":"r","room_session_id":"05","room_create_time":"7"}"#)?;
/// assert_eq!(a.dedup_key(), b.dedup_key());
/// assert_eq!(a.dedup_key().as_str(), r#"["room_create","r","5"]"#);
/// # Ok::<(), zego_core::callbacks::BodyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey(String);

impl DedupKey {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn from_parts(parts: &[&str]) -> Self {
        // A JSON array of strings: escaping keeps the parts apart.
        DedupKey(serde_json::to_string(parts).unwrap_or_default())
    }
}

impl fmt::Display for DedupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn dedup_key(callback: &Callback) -> DedupKey {
    let name = callback.common.event.as_str();
    let opt = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
    match &callback.event {
        Event::RoomCreate(e) => {
            DedupKey::from_parts(&[name, &e.room_id, &e.room_session_id.to_string()])
        }
        Event::RoomClose(e) => {
            DedupKey::from_parts(&[name, &e.room_id, &e.room_session_id.to_string()])
        }
        Event::RoomLogin(e) => DedupKey::from_parts(&[
            name,
            &e.room_id,
            &e.room_seq.to_string(),
            &e.user_account,
            &e.session_id.to_string(),
            &e.login_time.to_string(),
        ]),
        Event::RoomLogout(e) => DedupKey::from_parts(&[
            name,
            &e.room_id,
            &e.room_seq.to_string(),
            &e.user_account,
            &e.session_id.to_string(),
            &opt(e.login_time),
        ]),
        Event::StreamCreate(e) => DedupKey::from_parts(&[
            name,
            e.room(),
            &e.room_session_id.to_string(),
            e.stream(),
            &e.stream_sid,
            &e.create_time_ms.to_string(),
            &e.stream_seq.to_string(),
        ]),
        Event::StreamClose(e) => DedupKey::from_parts(&[
            name,
            e.room(),
            &e.room_session_id.to_string(),
            e.stream(),
            &e.stream_sid,
            &e.create_time_ms.to_string(),
        ]),
        Event::Other | Event::Invalid(_) => {
            let business: super::Fields = callback
                .fields
                .iter()
                .filter(|(k, _)| !is_common_key(k))
                .map(|(k, v)| (k.to_owned(), v.clone()))
                .collect();
            let digest = Sha256::digest(business.to_json().as_bytes());
            DedupKey::from_parts(&[name, &hex::encode(digest)])
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::callbacks::parse_unverified;

    fn key(body: &str) -> String {
        parse_unverified(body.as_bytes())
            .unwrap()
            .dedup_key()
            .as_str()
            .to_owned()
    }

    #[test]
    fn typed_keys_use_business_fields_only() {
        let login = |ts: &str, nonce: &str, seq: &str| {
            key(&format!(
                r#"{{"event":"room_login","appid":"1","timestamp":"{ts}","nonce":"{nonce}",
                "signature":"s","room_id":"r","room_seq":"{seq}","user_account":"u",
                "session_id":"9","login_time":"100","user_update_seq":"3"}}"#
            ))
        };
        assert_eq!(login("1", "a", "5"), login("2", "b", "05"));
        assert_eq!(
            login("1", "a", "5"),
            r#"["room_login","r","5","u","9","100"]"#
        );
        assert_ne!(login("1", "a", "5"), login("1", "a", "6"));
    }

    #[test]
    fn stream_keys_use_the_identity_fallbacks() {
        let close = key(
            r#"{"event":"stream_close","channel_id":"c","room_session_id":"1","type":"0",
                "stream_alias":"a","stream_sid":"s","create_time_ms":"5","stream_seq":"9"}"#,
        );
        assert_eq!(close, r#"["stream_close","c","1","a","s","5"]"#);
        let create = key(
            r#"{"event":"stream_create","room_id":"r","channel_id":"c","room_session_id":"1",
                "stream_id":"i","stream_alias":"a","stream_sid":"s","create_time_ms":"5","stream_seq":"9"}"#,
        );
        assert_eq!(create, r#"["stream_create","r","1","i","s","5","9"]"#);
    }

    #[test]
    fn raw_keys_hash_the_body_without_common_fields() {
        let a = key(
            r#"{"Event":"transcode_stop","Appid":"1","Timestamp":"1","Nonce":"n","Signature":"s",
                "TaskId":"t","Sequence":2,"Details":{"b":1,"a":[1,2]}}"#,
        );
        // Other common-field values, other key order, same business fields.
        let b = key(
            r#"{"Details":{"a":[1,2],"b":1},"Sequence":2,"TaskId":"t","Event":"transcode_stop",
                "Appid":"2","Timestamp":"3","Nonce":"m","Signature":"z"}"#,
        );
        assert_eq!(a, b);
        let c = key(
            r#"{"Event":"transcode_stop","TaskId":"t","Sequence":3,"Details":{"b":1,"a":[1,2]}}"#,
        );
        assert_ne!(a, c);
        assert!(a.starts_with(r#"["transcode_stop",""#), "{a}");
        // A typed event that does not fit its model is keyed like a raw one.
        let invalid = key(r#"{"event":"room_create","room_id":"r","operator_account":"x"}"#);
        assert_eq!(invalid.len(), r#"["room_create",""]"#.len() + 64);
    }
}
