//! The gateway's checks, in the vendor's order (spec §16), shared by every call, then the
//! call's handler from the registry, and the envelope of the answer.
//!
//! Everything here is a function of the decoded query, the state and the two clocks it is
//! given, so it is checked without a socket; the server module only carries bytes.

use bytes::Bytes;
use serde_json::{Map, Value};
use zego_core::{AppId, Group, Nonce, ReturnCode, sign, unix_seconds};

use crate::handlers::{self, Call, Coded, Handler};
use crate::request::{Now, Params};
use crate::state::{BucketKey, State};
use crate::world::WorldKey;

/// How far the `Timestamp` may be from the mock's clock, either way, in seconds.
pub const TIMESTAMP_WINDOW_SECS: u64 = 600;

/// What the mock answers to a request that got no fault (or a `Delay`): the code, the
/// `Data` member (`None`: absent), the group of the call, when the call is known, and a
/// `Message` that says more than the code's meaning, if any.
#[derive(Debug, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) code: ReturnCode,
    pub(crate) data: Option<Value>,
    pub(crate) group: Option<Group>,
    pub(crate) message: Option<&'static str>,
}

impl Outcome {
    /// The answer of a handler (or of the gateway, for a known call). A success without
    /// `Data` of its own has none for room signalling and `"Data": null` for the media
    /// service; so has a non-zero answer without `Data`.
    fn of(group: Group, result: Result<Option<Value>, Coded>) -> Self {
        let (code, data, message) = match result {
            Ok(data) => (ReturnCode::SUCCESS, data, None),
            Err(coded) => (coded.code, coded.data, coded.message),
        };
        let bare = Outcome::bare(Some(group), code);
        Outcome {
            data: data.or(bare.data),
            message,
            ..bare
        }
    }

    /// `code` with no `Data` of the call's own, as errors are answered (and the success a
    /// truncating fault cuts in half) for a call of `group` (`None`: no known call): room
    /// signalling leaves `Data` out, the media service sends `"Data": null` (spec §0.2).
    pub(crate) fn bare(group: Option<Group>, code: ReturnCode) -> Self {
        let data = match group {
            Some(Group::MediaService) => Some(Value::Null),
            _ => None,
        };
        Outcome {
            code,
            data,
            group,
            message: None,
        }
    }

    /// The JSON envelope of this outcome with `request_id`: `Message` is `"success"`
    /// (room signalling) or `"ok"` (media service) on success, the code's meaning in the
    /// call's group otherwise.
    pub(crate) fn envelope(&self, request_id: &str) -> Bytes {
        let group = self.group.unwrap_or(Group::RoomSignalling);
        let message = match (self.message, self.code.is_success(), group) {
            (Some(message), ..) => message,
            (None, true, Group::MediaService) => "ok",
            (None, true, _) => "success",
            (None, false, _) => self.code.meaning(group).unwrap_or("error"),
        };
        let mut envelope = Map::new();
        envelope.insert("Code".into(), self.code.get().into());
        envelope.insert("Message".into(), message.into());
        envelope.insert("RequestId".into(), request_id.into());
        if let Some(data) = &self.data {
            envelope.insert("Data".into(), data.clone());
        }
        Bytes::from(Value::Object(envelope).to_string())
    }
}

/// The group of the call named `action`, if the mock implements it.
pub(crate) fn group_of(action: Option<&str>) -> Option<Group> {
    action
        .and_then(|name| find(handlers::REGISTRY, name))
        .map(|h| h.group)
}

pub(crate) fn find<'r>(registry: &'r [Handler], name: &str) -> Option<&'r Handler> {
    registry.iter().find(|handler| handler.name == name)
}

/// The environment a request names: `IsTest` `true` or `false` in any case, absent or
/// empty `false`; `None` for any other value.
pub(crate) fn is_test(params: &Params) -> Option<bool> {
    match params.non_empty("IsTest") {
        None => Some(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Some(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Some(false),
        Some(_) => None,
    }
}

/// Checks a request as the gateway does, then runs its call.
pub(crate) fn process(state: &mut State, params: &Params, now: Now) -> Outcome {
    run(handlers::REGISTRY, state, params, now)
}

/// [`process`] with the calls of `registry`.
fn run(registry: &[Handler], state: &mut State, params: &Params, now: Now) -> Outcome {
    let Some(action) = params.non_empty("Action") else {
        return Outcome::bare(None, ReturnCode::ACTION_MISSING);
    };
    let Some(handler) = find(registry, action) else {
        return Outcome::bare(None, ReturnCode::UNKNOWN_ACTION);
    };
    let checked = check(state, handler, params, now).map_err(Coded::from);
    let result = checked.and_then(|world| {
        let mut call = Call::new(handler, params, state, world, now);
        let result = (handler.handle)(&mut call);
        state.emit(world);
        result
    });
    Outcome::of(handler.group, result)
}

/// The gateway's checks after the `Action`, in its order, then the call's per-AppId
/// budget. Returns the world the request acts on.
fn check(
    state: &mut State,
    handler: &Handler,
    params: &Params,
    now: Now,
) -> Result<WorldKey, ReturnCode> {
    // AppId: plain decimal digits that fit in 32 bits, of an app the mock knows.
    let app_id = params
        .first("AppId")
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<AppId>().ok())
        .ok_or(ReturnCode::BAD_APP_ID)?;
    let app = state
        .apps
        .get(&app_id.get())
        .ok_or(ReturnCode::SECRET_NOT_FOUND)?;

    // Timestamp: an optional minus and decimal digits, within the window either way.
    let raw = params
        .non_empty("Timestamp")
        .ok_or(ReturnCode::TIMESTAMP_MISSING)?;
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ReturnCode::BAD_TIMESTAMP);
    }
    let timestamp: i64 = raw.parse().map_err(|_| ReturnCode::BAD_TIMESTAMP)?;
    if timestamp.abs_diff(unix_seconds(now.wall)) > TIMESTAMP_WINDOW_SECS {
        return Err(ReturnCode::SIGNATURE_EXPIRED);
    }

    let nonce = params
        .non_empty("SignatureNonce")
        .ok_or(ReturnCode::NONCE_MISSING)?;
    let signature = params
        .non_empty("Signature")
        .ok_or(ReturnCode::SIGNATURE_MISSING)?;
    let version = params
        .non_empty("SignatureVersion")
        .ok_or(ReturnCode::SIGNATURE_VERSION_MISSING)?;
    if version != "2.0" {
        return Err(ReturnCode::BAD_SIGNATURE_VERSION);
    }

    // The signature. A nonce that is not 16 lowercase hex characters was not made as the
    // spec says, and the signature over it is not checked: it is wrong.
    let nonce = nonce
        .parse::<Nonce>()
        .ok()
        .filter(|n| n.as_str() == nonce)
        .ok_or(ReturnCode::SIGNATURE_MISMATCH)?;
    if sign(app_id, &nonce, &app.secret, timestamp).as_str() != signature {
        return Err(ReturnCode::SIGNATURE_MISMATCH);
    }

    // The environment: `IsTest` is `true` or `false` in any case; absent or empty is
    // `false`; any other value is 2 for room signalling and 30004 for the media service
    // (spec §0.4). A test-only app needs `true`; a production app takes both, and `true`
    // selects its test environment: its own world and its budgets.
    let Some(test_env) = is_test(params) else {
        return Err(match handler.group {
            Group::MediaService => ReturnCode::BAD_IS_TEST,
            _ => ReturnCode::PARAMETER_ERROR,
        });
    };
    if app.test_only && !test_env {
        return Err(ReturnCode::WRONG_ENVIRONMENT);
    }
    let world = WorldKey {
        app_id: app_id.get(),
        test_env,
    };

    // The call's feature switch (spec §16: after the gateway, before the budget).
    if !(handler.enabled)(state.world(world)) {
        return Err(ReturnCode::NO_PERMISSION);
    }

    // The call's budget per AppId and environment.
    let key = BucketKey {
        world,
        action: handler.name,
        room: None,
    };
    handler.spend(state, key, handler.budget.app_rate(test_env), now.instant)?;
    Ok(world)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant, SystemTime};

    use serde_json::json;
    use zego_core::actions::SendCustomCommand;
    use zego_core::{Action, Budget, Rate, ServerSecret};

    use super::*;
    use crate::state::AppEntry;
    use crate::world::Login;

    const SECRET: &str = "9193cc662a4c0ec135ec71fb57194b38";
    const WORLD: WorldKey = WorldKey {
        app_id: 12345,
        test_env: false,
    };

    fn state() -> State {
        let mut state = State::new(true);
        state.apps.insert(
            12345,
            AppEntry {
                secret: ServerSecret::new(SECRET).unwrap(),
                test_only: false,
            },
        );
        state.put(WORLD, "room", &Login::new("user1"), true);
        state
    }

    fn at(wall: SystemTime) -> Now {
        Now {
            wall,
            instant: Instant::now(),
        }
    }

    /// The vendor's public parameters, signed at 1615186943, and the time they are valid.
    const SIGNED: &str = "AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
        &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0";

    fn then() -> SystemTime {
        std::time::UNIX_EPOCH + Duration::from_secs(1_615_186_943 + 600)
    }

    #[test]
    fn vendor_vector_is_checked_against_the_clock() {
        // The vendor's example, signed at 1615186943: valid at that time, expired now.
        let query = format!(
            "Action=SendCustomCommand&RoomId=room&FromUserId=userA\
            &ToUserId[]=user1&ToUserId%5B%5D=user2&MessageContent=hi+there&{SIGNED}"
        );
        let params = Params::parse(&query);
        let mut state = state();
        let outcome = process(&mut state, &params, at(then()));
        assert_eq!(outcome.code, ReturnCode::SUCCESS);
        assert_eq!(
            outcome.data,
            Some(json!({"FailUsers": [{"Uid": "user2", "Code": 50003}]}))
        );
        assert_eq!(state.inbox(WORLD, "user1")[0].content, "hi there");
        let later = then() + Duration::from_secs(1);
        assert_eq!(
            process(&mut state, &params, at(later)).code,
            ReturnCode::SIGNATURE_EXPIRED
        );
    }

    #[test]
    fn envelopes_by_group() {
        let room = Some(Group::RoomSignalling);
        let media = Some(Group::MediaService);
        let text = |outcome: Outcome| String::from_utf8(outcome.envelope("7").to_vec()).unwrap();
        assert_eq!(
            text(Outcome::bare(room, ReturnCode::ROOM_NOT_FOUND)),
            r#"{"Code":50001,"Message":"the room does not exist (a room with no users is destroyed)","RequestId":"7"}"#
        );
        assert_eq!(
            text(Outcome::bare(media, ReturnCode::MEDIA_QPS_LIMIT)),
            r#"{"Code":30002,"Data":null,"Message":"called too often: lower the request rate","RequestId":"7"}"#
        );
        assert_eq!(
            text(Outcome::bare(None, ReturnCode::UNKNOWN_ACTION)),
            r#"{"Code":100000007,"Message":"Action is unknown","RequestId":"7"}"#
        );
        assert_eq!(
            text(Outcome::bare(media, ReturnCode::SUCCESS)),
            r#"{"Code":0,"Data":null,"Message":"ok","RequestId":"7"}"#
        );
        assert_eq!(
            text(Outcome::of(Group::RoomSignalling, Ok(None))),
            r#"{"Code":0,"Message":"success","RequestId":"7"}"#
        );
        assert_eq!(
            text(Outcome::of(
                Group::RoomSignalling,
                Ok(Some(json!({"MessageId": 3})))
            )),
            r#"{"Code":0,"Data":{"MessageId":3},"Message":"success","RequestId":"7"}"#
        );
    }

    /// A call with a per-room budget of 1 per 10 s, and a media-service call, to check the
    /// gateway's generic parts with calls no registered handler has yet.
    struct PerRoom;
    struct Media;

    impl Action for PerRoom {
        const NAME: &'static str = "PerRoom";
        const GROUP: Group = Group::RoomSignalling;
        const IDEMPOTENT: bool = true;
        const BUDGET: Budget =
            Budget::per_app(Rate::per_second(4)).per_room(Rate::new(1, Duration::from_secs(10)));
        type Data = zego_core::NoData;
        fn validate(&self) -> Result<(), zego_core::ValidationError> {
            Ok(())
        }
        fn write_params(&self, _: &mut zego_core::QueryWriter, _: &zego_core::RequestContext) {}
    }

    impl Action for Media {
        const NAME: &'static str = "Media";
        const GROUP: Group = Group::MediaService;
        const IDEMPOTENT: bool = true;
        const BUDGET: Budget = Budget::per_app(Rate::per_second(1));
        type Data = zego_core::NoData;
        fn validate(&self) -> Result<(), zego_core::ValidationError> {
            Ok(())
        }
        fn write_params(&self, _: &mut zego_core::QueryWriter, _: &zego_core::RequestContext) {}
    }

    fn per_room(call: &mut Call<'_>) -> handlers::Handled {
        let room_id = call.required("RoomId")?;
        call.room_budget(room_id)?;
        Ok(None)
    }

    fn media(_: &mut Call<'_>) -> handlers::Handled {
        Ok(None)
    }

    const TEST_REGISTRY: &[Handler] = &[
        Handler::of::<PerRoom>(per_room),
        Handler::of::<Media>(media),
    ];

    fn run_at(state: &mut State, query: &str) -> Outcome {
        run(TEST_REGISTRY, state, &Params::parse(query), at(then()))
    }

    #[test]
    fn per_room_budgets_come_after_validation_and_answer_207() {
        let mut state = state();
        let codes: Vec<i64> = ["a", "a", "", "b"]
            .iter()
            .map(|room| {
                run_at(
                    &mut state,
                    &format!("Action=PerRoom&RoomId={room}&{SIGNED}"),
                )
            })
            .map(|outcome| outcome.code.get())
            .collect();
        // Room a: 1 per 10 s; an invalid request takes nothing from a room's budget;
        // room b has its own.
        assert_eq!(codes, [0, 207, 2, 0]);
        // The per-AppId budget (4/s) came first, counted the invalid request, and is spent.
        let outcome = run_at(&mut state, &format!("Action=PerRoom&RoomId=c&{SIGNED}"));
        assert_eq!(outcome.code, ReturnCode::APP_QPS_LIMIT);
        assert_eq!(outcome.data, None, "room signalling: no Data on errors");
        // Unknown to this registry: 100000007.
        let name = SendCustomCommand::NAME;
        let outcome = run_at(&mut state, &format!("Action={name}&{SIGNED}"));
        assert_eq!(outcome.code, ReturnCode::UNKNOWN_ACTION);
    }

    #[test]
    fn media_service_calls_get_their_own_codes_and_null_data() {
        let mut state = state();
        let ok = run_at(&mut state, &format!("Action=Media&{SIGNED}"));
        assert_eq!((ok.code, ok.data), (ReturnCode::SUCCESS, Some(Value::Null)));
        let throttled = run_at(&mut state, &format!("Action=Media&{SIGNED}"));
        assert_eq!(throttled.code, ReturnCode::MEDIA_QPS_LIMIT);
        assert_eq!(throttled.data, Some(Value::Null));
        let bad_env = run_at(&mut state, &format!("Action=Media&{SIGNED}&IsTest=yes"));
        assert_eq!(bad_env.code, ReturnCode::BAD_IS_TEST);
        let bad_env = run_at(&mut state, &format!("Action=PerRoom&{SIGNED}&IsTest=yes"));
        assert_eq!(bad_env.code, ReturnCode::PARAMETER_ERROR);
    }
}
