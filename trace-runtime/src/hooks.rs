//! Span hooks: code that runs when spans start and end.
//!
//! A [`SpanHook`] is the runtime's equivalent of an OpenTelemetry
//! `SpanProcessor` and of the start/stop telemetry events of the Elixir
//! seed. `on_start` runs on the calling thread as the span opens and may add
//! attributes (it sees the span's identity and parent); `on_end` runs on the
//! collector thread with the finished, read-only `SpanData`, so it adds
//! nothing to the instrumented call's latency.
//!
//! A hook that panics is contained: the panic is caught, counted
//! ([`hook_panics`]), and the instrumented call and the pipeline carry on.
//! With no hook registered, the cost is one relaxed atomic load per span.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanId, SpanKind, TraceId};
use opentelemetry_sdk::trace::SpanData;

use crate::lock;
use crate::record::SpanRecord;

/// Runs when spans start and end. Register with
/// [`PipelineBuilder::with_hook`](crate::PipelineBuilder::with_hook).
///
/// ```
/// use trace_runtime::hooks::{SpanHook, StartingSpan};
/// use trace_runtime::otel::KeyValue;
/// use trace_runtime::otel_sdk::trace::SpanData;
///
/// #[derive(Debug)]
/// struct Region;
///
/// impl SpanHook for Region {
///     fn on_start(&self, span: &mut StartingSpan<'_>) {
///         span.set_attribute(KeyValue::new("cloud.region", "eu-west-1"));
///     }
///     fn on_end(&self, span: &SpanData) {
///         if span.end_time.duration_since(span.start_time).unwrap_or_default().as_secs() > 1 {
///             eprintln!("slow span: {}", span.name);
///         }
///     }
/// }
/// ```
pub trait SpanHook: Send + Sync + std::fmt::Debug + 'static {
    /// Called on the calling thread when a recorded span starts.
    fn on_start(&self, span: &mut StartingSpan<'_>) {
        let _ = span;
    }

    /// Called on the collector thread with each finished span, before export.
    fn on_end(&self, span: &SpanData) {
        let _ = span;
    }
}

/// A span as it starts: its ids, name, identity, and a way to add attributes.
#[derive(Debug)]
pub struct StartingSpan<'a> {
    record: &'a mut SpanRecord,
}

impl StartingSpan<'_> {
    /// The span's name.
    pub fn name(&self) -> &str {
        self.record.name()
    }

    /// The span's kind.
    pub fn kind(&self) -> &SpanKind {
        &self.record.callsite.kind
    }

    /// The trace id.
    pub fn trace_id(&self) -> TraceId {
        TraceId::from(self.record.trace_id)
    }

    /// The span id.
    pub fn span_id(&self) -> SpanId {
        SpanId::from(self.record.span_id)
    }

    /// The parent span id (`SpanId::INVALID` for a root).
    pub fn parent_span_id(&self) -> SpanId {
        SpanId::from(self.record.parent_span_id)
    }

    /// Whether the parent is in another process.
    pub fn parent_is_remote(&self) -> bool {
        self.record.parent_remote
    }

    /// The identity attributes the span will carry.
    pub fn identity(&self) -> &[KeyValue] {
        self.record
            .scope
            .as_ref()
            .and_then(|s| s.identity.as_deref())
            .unwrap_or(&[])
    }

    /// Adds (or replaces) an attribute, within the span limits.
    pub fn set_attribute(&mut self, attribute: KeyValue) {
        self.record.set_attribute(attribute.key, attribute.value);
    }
}

/// The installed hooks, shared by the calling threads and the collector.
type Hooks = Arc<[Arc<dyn SpanHook>]>;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOKS: RwLock<Option<Hooks>> = RwLock::new(None);
static PANICS: AtomicU64 = AtomicU64::new(0);

/// How many hook calls panicked (and were contained) since the process started.
///
/// ```
/// assert_eq!(trace_runtime::hooks::hook_panics(), 0);
/// ```
pub fn hook_panics() -> u64 {
    PANICS.load(Ordering::Relaxed)
}

/// Installs the pipeline's hooks (an empty list uninstalls them).
pub(crate) fn install(hooks: Vec<Arc<dyn SpanHook>>) {
    let active = !hooks.is_empty();
    *lock::write(&HOOKS) = active.then(|| hooks.into());
    ACTIVE.store(active, Ordering::Release);
}

fn installed() -> Option<Hooks> {
    lock::read(&HOOKS).clone()
}

/// Whether any hook is installed.
#[inline]
pub(crate) fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// Runs `on_start` hooks for a span that just opened.
#[inline]
pub(crate) fn on_start(record: &mut SpanRecord) {
    if active() && record.sampled {
        run_on_start(record);
    }
}

/// Runs the `on_start` hooks (installed, and the span is sampled).
#[inline(never)]
pub(crate) fn run_on_start(record: &mut SpanRecord) {
    let Some(hooks) = installed() else { return };
    for hook in hooks.iter() {
        let mut starting = StartingSpan {
            record: &mut *record,
        };
        if catch_unwind(AssertUnwindSafe(|| hook.on_start(&mut starting))).is_err() {
            PANICS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Runs `on_end` hooks for a finished span (collector thread).
pub(crate) fn on_end(span: &SpanData) {
    if !ACTIVE.load(Ordering::Relaxed) {
        return;
    }
    let Some(hooks) = installed() else { return };
    for hook in hooks.iter() {
        if catch_unwind(AssertUnwindSafe(|| hook.on_end(span))).is_err() {
            PANICS.fetch_add(1, Ordering::Relaxed);
        }
    }
}
