//! One module per API call.

pub mod send_custom_command;

use crate::code::ReturnCode;
use crate::error::ValidationError;

/// Checks that a required parameter is not empty.
pub(crate) fn require(
    field: &'static str,
    value: &str,
    mirrors: ReturnCode,
) -> Result<(), ValidationError> {
    if value.is_empty() {
        Err(ValidationError::Empty { field, mirrors })
    } else {
        Ok(())
    }
}

/// Checks a byte-length limit.
pub(crate) fn at_most(
    field: &'static str,
    value: &str,
    limit: usize,
    mirrors: ReturnCode,
) -> Result<(), ValidationError> {
    if value.len() > limit {
        Err(ValidationError::TooLong {
            field,
            limit,
            size: value.len(),
            mirrors,
        })
    } else {
        Ok(())
    }
}
