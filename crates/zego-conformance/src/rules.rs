//! The scenarios of the user ban rules (`SetForbidUserRule`, `DescribeForbidUserRules`,
//! `DelForbidUserRule`), through any [`TestClient`], against zego-mock's world.

use std::time::{Duration, SystemTime};

use zego_core::actions::{
    DelForbidUserRule, DescribeForbidUserRules, ForbidTarget, Privilege, RuleType,
    SetForbidUserRule,
};
use zego_core::{CodeClass, ReturnCode, unix_seconds};
use zego_mock::PublishError;

use crate::{TestClient, assert_final, spec, start_mock};

/// Rules set are listed by type (oldest set first, the members not of the type `""`),
/// are in the world and apply to it (a user banned from publishing cannot publish),
/// and are deleted; deleting a rule that does not exist is 50124, and with the feature
/// off the calls answer 9.
pub fn ban_rules_are_set_described_and_deleted<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let before = unix_seconds(SystemTime::now());
    let set = client
        .call(SetForbidUserRule::new(
            ForbidTarget::room("room-9"),
            [Privilege::Login, Privilege::Publish, Privilege::Login],
            Duration::from_secs(1800),
        ))
        .expect("set");
    let expire = set.data.expire_time.expect("ExpireTime");
    let after = unix_seconds(SystemTime::now());
    assert!(
        (before + 1800..=after + 1800).contains(&expire),
        "{expire}: now + EffectiveTime, in seconds"
    );
    let rules = [
        SetForbidUserRule::new(
            ForbidTarget::room_user("room-2", "dave"),
            [Privilege::Publish],
            Duration::from_secs(60),
        ),
        SetForbidUserRule::new(
            ForbidTarget::room("room-8"),
            [Privilege::Login],
            Duration::from_secs(60),
        ),
    ];
    for rule in rules {
        client.call(rule).expect("set");
    }
    let listed = client
        .call(DescribeForbidUserRules::new(RuleType::Room))
        .expect("described");
    let listed: Vec<(u32, &str, &str, &str, &[u32])> = listed
        .rules()
        .expect("RuleList")
        .iter()
        .map(|r| {
            (
                r.rule_type,
                r.ip.as_str(),
                r.room_id.as_str(),
                r.user_id.as_str(),
                r.disabled_privilege_list.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (2, "", "room-9", "", &[1, 2][..]),
            (2, "", "room-8", "", &[1][..])
        ]
    );
    let world = mock.rules();
    assert_eq!(world.len(), 3, "{world:?}");
    assert!(world.iter().all(|r| !r.expired));
    // The rule applies: dave may not publish in room-2.
    assert_eq!(
        mock.publish("room-2", "dave", "dave-cam"),
        Err(PublishError::Banned)
    );

    client
        .call(DelForbidUserRule::new(ForbidTarget::room_user(
            "room-2", "dave",
        )))
        .expect("deleted");
    assert_eq!(mock.rules().len(), 2);
    mock.publish("room-2", "dave", "dave-cam")
        .expect("dave may publish again");
    // A rule that does not exist (any more): 50124, a state, not retried.
    let missing = DelForbidUserRule::new(ForbidTarget::room_user("room-2", "dave"));
    assert_final(
        client.call(missing),
        ReturnCode::BAN_RULE_NOT_FOUND,
        CodeClass::State,
    );
    // The feature turned off for the app: 9, not retried; the rules stay.
    mock.default_world().set_ban_rules(false);
    let off = SetForbidUserRule::new(
        ForbidTarget::user("eve"),
        [Privilege::Login],
        Duration::from_secs(60),
    );
    let off = client.call(off);
    assert_final(off, ReturnCode::NO_PERMISSION, CodeClass::Configuration);
    assert_eq!(mock.rules().len(), 2);
    assert_eq!(mock.requests().len(), 7);
}
