//! Shared helpers for the integration tests: reading attributes and events
//! off captured spans.

use trace_runtime::otel::trace::Event;
use trace_runtime::otel::{Key, Value};
use trace_runtime::otel_sdk::trace::SpanData;

/// The value of attribute `key` on `span`.
pub fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

/// The value of attribute `key` on `event`.
pub fn event_attr<'a>(event: &'a Event, key: &str) -> Option<&'a Value> {
    event
        .attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

/// The events of `span` called `name`.
pub fn events_named<'a>(span: &'a SpanData, name: &str) -> Vec<&'a Event> {
    span.events.iter().filter(|e| e.name == name).collect()
}

/// The string form of a value (strings without quotes).
pub fn text(value: Option<&Value>) -> String {
    value.map(Value::to_string).unwrap_or_default()
}

/// Pending on its first poll (waking its task), ready on the next: an
/// `.await` that gives the thread back once, so a traced future is polled
/// twice. `YieldOnce(false).await`.
#[derive(Debug)]
pub struct YieldOnce(pub bool);

impl std::future::Future for YieldOnce {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            std::task::Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// An OTLP collector that accepts connections on 127.0.0.1 and never
/// answers, until dropped: every export to it waits for its timeout.
#[derive(Debug)]
pub struct SilentCollector {
    /// Its `http://` endpoint.
    pub url: String,
    accepted: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SilentCollector {
    /// Starts listening on a free port.
    pub fn start() -> SilentCollector {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let thread = {
            let stop = Arc::clone(&stop);
            let accepted = Arc::clone(&accepted);
            std::thread::spawn(move || {
                let mut held = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::Relaxed);
                            held.push(stream);
                        }
                        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                            std::thread::sleep(std::time::Duration::from_millis(10));
                        }
                        Err(error) => panic!("accept: {error}"),
                    }
                }
            })
        };
        SilentCollector {
            url,
            accepted,
            stop,
            thread: Some(thread),
        }
    }

    /// The connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.accepted.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for SilentCollector {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join(); // closes the connections it held
        }
    }
}
