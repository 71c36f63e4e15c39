//! Calls whose answer comes a page at a time, and the one pager that follows their
//! cursor.

use std::fmt;
use std::mem;

use crate::action::Action;
use crate::error::{Error, ResponseError, TransportFailure, ValidationError};
use crate::response::Reply;

/// A call whose answer comes a page at a time, each reply saying where the next page
/// starts (`DescribeUserList`, with its `Marker`). A [`Pager`] follows the cursor from
/// the first page to the last; the clients' "every page" methods run it.
///
/// The cursor is opaque: the pager only passes on what the server sent.
pub trait Paged: Action + Clone {
    /// What a page lists (for `DescribeUserList`, its users).
    type Item: fmt::Debug + Send + 'static;

    /// The same call, for the page that starts at `cursor` (a cursor from the previous
    /// reply).
    fn with_cursor(&self, cursor: String) -> Self;

    /// Where the page after the one in `data` starts: `Ok(None)` when `data` is the
    /// last page, and `Err` with the reason when the reply cannot say (a reply without
    /// the page's list or without its cursor: neither is read as "the last page").
    fn next_cursor(data: &Self::Data) -> Result<Option<String>, String>;

    /// The elements of one page.
    fn into_items(data: Self::Data) -> Vec<Self::Item>;
}

#[derive(Debug)]
enum State {
    /// The first page is due: the call as it was given.
    First,
    /// The page at this cursor is due.
    Next(String),
    /// A page is out; it was asked for at this cursor (`None`: the first page).
    InFlight(Option<String>),
    /// The pager cannot go on, for this reason, not yet handed out.
    Stopped(Box<Error>),
    /// Over.
    Done,
}

/// Follows a [`Paged`] call's cursor, page by page: a sans-IO state machine that hands
/// out the call of each page and reads where the next one starts from each reply.
///
/// The transports' loops ([`next_page`](crate::next_page), [`run_pages`](crate::run_pages))
/// send each page's call through the call driver, so the pages are paced by the call's
/// budgets (for `DescribeUserList`, 1 page per second per room) and retried by the retry
/// policy. Paging ends after the page whose cursor says it is the last, after a page
/// that failed (its error is that page's result), or with an error of its own when a
/// reply cannot say where the next page starts, or names the cursor just sent (the same
/// page would come again, forever).
///
/// ```
/// use zego_core::{Pager, Reply, ReturnCode};
/// use zego_core::actions::{DescribeUserList, UserListData};
/// let mut pager = Pager::new(DescribeUserList::new("room-1").limit(2))?;
/// let mut markers = Vec::new();
/// let pages = [r#"{"Marker":"m1","UserList":[{"UserId":"a"},{"UserId":"b"}]}"#,
///              r#"{"Marker":"","UserList":[{"UserId":"c"}]}"#];
/// for page in pages {
///     let call = pager.next_call().unwrap()?;
///     markers.push(call.starts_at().to_owned());
///     // A transport sends `call` here and records what it got:
///     let data: UserListData = serde_json::from_str(page).unwrap();
///     pager.record(&Ok(Reply { code: ReturnCode::SUCCESS, request_id: "1".into(),
///                              message: "success".into(), data, attempts: 1 }));
/// }
/// assert!(pager.next_call().is_none(), "the empty Marker ends it");
/// assert_eq!(markers, ["", "m1"]);
/// assert_eq!(pager.pages(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Pager<P: Paged> {
    template: P,
    state: State,
    pages: usize,
    attempts: u32,
}

impl<P: Paged> Pager<P> {
    /// Checks the call once, before any page is asked for.
    pub fn new(call: P) -> Result<Self, ValidationError> {
        call.validate()?;
        Ok(Pager {
            template: call,
            state: State::First,
            pages: 0,
            attempts: 0,
        })
    }

    /// The next page's call, to send and then [`record`](Pager::record); `Some(Err)`
    /// when paging cannot go on after the last reply (the pager is then over); `None`
    /// once it is over. Asked again before the page handed out was recorded, it stops
    /// with an error: without that page's reply, where the next one starts is unknown.
    pub fn next_call(&mut self) -> Option<Result<P, Error>> {
        match mem::replace(&mut self.state, State::Done) {
            State::First => {
                self.state = State::InFlight(None);
                Some(Ok(self.template.clone()))
            }
            State::Next(cursor) => {
                let call = self.template.with_cursor(cursor.clone());
                self.state = State::InFlight(Some(cursor));
                Some(Ok(call))
            }
            State::InFlight(_) => Some(Err(Error::Transport {
                attempts: 0,
                source: TransportFailure::maybe_sent(
                    "the outcome of the previous page was not recorded: where the next page starts is unknown",
                ),
                effect_before: false,
            })),
            State::Stopped(error) => Some(Err(*error)),
            State::Done => None,
        }
    }

    /// Records the result of the page last handed out; the caller keeps the result.
    /// Ignored unless a page is out.
    pub fn record(&mut self, result: &Result<Reply<P::Data>, Error>) {
        let State::InFlight(sent) = mem::replace(&mut self.state, State::Done) else {
            return;
        };
        let reply = match result {
            Ok(reply) => reply,
            Err(error) => {
                self.attempts += error.attempts();
                return;
            }
        };
        self.pages += 1;
        self.attempts += reply.attempts;
        let stop = |reason: String| {
            State::Stopped(Box::new(Error::Response {
                attempts: reply.attempts,
                source: ResponseError::Data {
                    request_id: reply.request_id.clone(),
                    reason,
                },
                effect_before: false,
            }))
        };
        self.state = match P::next_cursor(&reply.data) {
            Ok(None) => State::Done,
            Ok(Some(next)) if sent.as_ref() == Some(&next) => stop(format!(
                "the reply's cursor {next:?} is the one just sent: the same page would come again"
            )),
            Ok(Some(next)) => State::Next(next),
            Err(reason) => stop(reason),
        };
    }

    /// `true` once paging is over.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// How many pages were received.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Attempts over all the pages, retries included.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

/// Every page of a [`Paged`] call, gathered: the elements of the pages received, in
/// order, and the error that ended paging early, if one did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AllPages<T> {
    /// The elements of every page received, in order.
    pub items: Vec<T>,
    /// How many pages were received.
    pub pages: usize,
    /// The `RequestId` of every page received, in order.
    pub request_ids: Vec<String>,
    /// Attempts over all the pages, retries included.
    pub attempts: u32,
    /// What ended paging before the last page: a page that failed, or a reply that
    /// could not say where the next page starts. `None` when every page came.
    pub error: Option<Error>,
}

impl<T> Default for AllPages<T> {
    fn default() -> Self {
        AllPages {
            items: Vec::new(),
            pages: 0,
            request_ids: Vec::new(),
            attempts: 0,
            error: None,
        }
    }
}

impl<T> AllPages<T> {
    /// `true` when paging reached the last page.
    pub fn is_complete(&self) -> bool {
        self.error.is_none()
    }

    /// Adds what one step of paging gave.
    pub(crate) fn add<P: Paged<Item = T>>(&mut self, result: Result<Reply<P::Data>, Error>) {
        match result {
            Ok(reply) => {
                self.request_ids.push(reply.request_id);
                self.items.extend(P::into_items(reply.data));
            }
            Err(error) => self.error = Some(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::{DescribeUserList, UserListData};
    use crate::code::ReturnCode;

    fn page(json: &str) -> Result<Reply<UserListData>, Error> {
        Ok(Reply {
            code: ReturnCode::SUCCESS,
            request_id: format!("rid-{}", json.len()),
            message: "success".into(),
            data: serde_json::from_str(json).unwrap(),
            attempts: 2,
        })
    }

    /// Runs a pager over scripted pages; returns the markers sent and what was gathered.
    fn follow(
        pages: &[Result<Reply<UserListData>, Error>],
    ) -> (Vec<String>, AllPages<crate::actions::ListedUser>) {
        let mut pager = Pager::new(DescribeUserList::new("r")).unwrap();
        let mut all = AllPages::default();
        let mut markers = Vec::new();
        let mut script = pages.iter();
        while let Some(next) = pager.next_call() {
            let result = match next {
                Ok(call) => {
                    markers.push(call.starts_at().to_owned());
                    let result = script.next().expect("a page past the script").clone();
                    pager.record(&result);
                    result
                }
                Err(e) => Err(e),
            };
            all.add::<DescribeUserList>(result);
        }
        assert!(pager.is_done());
        all.pages = pager.pages();
        all.attempts = pager.attempts();
        (markers, all)
    }

    #[test]
    fn follows_the_marker_to_the_empty_one() {
        let (markers, all) = follow(&[
            page(r#"{"Marker":"m1","UserList":[{"UserId":"a"},{"UserId":"b"}]}"#),
            page(r#"{"Marker":"m2","UserList":[{"UserId":"c"}]}"#),
            page(r#"{"Marker":"","UserList":[{"UserId":"d"}]}"#),
        ]);
        assert_eq!(markers, ["", "m1", "m2"]);
        let ids: Vec<_> = all.items.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert!(all.is_complete());
        assert_eq!((all.pages, all.attempts, all.request_ids.len()), (3, 6, 3));
    }

    #[test]
    fn a_page_without_users_ends_it() {
        let (markers, all) = follow(&[
            page(r#"{"Marker":"m1","UserList":[{"UserId":"a"}]}"#),
            page(r#"{"Marker":"m2","UserList":[]}"#),
        ]);
        assert_eq!(markers, ["", "m1"]);
        assert!(all.is_complete());
        assert_eq!(all.items.len(), 1);
    }

    #[test]
    fn a_reply_that_cannot_say_where_the_next_page_starts_stops_it() {
        for (body, why) in [
            (r#"{"UserList":[{"UserId":"a"}]}"#, "no Marker"),
            (r#"{"Marker":"m1"}"#, "no UserList"),
            (r#"{}"#, "no UserList"),
            (
                r#"{"Marker":"m1","UserList":[{"UserId":"a"}]}"#,
                "just sent",
            ),
        ] {
            let first = page(r#"{"Marker":"m1","UserList":[{"UserId":"x"}]}"#);
            let (markers, all) = follow(&[first, page(body)]);
            assert_eq!(markers, ["", "m1"], "{body}");
            assert_eq!(all.pages, 2);
            let Some(Error::Response {
                source: ResponseError::Data { reason, .. },
                ..
            }) = &all.error
            else {
                panic!("{body}: {:?}", all.error)
            };
            assert!(reason.contains(why), "{reason}");
        }
    }

    #[test]
    fn a_failed_page_ends_it_with_its_error() {
        let failed = Err(Error::Transport {
            attempts: 3,
            source: TransportFailure::not_sent("refused"),
            effect_before: false,
        });
        let (markers, all) = follow(&[
            page(r#"{"Marker":"m1","UserList":[{"UserId":"a"}]}"#),
            failed.clone(),
        ]);
        assert_eq!(markers, ["", "m1"]);
        assert_eq!(all.error, failed.err());
        assert_eq!((all.pages, all.attempts, all.items.len()), (1, 5, 1));
    }

    #[test]
    fn an_unrecorded_page_stops_it() {
        let mut pager = Pager::new(DescribeUserList::new("r")).unwrap();
        assert!(matches!(pager.next_call(), Some(Ok(_))));
        assert!(matches!(
            pager.next_call(),
            Some(Err(Error::Transport { .. }))
        ));
        assert!(pager.next_call().is_none());
        // A record with nothing out is ignored.
        pager.record(&page(r#"{"Marker":"m","UserList":[{"UserId":"a"}]}"#));
        assert!(pager.next_call().is_none());
        assert_eq!(pager.pages(), 0);
    }

    #[test]
    fn an_invalid_call_starts_nothing() {
        let e = Pager::new(DescribeUserList::new("")).unwrap_err();
        assert_eq!((e.call(), e.field()), ("DescribeUserList", "RoomId"));
    }
}
