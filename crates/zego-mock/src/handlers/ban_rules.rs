//! What the three ban-rule calls share (spec §17): the rule's type, its key and the
//! privileges it takes away. Parameters that do not belong to the type are ignored.

use zego_core::ReturnCode;
use zego_core::actions::{ForbidTarget, Privilege, RuleType};

use super::Call;
use crate::world::seconds;

impl Call<'_> {
    /// `RuleType`: 1 to 4, else 2.
    pub(crate) fn rule_type(&self) -> Result<RuleType, ReturnCode> {
        let types = [
            RuleType::Ip,
            RuleType::Room,
            RuleType::User,
            RuleType::RoomUser,
        ];
        self.one_of("RuleType", &types, RuleType::value)?
            .ok_or(ReturnCode::PARAMETER_ERROR)
    }

    /// The rule's key: its `RuleType`, then the parameters of that type (`IP`;
    /// `RoomId`; `UserId`; `RoomId` and `UserId`), each missing or empty: 2.
    pub(crate) fn rule_target(&self) -> Result<ForbidTarget, ReturnCode> {
        Ok(match self.rule_type()? {
            RuleType::Ip => ForbidTarget::ip(self.required("IP")?),
            RuleType::Room => ForbidTarget::room(self.required("RoomId")?),
            RuleType::User => ForbidTarget::user(self.required("UserId")?),
            _ => ForbidTarget::room_user(self.required("RoomId")?, self.required("UserId")?),
        })
    }

    /// `DisabledPrivilege[]`: at least one, each 1 or 2 (else 2); duplicates once.
    pub(crate) fn privileges(&self) -> Result<Vec<Privilege>, ReturnCode> {
        let mut privileges = Vec::new();
        for text in self.params.all("DisabledPrivilege[]") {
            let privilege = [Privilege::Login, Privilege::Publish]
                .into_iter()
                .find(|p| p.value().to_string() == text)
                .ok_or(ReturnCode::PARAMETER_ERROR)?;
            if !privileges.contains(&privilege) {
                privileges.push(privilege);
            }
        }
        if privileges.is_empty() {
            return Err(ReturnCode::PARAMETER_ERROR);
        }
        Ok(privileges)
    }

    /// The mock's wall clock when the request came, Unix seconds: what rules expire by.
    pub(crate) fn now_s(&self) -> i64 {
        seconds(self.now_ms())
    }
}
