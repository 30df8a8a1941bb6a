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
use std::ops::Deref;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use opentelemetry::trace::SpanId;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::collector;
use crate::local::{self, Current, gate, state};
use crate::lock::lock;
use crate::record::{Decider, Sampler, Scope, Sink};

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

/// The spans a capture recorded, ordered by start time.
///
/// Dereferences to `[SpanData]`; the lookup helpers panic with a message
/// listing what was recorded, which is what a failing test should print.
#[derive(Clone, Debug, Default)]
pub struct Spans(Vec<SpanData>);

impl Deref for Spans {
    type Target = [SpanData];
    fn deref(&self) -> &[SpanData] {
        &self.0
    }
}

impl IntoIterator for Spans {
    type Item = SpanData;
    type IntoIter = std::vec::IntoIter<SpanData>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Spans {
    /// The one span called `name`.
    ///
    /// # Panics
    /// When there is no such span or more than one.
    pub fn named(&self, name: &str) -> &SpanData {
        let found = self.all_named(name);
        assert!(
            found.len() == 1,
            "expected exactly one span named {name:?}, found {}; recorded: {:?}",
            found.len(),
            self.names()
        );
        found[0]
    }

    /// Every span called `name`, by start time.
    pub fn all_named(&self, name: &str) -> Vec<&SpanData> {
        self.0.iter().filter(|s| s.name == name).collect()
    }

    /// The names of all spans, by start time.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|s| s.name.as_ref()).collect()
    }

    /// The spans whose parent is `parent`, by start time.
    pub fn children_of(&self, parent: &SpanData) -> Vec<&SpanData> {
        let id = parent.span_context.span_id();
        self.0
            .iter()
            .filter(|s| {
                s.parent_span_id == id
                    && s.span_context.trace_id() == parent.span_context.trace_id()
            })
            .collect()
    }

    /// The spans with no parent (or a remote one), by start time.
    pub fn roots(&self) -> Vec<&SpanData> {
        self.0
            .iter()
            .filter(|s| s.parent_span_id == SpanId::INVALID || s.parent_span_is_remote)
            .collect()
    }

    /// The span that is `span`'s parent, if it was captured.
    pub fn parent_of(&self, span: &SpanData) -> Option<&SpanData> {
        self.0.iter().find(|p| {
            p.span_context.span_id() == span.parent_span_id
                && p.span_context.trace_id() == span.span_context.trace_id()
        })
    }

    /// Asserts that `child` is a direct child of `parent` in the same trace.
    ///
    /// # Panics
    /// When it is not.
    pub fn assert_parent(&self, child: &SpanData, parent: &SpanData) {
        assert_eq!(
            child.span_context.trace_id(),
            parent.span_context.trace_id(),
            "{:?} and {:?} are in different traces",
            child.name,
            parent.name
        );
        assert_eq!(
            child.parent_span_id,
            parent.span_context.span_id(),
            "{:?} is not a child of {:?} (its parent is {:?})",
            child.name,
            parent.name,
            self.parent_of(child).map(|p| &p.name)
        );
    }

    /// The distinct trace ids, in order of first appearance.
    pub fn trace_ids(&self) -> Vec<opentelemetry::trace::TraceId> {
        let mut ids = Vec::new();
        for span in &self.0 {
            let id = span.span_context.trace_id();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// Number of ancestors of `span` among the captured spans (a root has depth 0).
    pub fn depth_of(&self, span: &SpanData) -> usize {
        let mut depth = 0;
        let mut at = span;
        while let Some(parent) = self.parent_of(at) {
            depth += 1;
            at = parent;
        }
        depth
    }
}

/// An exporter that keeps every span it receives, for tests that install a
/// whole [`Pipeline`](crate::Pipeline).
///
/// Unlike the SDK's `InMemorySpanExporter`, it keeps its spans after
/// shutdown, so a test can drop the pipeline (which flushes) and then look.
/// Clones share the same storage.
///
/// ```
/// use trace_runtime::{testing::InMemoryExporter, traced, Pipeline};
///
/// #[traced]
/// fn work() {}
///
/// let exporter = InMemoryExporter::default();
/// let pipeline = Pipeline::builder().with_exporter(exporter.clone()).install().unwrap();
/// work();
/// drop(pipeline); // flushes
/// assert_eq!(exporter.spans().names(), ["work"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct InMemoryExporter {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl InMemoryExporter {
    /// A copy of the spans received so far, ordered by start time.
    pub fn spans(&self) -> Spans {
        let mut spans = lock(&self.spans).clone();
        spans.sort_by_key(|s| s.start_time);
        Spans(spans)
    }

    /// Removes and returns the spans received so far.
    pub fn take(&self) -> Spans {
        let mut spans = std::mem::take(&mut *lock(&self.spans));
        spans.sort_by_key(|s| s.start_time);
        Spans(spans)
    }
}

impl SpanExporter for InMemoryExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        lock(&self.spans).extend(batch);
        Ok(())
    }
}
