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

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use opentelemetry_sdk::trace::SpanData;

use crate::collector;
use crate::local::{self, Current, gate, state};
use crate::record::{Decider, Sampler, Scope, Sink};

mod exporter;
mod span_ext;
mod spans;

pub use exporter::InMemoryExporter;
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
/// ```
/// use trace_runtime::{testing, traced};
/// #[traced]
/// async fn work() -> u8 { 7 }
/// let (out, spans) = futures_executor::block_on(testing::capture_future(work()));
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

/// How many spans are open on this thread right now: 0 after any
/// instrumented code has returned, whatever happened inside it.
///
/// ```
/// assert_eq!(trace_runtime::testing::open_spans(), 0);
/// ```
pub fn open_spans() -> usize {
    state::with_local(|local| local.stack.len()).unwrap_or(0)
}

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

    fn run<R>(self, f: impl FnOnce() -> R) -> (R, Spans) {
        let entered = state::enter(self.context());
        let value = f();
        drop(entered);
        (value, self.finish())
    }

    fn finish(self) -> Spans {
        local::hand_off_this_thread();
        let scope = collector::instrumentation_scope();
        let mut spans: Vec<SpanData> = self
            .sink
            .take()
            .into_iter()
            .map(|record| collector::to_span_data(record, scope, &mut Vec::new()))
            .collect();
        spans.sort_by_key(|s| s.start_time);
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
