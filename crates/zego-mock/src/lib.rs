//! A local server that behaves like the ZEGO real-time server API, for tests and demos.
//!
//! It is a real HTTP/1.1 server on loopback (HTTPS on request, [`MockServerBuilder::tls`]): it checks every request as ZEGO's gateway
//! does (the public parameters, the signature, the timestamp window, the environment and
//! the call's rate budgets, each with its documented code), runs every call of the room
//! and stream API (the messages, the user queries, `KickoutUser`, `CloseRoom`, the stream
//! list, the media service's forbid, resume and stream state, the ban rules; see the
//! table of calls below) against a world of rooms, users, streams and ban rules, keeps
//! each user's inbox of delivered messages, and injects faults on request. Users log in as a client SDK would, with a
//! login token (Token04) that the mock checks ([`MockServer::login_with_token`]), and the
//! mock can send the vendor's server callbacks for every change of its world to an app
//! server under test ([`MockServerBuilder::callbacks`]). Rust tests drive it through this
//! library; any other language through the `zego-mock` binary and its JSON control API
//! under `/_mock/`.
//!
//! ```
//! use std::io::{Read, Write};
//! use zego_core::{parse_response, prepare, AppId, Config, Endpoint, Nonce, ReturnCode,
//!                 ServerSecret};
//! use zego_core::actions::SendCustomCommand;
//! use zego_mock::{App, Delivered, MockServer};
//!
//! let mock = MockServer::builder()
//!     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
//!     .user("room-1", "alice")
//!     .user("room-1", "bob")
//!     .start()?;
//!
//! // Any HTTP client will do: here zego-core signs the request and std sends it.
//! let config = Config::new(AppId::new(1234), ServerSecret::new("0123456789abcdef0123456789abcdef")?)
//!     .with_endpoint(Endpoint::loopback_http(&mock.base_url())?);
//! let command = SendCustomCommand::to_users("room-1", "server", ["alice", "carol"], "hello");
//! let now = zego_core::unix_seconds(std::time::SystemTime::now());
//! let request = prepare(&config, &command, &"0011223344556677".parse::<Nonce>()?, now)?;
//! let mut socket = std::net::TcpStream::connect(mock.addr())?;
//! write!(socket, "GET {} HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n", request.uri())?;
//! let mut answer = Vec::new();
//! socket.read_to_end(&mut answer)?;
//! let body = &answer[answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
//! let reply = parse_response::<SendCustomCommand>(200, body)?;
//! assert_eq!(reply.failed_users()[0].user_id, "carol"); // not in the room
//! assert_eq!(reply.failed_users()[0].code, ReturnCode::USER_NOT_ONLINE);
//!
//! // What alice's client would have received; bob was not named.
//! assert_eq!(mock.inbox("alice"), [Delivered::custom_command("room-1", "server", "hello")]);
//! assert!(mock.inbox("bob").is_empty());
//! assert_eq!(mock.requests()[0].code, Some(ReturnCode::SUCCESS));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Using it in tests
//!
//! [`start()`](MockServerBuilder::start) is synchronous: the server runs on its own
//! thread with its own tokio runtime, so the same handle works in a plain `#[test]`, in
//! blocking code and in `#[tokio::test]` (of either flavour). That runtime is made and
//! dropped on the server's thread, never in the caller's, so a start that fails returns
//! its error inside a caller's runtime as well. It binds `127.0.0.1:0`
//! unless [`MockServerBuilder::listen`] says otherwise, so tests run in parallel, each with
//! its own server. Dropping the handle (or [`MockServer::shutdown`]) stops it. Point the
//! client under test at [`MockServer::base_url`]; the project's clients, `zego-ureq` and
//! `zego-hyper`, take it as `.endpoint(Endpoint::loopback_http(&mock.base_url())?)`, and
//! a mock that serves HTTPS ([`MockServerBuilder::tls`]) with
//! `.add_root_certificate(mock.ca_pem().unwrap())` as well: the production path, TLS
//! included.
//!
//! ```
//! # use std::time::Duration;
//! use zego_core::{AppId, ReturnCode};
//! use zego_mock::{App, Fault, FaultKind, Login, MockServer, ADMIN_ROLE};
//!
//! let mock = MockServer::builder()
//!     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
//!     .app(App::new(AppId::new(5678), "another-secret").test_only()) // needs IsTest=true
//!     .user("room-1", "alice")              // online (in app 1234's production world)
//!     .offline_user("room-1", "carol")      // known, offline
//!     .login("room-1", Login::new("rec").name("Recorder").role(ADMIN_ROLE))
//!     .rate_limits(true)                    // the default; false turns 206 off
//!     .start()?;
//!
//! mock.set_online("room-1", "carol", true);
//! assert_eq!(mock.rooms()[0].users.len(), 3);
//! // The test-only app's rooms are in a world of their own.
//! mock.world(AppId::new(5678), true).set_online("room-9", "dave", true);
//! // The next SendCustomCommand is delivered, then answered 50013: a client that
//! // retries it delivers the message twice.
//! mock.inject(Fault::new(FaultKind::DeliverThenCode(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED))
//!     .action("SendCustomCommand"));
//! // The two requests after that wait 3 s each before they are answered.
//! mock.inject(Fault::new(FaultKind::Delay(Duration::from_secs(3))).times(2));
//! assert_eq!(mock.faults().len(), 2);
//! mock.reset(); // inboxes, faults, request log and budgets; apps, rooms and users stay
//! assert!(mock.faults().is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # The world: rooms, users and streams
//!
//! Each AppId has two worlds, production and the test environment (`IsTest=true`), with
//! nothing in common: rooms, users, streams, inboxes and budgets are all apart (spec
//! §0.4). A request acts on the world of its `AppId` and `IsTest`. The builder's
//! [`user`](MockServerBuilder::user), [`login`](MockServerBuilder::login) and
//! [`offline_user`](MockServerBuilder::offline_user), and the handle's
//! [`set_online`](MockServer::set_online), [`login`](MockServer::login),
//! [`inbox`](MockServer::inbox) and [`rooms`](MockServer::rooms), act on the **default
//! world**: that of the first app added, in its own environment (the test environment
//! for a [test-only](App::test_only) app, else production).
//! [`MockServer::world`]`(app_id, test_env)` reaches any other.
//!
//! - A room exists from the moment a first user is online in it, and is closed when its
//!   last online user leaves or is kicked out, or by `CloseRoom`. A request for a room
//!   that does not exist gets 50001 (5018 from `CloseRoom`; an empty answer from
//!   `DescribeUserNum`, `DescribeUserList` and `DescribeSimpleStreamList`).
//! - A closed room is still listed by [`MockServer::rooms`], with `open: false`
//!   (`closed: true` when `CloseRoom` closed it), its known users all offline and no
//!   streams. Its counters (the broadcast and barrage `MessageId`s, `StreamNumberId`)
//!   start at 1 again when it next opens.
//! - A user ([`RoomUser`]) has a name (its ID unless set), a role (1 unless set;
//!   [`ADMIN_ROLE`] is counted apart by `DescribeUserNum`), optionally the IP address its
//!   client connects from ([`Login::ip`], which ban rules by IP match) and, while online,
//!   the time it logged in, in Unix milliseconds. Going offline ends the user's streams.
//! - A room's stream list ([`Room::streams`], a [`Stream`] each; what
//!   `DescribeSimpleStreamList` answers) holds the streams its users publish and those
//!   `AddStream` put in. A user online in a room publishes a stream as a client SDK's
//!   `startPublishingStream` does: [`MockServer::publish`]`(room, user, stream_id)`,
//!   [`MockServer::publish_with`] (with a title and extra information), or
//!   `POST /_mock/streams`; [`MockServer::stop_publishing`] stops it. A published stream
//!   is in the list and on the media servers (`DescribeRTCStreamState`); `AddStream`
//!   only lists one, `DeleteStream` only takes one off the list (its publisher goes on),
//!   a forbid (`ForbidRTCStream`) stops one. Stream IDs being published are unique in a
//!   world; a publish is refused ([`PublishError`]) for a user not online, an ID another
//!   publish has or the room lists under another user, a forbidden ID, or a ban rule.
//!   [`MockServer::streams`] (`GET /_mock/streams`) lists every stream the world knows
//!   ([`StreamRecord`]): listed, published, forbidden.
//! - The ban rules ([`MockServer::rules`], `GET /_mock/rules`, a [`BanRule`] each) are
//!   set, listed and deleted by the three ban-rule calls. A rule in effect refuses a
//!   token login ([`LoginError::Banned`]) or a publish ([`PublishError::Banned`]) it
//!   applies to; the fixture's own logins (the builder, `set_online`, `login`,
//!   `POST /_mock/users`) are not checked.
//! - Two switches of each world stand for the vendor's per-app settings:
//!   [`WorldHandle::set_ban_rules`] (on by default; off, the ban-rule calls answer 9) and
//!   [`WorldHandle::set_stream_state_history`] (off by default; on,
//!   `DescribeRTCStreamState` answers 41006 for a stream that stopped), or
//!   `POST /_mock/switches`.
//!
//! # Logging in with a login token
//!
//! [`MockServer::login_with_token`]`(room, user, token)` (and
//! [`WorldHandle::login_with_token`], and `POST /_mock/login`) logs a user in as a client
//! SDK's `loginRoom` does, with a Token04 login token made by the app server (for example
//! with `zego_token::TokenBuilder`). The token must decode with the world's app's
//! ServerSecret, be for that app and that user, not be expired by the mock's wall clock
//! (valid while `now < expire`), and, when it carries a privilege payload, allow login to
//! that room. Then the user is online, the room created if needed. Otherwise nothing
//! changes and the [`LoginError`] names the reason: `undecodable` (also for a payload
//! that is not a privilege document), `wrong app`, `wrong user`, `expired`,
//! `no login privilege for room` (for another room, or login not allowed) or `banned` (a
//! ban rule in effect takes login away from the user, its IP address, the room, or the
//! user in the room).
//!
//! # Callbacks
//!
//! With [`MockServerBuilder::callbacks`]`(url, secret)` (`--callback-url`,
//! `--callback-secret`), the mock sends ZEGO's server callbacks to the app server under
//! test whenever a world changes, as the vendor does (spec callbacks §5–§7):
//!
//! | change | events, in order |
//! |---|---|
//! | a room's first user logs in (builder, `set_online`, `login`, `POST /_mock/users`, a token login) | `room_create` (its `id_name` that user), `room_login` |
//! | another user logs in | `room_login` (`auth_level` 4 for a token login, else 0) |
//! | a user publishes or stops a stream | `stream_create` (with its title and extra information), `stream_close` (`type` 0) |
//! | a user logs out | a `stream_close` (`type` 0) per stream of its, `room_logout` (`reason` 0), and `room_close` (`close_reason` 0) when it was the last |
//! | `KickoutUser` | the same with `type` 3, `reason` 3 and `close_reason` 3 |
//! | `DeleteStream` of a published stream | `stream_close` (`type` 100) |
//! | `ForbidRTCStream(s)` of a published stream | `stream_close` (`type` 0) |
//! | `CloseRoom` | a `stream_close` (`type` 5) per published stream, a `room_logout` (`reason` 3) per user, and `room_close` (`close_reason` 0) only with `RoomCloseCallback=true` |
//!
//! The stream events follow the published streams in a room's list: `AddStream` sends
//! none, nor does `DeleteStream` of a stream it put in.
//!
//! Each event is the core's typed event ([`zego_core::callbacks::TypedEvent`]) written
//! with the vendor's field names and JSON types, as a JSON `POST` (`Content-Type:
//! application/json`) with a fresh `timestamp`, `nonce` and `signature` for every
//! attempt. The identifiers are those a receiver orders by (spec callbacks §6.2): a room
//! lifetime has a new `room_session_id` (= `room_seq`) and a `room_create_time` later
//! than the previous lifetime's; a login its `session_id` and `login_time`, repeated by
//! its logout; a publish its `stream_sid` and `create_time_ms`; `user_update_seq` and
//! `stream_seq` count a lifetime's changes from 1. IDs are above 2⁵³, as the vendor's.
//! [`zego_core::callbacks::Lifecycles`] takes the events of a room in the order sent as
//! each new. The builder's users produce their events too, sent once the server runs.
//!
//! An attempt that is not answered 2xx within [`CALLBACK_TIMEOUT`] (3 s; the answer's
//! body is not read) is retried after 1, 2, 4, 8 and 16 times the retry base
//! ([`MockServerBuilder::callback_retry_base`], `--callback-retry-base-ms`; default
//! [`DEFAULT_CALLBACK_RETRY_BASE`], 2 s, the vendor's 2/4/8/16/32 s), counted from the
//! end of the failed attempt; after the sixth attempt the callback is dropped. Events of
//! one room go one at a time: the next waits until the one before is delivered or
//! dropped; other rooms go on meanwhile. The URL must be plain `http://` (the receiver is
//! the developer's own, on this machine or a tunnel; HTTPS is not supported). The secret
//! is a [`CallbackSecret`]: it signs, and is never printed.
//!
//! [`MockServer::callbacks`] (`GET /_mock/callbacks`) lists every delivery of every
//! world in the order the changes happened, each a [`CallbackDelivery`] with its event
//! name, room, the body of its last attempt, its [`CallbackAttempt`]s (status or error,
//! and start time in Unix ms), whether it was delivered and whether it is still pending.
//! Deliveries still pending when the server stops are not sent.
//!
//! # What it checks, in the gateway's order
//!
//! Every answer is HTTP 200 with the JSON envelope `{"Code", "Message", "RequestId",
//! "Data"}`, except for injected faults (spec §0.2):
//!
//! - `RequestId` is a decimal counter, unique for the life of the server;
//! - `Message` is `"success"` on success (`"ok"` for a media-service call), else the
//!   code's meaning in the call's group;
//! - on success `Data` has exactly the shape the vendor shows for the call (see the
//!   table of calls); on an error the room-signalling calls have no `Data` member and the
//!   media-service calls `"Data": null`. An error before the call is known (`Action`
//!   missing or unknown) has no `Data` either.
//!
//! The query is decoded as `application/x-www-form-urlencoded` (`+` is a space); `UserId[]`
//! and `UserId%5B%5D` are the same key, and a list's key without brackets is another
//! parameter (so the list is missing); a repeated scalar parameter counts by its first
//! value; an empty value counts as missing.
//!
//! | check | code |
//! |---|---|
//! | `Action` missing | 100000006 |
//! | `Action` not one of the calls below | 100000007 |
//! | `AppId` missing, not decimal digits, or over 32 bits | 100000001 |
//! | `AppId` of no app the mock knows | 100000010 |
//! | `Timestamp` missing | 100000002 |
//! | `Timestamp` not an integer | 100000003 |
//! | `Timestamp` more than 10 minutes from the mock's clock, either way | 100000004 |
//! | `SignatureNonce` missing | 100000008 |
//! | `Signature` missing | 100000009 |
//! | `SignatureVersion` missing / not `2.0` | 100000013 / 100000014 |
//! | `Signature` not `md5(AppId + SignatureNonce + ServerSecret + Timestamp)` in lowercase hex, or a nonce that is not 16 lowercase hex characters | 100000005 |
//! | `IsTest` neither `true` nor `false` (any case) | 2 (30004 for a media-service call) |
//! | a [test-only](App::test_only) app without `IsTest=true` | 100000016 |
//! | the ban-rule calls with the world's ban rules switched off ([`WorldHandle::set_ban_rules`]) | 9 |
//! | over the call's budget per AppId and environment | 206 (30002 for a media-service call) |
//! | the call's parameters (see the table of calls) | the call's codes |
//! | over the call's budget per room (`DescribeUserList`, `DescribeSimpleStreamList`) | 207 |
//! | a media-service call's `Sequence` not greater than the last for one of its streams within [`SEQUENCE_WINDOW`] (10 s) | 2, `Message` naming the rule |
//! | the call's effect (a room that must exist, ...) | the call's codes |
//!
//! The environment: an app created as test-only (the vendor's apps from before 2021-11-16,
//! which have no production environment) must send `IsTest=true`. A production app may
//! send `IsTest=true` as well: it is accepted and acts on the app's test-environment world,
//! with the test environment's budgets, as `zego_core::Config::with_is_test` paces it.
//!
//! Each budget is a token bucket per AppId, environment and action (and room, for a
//! per-room budget) whose capacity is the call's budget per second, refilled continuously
//! at that rate. The figures are the core type's
//! ([`Action::BUDGET`](zego_core::Action::BUDGET)), so the mock and the client cannot
//! disagree: `SendCustomCommand` takes 100 at once and 100/s (10 with `IsTest=true`). It
//! starts full: a client pacing evenly at the budget is never throttled, and of a burst of
//! 150 at once about 50 get 206. Requests refused before the budget take nothing from it;
//! requests refused after it (for their parameters, say) do.
//! [`MockServerBuilder::rate_limits`]`(false)` turns all budgets off.
//!
//! # The calls
//!
//! Each call is one handler, registered by its `zego_core::actions` type, whose name,
//! group, budgets and list limits the mock takes, and whose checks are the core's
//! [`Rules`](zego_core::Rules) where they apply, so the mock refuses what the client
//! refuses, with the same code. The five media-service calls are marked (media); the
//! others are of the room-signalling group. Checks run in the order listed.
//!
//! | call | budget per AppId (test) | checks, with their codes | effect | success `Data` |
//! |---|---|---|---|---|
//! | `SendCustomCommand` | 100/s (10/s) | `RoomId`, `FromUserId` missing: 2; an empty `ToUserId[]`: 2; over 10 `ToUserId[]`: 50011; a `ToUserId[]` that is `FromUserId`: 2 (as `SendCustomCommand::validate` refuses it); `MessageContent` missing or empty: 1008, over 1024 bytes: 50012; nobody online in the room: 50001 | to each named target online in the room (once, even if named twice), or with no `ToUserId[]` to everyone online in it; never to `FromUserId`, which need not be in the room | `{"FailUsers": [{"Uid": "u", "Code": 50003}]}`: named targets not online |
//! | `SendBroadcastMessage` | 100/s (10/s) | `RoomId`, `UserId` missing: 2; `MessageCategory` missing or not 1 or 2: 2; `MessageContent` missing or empty: 1008, over 1024 bytes: 50012; nobody online in the room: 50001 | to everyone online in the room but `UserId`, with `UserName`, the category and the `MessageId` | `{"MessageId": 1}`: the room's counter, from 1 in each lifecycle of the room |
//! | `KickoutUser` | 50/s (50/s) | `RoomId` missing: 2; no `UserId[]`, or an empty one: 2; over 5: 50011; `CustomReason` over 256 bytes: 3; nobody online in the room: 50001 | each listed user online in the room goes offline (its streams end); the room closes when the last one goes; other IDs are ignored | none: no `Data` member |
//! | `DescribeUserNum` | 10/s (1/s) | no `RoomId[]`, or an empty one: 2; over 10: 3 | none | `{"UserCountList": [{"RoomId": "r", "UserCount": 2, "AdminUserCount": 0}]}`: one entry per `RoomId[]` in request order, duplicates repeated; users online, administrators among them; 0 and 0 for a room that does not exist |
//! | `SendBarrageMessage` | 100/s (10/s) | as `SendBroadcastMessage` | as `SendBroadcastMessage`, a [`MessageKind::Barrage`]; none dropped | `{"MessageId": "1_1700000000000_1"}`: a string, `1_`, the Unix ms, `_` and the room's barrage counter (from 1 in each lifecycle) |
//! | `DescribeUsers` | 10/s | `RoomId` missing: 2; no `UserId[]`, or an empty one: 2; over 10: 3; nobody online in the room: 50001 | none | `{"UserStatusList": [{"UserId": "u", "Status": 1, "LoginTime": 1700000000000, "UserRole": 1}]}`: one entry per `UserId[]` in request order, duplicates repeated; 0, 0, 0 for a user not online |
//! | `DescribeUserList` | 200/s, and 1/s per room | `RoomId` missing: 2; `Mode` not 0 or 1: 2; `Limit` not 0 to 200: 2; a `Marker` that is not `<digits>-<user>`: 2; per room: 207 | none | `{"Marker": "1700000000000-u2", "UserList": [{"UserId": "u", "UserName": "u", "UserRole": 1}]}`: the users online by login time then ID (`Mode` 1: the reverse), `Limit` of them (0 or absent: 200) after the `Marker`'s position; `Marker` of the last when more follow, else `""`; an empty page for a room that does not exist |
//! | `CloseRoom` | 1/s (1/s) | `RoomId` missing: 2; `CustomReason` over 256 bytes: 3; `RoomCloseCallback` not `true` or `false` (any case): 2; nobody online in the room (a closed room too): 5018 | the room's streams close, its users go offline, the room closes (`closed: true`) | none |
//! | `DescribeSimpleStreamList` | 50/s, and 1 per 10 s per room | `RoomId` missing: 2; per room: 207 | none | `{"StreamList": [{"StreamId": "s", "UserId": "u", "UserName": "u", "CreateTime": 1700000000000, "StreamNumberId": 1}]}`: the room's list in the order streams entered it; empty for a room that does not exist |
//! | `AddStream` | 10/s (1/s) | `RoomId`, `UserId`, `StreamId` missing: 2; `StreamId` over 256 bytes, `StreamTitle` over 127, `ExtraInfo` over 1024: 3; `CensorFlag` not 0 or 1: 2; nobody online in the room: 50001; the stream listed under another `UserId`: 1012 | into the room's list (under the same `UserId`: its title, extra information and censor flag replaced); not published | none |
//! | `DeleteStream` | 10/s (1/s) | as `AddStream` for `RoomId`, `UserId`, `StreamId`; nobody online in the room: 50001; the stream not in the room's list: 138 | off the room's list; a published stream goes on being published | none |
//! | `ForbidRTCStream`, `ResumeRTCStream` (media) | 20/s (5/s) | `StreamId` missing: 2; in the test environment without `zegotest-<AppId>-`: 30009; then (the prefix taken off) empty: 2, over 256 bytes or a character outside the vendor's rules: 30009; `Sequence` missing or not a decimal `u64`: 2, stale: 2 | forbid: the ID recorded (known or not; over [`MAX_FORBIDDEN_STREAMS`]: 42001), a publish of it stops and leaves its list, later publishes refused; resume: the record deleted | `null` |
//! | `ForbidRTCStreams`, `ResumeRTCStreams` (media) | 20/s (5/s) | `StreamId[]`: none, over 20, or an element that is empty, unprefixed in the test environment, over 256 bytes or with a bad character: 30006; `Sequence` as above, stale for any of the streams: 2; nothing applied on a refusal | as the single calls, for each distinct ID (42003 over the bound) | `null` |
//! | `DescribeRTCStreamState` (media) | 40/s (10/s) | as `ForbidRTCStream` | none | being published: 0, `{"create_time": "1700000000", "close_time": ""}` (Unix seconds as text); stopped, with the history switch on: 41006 with both times; stopped without it, or never published (an added stream included): 41004, `"Data": null` |
//! | `SetForbidUserRule` | 10/s | switched off: 9; `RuleType` not 1 to 4: 2; the key's `IP` (1), `RoomId` (2), `UserId` (3), `RoomId` and `UserId` (4) missing: 2; no `DisabledPrivilege[]` or an element not 1 or 2: 2; `EffectiveTime` not 1 to 86400: 2; a new key over its type's rules in effect ([`MAX_IP_RULES`], [`MAX_RULES_PER_TYPE`]): 50123 | the rule set, or replaced (same key), expiring `EffectiveTime` s from now | `{"ExpireTime": 1700001800}` (Unix seconds) |
//! | `DescribeForbidUserRules` | 1/s | switched off: 9; `RuleType` not 1 to 4: 2 | none | `{"RuleList": [{"RuleType": 2, "IP": "", "RoomId": "r", "UserId": "", "DisabledPrivilegeList": [1, 2], "ExpireTime": 1700001800}]}`: the type's rules, expired ones too, in the order last set |
//! | `DelForbidUserRule` | 10/s | switched off: 9; `RuleType` and key as `SetForbidUserRule`; no rule of that key: 50124 | the rule deleted (an expired one too) | none |
//!
//! Byte limits are on the decoded value (UTF-8). IDs have no length limit (spec §0.1:
//! the client SDKs' limits do not bind the server API); the request target as a whole is
//! bounded ([`MAX_URI_BYTES`]).
//!
//! What users receive is in their inboxes ([`MockServer::inbox`]), one [`Delivered`] per
//! receiver, whose [`MessageKind`] says which call sent it.
//!
//! The media service's test environment (spec §0.4): a stream ID sent by a media-service
//! call with `IsTest=true` must start with `zegotest-<AppId>-`, which the mock takes off
//! to find the stream as published (and as the room-signalling calls and
//! `DescribeSimpleStreamList` name it). In production IDs are taken as they are.
//! `Sequence` (spec §0.5): for each stream of a world, the mock remembers the `Sequence`
//! and arrival of the last media-service request accepted for it; a request whose
//! `Sequence` is not greater, within [`SEQUENCE_WINDOW`] of it, is refused with 2 and
//! changes nothing, whichever of the five calls the two are.
//!
//! # Faults
//!
//! [`MockServer::inject`] queues a [`Fault`] for the next N requests (optionally only of
//! one action). A request takes one use of the first pending fault that matches it,
//! before any check; see [`FaultKind`] for what each does. A `Code` fault answers in the
//! envelope of the request's call (no `Data` for room signalling). The `DeliverThen*`
//! kinds check the request normally and, when it succeeds (the message is delivered, the
//! user kicked), answer the given code or drop the connection instead of the success; a
//! request that fails a check gets its normal error code and still uses up the fault.
//!
//! # The request log and the inboxes
//!
//! [`MockServer::requests`] lists every API request answered (or dropped by a fault), in
//! the order answered, with its raw query, the code answered and the fault applied.
//! Control requests are not logged. The log keeps the last [`MAX_LOG_ENTRIES`] requests
//! within [`MAX_LOG_BYTES`] (the text of their queries and fields), and all inboxes
//! together keep the last [`MAX_INBOX_MESSAGES`] messages within [`MAX_INBOX_BYTES`] (the
//! text of each message and of its receiver's ID): the oldest go first, so that no
//! stream of requests makes the mock's memory grow without limit.
//!
//! # The binary and the control API
//!
//! ```text
//! zego-mock [--listen 127.0.0.1:8765] --app-id <N> --server-secret <S> [--test-env]
//!           [--user <ROOM>:<USER>]... [--no-rate-limits] [--tls]
//!           [--callback-url <URL> --callback-secret <S> [--callback-retry-base-ms <N>]]
//! ```
//!
//! It prints exactly one line to stdout, `zego-mock listening on http://127.0.0.1:8765`
//! (the real port when port 0 was asked; `https://` with `--tls`, which serves HTTPS as
//! [`MockServerBuilder::tls`] does), and serves until SIGINT or SIGTERM, then exits
//! with status 0. `--app-id` and `--server-secret` may also come from `ZEGO_APP_ID` and
//! `ZEGO_SERVER_SECRET`. `--user` splits at the first `:` and puts the user online in the
//! app's world (its test environment's, with `--test-env`). `--callback-url` and
//! `--callback-secret` (or `ZEGO_CALLBACK_SECRET`) send the callbacks, retried after 1,
//! 2, 4, 8 and 16 times `--callback-retry-base-ms` (default 2000).
//!
//! The control API answers JSON under `/_mock/` (a path the real service does not use),
//! to programs on this machine only: a request must carry one `Host` header naming a
//! loopback host, `127.0.0.1`, `[::1]` or `localhost` (any port, any case), else HTTP 403,
//! and a `POST` must declare `Content-Type: application/json` (parameters such as
//! `charset` allowed), else HTTP 415, even one without a body (`POST /_mock/reset`). So a
//! web page the developer opens cannot drive it: not through DNS rebinding (its `Host` is
//! the page's), and not by a form or a script without a preflight (neither can send that
//! content type, and the mock grants no preflight). Errors are HTTP 400, 404 or 405 with
//! `{"error": "..."}` (and 403, 408, 409 or 415 where said). The routes about a world take
//! it from `app_id` and `test_env` in the query of a `GET` (`?app_id=5678&test_env=true`)
//! or in the body of a `POST` (`"app_id": 5678, "test_env": true`); without them, the
//! default world, and with `app_id` alone, that app's own environment.
//!
//! | request | body | answer |
//! |---|---|---|
//! | `GET /_mock/inbox/<user>` (percent-encoded) | | `[{"kind": "custom_command", "room_id": "r", "from_user_id": "f", "content": "c"}]`, in delivery order; a broadcast: `{"kind": "broadcast", "room_id", "from_user_id", "from_user_name", "category": 2, "message_id": 1, "content"}`; a barrage the same with `"kind": "barrage"` and a string `"message_id"` |
//! | `GET /_mock/rooms` | | `[{"room_id": "r", "open": true, "closed": false, "users": [{"user_id": "u", "online": true, "user_name": "u", "role": 1, "login_time": 1700000000000}], "streams": [{"stream_id", "user_id", "user_name", "create_time", "stream_number_id": 1, "title", "extra_info", "censor_flag": 0, "added": false}]}]`, by room ID, `streams` being the room's list; closed rooms too, with `"open": false` (and `"closed": true` when `CloseRoom` closed it) |
//! | `GET /_mock/users` | | `[{"room_id": "r", "user_id": "u", "online": true}]` |
//! | `POST /_mock/users` | `{"room_id": "r", "user_id": "u", "online": true}`, optionally with `"user_name"`, `"role"` and `"ip"` | `{"ok": true}` |
//! | `POST /_mock/login` | `{"room_id": "r", "user_id": "u", "token": "04..."}`, optionally with `"user_name"`, `"role"` and `"ip"` (which ban rules by IP match) | `{"ok": true}`; refused: HTTP 403 `{"error": "expired: the token expired at ...", "reason": "expired"}`, the reason being one of `undecodable`, `wrong app`, `wrong user`, `expired`, `no login privilege for room`, `banned` and `error` starting with it and `": "`; HTTP 404 with reason `unknown app` for an app the mock does not have |
//! | `POST /_mock/streams` | `{"room_id": "r", "user_id": "u", "stream_id": "s"}` publishes as a client does, optionally with `"title"` and `"extra_info"` (and `"publishing": true`); `{"room_id": "r", "stream_id": "s", "publishing": false}` stops it | `{"ok": true}`; HTTP 409 `{"error": "..."}` when the user is not online in the room, or another publish has the stream ID or the room lists it under another user; HTTP 403 when the ID is forbidden or a ban rule takes publishing away |
//! | `GET /_mock/streams` | | `[{"room_id": "r", "user_id": "u", "stream_id": "s", "forbidden": false, "listed": true, "publishing": true}]`, by stream ID: every stream in a room's list, published (a stream `DeleteStream` took off its list: `"listed": false`), or forbidden (an ID of no stream: `"room_id": null, "user_id": null`) |
//! | `GET /_mock/rules` | | `[{"rule_type": 2, "ip": "", "room_id": "r", "user_id": "", "disabled_privileges": [1, 2], "expire_time": 1700001800, "expired": false}]`: every ban rule, type by type, each type's in the order last set |
//! | `POST /_mock/switches` | `{"ban_rules": false, "stream_state_history": true}`, each optional | `{"ok": true}`: the world's switches (see the world) |
//! | `GET /_mock/callbacks` | | `[{"event": "room_create", "room_id": "r", "body": "{...}", "attempts": [{"status": 500, "at_ms": 1700000000000, "error": null}, {"status": 200, ...}], "delivered": true, "pending": false}]`, every world's, in the order the changes happened (`status` `null` and `error` set when there was no answer; `body` empty before the first attempt) |
//! | `GET /_mock/faults` | | the pending faults, as posted, `times` being the uses left |
//! | `POST /_mock/faults` | a fault, below | `{"ok": true}` |
//! | `GET /_mock/requests` | `?limit=N&action=A&failed=true`, each optional | `[{"action": "SendCustomCommand", "app_id": "1234", "query": "...", "code": 0, "meaning": "success", "request_id": "7", "at_ms": 1520, "fault": null}]` (`code`, `meaning`, `request_id`: `null` when no envelope was sent; `at_ms`: when the request arrived, in milliseconds since the mock started; `fault`: a fault's `kind` and its fields, or `null`); the last `N` of call `A` not answered 0 |
//! | `GET /_mock/inboxes` | `?limit=N` | `[{"user_id": "u", "at_ms": 1520, "kind": "custom_command", ...}]`: the last `N` messages delivered in the world, to anyone, oldest first |
//! | `GET /_mock/budgets` | | `{"now_ms", "now_unix_ms", "budgets": [{"action", "test_env", "limit": 100, "per_ms": 1000, "requests": [60 counts], "throttled": [60 counts]}]}`: each call's requests per second over the last 60 s against its per-AppId budget |
//! | `GET /_mock/ui` | | the dashboard ([`MockServer::dashboard_url`]): one page that shows the rooms, inboxes, requests, callbacks, ban rules and budgets, live, and acts through this API |
//! | `POST /_mock/reset` | | `{"ok": true}`: inboxes, faults, the request log, budgets and the callback log cleared |
//! | `GET /_mock/ca.pem` | | with `--tls`, the CA's certificate in PEM (`application/x-pem-file`), what a client adds to its roots; without it, HTTP 404 |
//!
//! A fault is `{"kind": K, "times": 1, "action": "SendCustomCommand"}` (`times` defaults to
//! 1, `action` to any), where `K` is one of `"delay"` (with `"delay_ms": 3000`),
//! `"code"` (with `"code": 50013`), `"close_connection"`, `"bad_gateway"`,
//! `"malformed_json"`, `"truncated_body"`, `"deliver_then_code"` (with `"code": 50013`)
//! or `"deliver_then_close"`.
//!
//! # Limits
//!
//! It reads untrusted input and never panics on it: a request target over
//! [`MAX_URI_BYTES`] gets HTTP 414; a request head over [`MAX_HEAD_BYTES`] or with more
//! than [`MAX_HEADERS`] fields gets HTTP 431 and the connection is closed; bytes that are
//! not HTTP get HTTP 400 and a close; a client that does not send a whole head within the
//! header read timeout ([`DEFAULT_HEADER_READ_TIMEOUT`], also the idle limit of a
//! kept-alive connection) is disconnected; at most [`MAX_CONNECTIONS`] connections are
//! served at once ([`MockServerBuilder::max_connections`]; over TLS, a client that does
//! not complete its handshake within the header read timeout is disconnected too);
//! control bodies are read up to 64 KiB, and must arrive within the header read timeout
//! once the head is in (else HTTP 408 and the connection is closed), so that slow bodies
//! cannot hold every connection. The request log and the inboxes are bounded as above, and
//! so is the callback log: its last [`MAX_CALLBACK_ENTRIES`] deliveries within
//! [`MAX_CALLBACK_BYTES`] (the bodies of their last attempts included); at most
//! [`MAX_WAITING_CALLBACKS`] events, of at most [`MAX_WAITING_CALLBACK_BYTES`] together,
//! wait behind an earlier one of their room (one more is logged as not delivered, without
//! an attempt). A world keeps at most [`MAX_FORBIDDEN_STREAMS`] forbidden stream IDs (a
//! forbid that would keep more fails whole, 42001 or 42003), its `Sequence` records only
//! while they bind (older ones are dropped as new ones come), and at most 10,000 ban rules,
//! expired ones purged past that (the rules in effect are far fewer). What a test builds
//! on purpose, through this library or the control API (apps, rooms, users, streams,
//! pending faults), is kept as asked.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod bounded;
mod callbacks;
mod control;
mod dashboard;
mod gateway;
mod handlers;
mod inbox;
mod login;
mod media;
mod request;
mod response;
mod rules;
mod server;
mod state;
mod tls;
mod world;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;
use zego_core::{AppId, ServerSecret};

pub use callbacks::{
    CALLBACK_TIMEOUT, CallbackAttempt, CallbackDelivery, DEFAULT_CALLBACK_RETRY_BASE,
    MAX_CALLBACK_BYTES, MAX_CALLBACK_ENTRIES, MAX_WAITING_CALLBACK_BYTES, MAX_WAITING_CALLBACKS,
};
pub use gateway::TIMESTAMP_WINDOW_SECS;
pub use inbox::{Delivered, MAX_INBOX_BYTES, MAX_INBOX_MESSAGES, MessageKind};
pub use login::LoginError;
pub use media::{MAX_FORBIDDEN_STREAMS, SEQUENCE_WINDOW};
pub use rules::{BanRule, MAX_IP_RULES, MAX_RULES_PER_TYPE};
pub use server::{
    DEFAULT_HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MAX_HEAD_BYTES, MAX_HEADERS, MAX_URI_BYTES,
};
pub use state::{Fault, FaultKind, LoggedRequest, MAX_LOG_BYTES, MAX_LOG_ENTRIES};
pub use world::{
    ADMIN_ROLE, DEFAULT_ROLE, Login, Publication, PublishError, Room, RoomUser, Stream,
    StreamRecord,
};
pub use zego_core::callbacks::CallbackSecret;

use callbacks::{CallbackConfig, Outbox};
use server::Listening;
use state::{AppEntry, Shared, State};
use world::WorldKey;

/// An application the mock accepts requests for.
///
/// ```
/// use zego_core::AppId;
/// use zego_mock::App;
/// let app = App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef").test_only();
/// assert!(app.is_test_only());
/// assert!(!format!("{app:?}").contains("0123456789abcdef"), "the secret is redacted");
/// ```
#[derive(Clone)]
pub struct App {
    app_id: AppId,
    secret: String,
    test_only: bool,
}

impl App {
    /// A production app (it takes requests with or without `IsTest`). The secret is
    /// checked by [`MockServerBuilder::start`] as `zego_core::ServerSecret::new` checks it.
    pub fn new(app_id: AppId, server_secret: impl Into<String>) -> Self {
        App {
            app_id,
            secret: server_secret.into(),
            test_only: false,
        }
    }

    /// Makes it an app with only a test environment: every request must carry
    /// `IsTest=true` (else 100000016), and its budget is the test environment's.
    pub fn test_only(mut self) -> Self {
        self.test_only = true;
        self
    }

    /// Its AppId.
    pub fn app_id(&self) -> AppId {
        self.app_id
    }

    /// Whether it has only a test environment.
    pub fn is_test_only(&self) -> bool {
        self.test_only
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("app_id", &self.app_id)
            .field("secret", &"[redacted]")
            .field("test_only", &self.test_only)
            .finish()
    }
}

/// Configures a [`MockServer`]; made by [`MockServer::builder`].
#[derive(Debug)]
pub struct MockServerBuilder {
    apps: Vec<App>,
    users: Vec<(String, Login, bool)>,
    rate_limits: bool,
    listen: SocketAddr,
    header_read_timeout: Duration,
    max_connections: usize,
    /// The callback URL and secret (its `Debug` is redacted).
    callbacks: Option<(String, CallbackSecret)>,
    callback_retry_base: Duration,
    tls: bool,
}

impl MockServerBuilder {
    /// Adds an app (a later app with the same AppId replaces an earlier one).
    pub fn app(mut self, app: App) -> Self {
        self.apps.push(app);
        self
    }

    /// Puts `user_id` online in `room_id` of the default world (repeatable; rooms are
    /// created as needed). Its name is its ID and its role 1.
    pub fn user(self, room_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        self.login(room_id, Login::new(user_id))
    }

    /// Puts a user online in `room_id` of the default world, with the name and role
    /// `login` gives it.
    pub fn login(mut self, room_id: impl Into<String>, login: Login) -> Self {
        self.users.push((room_id.into(), login, true));
        self
    }

    /// Adds `user_id` to `room_id` of the default world as a known user who is offline.
    pub fn offline_user(mut self, room_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        self.users
            .push((room_id.into(), Login::new(user_id), false));
        self
    }

    /// Whether the per-app budgets answer 206 (default `true`; `false` for benchmarks).
    pub fn rate_limits(mut self, on: bool) -> Self {
        self.rate_limits = on;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`: loopback, any free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// How long a client has to send a request head, how long a kept-alive connection
    /// may stay idle, and how long a control request has to send its body once its head
    /// is in (default [`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How many connections are served at once (default [`MAX_CONNECTIONS`], at least
    /// 1); more wait in the listen backlog until one closes.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sends the vendor's callbacks to `url` (`http://HOST[:PORT]/PATH`; HTTPS is not
    /// supported), signed with `secret`: whenever a world changes, the matching event
    /// (`room_create`, `room_login`, `room_logout`, `stream_create`, `stream_close`,
    /// `room_close`) is POSTed as JSON, retried as the vendor retries, and listed by
    /// [`MockServer::callbacks`]. The users the builder puts online produce theirs too,
    /// sent once the server runs.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use zego_core::AppId;
    /// use zego_mock::{App, CallbackSecret, MockServer};
    /// let mock = MockServer::builder()
    ///     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
    ///     .callbacks("http://127.0.0.1:8080/zego", CallbackSecret::new("callback-secret")?)
    ///     .callback_retry_base(Duration::from_millis(50)) // retries after 50, 100, ... ms
    ///     .start()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn callbacks(mut self, url: impl Into<String>, secret: CallbackSecret) -> Self {
        self.callbacks = Some((url.into(), secret));
        self
    }

    /// The retry base of callbacks (default [`DEFAULT_CALLBACK_RETRY_BASE`], 2 s): an
    /// attempt not answered 2xx within [`CALLBACK_TIMEOUT`] is retried after 1, 2, 4, 8
    /// and 16 times it, then the callback is dropped.
    pub fn callback_retry_base(mut self, base: Duration) -> Self {
        self.callback_retry_base = base;
        self
    }

    /// Serves HTTPS instead of plain HTTP: a CA and a certificate for `127.0.0.1`, `::1`
    /// and `localhost` signed by it are made at start (in memory only, never written),
    /// and a client trusts the CA's certificate ([`MockServer::ca_pem`], also served at
    /// `GET /_mock/ca.pem`) to reach [`MockServer::base_url`], which is then `https://`.
    ///
    /// ```
    /// use zego_core::AppId;
    /// use zego_mock::{App, MockServer};
    /// let mock = MockServer::builder()
    ///     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
    ///     .tls()
    ///     .start()?;
    /// assert!(mock.base_url().starts_with("https://127.0.0.1:"));
    /// assert!(mock.ca_pem().unwrap().starts_with("-----BEGIN CERTIFICATE-----"));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Binds the address and starts serving on a thread of its own, with a tokio runtime
    /// of its own that is made, run and dropped on that thread: it may be called from
    /// inside a runtime (`#[tokio::test]`), and fails there as anywhere, with an error.
    ///
    /// Fails when an app's secret is not a valid `ServerSecret` or the callback URL is
    /// not a plain `http://` URL (`InvalidInput`), when the address cannot be bound, or
    /// when the certificates, the thread or the runtime cannot be made.
    pub fn start(self) -> io::Result<MockServer> {
        self.start_with(|| Ok(()))
    }

    /// [`start`](Self::start), with `late` run once the server's runtime and listener
    /// are made: a failure there is a test's late failure.
    fn start_with(
        self,
        late: impl FnOnce() -> io::Result<()> + Send + 'static,
    ) -> io::Result<MockServer> {
        let mut state = State::new(self.rate_limits);
        let callbacks = match self.callbacks {
            Some((url, secret)) => {
                let url = callbacks::parse_url(&url)
                    .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
                let (outbox, queue) = Outbox::new();
                state.outbox = Some(outbox);
                let config = CallbackConfig {
                    url,
                    secret,
                    retry_base: self.callback_retry_base,
                };
                Some((Arc::new(config), queue))
            }
            None => None,
        };
        if let Some(first) = self.apps.first() {
            state.default_world = WorldKey {
                app_id: first.app_id.get(),
                test_env: first.test_only,
            };
        }
        for app in self.apps {
            let secret = ServerSecret::new(app.secret).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("app {}: {e}", app.app_id),
                )
            })?;
            state.apps.insert(
                app.app_id.get(),
                AppEntry {
                    secret,
                    test_only: app.test_only,
                },
            );
        }
        for (room, login, online) in &self.users {
            state.put(state.default_world, room, login, *online);
        }
        let shared = Arc::new(Shared::new(
            state,
            self.header_read_timeout,
            self.max_connections,
        ));
        let tls = if self.tls {
            Some(tls::Tls::generate().map_err(io::Error::other)?)
        } else {
            None
        };
        let listening = Arc::new(Listening {
            tls,
            accepted: AtomicU64::new(0),
        });

        let listener = TcpListener::bind(self.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(false);
        let (served, listened) = (shared.clone(), listening.clone());
        let (ready, started) = std::sync::mpsc::sync_channel(1);
        // The runtime is made, run and dropped on the server's thread only: the caller may
        // be inside a runtime of its own (`#[tokio::test]`), where dropping one panics. A
        // failure on the way is sent back as the start's error.
        let thread = std::thread::Builder::new()
            .name(format!("zego-mock {addr}"))
            .spawn(move || {
                let made = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .and_then(|runtime| {
                        let listener = {
                            let _context = runtime.enter();
                            tokio::net::TcpListener::from_std(listener)?
                        };
                        late()?;
                        Ok((runtime, listener))
                    });
                let (runtime, listener) = match made {
                    Ok(made) => {
                        let _ = ready.send(Ok(()));
                        made
                    }
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                runtime.block_on(async move {
                    if let Some((config, queue)) = callbacks {
                        tokio::spawn(callbacks::dispatch(served.clone(), config, queue));
                    }
                    server::serve(listener, served, listened, stopped).await;
                });
                // Dropping the runtime here ends every connection still open, and the
                // callbacks still pending.
            })?;
        let outcome = started.recv().unwrap_or_else(|_| {
            Err(io::Error::other(
                "the server's thread ended before it started serving",
            ))
        });
        if let Err(error) = outcome {
            let _ = thread.join();
            return Err(error);
        }
        Ok(MockServer {
            addr,
            shared,
            listening,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running mock server. Dropping it stops the server.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    listening: Arc<Listening>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("tls", &self.listening.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// A builder with no apps, no rooms, rate limits on, listening on `127.0.0.1:0`.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            apps: Vec::new(),
            users: Vec::new(),
            rate_limits: true,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
            callbacks: None,
            callback_retry_base: DEFAULT_CALLBACK_RETRY_BASE,
            tls: false,
        }
    }

    /// The base URL, such as `http://127.0.0.1:40123` (no trailing slash), or
    /// `https://127.0.0.1:40123` when it serves HTTPS ([`MockServerBuilder::tls`]).
    pub fn base_url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The address of its dashboard (`GET /_mock/ui`), the page that shows what it did,
    /// live: `http://127.0.0.1:PORT/_mock/ui`. A loopback host even when it listens on
    /// every interface, as the control API answers only those.
    pub fn dashboard_url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("{scheme}://{addr}/_mock/ui")
    }

    /// Whether it serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.listening.tls.is_some()
    }

    /// The certificate of the CA that signed its certificate, in PEM, when it serves
    /// HTTPS: what a client adds to its roots (`.add_root_certificate(pem)` on the
    /// builder of `zego-hyper` and `zego-ureq`). Also served at `GET /_mock/ca.pem`.
    pub fn ca_pem(&self) -> Option<&str> {
        self.listening.tls.as_ref().map(|tls| tls.ca_pem.as_str())
    }

    /// How many connections it has accepted since it started (over TLS: before the
    /// handshake), API and control alike; not cleared by [`reset`](Self::reset). A
    /// client that keeps its connection alive makes one for many requests.
    pub fn connections(&self) -> u64 {
        self.listening.accepted.load(Ordering::Relaxed)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The world of `app_id` in the production or (`test_env`) the test environment:
    /// its rooms, users and inboxes, apart from every other world's.
    pub fn world(&self, app_id: AppId, test_env: bool) -> WorldHandle {
        WorldHandle {
            shared: self.shared.clone(),
            key: WorldKey {
                app_id: app_id.get(),
                test_env,
            },
        }
    }

    /// The default world: that of the first app added, in its own environment (the
    /// test environment for a [test-only](App::test_only) app, else production).
    pub fn default_world(&self) -> WorldHandle {
        let key = self.shared.lock().default_world;
        WorldHandle {
            shared: self.shared.clone(),
            key,
        }
    }

    /// The messages delivered to `user_id` in the default world, in all its rooms, in
    /// delivery order.
    pub fn inbox(&self, user_id: &str) -> Vec<Delivered> {
        self.default_world().inbox(user_id)
    }

    /// Puts a user online or offline in a room of the default world, creating the room
    /// and user if needed.
    pub fn set_online(&self, room_id: &str, user_id: &str, online: bool) {
        self.default_world().set_online(room_id, user_id, online);
    }

    /// Puts a user online in a room of the default world, with the name and role
    /// `login` gives it.
    pub fn login(&self, room_id: &str, login: Login) {
        self.default_world().login(room_id, login);
    }

    /// Logs a user into a room of the default world with a login token, as a client SDK
    /// does; see [`WorldHandle::login_with_token`].
    pub fn login_with_token(
        &self,
        room_id: &str,
        user_id: &str,
        token: &str,
    ) -> Result<(), LoginError> {
        self.default_world()
            .login_with_token(room_id, Login::new(user_id), token)
    }

    /// A user online in a room of the default world starts publishing a stream; see
    /// [`WorldHandle::publish`].
    pub fn publish(
        &self,
        room_id: &str,
        user_id: &str,
        stream_id: &str,
    ) -> Result<(), PublishError> {
        self.default_world().publish(room_id, user_id, stream_id)
    }

    /// A user online in a room of the default world starts publishing a stream with a
    /// title or extra information; see [`WorldHandle::publish_with`].
    pub fn publish_with(
        &self,
        room_id: &str,
        publication: &Publication,
    ) -> Result<(), PublishError> {
        self.default_world().publish_with(room_id, publication)
    }

    /// A stream of a room of the default world stops; see
    /// [`WorldHandle::stop_publishing`].
    pub fn stop_publishing(&self, room_id: &str, stream_id: &str) -> bool {
        self.default_world().stop_publishing(room_id, stream_id)
    }

    /// The rooms of the default world, open or closed, by room ID.
    pub fn rooms(&self) -> Vec<Room> {
        self.default_world().rooms()
    }

    /// The streams the default world knows; see [`WorldHandle::streams`].
    pub fn streams(&self) -> Vec<StreamRecord> {
        self.default_world().streams()
    }

    /// The ban rules of the default world; see [`WorldHandle::rules`].
    pub fn rules(&self) -> Vec<BanRule> {
        self.default_world().rules()
    }

    /// Every callback sent or being sent, of every world, in the order the changes
    /// happened (the last [`MAX_CALLBACK_ENTRIES`], within [`MAX_CALLBACK_BYTES`]); empty
    /// without [`MockServerBuilder::callbacks`].
    pub fn callbacks(&self) -> Vec<CallbackDelivery> {
        self.shared.lock().callbacks()
    }

    /// Queues a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().inject(fault);
    }

    /// The faults still pending, each with the uses it has left.
    pub fn faults(&self) -> Vec<Fault> {
        self.shared.lock().faults.iter().cloned().collect()
    }

    /// Every API request answered (or dropped by a fault), in the order answered (the
    /// last [`MAX_LOG_ENTRIES`], within [`MAX_LOG_BYTES`]).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// Clears inboxes, pending faults, the request log, the rate budgets and the callback
    /// log; keeps apps and their worlds (rooms, users, streams, forbidden IDs, `Sequence`
    /// records, ban rules, switches), and `RequestId`s stay unique. Callbacks still
    /// pending are still sent, but no longer listed.
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Stops the server and waits for its thread; open connections are closed.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// One world of a [`MockServer`]: the rooms, users and inboxes of one AppId in one
/// environment. Made by [`MockServer::world`] and [`MockServer::default_world`].
///
/// ```
/// use zego_core::AppId;
/// use zego_mock::{App, MockServer};
/// let mock = MockServer::builder()
///     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
///     .user("room-1", "alice")
///     .start()?;
/// // The same app's test environment (`IsTest=true`) is another world.
/// let test = mock.world(AppId::new(1234), true);
/// assert!(test.rooms().is_empty());
/// test.set_online("room-1", "bob", true);
/// assert_eq!(test.rooms()[0].users[0].user_id, "bob");
/// assert_eq!(mock.rooms()[0].users[0].user_id, "alice");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone)]
pub struct WorldHandle {
    shared: Arc<Shared>,
    key: WorldKey,
}

impl fmt::Debug for WorldHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorldHandle")
            .field("app_id", &self.key.app_id)
            .field("test_env", &self.key.test_env)
            .finish_non_exhaustive()
    }
}

impl WorldHandle {
    /// Its AppId.
    pub fn app_id(&self) -> AppId {
        AppId::new(self.key.app_id)
    }

    /// Whether it is the test environment's world.
    pub fn is_test_env(&self) -> bool {
        self.key.test_env
    }

    /// The messages delivered to `user_id`, in all rooms, in delivery order.
    pub fn inbox(&self, user_id: &str) -> Vec<Delivered> {
        self.shared.lock().inbox(self.key, user_id)
    }

    /// Puts a user online or offline in a room, creating the room and user if needed.
    /// Going offline ends the user's streams, and closes the room when it was the last
    /// user online.
    pub fn set_online(&self, room_id: &str, user_id: &str, online: bool) {
        self.shared
            .lock()
            .put(self.key, room_id, &Login::new(user_id), online);
    }

    /// Puts a user online in a room, with the name and role `login` gives it.
    pub fn login(&self, room_id: &str, login: Login) {
        self.shared.lock().put(self.key, room_id, &login, true);
    }

    /// Logs `login`'s user into a room with a login token (Token04), as a client SDK's
    /// `loginRoom` does: the token must decode with this world's app's ServerSecret, be
    /// for that app and user, not be expired by the mock's wall clock, and, when it
    /// carries a privilege payload, allow login to `room_id`. Then the user is online
    /// (the room is created if needed; a user already online stays logged in as it
    /// was), with the name and role `login` gives it. On a refusal nothing changes.
    pub fn login_with_token(
        &self,
        room_id: &str,
        login: Login,
        token: &str,
    ) -> Result<(), LoginError> {
        self.shared
            .lock()
            .login_with_token(self.key, room_id, login, token, SystemTime::now())
    }

    /// `user_id`, online in `room_id`, starts publishing `stream_id` (as a client SDK's
    /// `startPublishingStream`), without a title or extra information; see
    /// [`publish_with`](Self::publish_with).
    pub fn publish(
        &self,
        room_id: &str,
        user_id: &str,
        stream_id: &str,
    ) -> Result<(), PublishError> {
        self.publish_with(room_id, &Publication::new(user_id, stream_id))
    }

    /// `publication`'s user, online in `room_id`, starts publishing its stream (as a
    /// client SDK's `startPublishingStream`): the stream is in the room's list
    /// ([`rooms`](Self::rooms), `DescribeSimpleStreamList`) and published on the media
    /// servers (`DescribeRTCStreamState`) until it stops, its user leaves, the room
    /// closes or it is forbidden. Refused ([`PublishError`]) when the user is not online
    /// in the room, another publish has the stream ID (they are unique in a world) or
    /// the room lists it under another user, the ID is forbidden, or a ban rule in
    /// effect takes publishing away from the user. The same publish again changes
    /// nothing.
    pub fn publish_with(
        &self,
        room_id: &str,
        publication: &Publication,
    ) -> Result<(), PublishError> {
        self.shared.lock().publish(self.key, room_id, publication)
    }

    /// The stream `stream_id` of `room_id` stops normally: it ends on the media servers
    /// and leaves the room's list. Returns whether it was being published there.
    pub fn stop_publishing(&self, room_id: &str, stream_id: &str) -> bool {
        self.shared
            .lock()
            .stop_publishing(self.key, room_id, stream_id)
    }

    /// Its rooms, open or closed, by room ID.
    pub fn rooms(&self) -> Vec<Room> {
        self.shared.lock().rooms(self.key)
    }

    /// Every stream it knows, by stream ID: those in a room's list (published, or put
    /// in by `AddStream`), those published on the media servers (a stream
    /// `DeleteStream` took off its room's list goes on being published), and the
    /// forbidden stream IDs (perhaps of no stream yet).
    pub fn streams(&self) -> Vec<StreamRecord> {
        self.shared.lock().streams(self.key)
    }

    /// Its ban rules (spec §17), of every type, expired ones included (until deleted),
    /// type by type, each type's in the order they were last set.
    pub fn rules(&self) -> Vec<BanRule> {
        self.shared.lock().rules(self.key)
    }

    /// Turns the ban-rule feature on (the default) or off: off, `SetForbidUserRule`,
    /// `DescribeForbidUserRules` and `DelForbidUserRule` answer 9 (the vendor enables
    /// the feature on request). The rules stay, and still apply.
    pub fn set_ban_rules(&self, enabled: bool) {
        self.shared.lock().world(self.key).rules.enabled = enabled;
    }

    /// Gives the app the "query stream-state history" permission, or takes it away
    /// (the default): with it, `DescribeRTCStreamState` answers 41006 with both times
    /// for a stream that stopped; without it, 41004.
    pub fn set_stream_state_history(&self, on: bool) {
        self.shared.lock().world(self.key).media.history = on;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing_late() -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::AddrInUse, "late failure"))
    }

    fn builder() -> MockServerBuilder {
        MockServer::builder()
            .app(App::new(AppId::new(1), "0123456789abcdef0123456789abcdef"))
            .user("room-1", "alice")
    }

    /// What a caller's runtime sees of a start that fails once the server's runtime is
    /// made: an error, not a panic (dropping a runtime inside another one panics).
    async fn fails_late_inside_a_runtime() {
        let error = builder().start_with(failing_late).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
        assert_eq!(error.to_string(), "late failure");
        // Nothing is left running, and the next start works.
        let mock = builder().start().unwrap();
        assert_eq!(mock.rooms()[0].users[0].user_id, "alice");
        // The failures a caller can cause: an address in use, a bad callback URL.
        let taken = builder().listen(mock.addr()).start().unwrap_err();
        assert_eq!(taken.kind(), io::ErrorKind::AddrInUse);
        let secret = CallbackSecret::new("callback-secret").unwrap();
        let https = builder().callbacks("https://127.0.0.1:1/", secret).start();
        assert_eq!(https.unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    #[tokio::test]
    async fn a_late_failure_is_an_error_inside_a_current_thread_runtime() {
        fails_late_inside_a_runtime().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_late_failure_is_an_error_inside_a_multi_thread_runtime() {
        fails_late_inside_a_runtime().await;
    }

    #[test]
    fn a_late_failure_is_an_error_outside_a_runtime() {
        let error = builder().start_with(failing_late).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AddrInUse);
    }
}
