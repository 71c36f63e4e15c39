//! What the command prints.

use serde_json::{Value, json};
use zego_hyper::{Error, FanOutReply};

use crate::exit;

/// A progress bar of `done` calls out of `total`: `[######------] 1/2 calls`.
pub fn progress_bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 30;
    let filled = (WIDTH * done)
        .checked_div(total)
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "[{}{}] {done}/{total} calls",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled)
    )
}

/// The exit code of a result: 0 all delivered, 3 some users not reached, 1 a call failed,
/// 2 nothing sent because the request is invalid.
pub fn exit_code(reply: &FanOutReply) -> u8 {
    if let Some(chunk) = reply.failed_chunks.first() {
        if matches!(chunk.error, Error::Invalid(_)) {
            return exit::USAGE;
        }
        return exit::FAILED;
    }
    if reply.failed_users.is_empty() {
        exit::OK
    } else {
        exit::PARTIAL
    }
}

fn error_json(error: &Error) -> Value {
    let api = error.api();
    json!({
        "message": error.to_string(),
        "code": error.code().map(|c| c.get()),
        "meaning": error.code().and_then(|c| c.meaning()),
        "request_id": api.map(|a| a.request_id.as_str()),
        "attempts": error.attempts(),
        "may_have_taken_effect": error.may_have_taken_effect(),
    })
}

/// The result as one JSON object.
pub fn to_json(reply: &FanOutReply) -> Value {
    json!({
        "delivered": reply.all_delivered(),
        "request_id": reply.request_ids.first(),
        "request_ids": reply.request_ids,
        "calls": reply.calls,
        "attempts": reply.attempts,
        "failed_users": reply.failed_users.iter().map(|u| json!({
            "user_id": u.user_id,
            "code": u.code.get(),
            "meaning": u.code.meaning(),
        })).collect::<Vec<_>>(),
        "failed_calls": reply.failed_chunks.iter().map(|c| json!({
            "users": c.users,
            "error": error_json(&c.error),
        })).collect::<Vec<_>>(),
    })
}

/// A short summary for people.
pub fn to_text(reply: &FanOutReply) -> String {
    let mut out = String::new();
    let ids = match reply.request_ids.len() {
        1 => format!("request id {}", reply.request_ids[0]),
        _ => format!("request ids {}", reply.request_ids.join(", ")),
    };
    let calls = if reply.calls == 1 {
        String::new()
    } else {
        format!(" in {} calls", reply.calls)
    };
    if reply.all_delivered() {
        out.push_str(&format!("delivered{calls} ({ids})\n"));
        return out;
    }
    if !reply.request_ids.is_empty() {
        out.push_str(&format!("sent{calls} ({ids})\n"));
    }
    for user in &reply.failed_users {
        out.push_str(&format!("not reached: {} ({})\n", user.user_id, user.code));
    }
    out
}

fn hint(error: &Error) -> Option<&'static str> {
    use zego_hyper::CodeClass::*;
    if error.may_have_taken_effect() {
        return Some(
            "the message may have been delivered: check before sending it again (a retry can deliver twice)",
        );
    }
    match error.class()? {
        Configuration => Some("check the AppId, the ServerSecret, the region and --test-env"),
        Throttled => Some("over the rate limit: send less often, or later"),
        Transient => Some("a passing server error: try again later"),
        ReSign => Some("the signature expired: check this machine's clock"),
        RoomState => {
            Some("the room or the users are not there: check the room ID and who is online")
        }
        CallerError => Some("fix the request"),
        _ => None,
    }
}

/// One error line per failed call, each followed by a hint when there is one.
pub fn error_lines(reply: &FanOutReply) -> Vec<String> {
    let mut lines = Vec::new();
    for chunk in &reply.failed_chunks {
        let who = if chunk.users.is_empty() {
            "the room".to_owned()
        } else {
            chunk.users.join(", ")
        };
        lines.push(format!("error: sending to {who} failed: {}", chunk.error));
        if let Some(hint) = hint(&chunk.error) {
            lines.push(format!("  hint: {hint}"));
        }
    }
    lines
}

/// Prints the result (stdout) and errors (stderr); returns the exit code.
pub fn report(reply: &FanOutReply, json: bool) -> u8 {
    if json {
        println!("{}", to_json(reply));
    } else {
        print!("{}", to_text(reply));
    }
    for line in error_lines(reply) {
        eprintln!("{line}");
    }
    exit_code(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_bar_fills_up() {
        assert_eq!(
            progress_bar(0, 3),
            "[------------------------------] 0/3 calls"
        );
        assert_eq!(
            progress_bar(1, 3),
            "[##########--------------------] 1/3 calls"
        );
        assert_eq!(
            progress_bar(3, 3),
            "[##############################] 3/3 calls"
        );
        assert_eq!(
            progress_bar(0, 0),
            "[##############################] 0/0 calls"
        );
    }
}
