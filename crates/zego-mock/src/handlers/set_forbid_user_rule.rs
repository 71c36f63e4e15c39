//! `SetForbidUserRule` (spec §17.1): a ban rule set, or replaced (same key), to expire
//! `EffectiveTime` (1 to 86400 s) from now; a new key over its type's limit of rules in
//! effect is 50123.

use zego_core::ReturnCode;
use zego_core::actions::{ForbidRuleData, SetForbidUserRule};

use super::{Call, Handled, data};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let target = call.rule_target()?;
    let privileges = call.privileges()?;
    let longest = SetForbidUserRule::MAX_EFFECTIVE.as_secs();
    let effective = call
        .number("EffectiveTime", 1, longest)?
        .ok_or(ReturnCode::PARAMETER_ERROR)?;
    let now_s = call.now_s();
    let expire_time = now_s.saturating_add_unsigned(effective);
    call.world()
        .rules
        .set(target, privileges, expire_time, now_s)?;
    data(&ForbidRuleData {
        expire_time: Some(expire_time),
    })
}
