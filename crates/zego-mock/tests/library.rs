//! The library's handle: starting, addresses, apps, threads and runtimes, shutting down.

mod common;

use std::sync::Arc;

use common::*;
use zego_core::AppId;
use zego_mock::{App, MockServer};

fn hello() -> String {
    command("room-1", "server", &["alice"], "hello")
}

#[test]
fn base_url_and_addr_agree_and_are_loopback() {
    let mock = start();
    assert!(mock.addr().ip().is_loopback());
    assert_ne!(mock.addr().port(), 0);
    assert_eq!(mock.base_url(), format!("http://{}", mock.addr()));
    assert!(!mock.base_url().ends_with('/'));
}

#[test]
fn listens_where_it_is_told() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = free.local_addr().unwrap();
    drop(free);
    let mock = builder().listen(addr).start().unwrap();
    assert_eq!(mock.addr(), addr);
    assert_eq!(code(addr, &hello()), 0);
    // The address is taken now: a second server cannot have it.
    let err = builder().listen(addr).start().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
}

#[test]
fn an_invalid_secret_is_refused_at_start_without_showing_it() {
    for secret in ["", "with space", "tab\tsecret"] {
        let err = MockServer::builder()
            .app(App::new(AppId::new(7), secret))
            .start()
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{secret:?}");
        let text = err.to_string();
        assert!(
            text.contains("app 7") && text.contains("ServerSecret"),
            "{text}"
        );
        if !secret.is_empty() {
            assert!(!text.contains(secret), "{text}");
        }
    }
    let app = App::new(AppId::new(7), SECRET);
    assert!(!format!("{app:?}").contains(SECRET));
    assert!(!format!("{:?}", MockServer::builder().app(app)).contains(SECRET));
}

#[test]
fn a_later_app_with_the_same_id_replaces_an_earlier_one() {
    let mock = builder()
        .app(App::new(AppId::new(APP), "the-new-secret"))
        .start()
        .unwrap();
    assert_eq!(
        code(mock.addr(), &hello()),
        100000005,
        "the old secret is gone"
    );
    let target = format!(
        "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=s&MessageContent=x&{}",
        public(APP, "the-new-secret")
    );
    assert_eq!(code(mock.addr(), &target), 0);
}

#[test]
fn many_servers_run_side_by_side() {
    let mocks: Vec<MockServer> = (0..8).map(|_| start()).collect();
    for mock in &mocks {
        assert_eq!(code(mock.addr(), &hello()), 0);
        assert_eq!(mock.inbox("alice").len(), 1, "each has its own state");
    }
}

#[test]
fn the_handle_is_shared_across_threads() {
    let mock = Arc::new(start());
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let mock = mock.clone();
            std::thread::spawn(move || {
                let user = format!("user-{i}");
                mock.set_online("room-1", &user, true);
                let mut conn = Conn::open(mock.addr());
                for _ in 0..10 {
                    let target = command("room-1", "server", &[&user], "hi");
                    assert_eq!(conn.get(&target).code(), 0);
                }
                mock.inbox(&user).len()
            })
        })
        .collect();
    for thread in threads {
        assert_eq!(thread.join().unwrap(), 10);
    }
    assert_eq!(mock.requests().len(), 40);
}

#[tokio::test]
async fn usable_from_a_current_thread_async_test() {
    let mock = start();
    let addr = mock.addr();
    let code = tokio::task::spawn_blocking(move || code(addr, &hello()))
        .await
        .unwrap();
    assert_eq!(code, 0);
    assert_eq!(mock.inbox("alice").len(), 1);
    mock.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_from_a_multi_thread_async_test() {
    let mock = start();
    let addr = mock.addr();
    let code = tokio::task::spawn_blocking(move || code(addr, &hello()))
        .await
        .unwrap();
    assert_eq!(code, 0);
    drop(mock); // stops it, inside the runtime
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn shutdown_stops_the_server_and_closes_connections() {
    let mock = start();
    let addr = mock.addr();
    let mut idle = Conn::open(addr);
    assert_eq!(idle.get(&hello()).code(), 0);
    mock.shutdown();
    assert!(idle.closed_without_answer(), "open connections are closed");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens"
    );
}
