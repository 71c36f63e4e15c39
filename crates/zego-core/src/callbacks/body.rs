//! Reading a body (spec §2): JSON, percent-encoded JSON, or a form.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::fields::{FieldValue, Fields, JsonNumber};
use super::{MAX_CALLBACK_BODY_BYTES, truncate};

/// How a body was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyFormat {
    /// A JSON object (the vendor's default).
    Json,
    /// A JSON object that was percent-encoded as a whole (the body starts with `%7B`).
    PercentEncodedJson,
    /// `application/x-www-form-urlencoded` (the older format, on request from ZEGO).
    Form,
}

/// A decoded body: its format and its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// How it was written.
    pub format: BodyFormat,
    /// Every top-level field. Form values are all [`FieldValue::Text`] (or arrays of it).
    pub fields: Fields,
}

/// Why a body cannot be read. The receiver answers `400`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The body is larger than [`MAX_CALLBACK_BODY_BYTES`].
    #[error("the body has {len} bytes, more than the {limit} accepted")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The body is empty, or only whitespace.
    #[error("the body is empty")]
    Empty,
    /// The body starts with neither `{` nor `%7B`, and has no `=`.
    #[error("the body is neither a JSON object nor a form (it starts with {start:?})")]
    UnknownFormat {
        /// Its first characters (at most 64), lossily decoded.
        start: String,
    },
    /// The body starts like JSON but is not a valid JSON object.
    #[error("the body is not a valid JSON object: {reason}")]
    Json {
        /// What the JSON parser reported.
        reason: String,
    },
    /// A percent-encoded JSON body does not decode to UTF-8.
    #[error("the percent-encoded JSON body does not decode to UTF-8")]
    PercentEncodedNotUtf8,
    /// A form key or value does not decode to UTF-8.
    #[error("the form field {key:?} does not decode to UTF-8")]
    FormNotUtf8 {
        /// The key as it appears in the body (at most 64 characters, lossily decoded).
        key: String,
    },
    /// The body has no `event` (nor `Event`) field.
    #[error("the body has no `event` field")]
    MissingEvent,
    /// The `event` field is not a non-empty string.
    #[error("the `event` field is not a non-empty string (it is {found})")]
    InvalidEvent {
        /// What it is instead (`an empty string`, `a number`, ...).
        found: &'static str,
    },
}

/// Decides how a body is written, as spec §2.3 says: leading whitespace and a UTF-8
/// byte-order mark are skipped; then `{` means JSON, `%7B` (either case) percent-encoded
/// JSON, and a body with an `=` anywhere is a form. `None`: none of these.
///
/// The `Content-Type` header plays no part: when it disagrees with the body, the body
/// wins.
pub fn detect_format(body: &[u8]) -> Option<BodyFormat> {
    let rest = skip_prefix(body);
    if rest.first() == Some(&b'{') {
        Some(BodyFormat::Json)
    } else if rest.len() >= 3
        && rest[0] == b'%'
        && rest[1] == b'7'
        && matches!(rest[2], b'B' | b'b')
    {
        Some(BodyFormat::PercentEncodedJson)
    } else if body.contains(&b'=') {
        Some(BodyFormat::Form)
    } else {
        None
    }
}

/// Skips whitespace (space, tab, CR, LF) and UTF-8 byte-order marks.
fn skip_prefix(mut body: &[u8]) -> &[u8] {
    loop {
        if let Some(rest) = body.strip_prefix(b"\xEF\xBB\xBF") {
            body = rest;
        } else if let Some((first, rest)) = body.split_first()
            && matches!(first, b' ' | b'\t' | b'\r' | b'\n')
        {
            body = rest;
        } else {
            return body;
        }
    }
}

/// Reads a callback body into its fields (spec §2), whatever its format.
///
/// - JSON is parsed as-is: values are never percent-decoded, a repeated key keeps its
///   last value, numbers keep their exact text (no float on the way).
/// - A body starting with `%7B` is percent-decoded once (a `+` stays a `+`) and parsed
///   as JSON.
/// - A form is split on `&` and at each pair's first `=`; `+` becomes a space, then
///   `%XX` sequences are decoded as UTF-8. Every value is a string. The array fields
///   (`rtmp_url`, `hls_url`, `hdl_url`, `pic_url` and the `*_urls` of stream mixing)
///   collect repeated keys, and any key written `key[]` or `key[0]` is an array under
///   `key`; an array field sent once as a JSON array text is read as that array.
///   Other repeated keys keep their last value.
///
/// ```
/// use zego_core::callbacks::{read_body, BodyFormat, FieldValue};
/// let body = read_body(b"event=room_logout&room_name=room%23123+x&rtmp_url[]=a&rtmp_url[]=b")?;
/// assert_eq!(body.format, BodyFormat::Form);
/// assert_eq!(body.fields.get("room_name"), Some(&FieldValue::from("room#123 x")));
/// assert_eq!(body.fields.get("rtmp_url"),
///            Some(&FieldValue::Array(vec!["a".into(), "b".into()])));
/// # Ok::<(), zego_core::callbacks::BodyError>(())
/// ```
pub fn read_body(body: &[u8]) -> Result<Body, BodyError> {
    if body.len() > MAX_CALLBACK_BODY_BYTES {
        return Err(BodyError::TooLarge {
            len: body.len(),
            limit: MAX_CALLBACK_BODY_BYTES,
        });
    }
    let rest = skip_prefix(body);
    let Some(format) = detect_format(body) else {
        if rest
            .iter()
            .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            return Err(BodyError::Empty);
        }
        return Err(BodyError::UnknownFormat {
            start: truncate(&String::from_utf8_lossy(&rest[..rest.len().min(256)])),
        });
    };
    let fields = match format {
        BodyFormat::Json => json_fields(rest)?,
        BodyFormat::PercentEncodedJson => {
            let decoded: Vec<u8> = percent_encoding::percent_decode(rest).collect();
            if std::str::from_utf8(&decoded).is_err() {
                return Err(BodyError::PercentEncodedNotUtf8);
            }
            json_fields(&decoded)?
        }
        BodyFormat::Form => form_fields(rest)?,
    };
    Ok(Body { format, fields })
}

/// Percent-decodes one value (`%23` becomes `#`; a `+` stays a `+`), for an application
/// that finds percent-encoded text in a field of a JSON body. Bodies are never decoded
/// this way automatically. `None` when the result is not UTF-8.
///
/// ```
/// use zego_core::callbacks::percent_decode;
/// assert_eq!(percent_decode("room%23123+x").as_deref(), Some("room#123+x"));
/// assert_eq!(percent_decode("%FF"), None);
/// ```
pub fn percent_decode(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value)
        .decode_utf8()
        .ok()
        .map(Cow::into_owned)
}

fn json_error(e: serde_json::Error) -> BodyError {
    BodyError::Json {
        reason: e.to_string(),
    }
}

/// Parses a JSON object; a repeated key keeps its last value (a map insert replaces).
fn json_fields(bytes: &[u8]) -> Result<Fields, BodyError> {
    // Each nesting level below is parsed again from its raw text, so the depth is checked
    // first, in one pass: a deep body costs no more than a flat one.
    if nesting(bytes) > MAX_DEPTH {
        return Err(too_deep());
    }
    let map: BTreeMap<String, &RawValue> = serde_json::from_slice(bytes).map_err(json_error)?;
    map.into_iter()
        .map(|(k, v)| Ok((k, convert(v, 1)?)))
        .collect()
}

/// How deeply arrays and objects may nest, the body's own object included. The vendor's
/// bodies nest 4 levels at most.
const MAX_DEPTH: usize = 64;

fn too_deep() -> BodyError {
    BodyError::Json {
        reason: format!("arrays and objects nest deeper than {MAX_DEPTH} levels"),
    }
}

/// The deepest nesting of arrays and objects in a JSON text (exact for valid JSON).
fn nesting(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Turns one raw JSON value at nesting `depth` into a [`FieldValue`].
fn convert(raw: &RawValue, depth: usize) -> Result<FieldValue, BodyError> {
    let text = raw.get().trim_matches([' ', '\t', '\r', '\n']);
    if depth >= MAX_DEPTH && matches!(text.as_bytes().first(), Some(b'{' | b'[')) {
        return Err(too_deep());
    }
    Ok(match text.as_bytes().first() {
        Some(b'"') => FieldValue::Text(serde_json::from_str(text).map_err(json_error)?),
        Some(b'{') => {
            let map: BTreeMap<String, &RawValue> =
                serde_json::from_str(text).map_err(json_error)?;
            FieldValue::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, convert(v, depth + 1)?)))
                    .collect::<Result<Fields, BodyError>>()?,
            )
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(json_error)?;
            FieldValue::Array(
                items
                    .into_iter()
                    .map(|v| convert(v, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        Some(b't') => FieldValue::Bool(true),
        Some(b'f') => FieldValue::Bool(false),
        Some(b'n') => FieldValue::Null,
        _ => FieldValue::Number(JsonNumber::parse(text).ok_or_else(|| BodyError::Json {
            reason: format!("unexpected value {:?}", truncate(text)),
        })?),
    })
}

/// Fields that hold a list of URLs: repeated form keys collect into an array.
const ARRAY_FIELDS: [&str; 7] = [
    "rtmp_url",
    "hls_url",
    "hdl_url",
    "pic_url",
    "rtmp_urls",
    "hls_urls",
    "hdl_urls",
];

/// Parses a form body (spec §2.2).
fn form_fields(bytes: &[u8]) -> Result<Fields, BodyError> {
    // A trailing line break (as left by a file or a shell) is not part of the last value:
    // an encoder writes a space as `+` or `%20`.
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .map_or(0, |i| i + 1);
    // name -> (values in order, seen with a `[]` or `[n]` suffix)
    let mut acc: BTreeMap<String, (Vec<String>, bool)> = BTreeMap::new();
    for pair in bytes[..end].split(|&b| b == b'&') {
        if pair.is_empty() {
            continue;
        }
        let (raw_key, raw_value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let not_utf8 = || BodyError::FormNotUtf8 {
            key: truncate(&String::from_utf8_lossy(&raw_key[..raw_key.len().min(256)])),
        };
        let key = form_decode(raw_key).ok_or_else(not_utf8)?;
        let value = form_decode(raw_value).ok_or_else(not_utf8)?;
        let (name, suffixed) = match strip_array_suffix(&key) {
            Some(name) => (name.to_owned(), true),
            None => (key, false),
        };
        let entry = acc.entry(name).or_default();
        entry.0.push(value);
        entry.1 |= suffixed;
    }
    Ok(acc
        .into_iter()
        .map(|(name, (mut values, suffixed))| {
            let known_array = ARRAY_FIELDS.contains(&name.as_str());
            let value = if suffixed || (known_array && values.len() > 1) {
                FieldValue::Array(values.into_iter().map(FieldValue::Text).collect())
            } else {
                let last = values.pop().unwrap_or_default();
                match known_array.then(|| json_string_array(&last)).flatten() {
                    Some(items) => FieldValue::Array(items),
                    None => FieldValue::Text(last),
                }
            };
            (name, value)
        })
        .collect())
}

/// `+` to space, then percent-decoding as UTF-8.
fn form_decode(bytes: &[u8]) -> Option<String> {
    let spaced: Cow<'_, [u8]> = if bytes.contains(&b'+') {
        Cow::Owned(
            bytes
                .iter()
                .map(|&b| if b == b'+' { b' ' } else { b })
                .collect(),
        )
    } else {
        Cow::Borrowed(bytes)
    };
    let decoded: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(decoded).ok()
}

/// `name[]` or `name[12]` gives `name`.
fn strip_array_suffix(key: &str) -> Option<&str> {
    let inner_and_name = key.strip_suffix(']')?;
    let open = inner_and_name.rfind('[')?;
    let (name, inner) = (&inner_and_name[..open], &inner_and_name[open + 1..]);
    (!name.is_empty() && inner.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

/// A form value that is itself a JSON array of strings.
fn json_string_array(text: &str) -> Option<Vec<FieldValue>> {
    if !text.trim_start().starts_with('[') {
        return None;
    }
    let items: Vec<String> = serde_json::from_str(text).ok()?;
    Some(items.into_iter().map(FieldValue::Text).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> FieldValue {
        FieldValue::from(s)
    }

    #[test]
    fn format_detection() {
        assert_eq!(detect_format(b"{}"), Some(BodyFormat::Json));
        assert_eq!(detect_format(b" \r\n\t{}"), Some(BodyFormat::Json));
        assert_eq!(detect_format(b"\xEF\xBB\xBF{}"), Some(BodyFormat::Json));
        assert_eq!(detect_format(b"\n\xEF\xBB\xBF {}"), Some(BodyFormat::Json));
        assert_eq!(
            detect_format(b"%7B%7D"),
            Some(BodyFormat::PercentEncodedJson)
        );
        assert_eq!(
            detect_format(b"  %7b%7d"),
            Some(BodyFormat::PercentEncodedJson)
        );
        assert_eq!(detect_format(b"a=1"), Some(BodyFormat::Form));
        // `{` wins over `=`; `%7B` too.
        assert_eq!(detect_format(b"{\"a\":\"=\"}"), Some(BodyFormat::Json));
        assert_eq!(
            detect_format(b"%7B%22a%22%3A%22=%22%7D"),
            Some(BodyFormat::PercentEncodedJson)
        );
        assert_eq!(detect_format(b"[1,2]"), None);
        assert_eq!(detect_format(b"hello"), None);
        assert_eq!(detect_format(b""), None);
        assert_eq!(detect_format(b"%7"), None);
    }

    #[test]
    fn malformed_bodies() {
        assert_eq!(read_body(b""), Err(BodyError::Empty));
        assert_eq!(read_body(b" \r\n"), Err(BodyError::Empty));
        assert!(
            matches!(read_body(b"[1]"), Err(BodyError::UnknownFormat { start }) if start == "[1]")
        );
        assert!(matches!(
            read_body(b"{\"a\":1"),
            Err(BodyError::Json { .. })
        ));
        assert!(matches!(
            read_body(b"{\"a\":1} x"),
            Err(BodyError::Json { .. })
        ));
        assert!(matches!(
            read_body(b"{\"a\":\"\xFF\"}"),
            Err(BodyError::Json { .. })
        ));
        assert_eq!(
            read_body(b"%7B%FF%7D"),
            Err(BodyError::PercentEncodedNotUtf8)
        );
        assert!(matches!(read_body(b"a=%FF"), Err(BodyError::FormNotUtf8 { key }) if key == "a"));
        let big = vec![b' '; MAX_CALLBACK_BODY_BYTES + 1];
        assert!(matches!(read_body(&big), Err(BodyError::TooLarge { .. })));
        // Nesting is bounded (no stack overflow on a deep body): 64 levels, the body's
        // own object included; brackets inside strings do not count.
        let nested = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(read_body(nested(63).as_bytes()).is_ok());
        assert!(matches!(
            read_body(nested(64).as_bytes()),
            Err(BodyError::Json { .. })
        ));
        let quoted = format!("{{\"a\":\"\\\"{}\",\"b\":[[1]]}}", "[".repeat(100));
        assert_eq!(nesting(quoted.as_bytes()), 3, "{quoted}");
        assert!(read_body(quoted.as_bytes()).is_ok());
        let deep = nested(MAX_CALLBACK_BODY_BYTES / 2 - 8);
        assert!(matches!(
            read_body(deep.as_bytes()),
            Err(BodyError::Json { .. })
        ));
    }

    #[test]
    fn json_is_not_percent_decoded_and_last_key_wins() {
        let body = read_body(br#"{"room_name":"room%23123+x","a":1,"a":"two"}"#).unwrap();
        assert_eq!(body.format, BodyFormat::Json);
        assert_eq!(body.fields.get("room_name"), Some(&text("room%23123+x")));
        assert_eq!(body.fields.get("a"), Some(&text("two")));
    }

    #[test]
    fn json_numbers_keep_their_text() {
        let body = read_body(
            br#"{"big":858012925204410400,"f":1.0,"e":1e9,"neg":-0,"huge":123456789012345678901234567890}"#,
        )
        .unwrap();
        let num = |k| body.fields.get(k).and_then(FieldValue::scalar_text);
        assert_eq!(num("big"), Some("858012925204410400"));
        assert_eq!(num("f"), Some("1.0"));
        assert_eq!(num("e"), Some("1e9"));
        assert_eq!(num("neg"), Some("-0"));
        assert_eq!(num("huge"), Some("123456789012345678901234567890"));
    }

    #[test]
    fn json_nested_values() {
        let body = read_body(
            br#"{"Details":{"Input":"in","Outputs":[{"x":1},{"x":2.5}]},"ok":true,"none":null}"#,
        )
        .unwrap();
        let Some(FieldValue::Object(details)) = body.fields.get("Details") else {
            panic!("{:?}", body.fields);
        };
        assert_eq!(details.get("Input"), Some(&text("in")));
        let Some(FieldValue::Array(outputs)) = details.get("Outputs") else {
            panic!("{details:?}");
        };
        assert_eq!(outputs.len(), 2);
        assert_eq!(body.fields.get("ok"), Some(&FieldValue::Bool(true)));
        assert_eq!(body.fields.get("none"), Some(&FieldValue::Null));
        assert_eq!(
            body.fields.to_json(),
            r#"{"Details":{"Input":"in","Outputs":[{"x":1},{"x":2.5}]},"none":null,"ok":true}"#
        );
    }

    #[test]
    fn percent_encoded_json() {
        let body = read_body(b"%7B%22event%22%3A%22a+b%22%2C%22n%22%3A1%7D\r\n").unwrap();
        assert_eq!(body.format, BodyFormat::PercentEncodedJson);
        // A `+` stays a `+`.
        assert_eq!(body.fields.get("event"), Some(&text("a+b")));
        assert_eq!(
            body.fields.get("n").and_then(FieldValue::scalar_text),
            Some("1")
        );
    }

    #[test]
    fn form_decoding() {
        let body = read_body(b"a=1&b&c=&&d=x%3Dy=z&e=%E4%BD%A0+%2B&a=2&%72oom=r\r\n").unwrap();
        assert_eq!(body.format, BodyFormat::Form);
        let f = &body.fields;
        assert_eq!(f.get("a"), Some(&text("2")), "last wins");
        assert_eq!(f.get("b"), Some(&text("")));
        assert_eq!(f.get("c"), Some(&text("")));
        assert_eq!(f.get("d"), Some(&text("x=y=z")));
        assert_eq!(f.get("e"), Some(&text("你 +")));
        assert_eq!(f.get("room"), Some(&text("r")));
        assert_eq!(f.len(), 6);
    }

    #[test]
    fn form_arrays_in_every_spelling() {
        let list = |items: &[&str]| FieldValue::Array(items.iter().map(|s| text(s)).collect());
        let cases: [(&[u8], FieldValue); 7] = [
            (b"rtmp_url=a&rtmp_url=b", list(&["a", "b"])),
            (b"rtmp_url[]=a", list(&["a"])),
            (b"rtmp_url%5B%5D=a&rtmp_url%5B%5D=b", list(&["a", "b"])),
            (b"rtmp_url[1]=a&rtmp_url[0]=b", list(&["a", "b"])),
            (b"rtmp_url=%5B%22a%22%2C%22b%22%5D", list(&["a", "b"])),
            (b"rtmp_url=a&rtmp_url[]=b", list(&["a", "b"])),
            // A single plain value stays a string; the typed model reads it as one URL.
            (b"rtmp_url=a", text("a")),
        ];
        for (body, expected) in cases {
            let fields = read_body(body).unwrap().fields;
            assert_eq!(
                fields.get("rtmp_url"),
                Some(&expected),
                "{}",
                String::from_utf8_lossy(body)
            );
            assert_eq!(fields.len(), 1);
        }
        // Repeated keys that are not array fields: last wins. `[x]` is not an array suffix.
        let f = read_body(b"title=a&title=b&k[x]=1&[]=2").unwrap().fields;
        assert_eq!(f.get("title"), Some(&text("b")));
        assert_eq!(f.get("k[x]"), Some(&text("1")));
        assert_eq!(f.get("[]"), Some(&text("2")));
    }

    #[test]
    fn percent_decode_helper() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("100%").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%zz").as_deref(), Some("%zz"));
        assert_eq!(percent_decode("%E4%BD%A0").as_deref(), Some("你"));
    }
}
