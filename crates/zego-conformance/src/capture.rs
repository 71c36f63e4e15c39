//! The tracing every transport emits: spans per call and per attempt, events with the
//! code and the RequestId, and never the secret, the signature, the nonce or the URL.

use zego_core::ReturnCode;
use zego_core::actions::SendCustomCommand;
use zego_mock::{Fault, FaultKind};

use crate::{TestClient, assert_clean, param, spec, start_mock};

/// A subscriber that writes every span and event, with its fields, as a line of text
/// tagged with the thread it happened on. It is installed as the global default (before
/// any test sends anything, by [`start_mock`]) because tracing caches per call site
/// whether anyone listens: a subscriber set for one thread only can miss events while
/// other tests run at the same time.
#[derive(Clone, Default)]
pub struct Capture {
    lines: std::sync::Arc<std::sync::Mutex<Vec<(std::thread::ThreadId, String)>>>,
    next_id: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// The global [`Capture`].
pub fn capture() -> &'static Capture {
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        tracing::subscriber::set_global_default(capture.clone())
            .expect("no other global subscriber");
        capture
    })
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!(" {}={}", field.name(), value));
    }
}

impl Capture {
    /// A mark to read this thread's lines from.
    pub fn mark(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// The lines written on this thread since `mark`.
    pub fn lines_since(&self, mark: usize) -> Vec<String> {
        let me = std::thread::current().id();
        self.lines.lock().unwrap()[mark..]
            .iter()
            .filter(|(thread, _)| *thread == me)
            .map(|(_, line)| line.clone())
            .collect()
    }

    fn push(&self, line: String) {
        let me = std::thread::current().id();
        self.lines.lock().unwrap().push((me, line));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.push(line);
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::span::Id::from_u64(id + 1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = "record".to_owned();
        values.record(&mut Fields(&mut line));
        self.push(line);
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("event {}", event.metadata().level());
        event.record(&mut Fields(&mut line));
        self.push(line);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// Spans per call and per attempt; events with the code and the RequestId; never the
/// secret, the signature, the nonce or the URL.
pub fn tracing_spans_and_events<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    mock.inject(Fault::new(FaultKind::Code(
        ReturnCode::CUSTOM_MESSAGE_SEND_FAILED,
    )));
    let mark = capture().mark();
    let reply = client
        .call(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice"],
            "traced",
        ))
        .expect("sent");
    assert_eq!(reply.attempts, 2);
    let lines = capture().lines_since(mark);
    let text = lines.join("\n");
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(has("span zego.call action=SendCustomCommand"), "{text}");
    assert!(has("span zego.attempt attempt=1"), "{text}");
    assert!(has("span zego.attempt attempt=2"), "{text}");
    let log = mock.requests();
    let failed_id = log[0].request_id.clone().expect("an envelope");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("code=50013") && l.contains(&format!("request_id={failed_id}"))),
        "{text}"
    );
    assert!(
        lines.iter().any(
            |l| l.contains("code=0") && l.contains(&format!("request_id={}", reply.request_id))
        ),
        "{text}"
    );
    assert_clean(&text, &mock.base_url());
    for request in &log {
        for key in ["SignatureNonce", "Signature"] {
            let value = param(request, key);
            assert!(!value.is_empty());
            assert!(!text.contains(value), "{key} leaked into the log: {text}");
        }
    }
}
