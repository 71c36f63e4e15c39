//! The gateway's checks, in its order, and the calls the mock implements.
//!
//! Everything here is a function of the decoded query, the state and the two clocks it is
//! given, so it is checked without a socket; the server module only carries bytes.

use std::time::{Instant, SystemTime};

use serde_json::{Value, json};
use zego_core::actions::SendCustomCommand;
use zego_core::{Action, AppId, Batched, Nonce, ReturnCode, sign, unix_seconds};

use crate::state::{Bucket, Delivered, State};

/// How far the `Timestamp` may be from the mock's clock, either way, in seconds.
pub const TIMESTAMP_WINDOW_SECS: u64 = 600;

/// The decoded query: `application/x-www-form-urlencoded`, so `+` is a space and
/// `ToUserId%5B%5D` is `ToUserId[]`.
pub(crate) struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub(crate) fn parse(query: &str) -> Self {
        Params {
            pairs: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
        }
    }

    /// The first value of `key`, if any.
    pub(crate) fn first(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of `key` when present and not empty.
    fn non_empty(&self, key: &str) -> Option<&str> {
        self.first(key).filter(|v| !v.is_empty())
    }

    /// Every value of `key`, in order.
    fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the mock answers to a request that got no fault (or a `Delay`).
#[derive(Debug, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) code: ReturnCode,
    pub(crate) data: Value,
}

impl Outcome {
    fn error(code: ReturnCode) -> Self {
        Outcome {
            code,
            data: Value::Null,
        }
    }
}

/// The clocks a request is checked against.
#[derive(Clone, Copy)]
pub(crate) struct Now {
    pub(crate) wall: SystemTime,
    pub(crate) instant: Instant,
}

impl Now {
    pub(crate) fn current() -> Self {
        Now {
            wall: SystemTime::now(),
            instant: Instant::now(),
        }
    }
}

/// Checks a request as the gateway does, then runs its action.
pub(crate) fn process(state: &mut State, params: &Params, now: Now) -> Outcome {
    match check(state, params, now) {
        Ok(()) => send_custom_command(state, params),
        Err(code) => Outcome::error(code),
    }
}

/// The gateway's checks, in its order, then the call's rate budget.
fn check(state: &mut State, params: &Params, now: Now) -> Result<(), ReturnCode> {
    // Action.
    let action = params
        .non_empty("Action")
        .ok_or(ReturnCode::ACTION_MISSING)?;
    if action != SendCustomCommand::NAME {
        return Err(ReturnCode::UNKNOWN_ACTION);
    }

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
    // `false`. A test-only app needs `true`; a production app takes both, and `true`
    // selects the test environment's lower budget.
    let is_test = match params.non_empty("IsTest") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(ReturnCode::WRONG_ENVIRONMENT),
    };
    if app.test_only && !is_test {
        return Err(ReturnCode::WRONG_ENVIRONMENT);
    }

    // The call's budget, per AppId, environment and action.
    if state.rate_limits {
        let rate = SendCustomCommand::BUDGET.app_rate(is_test);
        let bucket = state
            .buckets
            .entry((app_id.get(), is_test, SendCustomCommand::NAME))
            .or_insert_with(|| Bucket::full(rate, now.instant));
        if !bucket.try_take(rate, now.instant) {
            return Err(ReturnCode::APP_QPS_LIMIT);
        }
    }
    Ok(())
}

/// `SendCustomCommand`, once the gateway let the request through.
fn send_custom_command(state: &mut State, params: &Params) -> Outcome {
    let (Some(room_id), Some(from_user_id)) =
        (params.non_empty("RoomId"), params.non_empty("FromUserId"))
    else {
        return Outcome::error(ReturnCode::PARAMETER_ERROR);
    };
    let targets: Vec<&str> = params.all("ToUserId[]").collect();
    if targets.iter().any(|t| t.is_empty()) {
        return Outcome::error(ReturnCode::PARAMETER_ERROR);
    }
    if targets.len() > SendCustomCommand::MAX_PER_REQUEST {
        return Outcome::error(ReturnCode::TOO_MANY_USERS);
    }
    let content = params.first("MessageContent").unwrap_or_default();
    if content.is_empty() {
        return Outcome::error(ReturnCode::MESSAGE_CONTENT_EMPTY);
    }
    if content.len() > SendCustomCommand::MAX_CONTENT_BYTES {
        return Outcome::error(ReturnCode::MESSAGE_TOO_LONG);
    }
    let Some(room) = state.rooms.get(room_id) else {
        return Outcome::error(ReturnCode::ROOM_NOT_FOUND);
    };
    if !room.values().any(|&online| online) {
        return Outcome::error(ReturnCode::ROOM_NOT_FOUND);
    }

    // Who gets it: the named targets (each once, in order) or everyone online; never the
    // sender. Named targets not online in the room are reported.
    let mut receivers: Vec<String> = Vec::new();
    let mut fail_users = Vec::new();
    if targets.is_empty() {
        receivers.extend(
            room.iter()
                .filter(|&(user, &online)| online && user != from_user_id)
                .map(|(user, _)| user.clone()),
        );
    } else {
        let mut seen: Vec<&str> = Vec::new();
        for target in targets {
            if seen.contains(&target) || target == from_user_id {
                continue;
            }
            seen.push(target);
            if state.is_online(room_id, target) {
                receivers.push(target.to_owned());
            } else {
                fail_users.push(json!({"Uid": target, "Code": ReturnCode::USER_NOT_ONLINE}));
            }
        }
    }
    for user in &receivers {
        state.deliver(
            user,
            Delivered {
                room_id: room_id.to_owned(),
                from_user_id: from_user_id.to_owned(),
                content: content.to_owned(),
            },
        );
    }
    Outcome {
        code: ReturnCode::SUCCESS,
        data: json!({ "FailUsers": fail_users }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AppEntry;
    use zego_core::ServerSecret;

    const SECRET: &str = "9193cc662a4c0ec135ec71fb57194b38";

    fn state() -> State {
        let mut state = State::new(true);
        state.apps.insert(
            12345,
            AppEntry {
                secret: ServerSecret::new(SECRET).unwrap(),
                test_only: false,
            },
        );
        state.set_online("room", "user1", true);
        state
    }

    #[test]
    fn vendor_vector_is_checked_against_the_clock() {
        // The vendor's example, signed at 1615186943: valid at that time, expired now.
        let query = "Action=SendCustomCommand&RoomId=room&FromUserId=userA\
            &ToUserId[]=user1&ToUserId%5B%5D=user2&MessageContent=hi+there\
            &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
            &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0";
        let params = Params::parse(query);
        let then = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_615_186_943 + 600);
        let at = |wall| Now {
            wall,
            instant: Instant::now(),
        };
        let mut state = state();
        let outcome = process(&mut state, &params, at(then));
        assert_eq!(outcome.code, ReturnCode::SUCCESS);
        assert_eq!(
            outcome.data,
            json!({"FailUsers": [{"Uid": "user2", "Code": 50003}]})
        );
        assert_eq!(state.inbox("user1")[0].content, "hi there");
        let later = then + std::time::Duration::from_secs(1);
        assert_eq!(
            process(&mut state, &params, at(later)).code,
            ReturnCode::SIGNATURE_EXPIRED
        );
    }

    #[test]
    fn both_bracket_spellings_decode_to_one_key() {
        let params = Params::parse("ToUserId[]=a&ToUserId%5B%5D=b&ToUserId%5b%5d=c&x=1+2%20");
        assert_eq!(
            params.all("ToUserId[]").collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(params.first("x"), Some("1 2 "));
    }
}
