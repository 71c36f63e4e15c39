//! `DelForbidUserRule`: delete a user ban rule (spec §17.3).

use crate::action::{Action, Budget, Rate, RequestContext};
use crate::code::Group;
use crate::error::ValidationError;
use crate::query::QueryWriter;
use crate::response::NoData;

use super::ForbidTarget;

/// `DelForbidUserRule`: deletes the user ban rule with this key (an expired one too).
/// A key without a rule is an error (50124: read it as "already absent"). The feature
/// must be enabled by the vendor (else 9).
///
/// It sets a state, so a retry after the request may have reached the server is safe:
/// should the first attempt have deleted the rule, the retry answers 50124 and the error
/// says that an earlier attempt may have taken effect.
///
/// Checked before anything is sent: the key's IDs not empty (2). Budget: 10/s per AppId.
///
/// ```
/// use zego_core::Action;
/// use zego_core::actions::{DelForbidUserRule, ForbidTarget};
/// assert!(DelForbidUserRule::new(ForbidTarget::room("room1")).validate().is_ok());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DelForbidUserRule {
    target: ForbidTarget,
}

impl DelForbidUserRule {
    /// Deletes the rule of `target`.
    pub fn new(target: ForbidTarget) -> Self {
        DelForbidUserRule { target }
    }

    /// The rule's key.
    pub fn target(&self) -> &ForbidTarget {
        &self.target
    }
}

impl Action for DelForbidUserRule {
    const NAME: &'static str = "DelForbidUserRule";
    const GROUP: Group = Group::RoomSignalling;
    const IDEMPOTENT: bool = true;
    const BUDGET: Budget = Budget::per_app(Rate::per_second(10));
    type Data = NoData;

    fn validate(&self) -> Result<(), ValidationError> {
        self.target.validate::<Self>()
    }

    fn write_params(&self, q: &mut QueryWriter, _: &RequestContext) {
        self.target.write_params(q);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::golden;
    use crate::code::ReturnCode;
    use crate::error::Problem;
    use crate::parse_response;

    #[test]
    fn limits() {
        for (target, field) in [
            (ForbidTarget::ip(""), "IP"),
            (ForbidTarget::room_user("r", ""), "UserId"),
        ] {
            let e = DelForbidUserRule::new(target).validate().unwrap_err();
            assert_eq!(
                (e.call(), e.field(), e.problem(), e.mirrors()),
                (
                    "DelForbidUserRule",
                    field,
                    &Problem::Empty,
                    ReturnCode::PARAMETER_ERROR
                )
            );
        }
        let delete = DelForbidUserRule::new(ForbidTarget::room_user("r", "u"));
        assert_eq!(
            golden::params(&golden::config(), &delete),
            "RuleType=4&RoomId=r&UserId=u"
        );
    }

    #[test]
    fn golden_request_of_the_vendors_example() {
        let config = golden::config();
        let delete = DelForbidUserRule::new(ForbidTarget::room("room1"));
        assert_eq!(
            golden::url(&config, &delete),
            "https://rtc-api.zego.im/?Action=DelForbidUserRule&RuleType=2&RoomId=room1\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
        );
    }

    #[test]
    fn the_vendors_example_response() {
        let body = r#"{
    "Code": 0,
    "Message": "success",
    "RequestId": "TestRequestId1675674022729915000"
}"#;
        let reply = parse_response::<DelForbidUserRule>(200, body.as_bytes()).unwrap();
        assert_eq!(reply.request_id, "TestRequestId1675674022729915000");
        assert_eq!(reply.data, NoData);
        let absent = br#"{"Code":50124,"Message":"no rule","RequestId":"2"}"#;
        let e = parse_response::<DelForbidUserRule>(200, absent).unwrap_err();
        assert!(
            e.to_string()
                .contains("50124 (the ban rule does not exist)"),
            "{e}"
        );
    }
}
