//! What the command prints, the same way for every call: a short summary or one JSON
//! object on stdout, errors with hints on stderr, and the exit code.

use serde::Serialize;
use serde_json::{Value, json};
use zego_core::{
    Action, AllPages, Batched, BudgetError, CodeClass, Error, FailedChunk, FanOutReply, Group,
    Paged, Progress, Reply, ResponseError, ReturnCode,
};

use crate::exit;
use crate::out::{err, errln, out, outln};

/// How a call ended, whether it was one request or a fan-out.
#[derive(Debug)]
pub struct Outcome {
    /// The call's name (`KickoutUser`).
    pub action: &'static str,
    /// The call's group, in which its codes are read.
    pub group: Group,
    /// Whether making the call again is harmless.
    pub idempotent: bool,
    /// How many requests were made.
    pub calls: usize,
    /// The `RequestId` of every request that succeeded, in order.
    pub request_ids: Vec<String>,
    /// The `Code` of the requests that succeeded: 0, or a code that is an answer
    /// (41004 or 41006 of `DescribeRTCStreamState`, a call of one request); `None` when
    /// no request succeeded.
    pub code: Option<ReturnCode>,
    /// The call's `Data` as received (merged over a fan-out's requests; for every page of
    /// a paged call, the elements gathered); `null` when no request succeeded.
    pub data: Value,
    /// Attempts over all requests, retries included.
    pub attempts: u32,
    /// The elements that requests which succeeded did not reach.
    pub unreached: Vec<String>,
    /// The requests that failed, with their elements.
    pub failed: Vec<FailedChunk>,
}

impl Outcome {
    fn new<A: Action>() -> Self {
        Outcome {
            action: A::NAME,
            group: A::GROUP,
            idempotent: A::IDEMPOTENT,
            calls: 1,
            request_ids: Vec::new(),
            code: None,
            data: Value::Null,
            attempts: 0,
            unreached: Vec::new(),
            failed: Vec::new(),
        }
    }

    /// The outcome of one request.
    pub fn of_call<A: Action>(result: Result<Reply<A::Data>, Error>) -> Self {
        let mut outcome = Outcome::new::<A>();
        match result {
            Ok(reply) => {
                outcome.attempts = reply.attempts;
                outcome.code = Some(reply.code);
                outcome.data = to_value(serde_json::to_value(&reply.data));
                outcome.request_ids.push(reply.request_id);
            }
            Err(error) => {
                outcome.attempts = error.attempts();
                outcome.failed.push(FailedChunk {
                    items: Vec::new(),
                    error,
                });
            }
        }
        outcome
    }

    /// The outcome of a fan-out.
    pub fn of_fan_out<B: Batched>(reply: FanOutReply<B::Merged>) -> Self {
        let unreached = reply
            .unreached::<B>()
            .into_iter()
            .map(String::from)
            .collect();
        let data = if reply.request_ids.is_empty() {
            Value::Null
        } else {
            to_value(serde_json::to_value(&reply.data))
        };
        Outcome {
            calls: reply.calls,
            code: merged_code(&reply.request_ids),
            request_ids: reply.request_ids,
            data,
            attempts: reply.attempts,
            unreached,
            failed: reply.failed_chunks,
            ..Outcome::new::<B>()
        }
    }

    /// The outcome of every page of a paged call: its `Data` is the member `items` alone,
    /// listing the elements of every page received, in order (`null` when no page came).
    pub fn of_pages<P: Paged<Item: Serialize>>(items: &str, all: AllPages<P::Item>) -> Self {
        let data = if all.request_ids.is_empty() {
            Value::Null
        } else {
            let mut data = serde_json::Map::new();
            data.insert(items.to_owned(), to_value(serde_json::to_value(&all.items)));
            Value::Object(data)
        };
        // A page that failed is one more request; a page received whose reply cannot say
        // where the next one starts is not.
        let failed_request = all.error.as_ref().is_some_and(|error| {
            request_id(error).is_none_or(|id| !all.request_ids.iter().any(|r| r == id))
        });
        Outcome {
            calls: all.request_ids.len() + usize::from(failed_request),
            code: merged_code(&all.request_ids),
            request_ids: all.request_ids,
            data,
            attempts: all.attempts,
            failed: all
                .error
                .map(|error| FailedChunk {
                    items: Vec::new(),
                    error,
                })
                .into_iter()
                .collect(),
            ..Outcome::new::<P>()
        }
    }

    /// 0 all done, 3 some elements not reached, 1 a request failed, 2 nothing sent because
    /// the request is invalid.
    pub fn exit_code(&self) -> u8 {
        if self
            .failed
            .iter()
            .any(|c| !matches!(c.error, Error::Invalid(_)))
        {
            exit::FAILED
        } else if !self.failed.is_empty() {
            exit::USAGE
        } else if !self.unreached.is_empty() {
            exit::PARTIAL
        } else {
            exit::OK
        }
    }

    /// The outcome as one JSON object, in the same shape for every call.
    pub fn to_json(&self) -> Value {
        json!({
            "action": self.action,
            "done": self.exit_code() == exit::OK,
            "request_id": self.request_ids.first(),
            "request_ids": self.request_ids,
            "code": self.code.map(ReturnCode::get),
            "calls": self.calls,
            "attempts": self.attempts,
            "data": self.data,
            "unreached": self.unreached,
            "failed_requests": self.failed.iter().map(|c| json!({
                "items": c.items,
                "error": self.error_json(&c.error),
            })).collect::<Vec<_>>(),
        })
    }

    fn error_json(&self, error: &Error) -> Value {
        json!({
            "message": error.to_string(),
            "code": error.code().map(ReturnCode::get),
            "meaning": error.code().and_then(|c| c.meaning(self.group)),
            "request_id": request_id(error),
            "attempts": error.attempts(),
            "may_have_taken_effect": error.may_have_taken_effect(),
        })
    }

    /// A short summary for people: the request IDs, the `Data`, the elements not reached.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let ids = match self.request_ids.as_slice() {
            [] => return out,
            [id] => format!("request id {id}"),
            ids => format!("request ids {}", ids.join(", ")),
        };
        if !self.failed.is_empty() {
            out.push_str(&format!(
                "{} of {} requests succeeded ({ids})\n",
                self.request_ids.len(),
                self.calls
            ));
        } else if self.calls == 1 {
            out.push_str(&format!("done ({ids})\n"));
        } else {
            out.push_str(&format!("done in {} calls ({ids})\n", self.calls));
        }
        if let Some(code) = self.code.filter(|c| !c.is_success()) {
            out.push_str(&format!("Code: {}\n", code.in_group(self.group)));
        }
        for line in data_lines(&self.data, self.group) {
            out.push_str(&line);
            out.push('\n');
        }
        for item in &self.unreached {
            out.push_str(&format!("not reached: {item}\n"));
        }
        out
    }

    /// One error line per failed request, each followed by a hint when there is one.
    pub fn error_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for chunk in &self.failed {
            let which = if chunk.items.is_empty() {
                String::new()
            } else {
                format!(" for {}", chunk.items.join(", "))
            };
            lines.push(format!(
                "error: {}{which} failed: {}",
                self.action, chunk.error
            ));
            if let Some(hint) = hint(&chunk.error, self.idempotent) {
                lines.push(format!("  hint: {hint}"));
            }
        }
        lines
    }
}

/// Prints the outcome (stdout) and errors (stderr); returns the exit code.
pub fn report(outcome: &Outcome, json: bool) -> u8 {
    if json {
        outln!("{}", outcome.to_json());
    } else {
        out!("{}", outcome.to_text());
    }
    for line in outcome.error_lines() {
        errln!("{line}");
    }
    outcome.exit_code()
}

/// The `Code` of the replies a fan-out or a pager merged, which keep no code: 0 when
/// some request succeeded (the codes that are answers belong to `DescribeRTCStreamState`,
/// a call of one request).
fn merged_code(request_ids: &[String]) -> Option<ReturnCode> {
    (!request_ids.is_empty()).then_some(ReturnCode::SUCCESS)
}

/// The serialized `Data`, or why it could not be serialized.
fn to_value(data: serde_json::Result<Value>) -> Value {
    data.unwrap_or_else(|e| json!({ "unprintable": e.to_string() }))
}

/// The `RequestId` an error carries, if any.
fn request_id(error: &Error) -> Option<&str> {
    match error {
        Error::Response {
            source: ResponseError::Api(api),
            ..
        } => Some(&api.request_id),
        Error::Response {
            source: ResponseError::Data { request_id, .. },
            ..
        } => Some(request_id),
        _ => None,
    }
}

/// The `Data` as lines: `Member: value`, and a list one line per element, an object's
/// members as `Name=value` (a `Code` with its meaning in the call's group).
fn data_lines(data: &Value, group: Group) -> Vec<String> {
    let Value::Object(members) = data else {
        return match data {
            Value::Null => Vec::new(),
            other => vec![inline(other, group)],
        };
    };
    let mut lines = Vec::new();
    for (name, value) in members {
        match value {
            Value::Null => {}
            Value::Array(elements) => {
                lines.extend(
                    elements
                        .iter()
                        .map(|e| format!("{name}: {}", inline(e, group))),
                );
            }
            other => lines.push(format!("{name}: {}", inline(other, group))),
        }
    }
    lines
}

fn inline(value: &Value, group: Group) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(members) => members
            .iter()
            .map(|(name, v)| match (name.as_str(), v.as_i64()) {
                ("Code", Some(code)) => format!("Code={}", ReturnCode::new(code).in_group(group)),
                (_, _) if v.is_object() || v.is_array() => format!("{name}={v}"),
                _ => format!("{name}={}", inline(v, group)),
            })
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

fn hint(error: &Error, idempotent: bool) -> Option<&'static str> {
    use CodeClass::*;
    if error.may_have_taken_effect() {
        return Some(if idempotent {
            "the call may have taken effect; making it again is harmless"
        } else {
            "the call may have taken effect: check before making it again (a retry can deliver a message twice)"
        });
    }
    if let Error::Budget { source, .. } = error {
        return Some(match source {
            BudgetError::Unavailable { .. } => {
                "the shared budget (--budget) cannot be reached: check it, or run without it"
            }
            _ => "no rate slot within the call's time cap: nothing was sent; try again later",
        });
    }
    if error.code() == Some(ReturnCode::UNKNOWN_ACTION) {
        return Some("the server does not know this call: check --endpoint");
    }
    match error.class()? {
        Configuration => Some("check the AppId, the ServerSecret, the region and --test-env"),
        Throttled => Some("over the rate limit: call less often, or later"),
        Transient => Some("a passing server error: try again later"),
        ReSign => Some("the signature expired: check this machine's clock"),
        State => Some("the room or the users are not there: check the IDs and who is online"),
        CallerError => Some("fix the request"),
        _ => None,
    }
}

/// A progress bar of a fan-out's requests on stderr, drawn from the fan-out's progress
/// hook when enabled and the fan-out has more than one request.
#[derive(Debug)]
pub struct ProgressBar {
    enabled: bool,
    shown: bool,
}

impl ProgressBar {
    /// A bar that draws only when `enabled` (stderr is a terminal).
    pub fn new(enabled: bool) -> Self {
        ProgressBar {
            enabled,
            shown: false,
        }
    }

    /// Draws the progress of the fan-out.
    pub fn show(&mut self, progress: Progress) {
        if self.enabled && progress.total > 1 {
            err!("\r{}", progress_bar(progress.done, progress.total));
            self.shown = true;
        }
    }

    /// Ends the bar's line, if it was drawn.
    pub fn finish(self) {
        if self.shown {
            errln!();
        }
    }
}

/// A progress bar of `done` requests out of `total`: `[######------] 1/2 calls`.
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

#[cfg(test)]
mod tests {
    use super::*;
    use zego_core::actions::{DescribeUserNum, SendBroadcastMessage};
    use zego_core::{ApiError, ValidationError};

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

    #[test]
    fn data_is_summarized_line_by_line() {
        let data = json!({"UserCountList": [
            {"RoomId": "room1", "UserCount": 2, "AdminUserCount": 0},
            {"RoomId": "room 2", "UserCount": 3, "AdminUserCount": 1},
        ], "FailUsers": [{"Uid": "dave", "Code": 50003}], "MessageId": 3, "Empty": []});
        assert_eq!(
            data_lines(&data, Group::RoomSignalling),
            [
                "FailUsers: Code=50003 (the user is not online) Uid=dave",
                "MessageId: 3",
                "UserCountList: AdminUserCount=0 RoomId=room1 UserCount=2",
                "UserCountList: AdminUserCount=1 RoomId=room 2 UserCount=3",
            ]
        );
        assert!(data_lines(&Value::Null, Group::RoomSignalling).is_empty());
    }

    #[test]
    fn one_request_and_its_failure() {
        let ok = Outcome::of_call::<SendBroadcastMessage>(Ok(Reply {
            code: ReturnCode::SUCCESS,
            request_id: "9".into(),
            message: String::new(),
            data: zego_core::actions::BroadcastData {
                message_id: Some(3),
            },
            attempts: 1,
        }));
        assert_eq!(ok.exit_code(), exit::OK);
        assert_eq!(ok.to_text(), "done (request id 9)\nMessageId: 3\n");
        assert_eq!(ok.to_json()["data"], json!({"MessageId": 3}));

        let api = ApiError::new(ReturnCode::ROOM_NOT_FOUND, Group::RoomSignalling, "", "7");
        let failed = Outcome::of_call::<SendBroadcastMessage>(Err(Error::Response {
            attempts: 1,
            source: ResponseError::Api(api),
            effect_before: false,
        }));
        assert_eq!(failed.exit_code(), exit::FAILED);
        assert_eq!(failed.to_text(), "");
        let v = failed.to_json();
        assert_eq!(v["data"], Value::Null);
        assert_eq!(v["failed_requests"][0]["error"]["request_id"], "7");
        assert_eq!(v["failed_requests"][0]["error"]["code"], 50001);
        assert!(failed.error_lines()[1].contains("hint: the room or the users"));

        let invalid = ValidationError::new(
            "DescribeUserNum",
            Group::RoomSignalling,
            "RoomId[]",
            zego_core::Problem::NoElements,
            ReturnCode::PARAMETER_ERROR,
        );
        let nothing_sent = Outcome::of_call::<DescribeUserNum>(Err(invalid.into()));
        assert_eq!(nothing_sent.exit_code(), exit::USAGE);
    }

    #[test]
    fn every_page_gathered_and_how_paging_ended() {
        use zego_core::TransportFailure;
        use zego_core::actions::{DescribeUserList, ListedUser};

        let user = |id: &str| ListedUser {
            user_id: id.into(),
            user_name: String::new(),
            user_role: 2,
        };
        let pages = |ids: &[&str], error: Option<Error>| {
            let mut all = AllPages::default();
            all.items = ids.iter().map(|id| user(id)).collect();
            all.request_ids = ids.iter().map(|id| format!("r-{id}")).collect();
            all.pages = ids.len();
            all.attempts = 3;
            all.error = error;
            Outcome::of_pages::<DescribeUserList>("UserList", all)
        };
        let complete = pages(&["a", "b"], None);
        assert_eq!(complete.exit_code(), exit::OK);
        assert_eq!((complete.calls, complete.attempts), (2, 3));
        assert_eq!(complete.code, Some(ReturnCode::SUCCESS));
        assert_eq!(
            complete.data,
            json!({"UserList": [{"UserId": "a", "UserName": "", "UserRole": 2},
                                {"UserId": "b", "UserName": "", "UserRole": 2}]})
        );
        assert_eq!(
            complete.to_text().lines().skip(1).collect::<Vec<_>>(),
            [
                "UserList: UserId=a UserName= UserRole=2",
                "UserList: UserId=b UserName= UserRole=2"
            ]
        );

        // A page received whose reply cannot say where the next starts: no more requests.
        let unreadable = Error::Response {
            attempts: 1,
            source: ResponseError::Data {
                request_id: "r-a".into(),
                reason: "the reply has no Marker".into(),
            },
            effect_before: false,
        };
        let stopped = pages(&["a"], Some(unreadable));
        assert_eq!((stopped.exit_code(), stopped.calls), (exit::FAILED, 1));
        assert_eq!(stopped.data["UserList"][0]["UserId"], "a");
        // A page that failed: one more request.
        let lost = Error::Transport {
            attempts: 2,
            source: TransportFailure::not_sent("could not connect"),
            effect_before: false,
        };
        let failed = pages(&["a"], Some(lost.clone()));
        assert_eq!((failed.exit_code(), failed.calls), (exit::FAILED, 2));
        let nothing = pages(&[], Some(lost));
        assert_eq!((nothing.calls, nothing.code), (1, None));
        assert_eq!(nothing.data, Value::Null);
        assert_eq!(nothing.to_text(), "");
    }
}
