//! `SetForbidUserRule`: set a user ban rule (spec §17.1), and what the three ban-rule
//! calls share: the rule's type, its key and the privileges it takes away.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::{Group, ReturnCode};
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::{ReplyData, opt_number_or_string};
use crate::validate::Rules;

/// `SetForbidUserRule`: creates, or replaces, a user ban rule: for a while, users of an
/// IP address, of a room, a user, or a user in a room may not log in, or may not publish.
/// Users already in a room stay there (use `KickoutUser`) and publishing under way is not
/// cut off. The feature must be enabled by the vendor (else 9); too many rules in effect
/// is 50123.
///
/// It sets a state (a rule with the same key is replaced), so a retry after the request
/// may have reached the server is safe; the rule's expiry then counts from the retry.
///
/// Checked before anything is sent: the key's IDs not empty (2), at least one privilege
/// (duplicates merged), `EffectiveTime` of 1 to 86400 whole seconds (else 2; a fraction
/// of a second is dropped). Budget: 10/s per AppId.
///
/// ```
/// use std::time::Duration;
/// use zego_core::Action;
/// use zego_core::actions::{ForbidTarget, Privilege, SetForbidUserRule};
/// let rule = SetForbidUserRule::new(
///     ForbidTarget::room_user("room-1", "troll"),
///     [Privilege::Login, Privilege::Publish],
///     Duration::from_secs(1800),
/// );
/// assert!(rule.validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetForbidUserRule {
    target: ForbidTarget,
    privileges: Vec<Privilege>,
    effective: Duration,
}

/// The type of a user ban rule (`RuleType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleType {
    /// `1`: by IP address.
    Ip,
    /// `2`: by room.
    Room,
    /// `3`: by user.
    User,
    /// `4`: by user in a room.
    RoomUser,
}

impl RuleType {
    /// The value on the wire: 1 to 4.
    pub const fn value(self) -> u32 {
        match self {
            RuleType::Ip => 1,
            RuleType::Room => 2,
            RuleType::User => 3,
            RuleType::RoomUser => 4,
        }
    }
}

/// The key of a user ban rule: what it applies to. Its type is [`ForbidTarget::rule_type`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForbidTarget {
    /// Users from an IP address (`RuleType` 1, `IP`), compared as an exact string.
    Ip(String),
    /// Everyone in a room (`RuleType` 2, `RoomId`).
    Room(String),
    /// A user in every room (`RuleType` 3, `UserId`).
    User(String),
    /// A user in a room (`RuleType` 4, `RoomId` and `UserId`).
    RoomUser {
        /// The room.
        room_id: String,
        /// The user.
        user_id: String,
    },
}

impl ForbidTarget {
    /// Users from `ip`.
    pub fn ip(ip: impl Into<String>) -> Self {
        ForbidTarget::Ip(ip.into())
    }

    /// Everyone in `room_id`.
    pub fn room(room_id: impl Into<String>) -> Self {
        ForbidTarget::Room(room_id.into())
    }

    /// `user_id` in every room.
    pub fn user(user_id: impl Into<String>) -> Self {
        ForbidTarget::User(user_id.into())
    }

    /// `user_id` in `room_id`.
    pub fn room_user(room_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        ForbidTarget::RoomUser {
            room_id: room_id.into(),
            user_id: user_id.into(),
        }
    }

    /// The rule's type.
    pub fn rule_type(&self) -> RuleType {
        match self {
            ForbidTarget::Ip(_) => RuleType::Ip,
            ForbidTarget::Room(_) => RuleType::Room,
            ForbidTarget::User(_) => RuleType::User,
            ForbidTarget::RoomUser { .. } => RuleType::RoomUser,
        }
    }

    /// The key's parameters, as named on the wire, in the vendor's order.
    fn params(&self) -> Vec<(&'static str, &str)> {
        match self {
            ForbidTarget::Ip(ip) => vec![("IP", ip)],
            ForbidTarget::Room(room_id) => vec![("RoomId", room_id)],
            ForbidTarget::User(user_id) => vec![("UserId", user_id)],
            ForbidTarget::RoomUser { room_id, user_id } => {
                vec![("RoomId", room_id), ("UserId", user_id)]
            }
        }
    }

    /// Every parameter of the key not empty (2), as the call `A` answers it.
    pub(crate) fn validate<A: Action>(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<A>();
        self.params()
            .into_iter()
            .try_for_each(|(field, value)| rules.id(field, value))
    }

    /// `RuleType`, then the key's parameters.
    pub(crate) fn write_params(&self, q: &mut QueryWriter) {
        q.display("RuleType", self.rule_type().value());
        for (key, value) in self.params() {
            q.param(key, value);
        }
    }
}

/// A privilege a ban rule takes away (`DisabledPrivilege[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Privilege {
    /// `1`: logging into a room.
    Login,
    /// `2`: publishing.
    Publish,
}

impl Privilege {
    /// The value on the wire: 1 or 2.
    pub const fn value(self) -> u32 {
        match self {
            Privilege::Login => 1,
            Privilege::Publish => 2,
        }
    }
}

impl SetForbidUserRule {
    /// The longest `EffectiveTime`: one day.
    pub const MAX_EFFECTIVE: Duration = Duration::from_secs(86_400);

    /// Takes `privileges` (duplicates merged, in order) away from `target` for
    /// `effective` (whole seconds, 1 s to a day).
    pub fn new(
        target: ForbidTarget,
        privileges: impl IntoIterator<Item = Privilege>,
        effective: Duration,
    ) -> Self {
        let mut distinct = Vec::new();
        for privilege in privileges {
            if !distinct.contains(&privilege) {
                distinct.push(privilege);
            }
        }
        SetForbidUserRule {
            target,
            privileges: distinct,
            effective,
        }
    }

    /// What the rule applies to.
    pub fn target(&self) -> &ForbidTarget {
        &self.target
    }

    /// The distinct privileges it takes away.
    pub fn privileges(&self) -> &[Privilege] {
        &self.privileges
    }

    /// `EffectiveTime` as sent, in whole seconds.
    fn effective_seconds(&self) -> i64 {
        i64::try_from(self.effective.as_secs()).unwrap_or(i64::MAX)
    }
}

impl Action for SetForbidUserRule {
    const NAME: &'static str = "SetForbidUserRule";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(10));
    type Data = ForbidRuleData;

    fn validate(&self) -> Result<(), ValidationError> {
        let rules = Rules::of::<Self>();
        self.target.validate::<Self>()?;
        if self.privileges.is_empty() {
            return Err(rules.error(
                "DisabledPrivilege[]",
                crate::Problem::NoElements,
                ReturnCode::PARAMETER_ERROR,
            ));
        }
        rules.range(
            "EffectiveTime",
            self.effective_seconds(),
            1,
            86_400,
            ReturnCode::PARAMETER_ERROR,
        )
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        self.target.write_params(q);
        q.array(
            "DisabledPrivilege",
            self.privileges.iter().map(|p| p.value().to_string()),
        )
        .display("EffectiveTime", self.effective_seconds());
    }
}

/// The `Data` of a `SetForbidUserRule` reply. A reply without `Data`, or without
/// `ExpireTime`, reads as `expire_time: None`: never as a time the server did not send.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct ForbidRuleData {
    /// When the rule expires, in Unix seconds (`ExpireTime`).
    #[serde(
        rename = "ExpireTime",
        default,
        deserialize_with = "opt_number_or_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_time: Option<i64>,
}

impl ReplyData for ForbidRuleData {
    fn absent() -> Self {
        ForbidRuleData::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::error::Problem;
    use crate::parse_response;
    use crate::response::ABSENT_DATA;

    fn rule(target: ForbidTarget, seconds: u64) -> SetForbidUserRule {
        SetForbidUserRule::new(target, [Privilege::Login], Duration::from_secs(seconds))
    }

    #[test]
    fn limits() {
        for seconds in [1, 86_400] {
            assert_eq!(rule(ForbidTarget::room("r"), seconds).validate(), Ok(()));
        }
        for seconds in [0, 86_401, u64::MAX] {
            let e = rule(ForbidTarget::room("r"), seconds)
                .validate()
                .unwrap_err();
            assert_eq!(
                (e.call(), e.field(), e.mirrors()),
                (
                    "SetForbidUserRule",
                    "EffectiveTime",
                    ReturnCode::PARAMETER_ERROR
                )
            );
            assert_eq!(
                e.problem(),
                &Problem::OutOfRange {
                    value: i64::try_from(seconds).unwrap_or(i64::MAX),
                    min: 1,
                    max: 86_400
                }
            );
        }
        // Half a second is no whole second.
        let half = SetForbidUserRule::new(
            ForbidTarget::room("r"),
            [Privilege::Login],
            Duration::from_millis(500),
        );
        assert!(half.validate().is_err());
        let none = SetForbidUserRule::new(ForbidTarget::room("r"), [], Duration::from_secs(1));
        let e = none.validate().unwrap_err();
        assert_eq!(
            (e.field(), e.problem(), e.mirrors()),
            (
                "DisabledPrivilege[]",
                &Problem::NoElements,
                ReturnCode::PARAMETER_ERROR
            )
        );
        for (target, field) in [
            (ForbidTarget::ip(""), "IP"),
            (ForbidTarget::room(""), "RoomId"),
            (ForbidTarget::user(""), "UserId"),
            (ForbidTarget::room_user("", "u"), "RoomId"),
            (ForbidTarget::room_user("r", ""), "UserId"),
        ] {
            let e = rule(target, 60).validate().unwrap_err();
            assert_eq!(
                (e.field(), e.problem(), e.mirrors()),
                (field, &Problem::Empty, ReturnCode::PARAMETER_ERROR)
            );
        }
    }

    #[test]
    fn params_of_every_rule_type() {
        let cases = [
            (ForbidTarget::ip("10.0.0.1"), "RuleType=1&IP=10.0.0.1"),
            (ForbidTarget::room("r"), "RuleType=2&RoomId=r"),
            (ForbidTarget::user("u"), "RuleType=3&UserId=u"),
            (
                ForbidTarget::room_user("r", "u"),
                "RuleType=4&RoomId=r&UserId=u",
            ),
        ];
        for (target, key) in cases {
            let rule = SetForbidUserRule::new(
                target,
                [Privilege::Publish, Privilege::Publish],
                Duration::from_millis(60_900),
            );
            assert_eq!(
                golden::params(&golden::config(), &rule),
                format!("{key}&DisabledPrivilege[]=2&EffectiveTime=60")
            );
        }
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let set = SetForbidUserRule::new(
            ForbidTarget::room("room1"),
            [Privilege::Login, Privilege::Publish],
            Duration::from_secs(1800),
        );
        assert_eq!(
            golden::url(&config, &set),
            "https://rtc-api.zego.im/?Action=SetForbidUserRule&RuleType=2&RoomId=room1\
             &DisabledPrivilege[]=1&DisabledPrivilege[]=2&EffectiveTime=1800&AppId=12345\
             &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "TestRequestId1675674022729915000",
    "Data": {
        "ExpireTime": 1704282648
    }
}"#;
        let reply = parse_response::<SetForbidUserRule>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "TestRequestId1675674022729915000");
        assert_eq!(reply.data.expire_time, Some(1_704_282_648));
        assert_eq!(
            serde_json::to_string(&reply.data).unwrap(),
            r#"{"ExpireTime":1704282648}"#
        );
        for absent in ABSENT_DATA {
            let reply = parse_response::<SetForbidUserRule>(200, absent.as_bytes()).unwrap();
            assert_eq!(reply.data.expire_time, None, "no Data is no expiry");
        }
        let full = br#"{"Code":50123,"Message":"too many","RequestId":"2"}"#;
        let e = parse_response::<SetForbidUserRule>(200, full).unwrap_err();
        assert!(e.to_string().contains("50123 (too many ban rules"), "{e}");
    }
}
