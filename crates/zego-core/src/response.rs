//! The one envelope parser, shared by every call.
//!
//! Every response is a JSON object with `Code`, `Message`, `RequestId` and `Data`. The
//! body is read whatever the HTTP status; only a body that is not the envelope is reported
//! as an HTTP-level error.

use std::fmt;

use serde::de::{self, DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};

use crate::action::Action;
use crate::code::{CodeClass, ReturnCode};
use crate::error::{ApiError, ResponseError};

/// The largest response body read, in bytes (1 MiB). Transports stop reading past it.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How many characters of a body an error keeps.
const EXCERPT_CHARS: usize = 200;

/// A successful reply: `Code` 0, or a code that is an answer of the call (41004 and 41006
/// of DescribeRTCStreamState).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply<D> {
    /// The `Code`: 0, or a code whose class in the call's group is
    /// [`CodeClass::Answer`].
    pub code: ReturnCode,
    /// The server's `RequestId`, for the vendor's support.
    pub request_id: String,
    /// The server's `Message` (`success`, `ok`, ...; informative only).
    pub message: String,
    /// The call's `Data`; when the server sent none or `null`, what [`ReplyData::absent`]
    /// says.
    pub data: D,
    /// How many requests the call took (1 unless retried). 0 from [`parse_response`]
    /// alone; the call driver fills it in.
    pub attempts: u32,
}

/// The `Data` of a call's reply.
///
/// Every call says what a reply without `Data` (the member absent, or `null`) holds, so
/// that absence is never silently read as an empty answer: a query whose `Data` may be
/// absent has the type `Option<T>` (`None`: the server said nothing), a call that
/// documents no `Data` has [`NoData`], and a call with its own rule documents it on its
/// type. The type serializes back to the vendor's JSON shape.
pub trait ReplyData: DeserializeOwned + Serialize + fmt::Debug + Send + 'static {
    /// What a reply without `Data` holds.
    fn absent() -> Self;
}

/// `None` when the server sent no `Data`.
impl<T> ReplyData for Option<T>
where
    T: DeserializeOwned + Serialize + fmt::Debug + Send + 'static,
{
    fn absent() -> Self {
        None
    }
}

/// The `Data` of a call that documents none: whatever the server sends in its place
/// (nothing, `null`, `{}` or more) is accepted and ignored. It serializes as `null`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NoData;

impl<'de> Deserialize<'de> for NoData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d).map(|_| NoData)
    }
}

impl Serialize for NoData {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl ReplyData for NoData {
    fn absent() -> Self {
        NoData
    }
}

/// The envelope. Only `Code` is needed, an integer given as a JSON number or as a string
/// of decimal digits; `Message` is kept when it is a string and `RequestId` when it is a
/// string or a number, and anything else in their place is read as empty, so that an odd
/// member never turns a delivered success into "not an envelope".
#[derive(Deserialize)]
struct Envelope<D> {
    #[serde(rename = "Code", deserialize_with = "code")]
    code: i64,
    #[serde(rename = "Message", default, deserialize_with = "text_or_empty")]
    message: String,
    #[serde(rename = "RequestId", default, deserialize_with = "id_or_empty")]
    request_id: String,
    // Absent and `null` both read as `None`.
    #[serde(rename = "Data", default = "none")]
    data: Option<D>,
}

fn none<D>() -> Option<D> {
    None
}

/// Parses one response of the call `A`.
///
/// - body over [`MAX_BODY_BYTES`]: [`ResponseError::TooLarge`];
/// - body that is not the envelope (whatever the status): [`ResponseError::NotEnvelope`]
///   with the status and an excerpt;
/// - `Code` not 0 and not an answer of the call: [`ResponseError::Api`] with the code,
///   read in the call's group, the message and the request ID;
/// - `Code` 0 (or an answer) but `Data` of another shape: [`ResponseError::Data`].
///
/// No input makes it panic.
///
/// ```
/// use zego_core::{parse_response, ReturnCode};
/// use zego_core::actions::SendCustomCommand;
/// let body = br#"{"Code":0,"Message":"success","RequestId":"3005402395393320157",
///     "Data":{"FailUsers":[{"Uid":"1111","Code":50003}]}}"#;
/// let reply = parse_response::<SendCustomCommand>(200, body)?;
/// assert_eq!(reply.request_id, "3005402395393320157");
/// assert_eq!(reply.data.fail_users[0].user_id, "1111");
/// assert_eq!(reply.data.fail_users[0].code, ReturnCode::USER_NOT_ONLINE);
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
pub fn parse_response<A: Action>(
    status: u16,
    body: &[u8],
) -> Result<Reply<A::Data>, ResponseError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(ResponseError::TooLarge {
            status,
            limit: MAX_BODY_BYTES,
        });
    }
    // One pass in the common case: the envelope with this call's `Data`.
    let data_error = match serde_json::from_slice::<Envelope<A::Data>>(body) {
        Ok(env) => return finish::<A>(env),
        Err(e) => e,
    };
    // The data did not fit, or this is not an envelope at all: read the envelope alone.
    match serde_json::from_slice::<Envelope<IgnoredAny>>(body) {
        Ok(env) if !is_reply::<A>(env.code) => Err(api_error::<A, _>(env)),
        Ok(env) => Err(ResponseError::Data {
            request_id: env.request_id,
            reason: data_error.to_string(),
        }),
        Err(e) => Err(ResponseError::NotEnvelope {
            status,
            reason: e.to_string(),
            excerpt: excerpt(body),
        }),
    }
}

/// `true` for the codes that make a reply rather than an error: 0 and the call's answers.
fn is_reply<A: Action>(code: i64) -> bool {
    code == 0 || ReturnCode::new(code).class(A::GROUP) == CodeClass::Answer
}

fn finish<A: Action>(env: Envelope<A::Data>) -> Result<Reply<A::Data>, ResponseError> {
    if !is_reply::<A>(env.code) {
        return Err(api_error::<A, _>(env));
    }
    Ok(Reply {
        code: ReturnCode::new(env.code),
        request_id: env.request_id,
        message: env.message,
        data: env.data.unwrap_or_else(A::Data::absent),
        attempts: 0,
    })
}

fn api_error<A: Action, D>(env: Envelope<D>) -> ResponseError {
    ResponseError::Api(ApiError::new(
        ReturnCode::new(env.code),
        A::GROUP,
        env.message,
        env.request_id,
    ))
}

/// The start of a body, for an error message: at most 200 characters, lossily decoded.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(EXCERPT_CHARS * 4)];
    String::from_utf8_lossy(head)
        .chars()
        .take(EXCERPT_CHARS)
        .collect()
}

/// Reads a string, a number (turned into its decimal text) or `null` (empty).
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_unit<E: de::Error>(self) -> Result<String, E> {
            Ok(String::new())
        }
    }
    d.deserialize_any(V)
}

/// Reads a list, or `null` (empty).
pub(crate) fn vec_or_null<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Reads an integer given as a JSON number or as a string of decimal digits.
pub(crate) fn number_or_string<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>,
{
    integer(d, false)?.ok_or_else(|| de::Error::custom("an integer is required"))
}

/// Reads an optional integer: `null` is `None`, else as [`number_or_string`].
pub(crate) fn opt_number_or_string<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>,
{
    #[derive(Deserialize)]
    #[serde(bound(deserialize = "T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>"))]
    struct Lenient<T>(#[serde(deserialize_with = "number_or_string")] T);
    Ok(Option::<Lenient<T>>::deserialize(d)?.map(|Lenient(v)| v))
}

/// Reads `Code`: an integer as a JSON number, or as a string of decimal digits (with an
/// optional minus).
fn code<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl de::Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, or a string of decimal digits")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("the code is out of range"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            let digits = v.strip_prefix('-').unwrap_or(v);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(E::custom("the code is not a decimal integer"));
            }
            v.parse().map_err(|_| E::custom("the code is out of range"))
        }
    }
    d.deserialize_any(V)
}

/// Reads a string; anything else (a number, `null`, an object, ...) reads as empty.
fn text_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(Lenient { numbers: false })
}

/// Reads a string or a number's decimal text; anything else reads as empty.
fn id_or_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(Lenient { numbers: true })
}

/// A visitor that takes any JSON value: a string as it is, a number as its text when
/// `numbers` is set, anything else as empty (its content skipped).
struct Lenient {
    numbers: bool,
}

impl<'de> de::Visitor<'de> for Lenient {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(if self.numbers {
            v.to_string()
        } else {
            String::new()
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(if self.numbers {
            v.to_string()
        } else {
            String::new()
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(if self.numbers {
            v.to_string()
        } else {
            String::new()
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Ok(String::new())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<String, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(String::new())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<String, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(String::new())
    }
}

/// Reads an optional integer where an empty string stands for "none" (spec §18, #4):
/// `null` and `""` are `None`, else as [`number_or_string`].
pub(crate) fn number_or_blank<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>,
{
    integer(d, true)
}

/// Writes an optional integer as the vendor's string: its decimal text, or `""`.
pub(crate) fn blank_or_text<S, T>(value: &Option<T>, s: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    T: fmt::Display,
{
    match value {
        Some(v) => s.collect_str(v),
        None => s.serialize_str(""),
    }
}

/// Reads an optional string given as a string or a number (its decimal text): `null` is
/// `None`.
pub(crate) fn opt_string_or_number<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Lenient(#[serde(deserialize_with = "string_or_number")] String);
    Ok(Option::<Lenient>::deserialize(d)?.map(|Lenient(v)| v))
}

/// Reads an integer given as a JSON number or a string of decimal digits; with `blank`,
/// `null` and `""` too, as `None`.
fn integer<'de, D, T>(d: D, blank: bool) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>,
{
    struct V<T> {
        blank: bool,
        target: std::marker::PhantomData<T>,
    }
    impl<T: std::str::FromStr + TryFrom<u64> + TryFrom<i64>> de::Visitor<'_> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer, or a string of decimal digits")?;
            if self.blank {
                f.write_str(", empty or null")?;
            }
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<T>, E> {
            T::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("{v} is out of range")))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<T>, E> {
            T::try_from(v)
                .map(Some)
                .map_err(|_| E::custom(format!("{v} is out of range")))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<T>, E> {
            if self.blank && v.is_empty() {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| E::custom(format!("{v:?} is not an integer in range")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Option<T>, E> {
            if self.blank {
                Ok(None)
            } else {
                Err(E::invalid_type(de::Unexpected::Unit, &self))
            }
        }
    }
    d.deserialize_any(V {
        blank,
        target: std::marker::PhantomData,
    })
}

/// The three ways a reply goes without `Data` (spec §0.2): the member absent, `null`, and
/// `{}`; no call may read any of them as an empty answer.
#[cfg(test)]
pub(crate) const ABSENT_DATA: [&str; 3] = [
    r#"{"Code":0,"RequestId":"1"}"#,
    r#"{"Code":0,"RequestId":"1","Data":null}"#,
    r#"{"Code":0,"RequestId":"1","Data":{}}"#,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Group;
    use crate::actions::{CustomCommandData, SendCustomCommand};

    type R = Result<Reply<CustomCommandData>, ResponseError>;

    fn parse(status: u16, body: &str) -> R {
        parse_response::<SendCustomCommand>(status, body.as_bytes())
    }

    #[test]
    fn vendor_example() {
        let body = r#"{
            "Code": 0,
            "Message": "success",
            "RequestId": "3005402395393320157",
            "Data": {
                "FailUsers": [{
                    "Uid": "1111",
                    "Code": 50003
                }]
            }
        }"#;
        let reply = parse(200, body).unwrap();
        assert_eq!(reply.request_id, "3005402395393320157");
        assert_eq!(reply.message, "success");
        assert_eq!(reply.data.fail_users.len(), 1);
        assert_eq!(reply.data.fail_users[0].user_id, "1111");
        assert_eq!(reply.data.fail_users[0].code, ReturnCode::USER_NOT_ONLINE);
    }

    #[test]
    fn data_absent_null_or_empty() {
        for body in [
            r#"{"Code":0,"Message":"ok","RequestId":"1"}"#,
            r#"{"Code":0,"Message":"ok","RequestId":"1","Data":null}"#,
            r#"{"Code":0,"Message":"ok","RequestId":"1","Data":{}}"#,
            r#"{"Code":0,"Message":"ok","RequestId":"1","Data":{"FailUsers":null}}"#,
            r#"{"Code":0,"Message":"ok","RequestId":"1","Data":{"FailUsers":[]}}"#,
        ] {
            let reply = parse(200, body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert!(reply.data.fail_users.is_empty(), "{body}");
        }
    }

    #[test]
    fn request_id_number_or_missing_and_extra_fields() {
        let r = parse(
            200,
            r#"{"Code":0,"RequestId":3005402395393320157,"Extra":[1,2],"Data":{"FailUsers":[{"Uid":7,"Code":50003}],"More":1}}"#,
        )
        .unwrap();
        assert_eq!(r.request_id, "3005402395393320157");
        assert_eq!(r.message, "");
        assert_eq!(r.data.fail_users[0].user_id, "7");
    }

    #[test]
    fn api_error_whatever_the_status() {
        for status in [200, 400, 500] {
            let e = parse(
                status,
                r#"{"Code":100000005,"Message":"signature error","RequestId":"9","Data":"unexpected"}"#,
            )
            .unwrap_err();
            assert_eq!(
                e,
                ResponseError::Api(ApiError::new(
                    ReturnCode::SIGNATURE_MISMATCH,
                    Group::RoomSignalling,
                    "signature error",
                    "9"
                ))
            );
        }
    }

    #[test]
    fn not_an_envelope() {
        let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
        match parse(502, html).unwrap_err() {
            ResponseError::NotEnvelope {
                status, excerpt, ..
            } => {
                assert_eq!(status, 502);
                assert_eq!(excerpt, html);
            }
            e => panic!("{e:?}"),
        }
        for body in [
            "",
            "{",
            r#"{"Code":0,"Message":"succ"#,
            "[]",
            "null",
            r#"{"Message":"no code"}"#,
            r#"{"Code":"zero"}"#,
            r#"{"Code":"1.5"}"#,
            r#"{"Code":""}"#,
            r#"{"Code":1.5}"#,
            r#"{"Code":null}"#,
            r#"{"Code":[0]}"#,
        ] {
            assert!(
                matches!(parse(200, body), Err(ResponseError::NotEnvelope { .. })),
                "{body}"
            );
        }
        let long = "x".repeat(10_000);
        match parse(500, &long).unwrap_err() {
            ResponseError::NotEnvelope { excerpt, .. } => assert_eq!(excerpt.len(), 200),
            e => panic!("{e:?}"),
        }
    }

    /// A delivered success must not read as "not an envelope" because of an odd member:
    /// only `Code` is needed.
    #[test]
    fn odd_envelopes_need_only_their_code() {
        for body in [
            r#"{"Code":0,"Message":0,"RequestId":"1"}"#,
            r#"{"Code":0,"Message":"success","RequestId":{"id":1}}"#,
            r#"{"Code":"0","Message":"success","RequestId":"1"}"#,
            r#"{"Code":0,"Message":["x"],"RequestId":true,"Data":{"FailUsers":[]}}"#,
        ] {
            let reply = parse(200, body).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert!(reply.data.fail_users.is_empty(), "{body}");
        }
        // The data is still read when the envelope is odd.
        let reply = parse(
            200,
            r#"{"Code":"0","Message":7,"Data":{"FailUsers":[{"Uid":"u","Code":50003}]}}"#,
        )
        .unwrap();
        assert_eq!(reply.data.fail_users[0].user_id, "u");
        assert_eq!(reply.request_id, "");
        // A code as a string is still an error with its code.
        match parse(200, r#"{"Code":"50013","Message":{"x":1},"RequestId":9}"#) {
            Err(ResponseError::Api(api)) => {
                assert_eq!(api.code, ReturnCode::CUSTOM_MESSAGE_SEND_FAILED);
                assert_eq!(api.request_id, "9");
                assert_eq!(api.message, "");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn success_with_unreadable_data() {
        match parse(
            200,
            r#"{"Code":0,"RequestId":"5","Data":{"FailUsers":"x"}}"#,
        ) {
            Err(ResponseError::Data { request_id, .. }) => assert_eq!(request_id, "5"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn size_cap() {
        let mut body = br#"{"Code":0,"RequestId":"1","Pad":""#.to_vec();
        body.resize(MAX_BODY_BYTES - 2, b'a');
        body.extend_from_slice(b"\"}");
        assert_eq!(body.len(), MAX_BODY_BYTES);
        assert!(parse_response::<SendCustomCommand>(200, &body).is_ok());
        body.insert(body.len() - 2, b'a');
        assert_eq!(
            parse_response::<SendCustomCommand>(200, &body).unwrap_err(),
            ResponseError::TooLarge {
                status: 200,
                limit: MAX_BODY_BYTES
            }
        );
    }

    #[test]
    fn excerpt_is_lossy_and_bounded() {
        let body = [0xffu8; 1000];
        let e = excerpt(&body);
        assert_eq!(e.chars().count(), 200);
        assert!(e.chars().all(|c| c == '\u{fffd}'));
    }
}
