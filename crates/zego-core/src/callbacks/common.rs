//! The five common fields (spec §3.1, §3.2), found in every spelling the vendor uses.

use super::body::BodyError;
use super::fields::{FieldValue, Fields, decimal_u64};
use crate::credentials::AppId;

/// The spellings of each common field, in lookup order (spec §3.1). The first key
/// present wins; matching is exact.
pub(crate) const EVENT_KEYS: [&str; 2] = ["event", "Event"];
pub(crate) const APP_ID_KEYS: [&str; 3] = ["appid", "Appid", "AppId"];
pub(crate) const TIMESTAMP_KEYS: [&str; 2] = ["timestamp", "Timestamp"];
pub(crate) const NONCE_KEYS: [&str; 2] = ["nonce", "Nonce"];
pub(crate) const SIGNATURE_KEYS: [&str; 2] = ["signature", "Signature"];

/// The fields every callback carries, whatever their spelling (`appid`/`Appid`/`AppId`,
/// `event`/`Event`, `timestamp`/`Timestamp`, `nonce`/`Nonce`, `signature`/`Signature`)
/// and JSON type.
///
/// ```
/// use zego_core::callbacks::{read_body, Common};
/// let body = read_body(br#"{"Event":"censor_audio_v2_status","AppId":1,
///     "Timestamp":1724743250,"Nonce":"7407715855877898783","Signature":"x"}"#)?;
/// let common = Common::from_fields(&body.fields)?;
/// assert_eq!(common.event, "censor_audio_v2_status");
/// assert_eq!(common.app_id.map(|id| id.get()), Some(1));
/// assert_eq!(common.timestamp_text.as_deref(), Some("1724743250"));
/// assert_eq!(common.timestamp, Some(1724743250));
/// # Ok::<(), zego_core::callbacks::BodyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Common {
    /// The event name (`room_login`, `mix_start`, ...). Never empty.
    pub event: String,
    /// The app ID, when it is decimal digits that fit in 32 bits. A missing or unreadable
    /// app ID is not an error: it is not covered by the signature.
    pub app_id: Option<AppId>,
    /// The app ID's text as received (a number's token or a string's contents).
    pub app_id_text: Option<String>,
    /// The timestamp's exact text: the signature input. `None` when absent or neither a
    /// string nor a number.
    pub timestamp_text: Option<String>,
    /// The timestamp in Unix seconds, when its text is plain decimal digits (the vendor's
    /// transcoding examples carry the placeholder `"timestamp"`).
    pub timestamp: Option<u64>,
    /// The nonce's exact text, never read as a number (19-digit nonces exceed 2^53).
    pub nonce: Option<String>,
    /// The signature as received. `None` when absent or not a string.
    pub signature: Option<String>,
}

impl Common {
    /// Finds the common fields in a body's fields.
    ///
    /// Only the event name is required: a missing `event` (and `Event`), or one that is
    /// not a non-empty string, is an error (the receiver answers `400`). A missing
    /// timestamp, nonce or signature is left to the signature check (`401`).
    pub fn from_fields(fields: &Fields) -> Result<Self, BodyError> {
        let event = match first(fields, &EVENT_KEYS) {
            None => return Err(BodyError::MissingEvent),
            Some(FieldValue::Text(s)) if !s.is_empty() => s.clone(),
            Some(FieldValue::Text(_)) => {
                return Err(BodyError::InvalidEvent {
                    found: "an empty string",
                });
            }
            Some(other) => {
                return Err(BodyError::InvalidEvent {
                    found: other.type_name(),
                });
            }
        };
        let app_id_text = scalar(fields, &APP_ID_KEYS);
        let app_id = app_id_text
            .as_deref()
            .and_then(|t| decimal_u64(t).ok())
            .and_then(|n| u32::try_from(n).ok())
            .map(AppId::new);
        let timestamp_text = scalar(fields, &TIMESTAMP_KEYS);
        let timestamp = timestamp_text.as_deref().and_then(|t| decimal_u64(t).ok());
        let nonce = scalar(fields, &NONCE_KEYS);
        let signature = match first(fields, &SIGNATURE_KEYS) {
            Some(FieldValue::Text(s)) => Some(s.clone()),
            _ => None,
        };
        Ok(Common {
            event,
            app_id,
            app_id_text,
            timestamp_text,
            timestamp,
            nonce,
            signature,
        })
    }
}

/// The value of the first spelling present.
fn first<'a>(fields: &'a Fields, keys: &[&str]) -> Option<&'a FieldValue> {
    keys.iter().find_map(|k| fields.get(k))
}

/// The text of the first spelling present, when it is a string or a number.
fn scalar(fields: &Fields, keys: &[&str]) -> Option<String> {
    first(fields, keys)
        .and_then(FieldValue::scalar_text)
        .map(str::to_owned)
}

/// Whether a field name is one spelling of a common field.
pub(crate) fn is_common_key(name: &str) -> bool {
    [
        &EVENT_KEYS[..],
        &APP_ID_KEYS,
        &TIMESTAMP_KEYS,
        &NONCE_KEYS,
        &SIGNATURE_KEYS,
    ]
    .iter()
    .any(|keys| keys.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::read_body;

    fn common(body: &str) -> Result<Common, BodyError> {
        Common::from_fields(&read_body(body.as_bytes()).unwrap().fields)
    }

    #[test]
    fn event_is_required_and_a_non_empty_string() {
        assert_eq!(common(r#"{"appid":1}"#), Err(BodyError::MissingEvent));
        assert_eq!(
            common(r#"{"event":""}"#),
            Err(BodyError::InvalidEvent {
                found: "an empty string"
            })
        );
        assert_eq!(
            common(r#"{"event":5}"#),
            Err(BodyError::InvalidEvent { found: "a number" })
        );
        // The first spelling present wins, even when it is unusable.
        assert_eq!(
            common(r#"{"event":null,"Event":"x"}"#),
            Err(BodyError::InvalidEvent { found: "null" })
        );
        assert_eq!(common(r#"{"Event":"x"}"#).unwrap().event, "x");
        assert_eq!(common(r#"{"EVENT":"x"}"#), Err(BodyError::MissingEvent));
        assert_eq!(
            common("event=").unwrap_err(),
            BodyError::InvalidEvent {
                found: "an empty string"
            }
        );
    }

    #[test]
    fn lower_case_spelling_first() {
        let c = common(
            r#"{"event":"e","Event":"E","appid":"7","AppId":8,"timestamp":"1","Timestamp":2,
                "nonce":"n","Nonce":"N","signature":"s","Signature":"S"}"#,
        )
        .unwrap();
        assert_eq!(c.event, "e");
        assert_eq!(c.app_id, Some(AppId::new(7)));
        assert_eq!(c.timestamp_text.as_deref(), Some("1"));
        assert_eq!(c.nonce.as_deref(), Some("n"));
        assert_eq!(c.signature.as_deref(), Some("s"));
    }

    #[test]
    fn app_id_and_timestamp_readings() {
        let c = common(r#"{"event":"e","Appid":"111111","Timestamp":"timestamp","Nonce":"nonce"}"#)
            .unwrap();
        assert_eq!(c.app_id, Some(AppId::new(111111)));
        assert_eq!(c.timestamp_text.as_deref(), Some("timestamp"));
        assert_eq!(c.timestamp, None);
        assert_eq!(c.signature, None);
        let c = common(r#"{"event":"e","appid":"x1","timestamp":1.0,"nonce":7254119327986670314,"signature":5}"#)
            .unwrap();
        assert_eq!(c.app_id, None);
        assert_eq!(c.app_id_text.as_deref(), Some("x1"));
        assert_eq!(c.timestamp_text.as_deref(), Some("1.0"));
        assert_eq!(c.timestamp, None);
        assert_eq!(c.nonce.as_deref(), Some("7254119327986670314"));
        assert_eq!(c.signature, None, "a signature must be a string");
        let c = common(r#"{"event":"e","appid":4294967296,"timestamp":[1]}"#).unwrap();
        assert_eq!(c.app_id, None);
        assert_eq!(c.app_id_text.as_deref(), Some("4294967296"));
        assert_eq!(c.timestamp_text, None);
    }
}
