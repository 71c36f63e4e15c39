//! zego-hyper against zego-mock over loopback HTTP: the conformance suite (scenarios of
//! every call and the fault matrix, shared with zego-ureq), and what is particular to the
//! async client.

use std::sync::Arc;

use zego_conformance::{BIG_ROOM, Limit, Spec, TestClient, fan_out_users, spec, start_mock};
use zego_core::actions::SendCustomCommand;
use zego_core::{Action, AllPages, Batched, Error, FanOutReply, Paged, Reply, ValidationError};
use zego_hyper::Client;

/// The async client, driven to completion on a multi-threaded tokio runtime.
#[derive(Clone)]
struct Hyper {
    runtime: Arc<tokio::runtime::Runtime>,
    client: Client,
}

impl TestClient for Hyper {
    type Client = Client;

    fn build(spec: &Spec) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Hyper {
            runtime: Arc::new(runtime),
            client: spec.build(),
        }
    }

    fn call<A: Action + Send + 'static>(&self, action: A) -> Result<Reply<A::Data>, Error> {
        self.runtime.block_on(self.client.call(action))
    }

    fn fan_out<B: Batched + Send + 'static>(
        &self,
        call: B,
    ) -> Result<FanOutReply<B::Merged>, ValidationError> {
        self.runtime.block_on(self.client.fan_out(call))
    }

    fn all_pages<P: Paged + Send + 'static>(
        &self,
        call: P,
    ) -> Result<AllPages<P::Item>, ValidationError> {
        self.runtime.block_on(self.client.all_pages(call))
    }
}

zego_conformance::conformance_tests!(Hyper);

/// One client, cloned into many tasks at once (its futures are `Send`): every message
/// arrives exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tasks_share_one_client() {
    let mock = start_mock();
    let spec = Spec {
        limit: Limit::Off,
        ..spec(&mock)
    };
    let client: Client = spec.build();
    let users = fan_out_users();
    let tasks: Vec<_> = users
        .iter()
        .map(|user| {
            let client = client.clone();
            let command = SendCustomCommand::to_users(BIG_ROOM, "server", [user.clone()], "task");
            tokio::spawn(async move { client.call(command).await })
        })
        .collect();
    for task in tasks {
        let reply = task.await.expect("no panic").expect("sent");
        assert!(reply.all_delivered());
    }
    for user in &users {
        assert_eq!(mock.inbox(user).len(), 1, "{user}");
    }
    assert_eq!(mock.requests().len(), users.len());
}

/// The client is built outside any runtime, and its fan-out future can be spawned.
#[test]
fn built_outside_a_runtime_and_spawned() {
    let mock = start_mock();
    let client: Client = spec(&mock).build();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let task = runtime.spawn(async move {
        client
            .fan_out(SendCustomCommand::to_room("room-1", "server", "spawned"))
            .await
    });
    let reply = runtime.block_on(task).expect("no panic").expect("valid");
    assert!(reply.all_delivered());
    assert_eq!(mock.inbox("alice").len(), 1);
    assert_eq!(mock.inbox("bob").len(), 1);
}

/// The progress hook is told after each request of a fan-out.
#[test]
fn fan_out_progress() {
    let mock = start_mock();
    let client: Client = spec(&mock).build();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut seen = Vec::new();
    let command = SendCustomCommand::to_users(BIG_ROOM, "server", fan_out_users(), "p");
    let reply = runtime
        .block_on(client.fan_out_with(command, |p| seen.push((p.done, p.total))))
        .expect("valid");
    assert!(reply.all_delivered());
    assert_eq!(seen, [(1, 3), (2, 3), (3, 3)]);
}

/// 1,000 tasks on one client, half of them cancelled while they wait for their rate slot:
/// the slots they give back are taken by the next calls, which do not queue behind them.
#[test]
fn cancelled_calls_give_their_rate_slots_back() {
    use std::time::{Duration, Instant};
    let mock = zego_mock::MockServer::builder()
        .app(zego_mock::App::new(
            zego_core::AppId::new(zego_conformance::APP),
            zego_conformance::SECRET,
        ))
        .user("room-1", "alice")
        .rate_limits(false)
        .start()
        .expect("the mock starts");
    let spec = Spec {
        limit: Limit::Rate(zego_core::Rate::per_second(500)),
        ..spec(&mock)
    };
    let client: Client = spec.build();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let to_alice =
        |i: usize| SendCustomCommand::to_users("room-1", "server", ["alice"], format!("{i}"));
    let started = Instant::now();
    let (kept, late) = runtime.block_on(async {
        let first: Vec<_> = (0..1000)
            .map(|i| {
                tokio::spawn({
                    let client = client.clone();
                    let command = to_alice(i);
                    async move { client.call(command).await }
                })
            })
            .collect();
        // Every task has taken its slot (2 ms apart, over 2 s); cancel every other one.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut kept = Vec::new();
        for (i, task) in first.into_iter().enumerate() {
            if i % 2 == 1 {
                task.abort();
            } else {
                kept.push(task);
            }
        }
        // 450 more calls: they take the slots given back.
        let late: Vec<_> = (1000..1450)
            .map(|i| {
                tokio::spawn({
                    let client = client.clone();
                    let command = to_alice(i);
                    async move { client.call(command).await }
                })
            })
            .collect();
        let mut done = Vec::new();
        for task in kept.into_iter().chain(late) {
            done.push(task.await.expect("not cancelled").expect("sent"));
        }
        (500, done.len() - 500)
    });
    let elapsed = started.elapsed();
    eprintln!("{kept} kept and {late} later calls sent in {elapsed:?}");
    let sent = mock.requests().len();
    assert!(sent >= 950, "{sent} requests");
    // Without giving slots back, the later calls would wait behind the 1,000 slots
    // reserved first: about 2 + 0.9 s. With them, they fit in the first 2 s.
    assert!(elapsed < Duration::from_millis(2600), "{elapsed:?}");
}
