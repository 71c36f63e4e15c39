//! The plaintext JSON: written byte for byte as the vendor's Go generator writes it, read
//! as any valid JSON object.

use std::fmt::Write as _;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// Appends `s` as a JSON string, escaped as Go's `encoding/json` escapes it (Go 1.22 and
/// later): `"`, `\`, `\n`, `\r`, `\t`, `\b`, `\f`; other control characters as `\u00xx`;
/// `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes (Go's HTML-safe escaping); everything
/// else, including `/`, U+007F and all other non-ASCII, as raw UTF-8.
pub(crate) fn push_go_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 => {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The fields of the plaintext, in the order the Go generator writes them.
pub(crate) struct PlaintextFields<'a> {
    pub(crate) app_id: u32,
    pub(crate) user_id: &'a str,
    pub(crate) ctime: i64,
    pub(crate) expire: i64,
    pub(crate) nonce: i32,
    pub(crate) payload: &'a str,
}

/// `{"app_id":A,"user_id":U,"ctime":C,"expire":E,"nonce":N,"payload":P}`, compact.
pub(crate) fn write_plaintext(fields: &PlaintextFields<'_>) -> String {
    let mut out = String::with_capacity(96 + fields.user_id.len() + fields.payload.len());
    // Writing to a `String` cannot fail.
    let _ = write!(out, "{{\"app_id\":{},\"user_id\":", fields.app_id);
    push_go_string(&mut out, fields.user_id);
    let _ = write!(
        out,
        ",\"ctime\":{},\"expire\":{},\"nonce\":{},\"payload\":",
        fields.ctime, fields.expire, fields.nonce
    );
    push_go_string(&mut out, fields.payload);
    out.push('}');
    out
}

/// The members of a JSON object, in document order, duplicates kept (so that they can be
/// refused).
pub(crate) struct Members(pub(crate) Vec<(String, Value)>);

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;

        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(6).min(16));
                while let Some(member) = map.next_entry::<String, Value>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }

        deserializer.deserialize_map(MembersVisitor)
    }
}

impl Members {
    /// Whether two members have the same key.
    pub(crate) fn has_duplicate_key(&self) -> bool {
        let mut keys: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
        keys.sort_unstable();
        keys.windows(2).any(|w| w[0] == w[1])
    }

    /// The value of the member named `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// Why a JSON text is not an object of members, without any of its content.
pub(crate) fn parse_members(bytes: &[u8]) -> Result<Members, &'static str> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the plaintext is not UTF-8")?;
    let members: Members = serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => "the plaintext is not a JSON object",
        serde_json::error::Category::Eof => "the plaintext JSON ends early",
        _ => "the plaintext is not valid JSON",
    })?;
    if members.has_duplicate_key() {
        return Err("the plaintext JSON has a duplicate key");
    }
    Ok(members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(s: &str) -> String {
        let mut out = String::new();
        push_go_string(&mut out, s);
        out
    }

    #[test]
    fn go_escaping_table() {
        assert_eq!(go(""), r#""""#);
        assert_eq!(go("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go("\n\r\t\u{8}\u{c}"), r#""\n\r\t\b\f""#);
        assert_eq!(go("\u{0}\u{1b}\u{1f}"), r#""\u0000\u001b\u001f""#);
        assert_eq!(go("<&>"), r#""\u003c\u0026\u003e""#);
        assert_eq!(go("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        assert_eq!(go("/\u{7f}é张🎧"), "\"/\u{7f}é张🎧\"");
        assert_eq!(go("张三<&>\"🎧"), r#""张三\u003c\u0026\u003e\"🎧""#);
    }

    #[test]
    fn plaintext_in_go_key_order() {
        let text = write_plaintext(&PlaintextFields {
            app_id: 1234567890,
            user_id: "user1",
            ctime: 1700000000,
            expire: 1700003600,
            nonce: -5,
            payload: "",
        });
        assert_eq!(
            text,
            r#"{"app_id":1234567890,"user_id":"user1","ctime":1700000000,"expire":1700003600,"nonce":-5,"payload":""}"#
        );
    }

    #[test]
    fn members_refuse_duplicates_and_non_objects() {
        assert!(parse_members(br#"{"a":1,"b":2}"#).is_ok());
        assert_eq!(
            parse_members(br#"{"a":1,"a":2}"#).err(),
            Some("the plaintext JSON has a duplicate key")
        );
        assert_eq!(
            parse_members(b"[1]").err(),
            Some("the plaintext is not a JSON object")
        );
        assert_eq!(
            parse_members(b"{\"a\":").err(),
            Some("the plaintext JSON ends early")
        );
        assert_eq!(
            parse_members(b"{}x").err(),
            Some("the plaintext is not valid JSON")
        );
        assert_eq!(
            parse_members(b"\xff").err(),
            Some("the plaintext is not UTF-8")
        );
    }
}
