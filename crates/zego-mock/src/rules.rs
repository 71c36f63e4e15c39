//! The user ban rules of a world (spec §17): set, listed and deleted by
//! `SetForbidUserRule`, `DescribeForbidUserRules` and `DelForbidUserRule`, and applied
//! when a user logs in with a token or publishes.

use std::collections::HashMap;

use serde::Serialize;
use zego_core::ReturnCode;
use zego_core::actions::{ForbidTarget, Privilege, RuleType};

/// The most rules of type 1 (by IP address) in effect at once (spec §17); one more is
/// 50123.
pub const MAX_IP_RULES: usize = 100;

/// The most rules of each of the types 2, 3 and 4 (by room, by user, by user in a
/// room) in effect at once (spec §17); one more is 50123.
pub const MAX_RULES_PER_TYPE: usize = 200;

/// The most rules a world stores, expired ones included: past it, the expired ones are
/// purged (as the vendor purges them from time to time), so that no stream of requests
/// makes the mock's memory grow without limit. The rules in effect are far fewer.
const MAX_STORED_RULES: usize = 10_000;

/// A user ban rule, as [`MockServer::rules`](crate::MockServer::rules) and
/// `GET /_mock/rules` list it. The key members that do not apply to its type are `""`,
/// as the vendor lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BanRule {
    /// `1` by IP address, `2` by room, `3` by user, `4` by user in a room.
    pub rule_type: u32,
    /// The IP address, for type 1.
    pub ip: String,
    /// The room, for types 2 and 4.
    pub room_id: String,
    /// The user, for types 3 and 4.
    pub user_id: String,
    /// The privileges taken away: `1` login, `2` publish.
    pub disabled_privileges: Vec<u32>,
    /// When it expires, in Unix seconds.
    pub expire_time: i64,
    /// Whether it has expired by the mock's clock (`expire_time` not later than now).
    pub expired: bool,
}

/// Who acts, as a rule matches it: an IP address (when the user has one), a room, a
/// user.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Who<'a> {
    pub(crate) ip: Option<&'a str>,
    pub(crate) room_id: &'a str,
    pub(crate) user_id: &'a str,
}

#[derive(Debug)]
struct Stored {
    privileges: Vec<Privilege>,
    expire_time: i64,
    /// When it was last set, as a count: the listing's order.
    set: u64,
}

/// The rules of one world, and whether the feature is enabled for it.
#[derive(Debug)]
pub(crate) struct BanRules {
    rules: HashMap<ForbidTarget, Stored>,
    next_set: u64,
    /// The vendor enables the feature on request; the mock has it on unless a test turns
    /// it off (then the three calls answer 9).
    pub(crate) enabled: bool,
}

impl Default for BanRules {
    fn default() -> Self {
        BanRules {
            rules: HashMap::new(),
            next_set: 0,
            enabled: true,
        }
    }
}

/// How many rules of `rule_type` may be in effect at once.
fn limit(rule_type: RuleType) -> usize {
    match rule_type {
        RuleType::Ip => MAX_IP_RULES,
        _ => MAX_RULES_PER_TYPE,
    }
}

impl BanRules {
    /// Sets the rule of `target` (replacing one with the same key, which counts once)
    /// to expire at `expire_time`; 50123 when a new key would put more rules of its type
    /// in effect at `now_s` than allowed.
    pub(crate) fn set(
        &mut self,
        target: ForbidTarget,
        privileges: Vec<Privilege>,
        expire_time: i64,
        now_s: i64,
    ) -> Result<(), ReturnCode> {
        if !self.rules.contains_key(&target) {
            let rule_type = target.rule_type();
            let in_effect = self
                .rules
                .iter()
                .filter(|(key, rule)| key.rule_type() == rule_type && rule.expire_time > now_s)
                .count();
            if in_effect >= limit(rule_type) {
                return Err(ReturnCode::TOO_MANY_BAN_RULES);
            }
            if self.rules.len() >= MAX_STORED_RULES {
                self.rules.retain(|_, rule| rule.expire_time > now_s);
            }
        }
        self.next_set += 1;
        let rule = Stored {
            privileges,
            expire_time,
            set: self.next_set,
        };
        self.rules.insert(target, rule);
        Ok(())
    }

    /// Deletes the rule of `target`, expired or not; `false` when there is none.
    pub(crate) fn delete(&mut self, target: &ForbidTarget) -> bool {
        self.rules.remove(target).is_some()
    }

    /// The rules of `rule_type` (of every type when `None`), expired ones included,
    /// type by type, each type's in the order they were last set, oldest first.
    pub(crate) fn list(&self, rule_type: Option<RuleType>, now_s: i64) -> Vec<BanRule> {
        let mut rules: Vec<(&ForbidTarget, &Stored)> = self
            .rules
            .iter()
            .filter(|(key, _)| rule_type.is_none_or(|wanted| key.rule_type() == wanted))
            .collect();
        rules.sort_by_key(|(key, rule)| (key.rule_type().value(), rule.set));
        rules
            .into_iter()
            .map(|(key, rule)| {
                let (ip, room_id, user_id) = match key {
                    ForbidTarget::Ip(ip) => (ip.as_str(), "", ""),
                    ForbidTarget::Room(room_id) => ("", room_id.as_str(), ""),
                    ForbidTarget::User(user_id) => ("", "", user_id.as_str()),
                    ForbidTarget::RoomUser { room_id, user_id } => {
                        ("", room_id.as_str(), user_id.as_str())
                    }
                    _ => ("", "", ""),
                };
                BanRule {
                    rule_type: key.rule_type().value(),
                    ip: ip.to_owned(),
                    room_id: room_id.to_owned(),
                    user_id: user_id.to_owned(),
                    disabled_privileges: rule.privileges.iter().map(|p| p.value()).collect(),
                    expire_time: rule.expire_time,
                    expired: rule.expire_time <= now_s,
                }
            })
            .collect()
    }

    /// Whether a rule in effect at `now_s` forbids `who` to log in (a rule taking away
    /// login), or (`publish`) to publish (any rule: a user banned from logging in who is
    /// already in the room cannot publish either, spec §17).
    pub(crate) fn forbids(&self, who: Who<'_>, publish: bool, now_s: i64) -> bool {
        self.rules.iter().any(|(key, rule)| {
            let applies = match key {
                ForbidTarget::Ip(ip) => who.ip == Some(ip.as_str()),
                ForbidTarget::Room(room_id) => room_id == who.room_id,
                ForbidTarget::User(user_id) => user_id == who.user_id,
                ForbidTarget::RoomUser { room_id, user_id } => {
                    room_id == who.room_id && user_id == who.user_id
                }
                _ => false,
            };
            applies
                && rule.expire_time > now_s
                && (publish || rule.privileges.contains(&Privilege::Login))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn who<'a>(ip: Option<&'a str>, room_id: &'a str, user_id: &'a str) -> Who<'a> {
        Who {
            ip,
            room_id,
            user_id,
        }
    }

    #[test]
    fn rules_apply_by_key_privilege_and_expiry() {
        let mut rules = BanRules::default();
        let publish = vec![Privilege::Publish];
        let login = vec![Privilege::Login];
        rules
            .set(ForbidTarget::ip("1.2.3.4"), login.clone(), NOW + 10, NOW)
            .unwrap();
        rules
            .set(ForbidTarget::room("r"), publish.clone(), NOW + 10, NOW)
            .unwrap();
        rules
            .set(ForbidTarget::user("u"), login.clone(), NOW, NOW)
            .unwrap();
        rules
            .set(ForbidTarget::room_user("q", "v"), login, NOW + 10, NOW)
            .unwrap();
        assert!(rules.forbids(who(Some("1.2.3.4"), "any", "x"), false, NOW));
        assert!(!rules.forbids(who(None, "any", "x"), false, NOW), "no IP");
        assert!(
            !rules.forbids(who(None, "r", "x"), false, NOW),
            "publish only"
        );
        assert!(rules.forbids(who(None, "r", "x"), true, NOW));
        assert!(!rules.forbids(who(None, "any", "u"), false, NOW), "expired");
        assert!(rules.forbids(who(None, "q", "v"), false, NOW));
        assert!(
            rules.forbids(who(None, "q", "v"), true, NOW),
            "login bans stop publishing"
        );
        assert!(!rules.forbids(who(None, "r2", "v"), false, NOW));
        assert!(!rules.forbids(who(None, "q", "v"), false, NOW + 10));
    }

    #[test]
    fn each_type_has_its_limit_of_rules_in_effect() {
        let mut rules = BanRules::default();
        let login = || vec![Privilege::Login];
        for n in 0..MAX_IP_RULES {
            rules
                .set(ForbidTarget::ip(n.to_string()), login(), NOW + 1, NOW)
                .unwrap();
        }
        let one_more = ForbidTarget::ip("one more");
        assert_eq!(
            rules.set(one_more.clone(), login(), NOW + 1, NOW),
            Err(ReturnCode::TOO_MANY_BAN_RULES)
        );
        // Replacing a key does not count again; other types have their own limit.
        rules
            .set(ForbidTarget::ip("0"), login(), NOW + 5, NOW)
            .unwrap();
        rules
            .set(ForbidTarget::room("r"), login(), NOW + 1, NOW)
            .unwrap();
        // Expired rules do not count, and are still listed.
        rules.set(one_more, login(), NOW + 9, NOW + 1).unwrap();
        let listed = rules.list(Some(RuleType::Ip), NOW + 1);
        assert_eq!(listed.len(), MAX_IP_RULES + 1);
        assert_eq!(listed[0].ip, "1", "by the time last set: 0 was set again");
        assert!(listed[0].expired);
        assert_eq!(listed[MAX_IP_RULES - 1].ip, "0");
        assert!(!listed[MAX_IP_RULES - 1].expired);
        assert_eq!(listed[MAX_IP_RULES].ip, "one more");
        assert_eq!(rules.list(None, NOW).len(), MAX_IP_RULES + 2);
        assert!(rules.delete(&ForbidTarget::room("r")));
        assert!(!rules.delete(&ForbidTarget::room("r")));
    }

    #[test]
    fn listed_rules_name_only_their_keys_members() {
        let mut rules = BanRules::default();
        let both = vec![Privilege::Login, Privilege::Publish];
        rules
            .set(ForbidTarget::room_user("r", "u"), both, NOW + 1, NOW)
            .unwrap();
        let rule = &rules.list(Some(RuleType::RoomUser), NOW)[0];
        assert_eq!(
            serde_json::to_value(rule).unwrap(),
            serde_json::json!({"rule_type": 4, "ip": "", "room_id": "r", "user_id": "u",
                "disabled_privileges": [1, 2], "expire_time": NOW + 1, "expired": false})
        );
        assert!(rules.list(Some(RuleType::User), NOW).is_empty());
    }

    #[test]
    fn expired_rules_are_purged_past_the_store_limit() {
        let mut rules = BanRules::default();
        for n in 0..MAX_STORED_RULES {
            let key = ForbidTarget::user(n.to_string());
            // Already expired when set: none of them counts against the limit.
            rules.set(key, vec![Privilege::Login], NOW, NOW).unwrap();
        }
        assert_eq!(rules.list(None, NOW).len(), MAX_STORED_RULES);
        rules
            .set(
                ForbidTarget::user("new"),
                vec![Privilege::Login],
                NOW + 1,
                NOW,
            )
            .unwrap();
        assert_eq!(rules.list(None, NOW).len(), 1);
    }
}
