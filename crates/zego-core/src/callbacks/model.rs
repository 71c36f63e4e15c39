//! Reading and writing the typed models' fields (spec §3.3): numbers as JSON numbers or
//! decimal strings, strings, flags, URL lists.

use super::fields::{DecimalError, FieldValue, Fields, JsonNumber, decimal_u64};
use super::truncate;

/// Why a body does not fit the typed model of its event. The event is still delivered
/// (as [`Event::Invalid`](super::Event::Invalid)) and the receiver answers `200`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A required field is absent, `null` or an empty string.
    #[error("`{field}` is missing")]
    Missing {
        /// The field (or the alternatives, as in `room_id or channel_id`).
        field: &'static str,
    },
    /// A field has a JSON type that cannot be read.
    #[error("`{field}` is {found}; expected {expected}")]
    WrongType {
        /// The field.
        field: &'static str,
        /// What the model reads.
        expected: &'static str,
        /// What the body has.
        found: &'static str,
    },
    /// A numeric field is not decimal digits (a sign, a point, an exponent, spaces or
    /// letters).
    #[error("`{field}` is {value:?}, not a whole number written with decimal digits only")]
    NotAnInteger {
        /// The field.
        field: &'static str,
        /// Its text (at most 64 characters of it).
        value: String,
    },
    /// A numeric field does not fit its type.
    #[error("`{field}` is {value:?}, too large")]
    OutOfRange {
        /// The field.
        field: &'static str,
        /// Its text (at most 64 characters of it).
        value: String,
    },
    /// A 0/1 flag has another value.
    #[error("`{field}` is {value}; expected 0 or 1")]
    NotAFlag {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u64,
    },
}

pub(crate) type Result<T> = std::result::Result<T, ModelError>;

/// A string field; a number is read as its text. Absent or `null`: `None`.
pub(crate) fn opt_string(f: &Fields, field: &'static str) -> Result<Option<String>> {
    match f.get(field) {
        None | Some(FieldValue::Null) => Ok(None),
        Some(FieldValue::Text(s)) => Ok(Some(s.clone())),
        Some(FieldValue::Number(n)) => Ok(Some(n.as_str().to_owned())),
        Some(other) => Err(ModelError::WrongType {
            field,
            expected: "a string",
            found: other.type_name(),
        }),
    }
}

/// A string field that must be present (it may be empty).
pub(crate) fn string(f: &Fields, field: &'static str) -> Result<String> {
    opt_string(f, field)?.ok_or(ModelError::Missing { field })
}

/// A string field that defaults to empty.
pub(crate) fn string_or_empty(f: &Fields, field: &'static str) -> Result<String> {
    Ok(opt_string(f, field)?.unwrap_or_default())
}

/// A numeric field: a JSON number or a string of decimal digits (leading zeros allowed).
/// Absent, `null` or an empty string: `None`.
pub(crate) fn opt_u64(f: &Fields, field: &'static str) -> Result<Option<u64>> {
    let text = match f.get(field) {
        None | Some(FieldValue::Null) => return Ok(None),
        Some(FieldValue::Text(s)) if s.is_empty() => return Ok(None),
        Some(v) => v.scalar_text().ok_or(ModelError::WrongType {
            field,
            expected: "a number or a decimal string",
            found: v.type_name(),
        })?,
    };
    match decimal_u64(text) {
        Ok(n) => Ok(Some(n)),
        Err(DecimalError::Overflow) => Err(ModelError::OutOfRange {
            field,
            value: truncate(text),
        }),
        Err(DecimalError::Empty | DecimalError::NotDigits) => Err(ModelError::NotAnInteger {
            field,
            value: truncate(text),
        }),
    }
}

/// A numeric field that must be present.
pub(crate) fn u64_field(f: &Fields, field: &'static str) -> Result<u64> {
    opt_u64(f, field)?.ok_or(ModelError::Missing { field })
}

/// A numeric code (reasons, roles): digits only, at most `i64::MAX`.
pub(crate) fn opt_code(f: &Fields, field: &'static str) -> Result<Option<i64>> {
    opt_u64(f, field)?
        .map(|n| {
            i64::try_from(n).map_err(|_| ModelError::OutOfRange {
                field,
                value: n.to_string(),
            })
        })
        .transpose()
}

/// A numeric code that must be present.
pub(crate) fn code(f: &Fields, field: &'static str) -> Result<i64> {
    opt_code(f, field)?.ok_or(ModelError::Missing { field })
}

/// A 0/1 flag.
pub(crate) fn opt_flag(f: &Fields, field: &'static str) -> Result<Option<bool>> {
    match opt_u64(f, field)? {
        None => Ok(None),
        Some(0) => Ok(Some(false)),
        Some(1) => Ok(Some(true)),
        Some(value) => Err(ModelError::NotAFlag { field, value }),
    }
}

/// A list of strings: an array, or a single string read as a one-element list.
/// Absent or `null`: empty.
pub(crate) fn strings(f: &Fields, field: &'static str) -> Result<Vec<String>> {
    let wrong = |found: &FieldValue| ModelError::WrongType {
        field,
        expected: "an array of strings",
        found: found.type_name(),
    };
    match f.get(field) {
        None | Some(FieldValue::Null) => Ok(Vec::new()),
        Some(FieldValue::Array(items)) => items
            .iter()
            .map(|item| {
                item.scalar_text()
                    .map(str::to_owned)
                    .ok_or_else(|| wrong(item))
            })
            .collect(),
        Some(v) => v
            .scalar_text()
            .map(|s| vec![s.to_owned()])
            .ok_or_else(|| wrong(v)),
    }
}

/// Writes a string.
pub(crate) fn put_text(f: &mut Fields, field: &str, value: &str) {
    f.insert(field, value);
}

/// Writes a string when present.
pub(crate) fn put_opt_text(f: &mut Fields, field: &str, value: Option<&str>) {
    if let Some(v) = value {
        f.insert(field, v);
    }
}

/// Writes a number as a decimal string (the vendor's type for most numeric fields).
pub(crate) fn put_decimal(f: &mut Fields, field: &str, value: u64) {
    f.insert(field, value.to_string());
}

/// Writes a number as a decimal string when present.
pub(crate) fn put_opt_decimal(f: &mut Fields, field: &str, value: Option<u64>) {
    if let Some(v) = value {
        put_decimal(f, field, v);
    }
}

/// Writes a JSON number.
pub(crate) fn put_number(f: &mut Fields, field: &str, value: u64) {
    f.insert(field, JsonNumber::from(value));
}

/// Writes an array of strings.
pub(crate) fn put_texts(f: &mut Fields, field: &str, values: &[String]) {
    f.insert(
        field,
        FieldValue::Array(
            values
                .iter()
                .map(|s| FieldValue::from(s.as_str()))
                .collect(),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::read_body;

    fn fields(json: &str) -> Fields {
        read_body(json.as_bytes()).unwrap().fields
    }

    #[test]
    fn numbers_as_numbers_or_strings() {
        let f = fields(
            r#"{"a":"01","b":7,"c":"","d":null,"e":" 1","f":"-1","g":"1.0","h":1.0,"i":1e3,
                "j":"18446744073709551616","k":true,"l":"0x1"}"#,
        );
        assert_eq!(opt_u64(&f, "a"), Ok(Some(1)));
        assert_eq!(opt_u64(&f, "b"), Ok(Some(7)));
        assert_eq!(opt_u64(&f, "c"), Ok(None));
        assert_eq!(opt_u64(&f, "d"), Ok(None));
        assert_eq!(opt_u64(&f, "absent"), Ok(None));
        for k in ["e", "f", "g", "h", "i", "l"] {
            assert!(
                matches!(opt_u64(&f, k), Err(ModelError::NotAnInteger { .. })),
                "{k}"
            );
        }
        assert!(matches!(
            opt_u64(&f, "j"),
            Err(ModelError::OutOfRange { .. })
        ));
        assert!(matches!(
            opt_u64(&f, "k"),
            Err(ModelError::WrongType { .. })
        ));
        assert_eq!(u64_field(&f, "c"), Err(ModelError::Missing { field: "c" }));
        let err = u64_field(&f, "g").unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"`g` is "1.0", not a whole number written with decimal digits only"#
        );
    }

    #[test]
    fn codes_flags_strings_lists() {
        let f = fields(
            r#"{"big":"9223372036854775808","max":"9223372036854775807","one":"1","two":2,
                "s":123,"list":["a",1],"single":"u","bad":[{"x":1}],"obj":{}}"#,
        );
        assert!(matches!(
            opt_code(&f, "big"),
            Err(ModelError::OutOfRange { .. })
        ));
        assert_eq!(opt_code(&f, "max"), Ok(Some(i64::MAX)));
        assert_eq!(opt_flag(&f, "one"), Ok(Some(true)));
        assert_eq!(
            opt_flag(&f, "two"),
            Err(ModelError::NotAFlag {
                field: "two",
                value: 2
            })
        );
        assert_eq!(string(&f, "s"), Ok("123".to_owned()));
        assert!(matches!(
            string(&f, "obj"),
            Err(ModelError::WrongType {
                found: "an object",
                ..
            })
        ));
        assert_eq!(
            strings(&f, "list"),
            Ok(vec!["a".to_owned(), "1".to_owned()])
        );
        assert_eq!(strings(&f, "single"), Ok(vec!["u".to_owned()]));
        assert_eq!(strings(&f, "absent"), Ok(vec![]));
        assert!(matches!(
            strings(&f, "bad"),
            Err(ModelError::WrongType {
                found: "an object",
                ..
            })
        ));
        assert!(matches!(
            strings(&f, "obj"),
            Err(ModelError::WrongType { .. })
        ));
    }
}
