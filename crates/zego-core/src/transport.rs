//! The loops every transport runs, written once: a call through the driver, and a
//! fan-out through its calls. A transport gives them its I/O through [`Transport`]; a
//! blocking transport's futures are ready when created, and [`block_on_ready`] runs them.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use crate::action::Action;
use crate::batch::{Batched, FanOut, FanOutReply, Progress};
use crate::client::Shared;
use crate::driver::{Call, Step};
use crate::error::{Error, TransportFailure, ValidationError};
use crate::host::Host;
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
/// client's options: validation before any I/O, a slot from
/// the client's budgets, a fresh signature per attempt, and the retry policy. `host` gives
/// the wall clock and random bytes.
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
        let mut call = Call::new(&options.config, &*options.limiter, action)?;
        loop {
            match call.poll(Instant::now(), host) {
                Step::Wait(until) => transport.sleep_until(until).await,
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
}
