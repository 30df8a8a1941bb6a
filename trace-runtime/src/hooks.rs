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
//! What it recorded before panicking stays on the span, as a partly run
//! hook's [`StartingSpan::set_attribute`] calls do.
//! With no hook registered, the cost is one relaxed atomic load per span.
//!
//! # The current-span API inside `on_start`
//!
//! `on_start` runs while the span is being written into the thread's state,
//! which is borrowed for that time, so the current-span functions
//! ([`add_attribute`](crate::add_attribute), [`record_event`](crate::record_event),
//! [`current_trace_id`](crate::current_trace_id), ...) cannot reach it the
//! way they do from plain code. Rather than have them do nothing there, the
//! span that is starting gets a *starting-span buffer*: a record of its own
//! in a separate thread-local, holding the span's ids and nothing else.
//! While hooks run, a current-span function that finds the thread's state
//! borrowed records into that buffer (and the id functions read the ids
//! from it); after each hook returns, or panics, and before
//! [`StartingSpan::set_attribute`] writes, the buffer is moved onto the
//! span. So a hook may call code written for plain spans (a helper that
//! calls `add_attribute`) and the span gets what it records, in order.
//!
//! Why a buffer rather than handing the hooks the state: the record is
//! borrowed by [`StartingSpan`] (which must be able to lend its name and
//! identity), so it cannot also be reached through the thread-local. And why
//! only where the state is found borrowed: plain code pays nothing for it.
//! The current-span functions look at the buffer only when they could not
//! borrow the state, which outside a hook happens only when they are called
//! re-entrantly (then, with no hook running, they still do nothing).

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry_sdk::trace::SpanData;

use crate::lock;
use crate::record::{InlineAttributes, SpanRecord};

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
    ///
    /// `span` is the span that is starting: [`StartingSpan`] gives its ids,
    /// name, kind, parent and identity, and adds attributes. The
    /// current-span functions work here too and act on this span (see the
    /// [module documentation](self)): [`add_attribute`](crate::add_attribute),
    /// [`add_attributes`](crate::add_attributes),
    /// [`record_event`](crate::record_event), [`set_status`](crate::set_status),
    /// [`record_error`](crate::record_error),
    /// [`current_trace_id`](crate::current_trace_id) and
    /// [`current_span_id`](crate::current_span_id). Starting another span
    /// here (a `#[traced]` call, [`with_span`](crate::with_span)) records
    /// nothing: the thread is busy starting this one. A panic is caught and
    /// counted ([`hook_panics`]); what the hook recorded before it stays.
    ///
    /// ```
    /// use trace_runtime::hooks::{SpanHook, StartingSpan};
    ///
    /// /// Code written for plain spans, reused by a hook.
    /// fn tag_build() {
    ///     trace_runtime::add_attribute("build.profile", "release");
    /// }
    ///
    /// #[derive(Debug)]
    /// struct Build;
    /// impl SpanHook for Build {
    ///     fn on_start(&self, span: &mut StartingSpan<'_>) {
    ///         tag_build(); // lands on `span`
    ///         let id = trace_runtime::current_span_id();
    ///         assert_eq!(id, Some(format!("{:016x}", span.span_id())));
    ///     }
    /// }
    /// # use trace_runtime::{ConsoleExporter, Pipeline, traced};
    /// # let pipeline = Pipeline::builder().with_exporter(ConsoleExporter::new()).with_hook(Build).install().unwrap();
    /// # #[traced] fn work() {}
    /// # work();
    /// # drop(pipeline);
    /// # assert_eq!(trace_runtime::hooks::hook_panics(), 0, "the assertion in the hook held");
    /// ```
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
        // What the current-span API recorded so far goes first, so that
        // the later write wins whichever way it was made.
        flush(self.record);
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

/// Runs the `on_start` hooks (installed, and the span is sampled), with
/// the starting-span buffer set up for them.
#[inline(never)]
pub(crate) fn run_on_start(record: &mut SpanRecord) {
    let Some(hooks) = installed() else { return };
    // The buffer there before: none, since a hook cannot start a span on
    // this thread (the state is borrowed), but put back all the same.
    // `None` if the buffer could not be set up (the thread is exiting).
    let previous = STARTING
        .try_with(|buffer| {
            buffer
                .try_borrow_mut()
                .ok()
                .map(|mut b| b.replace(buffer_for(record)))
        })
        .ok()
        .flatten();
    for hook in hooks.iter() {
        let mut starting = StartingSpan {
            record: &mut *record,
        };
        if catch_unwind(AssertUnwindSafe(|| hook.on_start(&mut starting))).is_err() {
            PANICS.fetch_add(1, Ordering::Relaxed);
        }
        flush(record);
    }
    if let Some(previous) = previous {
        let _ = STARTING.try_with(|buffer| {
            if let Ok(mut buffer) = buffer.try_borrow_mut() {
                *buffer = previous;
            }
        });
    }
}

thread_local! {
    /// The starting-span buffer of the span whose `on_start` hooks are
    /// running on this thread (see the module documentation).
    static STARTING: RefCell<Option<SpanRecord>> = const { RefCell::new(None) };
}

/// An empty record with the ids of `record`: what the hooks' current-span
/// calls record into.
fn buffer_for(record: &SpanRecord) -> SpanRecord {
    SpanRecord {
        scope: None,
        details: None,
        inline: InlineAttributes::EMPTY,
        ..*record
    }
}

/// Runs `f` on the starting-span buffer, if a hook is running on this
/// thread: the current-span API's way in when it finds the thread's state
/// borrowed. `None` when no hook is running.
#[cold]
pub(crate) fn with_starting<R>(f: impl FnOnce(&mut SpanRecord) -> R) -> Option<R> {
    STARTING
        .try_with(|buffer| {
            let mut buffer = buffer.try_borrow_mut().ok()?;
            buffer.as_mut().map(f)
        })
        .ok()
        .flatten()
}

/// Moves what the buffer holds onto `record`, leaving the buffer empty.
fn flush(record: &mut SpanRecord) {
    let taken = with_starting(|buffer| {
        let details = buffer.details.take();
        let inline = std::mem::replace(&mut buffer.inline, InlineAttributes::EMPTY);
        (details, inline)
    });
    let Some((details, inline)) = taken else {
        return;
    };
    if details.is_none() && inline.is_empty() {
        return;
    }
    let mut details = details;
    let mut attributes = Vec::new();
    inline.export_into(&mut attributes);
    if let Some(details) = details.as_mut() {
        details.drain_attributes_into(&mut attributes);
    }
    for kv in attributes {
        record.set_attribute(kv.key, kv.value);
    }
    let Some(mut details) = details else { return };
    let target = record.details();
    for event in details.take_events() {
        target.add_event(event);
    }
    // The rule of `set_status`: a status of Ok is not overridden.
    if *details.status() != Status::Unset && *target.status() != Status::Ok {
        target.set_status(details.take_status());
    }
    target.dropped_attributes = target
        .dropped_attributes
        .saturating_add(details.dropped_attributes);
    target.dropped_events = target.dropped_events.saturating_add(details.dropped_events);
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
