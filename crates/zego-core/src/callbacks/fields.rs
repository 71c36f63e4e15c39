//! The decoded body: every field as received, numbers kept as their exact text.

use std::collections::BTreeMap;
use std::fmt;

use serde::ser::{Error as _, Serialize, SerializeMap, SerializeSeq, Serializer};

/// A JSON number, kept as the exact text of its token (`1499676978`, `858012925204410400`,
/// `1.5e3`): it is never converted through a float, so 64-bit IDs stay exact and a
/// timestamp sent as a number contributes its own characters to the signature.
///
/// ```
/// use zego_core::callbacks::JsonNumber;
/// let n = JsonNumber::parse("858012925204410400").unwrap();
/// assert_eq!(n.to_u64(), Some(858_012_925_204_410_400));
/// assert_eq!(JsonNumber::parse("1.5e3").unwrap().to_u64(), None);
/// assert!(JsonNumber::parse("01").is_none()); // not a JSON number
/// assert_eq!(JsonNumber::from(42u64).as_str(), "42");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JsonNumber(String);

impl JsonNumber {
    /// Accepts text that follows JSON's number grammar
    /// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    pub fn parse(text: &str) -> Option<Self> {
        is_json_number(text.as_bytes()).then(|| JsonNumber(text.to_owned()))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, when the text is plain decimal digits that fit in a `u64`.
    pub fn to_u64(&self) -> Option<u64> {
        decimal_u64(&self.0).ok()
    }
}

impl From<u64> for JsonNumber {
    fn from(n: u64) -> Self {
        JsonNumber(n.to_string())
    }
}

impl From<u32> for JsonNumber {
    fn from(n: u32) -> Self {
        JsonNumber(n.to_string())
    }
}

impl From<i64> for JsonNumber {
    fn from(n: i64) -> Self {
        JsonNumber(n.to_string())
    }
}

impl fmt::Debug for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Written as-is (serde_json's `raw_value`): exact, whatever its size.
        serde_json::value::RawValue::from_string(self.0.clone())
            .map_err(S::Error::custom)?
            .serialize(serializer)
    }
}

fn is_json_number(b: &[u8]) -> bool {
    let mut i = 0;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            while matches!(b.get(i), Some(b'0'..=b'9')) {
                i += 1;
            }
        }
        _ => return false,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let start = i;
        while matches!(b.get(i), Some(b'0'..=b'9')) {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

/// Why a text is not an unsigned decimal integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecimalError {
    Empty,
    NotDigits,
    Overflow,
}

/// Reads plain decimal digits (leading zeros allowed; no sign, space, point or exponent).
pub(crate) fn decimal_u64(text: &str) -> Result<u64, DecimalError> {
    if text.is_empty() {
        return Err(DecimalError::Empty);
    }
    let mut value: u64 = 0;
    for b in text.bytes() {
        if !b.is_ascii_digit() {
            return Err(DecimalError::NotDigits);
        }
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(DecimalError::Overflow)?;
    }
    Ok(value)
}

/// One value of a body.
///
/// A JSON body gives any of these; a form body gives only [`Text`](Self::Text), and
/// [`Array`](Self::Array)s of them for repeated or `[]`-suffixed keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// JSON `null`.
    Null,
    /// JSON `true` or `false`.
    Bool(bool),
    /// A JSON number, as its exact text.
    Number(JsonNumber),
    /// A JSON string (unescaped), or a decoded form value.
    Text(String),
    /// A JSON array, or the values of a form array field.
    Array(Vec<FieldValue>),
    /// A JSON object.
    Object(Fields),
}

impl FieldValue {
    /// The string, for [`Text`](Self::Text).
    pub fn as_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The text of a scalar: a string's contents or a number's token.
    pub fn scalar_text(&self) -> Option<&str> {
        match self {
            FieldValue::Text(s) => Some(s),
            FieldValue::Number(n) => Some(n.as_str()),
            _ => None,
        }
    }

    /// The JSON type's name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            FieldValue::Null => "null",
            FieldValue::Bool(_) => "a boolean",
            FieldValue::Number(_) => "a number",
            FieldValue::Text(_) => "a string",
            FieldValue::Array(_) => "an array",
            FieldValue::Object(_) => "an object",
        }
    }
}

impl From<&str> for FieldValue {
    fn from(s: &str) -> Self {
        FieldValue::Text(s.to_owned())
    }
}

impl From<String> for FieldValue {
    fn from(s: String) -> Self {
        FieldValue::Text(s)
    }
}

impl From<JsonNumber> for FieldValue {
    fn from(n: JsonNumber) -> Self {
        FieldValue::Number(n)
    }
}

impl Serialize for FieldValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            FieldValue::Null => serializer.serialize_unit(),
            FieldValue::Bool(b) => serializer.serialize_bool(*b),
            FieldValue::Number(n) => n.serialize(serializer),
            FieldValue::Text(s) => serializer.serialize_str(s),
            FieldValue::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            FieldValue::Object(fields) => fields.serialize(serializer),
        }
    }
}

/// The fields of a body (or of a JSON object inside it), by name.
///
/// Names are matched exactly and case-sensitively. When a body repeats a name, the last
/// occurrence wins (form array fields excepted, see [`read_body`](super::read_body)).
/// Iteration and serialization are in byte-wise order of the names; serialization
/// writes numbers with their exact text.
///
/// ```
/// use zego_core::callbacks::{Fields, FieldValue, JsonNumber};
/// let mut fields = Fields::new();
/// fields.insert("room_id", "room1");
/// fields.insert("room_session_id", JsonNumber::from(858012925204410400u64));
/// assert_eq!(fields.to_json(), r#"{"room_id":"room1","room_session_id":858012925204410400}"#);
/// assert_eq!(fields.get("room_id"), Some(&FieldValue::from("room1")));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(BTreeMap<String, FieldValue>);

impl Fields {
    /// No fields.
    pub fn new() -> Self {
        Fields(BTreeMap::new())
    }

    /// The value of a field.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.0.get(name)
    }

    /// Whether the field is present (with any value, `null` included).
    pub fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// Sets a field, returning the value it replaces.
    pub fn insert(
        &mut self,
        name: impl Into<String>,
        value: impl Into<FieldValue>,
    ) -> Option<FieldValue> {
        self.0.insert(name.into(), value.into())
    }

    /// Removes a field, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<FieldValue> {
        self.0.remove(name)
    }

    /// How many fields there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in byte-wise order of their names.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Compact JSON, keys sorted, numbers with their exact text.
    pub fn to_json(&self) -> String {
        // Cannot fail: keys are strings and every number is valid JSON.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl FromIterator<(String, FieldValue)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, FieldValue)>>(iter: I) -> Self {
        Fields(iter.into_iter().collect())
    }
}

impl Extend<(String, FieldValue)> for Fields {
    fn extend<I: IntoIterator<Item = (String, FieldValue)>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_number_grammar() {
        for ok in [
            "0",
            "-0",
            "1",
            "858012925204410400",
            "1.5",
            "-1.5e-3",
            "1E+9",
            "2e10",
        ] {
            assert!(JsonNumber::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "", "-", "01", "+1", "1.", ".5", "1e", "1e+", " 1", "1 ", "0x10", "NaN",
        ] {
            assert!(JsonNumber::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn decimal_rules() {
        assert_eq!(decimal_u64("01"), Ok(1));
        assert_eq!(decimal_u64("0000"), Ok(0));
        assert_eq!(decimal_u64("18446744073709551615"), Ok(u64::MAX));
        assert_eq!(
            decimal_u64("18446744073709551616"),
            Err(DecimalError::Overflow)
        );
        assert_eq!(decimal_u64(""), Err(DecimalError::Empty));
        for bad in [" 1", "1 ", "+1", "-1", "1.0", "1e3", "１"] {
            assert_eq!(decimal_u64(bad), Err(DecimalError::NotDigits), "{bad}");
        }
    }

    #[test]
    fn numbers_serialize_exactly() {
        let mut f = Fields::new();
        f.insert("big", JsonNumber::parse("858012925204410400").unwrap());
        f.insert("float", JsonNumber::parse("1.50e3").unwrap());
        f.insert(
            "list",
            FieldValue::Array(vec!["a".into(), FieldValue::Null, FieldValue::Bool(true)]),
        );
        assert_eq!(
            f.to_json(),
            r#"{"big":858012925204410400,"float":1.50e3,"list":["a",null,true]}"#
        );
    }
}
