//! `DescribeForbidUserRules` (spec §17.2): the ban rules of one type, expired ones
//! included, in the order they were last set; the members not of the type are `""`.

use zego_core::actions::{ForbidRule, ForbidRulesData};

use super::{Call, Handled, data};

pub(super) fn handle(call: &mut Call<'_>) -> Handled {
    let rule_type = call.rule_type()?;
    let now_s = call.now_s();
    let rules = call.world().rules.list(Some(rule_type), now_s);
    let rule_list = rules.into_iter().map(|rule| ForbidRule {
        rule_type: rule.rule_type,
        ip: rule.ip,
        room_id: rule.room_id,
        user_id: rule.user_id,
        disabled_privilege_list: rule.disabled_privileges,
        expire_time: rule.expire_time,
    });
    data(&ForbidRulesData {
        rule_list: Some(rule_list.collect()),
    })
}
