//! The loops every transport runs, written once: a call through the driver, a fan-out
//! through its calls, and a paged call through its pages. A transport gives them its I/O through [`Transport`]; a
//! blocking transport's futures are ready when created, and [`block_on_ready`] runs them.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::action::Action;
use crate::batch::{Batched, FanOut, FanOutReply, Progress};
use crate::budget::BudgetError;
use crate::client::Shared;
use crate::driver::{Call, Step};
use crate::error::{Error, TransportFailure, ValidationError};
use crate::host::Host;
use crate::page::{AllPages, Paged, Pager};
use crate::response::Reply;

/// What one exchange gave: the HTTP status and the body (read up to
/// [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) + 1 bytes), or a failure that says whether
/// the request may have reached the server.
pub type Exchange = Result<(u16, Vec<u8>), TransportFailure>;

/// What a transport does for the call driver: one HTTP exchange, and a sleep. The core
/// does everything else (validation, signing, pacing, retries, fan-out, logging).
///
/// An async transport returns futures that do the I/O; a blocking one does it when the
/// method is called and returns a ready future ([`std::future::ready`]), then runs the
/// loops with [`block_on_ready`].
pub trait Transport {
    /// Sends one request and reads its response, within the attempt timeout: the HTTP
    /// status and the body, read up to [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) + 1
    /// bytes; or a failure that says whether the request may have reached the server.
    fn exchange(&self, request: http::Request<Vec<u8>>) -> impl Future<Output = Exchange>;

    /// Waits until `deadline`.
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()>;
}

/// Runs one call to its end through the client's transport (`client.http`), with the
/// client's options: validation before any I/O, a slot from the client's budgets, a fresh
/// signature (and for a call that carries it, a fresh `Sequence` from the client's
/// source) per attempt, and the retry policy. `host` gives the wall clock and random
/// bytes.
pub async fn run<T, H, A>(
    client: &Shared<T>,
    host: &mut H,
    action: A,
) -> Result<Reply<A::Data>, Error>
where
    T: Transport,
    H: Host + ?Sized,
    A: Action,
{
    let (options, transport) = (&client.options, &client.http);
    let drive = async move {
        let mut call =
            Call::new(&options.config, &*options.limiter, action)?.with_sequence(&options.sequence);
        if let Some(budget) = &options.shared_budget {
            call = call.with_shared_budget(budget.on_unavailable());
        }
        loop {
            match call.poll(Instant::now(), host) {
                Step::Wait(until) => transport.sleep_until(until).await,
                Step::Take(request) => {
                    let answer = match &options.shared_budget {
                        Some(budget) => budget.take(&request).await,
                        None => Err(BudgetError::Unavailable {
                            action: request.action,
                            reason: "the client has no shared budget".to_owned(),
                        }),
                    };
                    call.taken(Instant::now(), answer);
                }
                Step::Send(request) => {
                    let attempt = transport.exchange(request);
                    #[cfg(feature = "tracing")]
                    let attempt = tracing::Instrument::instrument(
                        attempt,
                        tracing::debug_span!("zego.attempt", attempt = call.attempts()),
                    );
                    let outcome = attempt.await;
                    call.handle(Instant::now(), outcome);
                }
                Step::Done => return call.into_result(),
            }
        }
    };
    #[cfg(feature = "tracing")]
    let drive =
        tracing::Instrument::instrument(drive, tracing::info_span!("zego.call", action = A::NAME));
    drive.await
}

/// Runs a [`Batched`] call with any number of elements as requests of at most
/// [`Batched::MAX_PER_REQUEST`], one after the other (each through [`run`], so paced by
/// the client's budgets), and merges their results. The call is checked once, before
/// anything is sent. `progress` is told after each request.
pub async fn run_fan_out<T, H, B>(
    client: &Shared<T>,
    host: &mut H,
    call: B,
    mut progress: impl FnMut(Progress),
) -> Result<FanOutReply<B::Merged>, ValidationError>
where
    T: Transport,
    H: Host + ?Sized,
    B: Batched,
{
    let mut fan_out = FanOut::new(call)?;
    let all = async move {
        while let Some(call) = fan_out.next_call() {
            let result = run(client, &mut *host, call).await;
            fan_out.record(result);
            progress(fan_out.progress());
        }
        let reply = fan_out.finish();
        event!(
            debug,
            calls = reply.calls,
            attempts = reply.attempts,
            failed_calls = reply.failed_chunks.len(),
            "fan-out finished"
        );
        reply
    };
    #[cfg(feature = "tracing")]
    let all =
        tracing::Instrument::instrument(all, tracing::info_span!("zego.fan_out", action = B::NAME));
    Ok(all.await)
}

/// Asks for the next page of a [`Paged`] call (through [`run`], so paced by the client's
/// budgets, per room too, and retried by its policy) and records it in `pager`: the
/// page's reply or error, or the error that keeps paging from going on; `None` once
/// paging is over. The clients' page iterators call it once per page.
pub async fn next_page<T, H, P>(
    client: &Shared<T>,
    host: &mut H,
    pager: &mut Pager<P>,
) -> Option<Result<Reply<P::Data>, Error>>
where
    T: Transport,
    H: Host + ?Sized,
    P: Paged,
{
    let call = match pager.next_call()? {
        Ok(call) => call,
        Err(stopped) => return Some(Err(stopped)),
    };
    let result = run(client, host, call).await;
    pager.record(&result);
    Some(result)
}

/// Runs a [`Paged`] call from its first page to its last, one page after the other
/// (each through [`next_page`]), and gathers the pages' elements. The call is checked
/// once, before anything is sent; an error that ends paging early is kept in
/// [`AllPages::error`] with the elements received until then.
pub async fn run_pages<T, H, P>(
    client: &Shared<T>,
    host: &mut H,
    call: P,
) -> Result<AllPages<P::Item>, ValidationError>
where
    T: Transport,
    H: Host + ?Sized,
    P: Paged,
{
    let mut pager = Pager::new(call)?;
    let all = async move {
        let mut all = AllPages::default();
        while let Some(result) = next_page(client, &mut *host, &mut pager).await {
            all.add::<P>(result);
        }
        all.pages = pager.pages();
        all.attempts = pager.attempts();
        event!(
            debug,
            pages = all.pages,
            attempts = all.attempts,
            complete = all.is_complete(),
            "paging finished"
        );
        all
    };
    #[cfg(feature = "tracing")]
    let all =
        tracing::Instrument::instrument(all, tracing::info_span!("zego.pages", action = P::NAME));
    Ok(all.await)
}

/// Runs a future whose every await is ready at once (the loops above with a blocking
/// [`Transport`]) to its end on this thread. Should it ever wait, it polls again: it
/// never blocks on a waker, since nothing would wake it.
pub fn block_on_ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut context = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::future::ready;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::Pager;
    use crate::actions::{KickoutUser, SendCustomCommand};
    use crate::{AppId, ClientBuilder, FixedHost, ReturnCode, ServerSecret};

    /// A blocking transport answering from a script, in no time.
    struct Scripted {
        answers: RefCell<Vec<Exchange>>,
        sent: RefCell<Vec<String>>,
    }

    impl Transport for Scripted {
        fn exchange(&self, request: http::Request<Vec<u8>>) -> impl Future<Output = Exchange> {
            self.sent
                .borrow_mut()
                .push(request.uri().query().unwrap_or_default().to_owned());
            ready(self.answers.borrow_mut().remove(0))
        }

        fn sleep_until(&self, _: Instant) -> impl Future<Output = ()> {
            ready(())
        }
    }

    fn client(answers: Vec<Exchange>) -> Shared<Scripted> {
        struct Options(crate::ClientOptions);
        impl crate::BuildClient for Options {
            fn build_client(options: crate::ClientOptions) -> Result<Self, crate::BuildError> {
                Ok(Options(options))
            }
        }
        let builder: ClientBuilder<Options> =
            ClientBuilder::new(AppId::new(1), ServerSecret::new("secret").unwrap());
        Shared {
            options: builder.no_rate_limit().build().unwrap().0,
            http: Scripted {
                answers: RefCell::new(answers),
                sent: RefCell::new(Vec::new()),
            },
        }
    }

    fn body(code: i64) -> Exchange {
        Ok((
            200,
            format!(r#"{{"Code":{code},"RequestId":"{code}"}}"#).into_bytes(),
        ))
    }

    #[test]
    fn a_call_runs_to_its_end() {
        let client = client(vec![body(50013), body(0)]);
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let command = SendCustomCommand::to_users("r", "f", ["a"], "x");
        let reply = block_on_ready(run(&client, &mut host, command)).unwrap();
        assert_eq!(reply.attempts, 2);
        assert_eq!(client.http.sent.borrow().len(), 2);
        // An invalid call sends nothing.
        let invalid = SendCustomCommand::to_room("", "f", "x");
        let err = block_on_ready(run(&client, &mut host, invalid)).unwrap_err();
        assert_eq!(err.attempts(), 0);
        assert_eq!(client.http.sent.borrow().len(), 2);
    }

    #[test]
    fn a_fan_out_runs_every_request_and_reports_progress() {
        let client = client(vec![body(0), body(2), body(0)]);
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let users: Vec<String> = (0..12).map(|i| format!("u{i}")).collect();
        let mut seen = Vec::new();
        let reply = block_on_ready(run_fan_out(
            &client,
            &mut host,
            KickoutUser::new("r", users.clone()),
            |p| seen.push((p.done, p.total)),
        ))
        .unwrap();
        assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
        assert_eq!(reply.calls, 3);
        assert_eq!(reply.failed_chunks.len(), 1);
        assert_eq!(reply.failed_chunks[0].items, users[5..10].to_vec());
        assert_eq!(
            reply.failed_chunks[0].error.code(),
            Some(ReturnCode::PARAMETER_ERROR)
        );
        let sent = client.http.sent.borrow();
        assert!(
            sent[2].contains("UserId[]=u10&UserId[]=u11&"),
            "{}",
            sent[2]
        );
    }

    fn page(marker: &str, users: &[&str]) -> Exchange {
        let users: Vec<String> = users
            .iter()
            .map(|u| format!(r#"{{"UserId":"{u}"}}"#))
            .collect();
        Ok((
            200,
            format!(
                r#"{{"Code":0,"RequestId":"p","Data":{{"Marker":"{marker}","UserList":[{}]}}}}"#,
                users.join(",")
            )
            .into_bytes(),
        ))
    }

    #[test]
    fn every_page_through_one_loop() {
        use crate::actions::DescribeUserList;
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let client = client(vec![
            page("m1", &["a", "b"]),
            body(1),
            page("m2", &["c"]),
            page("", &["d"]),
        ]);
        let all = block_on_ready(run_pages(
            &client,
            &mut host,
            DescribeUserList::new("r").limit(2),
        ))
        .unwrap();
        let ids: Vec<_> = all.items.iter().map(|u| u.user_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert!(all.is_complete());
        assert_eq!(
            (all.pages, all.attempts),
            (3, 4),
            "a transient answer retried"
        );
        let sent = client.http.sent.borrow();
        assert!(sent[0].starts_with("Action=DescribeUserList&RoomId=r&Mode=0&Limit=2&AppId="));
        assert!(sent[1].starts_with("Action=DescribeUserList&RoomId=r&Mode=0&Limit=2&Marker=m1&"));
        assert!(sent[3].contains("&Marker=m2&"));
        drop(sent);

        // Page by page: a failed page is the last result.
        let client = self::client(vec![page("m1", &["a"]), body(2)]);
        let mut pager = Pager::new(DescribeUserList::new("r")).unwrap();
        let first = block_on_ready(next_page(&client, &mut host, &mut pager));
        assert_eq!(first.unwrap().unwrap().data.users().unwrap().len(), 1);
        let second = block_on_ready(next_page(&client, &mut host, &mut pager));
        assert_eq!(
            second.unwrap().unwrap_err().code(),
            Some(ReturnCode::PARAMETER_ERROR)
        );
        assert!(block_on_ready(next_page(&client, &mut host, &mut pager)).is_none());

        // An invalid call sends nothing.
        let err =
            block_on_ready(run_pages(&client, &mut host, DescribeUserList::new(""))).unwrap_err();
        assert_eq!(err.field(), "RoomId");
        assert_eq!(client.http.sent.borrow().len(), 2);
    }

    #[test]
    fn a_client_draws_every_sequence_from_its_one_source() {
        use crate::actions::{DescribeRTCStreamState, ForbidRTCStream};
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let client = client(vec![body(30002), body(0), body(0)]);
        let forbid = block_on_ready(run(&client, &mut host, ForbidRTCStream::new("s")));
        assert_eq!(forbid.unwrap().attempts, 2);
        block_on_ready(run(&client, &mut host, DescribeRTCStreamState::new("s"))).unwrap();
        let values: Vec<u64> = client
            .http
            .sent
            .borrow()
            .iter()
            .map(|q| {
                let (_, rest) = q.split_once("&Sequence=").unwrap();
                rest.split('&').next().unwrap().parse().unwrap()
            })
            .collect();
        assert_eq!(
            values,
            [1_700_000_000_000, 1_700_000_000_001, 1_700_000_000_002],
            "the host's clock stands still"
        );
        assert_eq!(client.options.sequence.last(), 1_700_000_000_002);
    }
}
