//! Capturing spans in tests (feature `testing`).
//!
//! [`capture`] runs a closure under a fresh, private context and returns the
//! spans recorded inside it as OpenTelemetry [`SpanData`], in a [`Spans`]
//! collection with helpers to walk the tree. A capture needs no installed
//! pipeline and sees nothing from other captures: its spans carry the
//! capture's sink in their scope, which travels with the context (to
//! threads and tasks only through the propagation handle), so `cargo test`
//! can run capturing tests in parallel.
//!
//! ```
//! use trace_runtime::{testing, traced};
//!
//! #[traced]
//! fn child() {}
//!
//! #[traced]
//! fn parent() { child(); }
//!
//! let spans = testing::capture(|| parent());
//! let parent = spans.named("parent");
//! assert_eq!(spans.children_of(parent)[0].name, "child");
//! ```
//!
//! To read one span, import [`SpanDataExt`] (and [`EventExt`] for events):
//! typed attributes by key (`span.attr_i64("db.rows")`, `None` for a missing
//! key or another type), `is_error()`, `error_description()`,
//! `event("exception")`. They extend OpenTelemetry's own `SpanData` and
//! `Event` rather than wrap them, so they work the same on spans from a
//! capture, from [`InMemoryExporter`] or from anywhere else, and every field
//! of `SpanData` stays at hand.
//!
//! # What a capture contains
//!
//! A span belongs to a capture when it starts under the capture's context:
//! inside the closure (or the future), or on a thread or task that was
//! handed that context ([`propagate_context`](crate::propagate_context),
//! [`thread::spawn`](crate::thread::spawn), `trace_runtime::tokio::spawn`).
//! What [`capture`] returns is the part of those spans that had *ended and
//! been handed off* when the closure returned; a thread hands off its ended
//! spans when it has no span open any more, so a joined thread's spans are
//! always in. A span that is still open when the closure returns, typically
//! on a background thread or task that outlives it, is not in the result,
//! and neither is anything started there later: once a capture has
//! returned, spans started under its context are no longer recorded unless
//! something else (another capture, a pipeline) keeps recording on.
//!
//! To see such late spans, use [`capture_live`] (or [`capture_future_live`]):
//! the [`LiveCapture`] it returns keeps recording under the capture's
//! context and waits for late spans with
//! [`wait_for`](LiveCapture::wait_for) (a span count) or
//! [`wait_until`](LiveCapture::wait_until) (a condition). Every wait takes a
//! timeout and, when it runs out, returns what it has in a [`TimedOut`]
//! instead of hanging.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use opentelemetry_sdk::trace::SpanData;

use crate::collector;
use crate::local::{self, Current, gate, state};
use crate::record::{Decider, Sampler, Scope, Sink};

mod exporter;
mod live;
mod span_ext;
mod spans;

pub use exporter::InMemoryExporter;
pub use live::{LiveCapture, TimedOut};
pub use span_ext::{EventExt, SpanDataExt};
pub use spans::Spans;

/// Runs `f` and returns the spans it recorded, with every trace sampled.
pub fn capture<R>(f: impl FnOnce() -> R) -> Spans {
    capture_value(f).1
}

/// Runs `f` and returns its result and the spans it recorded.
///
/// ```
/// let (answer, spans) = trace_runtime::testing::capture_value(|| 42);
/// assert_eq!(answer, 42);
/// assert!(spans.is_empty());
/// ```
pub fn capture_value<R>(f: impl FnOnce() -> R) -> (R, Spans) {
    Capture::new(Decider::ALWAYS_ON).run(f)
}

/// Like [`capture`], with the sampler that decides new roots inside.
///
/// ```
/// use trace_runtime::{testing, traced, Sampler};
/// #[traced]
/// fn work() {}
/// assert!(testing::capture_sampled(Sampler::AlwaysOff, work).is_empty());
/// ```
pub fn capture_sampled<R>(sampler: Sampler, f: impl FnOnce() -> R) -> Spans {
    Capture::new(Decider::from_sampler(&sampler)).run(f).1
}

/// Polls `future` to completion under a capture; returns its output and the
/// spans it recorded.
///
/// A traced `async fn` opens its span when it is called, so call it inside
/// the captured future: `capture_future(work())` calls `work` before the
/// capture starts, and its own span is not captured (the spans it starts
/// while polled are).
///
/// ```
/// use trace_runtime::{testing, traced};
/// #[traced]
/// async fn work() -> u8 { 7 }
/// let (out, spans) = futures_executor::block_on(testing::capture_future(async { work().await }));
/// assert_eq!((out, spans.len()), (7, 1));
/// ```
pub async fn capture_future<F: Future>(future: F) -> (F::Output, Spans) {
    let capture = Capture::new(Decider::ALWAYS_ON);
    let output = InScope {
        inner: std::pin::pin!(future),
        context: capture.context(),
    }
    .await;
    (output, capture.finish())
}

/// Runs `f` under a capture and returns its result and a [`LiveCapture`]
/// that keeps recording under the capture's context, to wait for spans that
/// end after `f` returned: on a thread or task `f` started and handed the
/// context.
///
/// ```
/// use std::time::Duration;
/// use trace_runtime::{testing, traced};
///
/// #[traced]
/// fn background() { std::thread::sleep(Duration::from_millis(20)); }
///
/// let (worker, mut live) = testing::capture_live(|| trace_runtime::thread::spawn(background));
/// let spans = live.wait_for(1, Duration::from_secs(10)).unwrap();
/// assert_eq!(spans.names(), ["background"]);
/// worker.join().unwrap();
/// ```
pub fn capture_live<R>(f: impl FnOnce() -> R) -> (R, LiveCapture) {
    let capture = Capture::new(Decider::ALWAYS_ON);
    let value = capture.run_in(f);
    (value, LiveCapture::new(capture))
}

/// [`capture_live`] for a future: polls `future` to completion under a
/// capture and returns its output and a [`LiveCapture`] for the spans that
/// end later, such as those of a task it spawned.
///
/// The waits of [`LiveCapture`] block the calling thread: on an async
/// runtime, the tasks waited for must be able to run meanwhile (a
/// multi-threaded runtime, or a thread of their own).
///
/// ```
/// use std::time::Duration;
/// use trace_runtime::{testing, traced};
///
/// #[traced]
/// fn background() {}
///
/// #[traced]
/// async fn start() -> std::thread::JoinHandle<()> {
///     trace_runtime::thread::spawn(background)
/// }
///
/// // Called inside the captured future: a traced `async fn` opens its span at the call.
/// let (worker, mut live) =
///     futures_executor::block_on(testing::capture_future_live(async { start().await }));
/// worker.join().unwrap();
/// let spans = live.wait_for(2, Duration::from_secs(10)).unwrap();
/// spans.assert_parent(spans.named("background"), spans.named("start"));
/// ```
pub async fn capture_future_live<F: Future>(future: F) -> (F::Output, LiveCapture) {
    let capture = Capture::new(Decider::ALWAYS_ON);
    let output = InScope {
        inner: std::pin::pin!(future),
        context: capture.context(),
    }
    .await;
    (output, LiveCapture::new(capture))
}

/// How many spans are open on this thread right now: 0 after any
/// instrumented code has returned, whatever happened inside it.
///
/// ```
/// assert_eq!(trace_runtime::testing::open_spans(), 0);
/// ```
pub fn open_spans() -> usize {
    state::with_local(|local| local.stack.len()).unwrap_or(0)
}

/// A running capture: its sink and the scope that carries the sink to the
/// spans started under it. The gate stays open while it lives, so those
/// spans are recorded.
#[derive(Debug)]
struct Capture {
    sink: Arc<Sink>,
    scope: Arc<Scope>,
}

impl Capture {
    fn new(sampler: Decider) -> Capture {
        let sink = Arc::new(Sink::default());
        let scope = Arc::new(Scope {
            sink: Some(Arc::clone(&sink)),
            sampler: Some(sampler),
            ..Scope::default()
        });
        gate::open();
        Capture { sink, scope }
    }

    fn context(&self) -> Current {
        Current {
            span: None,
            scope: Some(Arc::clone(&self.scope)),
        }
    }

    /// Runs `f` with the capture's context entered.
    fn run_in<R>(&self, f: impl FnOnce() -> R) -> R {
        let entered = state::enter(self.context());
        let value = f();
        drop(entered);
        value
    }

    fn run<R>(self, f: impl FnOnce() -> R) -> (R, Spans) {
        let value = self.run_in(f);
        (value, self.finish())
    }

    /// Moves the spans delivered since the last call into `spans`, keeping
    /// them ordered by start time. Whatever this thread ended is handed off
    /// first, so it is part of them.
    fn drain_into(&self, spans: &mut Vec<SpanData>) {
        local::hand_off_this_thread();
        let records = self.sink.take();
        if records.is_empty() {
            return;
        }
        let scope = collector::instrumentation_scope();
        spans.extend(
            records
                .into_iter()
                .map(|record| collector::to_span_data(record, scope, &mut Vec::new())),
        );
        spans.sort_by_key(|s| s.start_time);
    }

    fn finish(self) -> Spans {
        let mut spans = Vec::new();
        self.drain_into(&mut spans);
        Spans(spans)
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        gate::close();
    }
}

/// Polls a future with a context entered.
struct InScope<'a, F: Future> {
    inner: Pin<&'a mut F>,
    context: Current,
}

impl<F: Future> Future for InScope<'_, F> {
    type Output = F::Output;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _entered = state::enter(self.context.clone());
        self.inner.as_mut().poll(cx)
    }
}
