//! `DescribeForbidUserRules`: the user ban rules of one type (spec §17.2).

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::Group;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{Reply, ReplyData, number_or_string, string_or_number, vec_or_null};

use super::RuleType;

/// `DescribeForbidUserRules`: the user ban rules of one type, those in effect **and**
/// those that have expired (the vendor purges expired ones from time to time, so that
/// part may be incomplete: tell them apart with [`ForbidRule::is_expired_at`]). The
/// feature must be enabled by the vendor (else 9).
///
/// A query: a retry after the request may have reached the server is safe.
///
/// Nothing to check before sending: the rule type is typed. Budget: 1/s per AppId (the
/// Chinese pages' figure; the English page says 10/s).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use zego_core::parse_response;
/// use zego_core::actions::{DescribeForbidUserRules, RuleType};
/// let query = DescribeForbidUserRules::new(RuleType::Room);
/// let body = br#"{"Code":0,"RequestId":"1","Data":{"RuleList":[{"RuleType":2,"IP":"",
///     "RoomId":"room1","UserId":"","DisabledPrivilegeList":[1],"ExpireTime":1704282648}]}}"#;
/// let reply = parse_response::<DescribeForbidUserRules>(200, body)?;
/// let rule = &reply.rules().unwrap()[0];
/// assert_eq!(rule.room_id, "room1");
/// assert!(rule.is_expired_at(UNIX_EPOCH + Duration::from_secs(1704282648)));
/// # Ok::<(), zego_core::ResponseError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DescribeForbidUserRules {
    rule_type: RuleType,
}

impl DescribeForbidUserRules {
    /// Lists the rules of `rule_type`.
    pub fn new(rule_type: RuleType) -> Self {
        DescribeForbidUserRules { rule_type }
    }

    /// The type of the rules listed.
    pub fn rule_type(&self) -> RuleType {
        self.rule_type
    }
}

impl Action for DescribeForbidUserRules {
    const NAME: &'static str = "DescribeForbidUserRules";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(1));
    type Data = ForbidRulesData;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        q.display("RuleType", self.rule_type.value());
    }
}

/// The `Data` of a `DescribeForbidUserRules` reply. A reply without `Data`, or without
/// `RuleList`, reads as `rule_list: None` (the rules are unknown), never as no rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ForbidRulesData {
    /// The rules (`RuleList`), in effect and expired.
    #[serde(rename = "RuleList", default, skip_serializing_if = "Option::is_none")]
    pub rule_list: Option<Vec<ForbidRule>>,
}

impl ForbidRulesData {
    /// The rules, when the server sent them.
    pub fn rules(&self) -> Option<&[ForbidRule]> {
        self.rule_list.as_deref()
    }
}

impl ReplyData for ForbidRulesData {
    fn absent() -> Self {
        ForbidRulesData::default()
    }
}

/// A user ban rule, as listed. The members that do not apply to its type are `""`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct ForbidRule {
    /// `1` IP, `2` room, `3` user, `4` user in a room (`RuleType`; see [`RuleType`]).
    #[serde(rename = "RuleType", deserialize_with = "number_or_string")]
    pub rule_type: u32,
    /// The IP address, for type 1 (`IP`).
    #[serde(rename = "IP", default, deserialize_with = "string_or_number")]
    pub ip: String,
    /// The room, for types 2 and 4 (`RoomId`).
    #[serde(rename = "RoomId", default, deserialize_with = "string_or_number")]
    pub room_id: String,
    /// The user, for types 3 and 4 (`UserId`).
    #[serde(rename = "UserId", default, deserialize_with = "string_or_number")]
    pub user_id: String,
    /// The privileges taken away: `1` login, `2` publish (`DisabledPrivilegeList`, named
    /// differently from the request's `DisabledPrivilege[]`).
    #[serde(
        rename = "DisabledPrivilegeList",
        default,
        deserialize_with = "vec_or_null"
    )]
    pub disabled_privilege_list: Vec<u32>,
    /// When the rule expires, in Unix seconds (`ExpireTime`).
    #[serde(rename = "ExpireTime", deserialize_with = "number_or_string")]
    pub expire_time: i64,
}

impl ForbidRule {
    /// `true` when the rule has expired at `now` (its `ExpireTime` is not later).
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        let now = match now.duration_since(UNIX_EPOCH) {
            Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
        };
        self.expire_time <= now
    }
}

impl Reply<ForbidRulesData> {
    /// The rules, when the server sent them.
    pub fn rules(&self) -> Option<&[ForbidRule]> {
        self.data.rules()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::action::golden;
    use crate::parse_response;
    use crate::response::ABSENT_DATA;

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let query = DescribeForbidUserRules::new(RuleType::Room);
        assert_eq!(query.validate(), Ok(()));
        assert_eq!(
            golden::url(&config, &query),
            "https://rtc-api.zego.im/?Action=DescribeForbidUserRules&RuleType=2&AppId=12345\
             &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
        assert_eq!(
            DescribeForbidUserRules::BUDGET.app_rate(false),
            Rate::per_second(1),
            "the stricter of the vendor's two figures"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "TestRequestId1675674022729915000",
    "Data": {
        "RuleList": [
            {
                "RuleType": 2,
                "IP": "",
                "RoomId": "room1",
                "UserId": "",
                "DisabledPrivilegeList": [
                    1,
                    2
                ],
                "ExpireTime": 1704282648
            },
            {
                "RuleType": 2,
                "IP": "",
                "RoomId": "room2",
                "UserId": "",
                "DisabledPrivilegeList": [
                    1
                ],
                "ExpireTime": 1704282648
            }
        ]
    }
}"#;
        let reply = parse_response::<DescribeForbidUserRules>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "TestRequestId1675674022729915000");
        let rules = reply.rules().unwrap();
        assert_eq!(
            rules[0],
            ForbidRule {
                rule_type: 2,
                ip: String::new(),
                room_id: "room1".into(),
                user_id: String::new(),
                disabled_privilege_list: vec![1, 2],
                expire_time: 1_704_282_648
            }
        );
        assert_eq!(rules[1].disabled_privilege_list, [1]);
        assert_eq!(
            serde_json::to_value(&reply.data).unwrap(),
            serde_json::from_str::<serde_json::Value>(body).unwrap()["Data"]
        );
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert!(!rules[0].is_expired_at(at(1_704_282_647)));
        assert!(rules[0].is_expired_at(at(1_704_282_648)));
        assert!(!rules[0].is_expired_at(UNIX_EPOCH - Duration::from_secs(1)));
        let none = br#"{"Code":0,"RequestId":"1","Data":{"RuleList":[]}}"#;
        let reply = parse_response::<DescribeForbidUserRules>(200, none).unwrap();
        assert_eq!(reply.rules(), Some(&[][..]));
        for absent in ABSENT_DATA {
            let reply = parse_response::<DescribeForbidUserRules>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.rules(), None, "no Data is not an empty list");
        }
    }
}
