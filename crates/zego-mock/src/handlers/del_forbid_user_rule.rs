//! `DelForbidUserRule` (spec §17.3): the ban rule of a key deleted, expired or not; a
//! key without a rule is 50124.

use zego_core::ReturnCode;

use super::{Call, Handled};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let target = call.rule_target()?;
    if !call.world().rules.delete(&target) {
        return Err(ReturnCode::BAN_RULE_NOT_FOUND.into());
    }
    Ok(None)
}
