//! The recording pipeline: from ended spans on the calling thread to the exporter.
//!
//! ```text
//!  calling thread                      │ collector thread
//!  ─────────────                       │ ────────────────
//!  span ends → thread-local buffer     │
//!  stack empty → hand_off(buffer) ──► bounded queue ──► SpanData ──► SpanExporter::export
//!            (one lock per batch)      │  (full: counted as dropped)       (in batches)
//! ```
//!
//! A thread hands its ended spans over when it has no span open any more
//! (or its buffer reaches [`LOCAL_BATCH_LIMIT`]), so a whole local tree
//! travels in one batch and the lock is taken once per batch, not per span.
//! The queue is bounded in spans; a batch that does not fit is dropped and
//! counted, and the calling thread never blocks on the exporter. Emptied
//! buffers travel back to the threads, so the steady state allocates nothing
//! per span. Conversion to `opentelemetry_sdk` `SpanData` happens on the
//! collector thread.
//!
//! # Why records are copied at hand-off
//!
//! A thread's record buffer never leaves it: at hand-off its records are
//! copied into the thread's [`Outbox`], in the compact form of
//! [`crate::batch`], and the outbox's batch is what travels to the
//! collector and comes back emptied. An
//! earlier design swapped the record buffer itself for an emptied one, which
//! saved the copy but made every span write its record into cache lines
//! last read by the collector on another core: each store missed, and that
//! cost the calling thread more than the whole copy (`BENCHMARKS.md`: 74-86
//! ns per span against 59-62 ns with the copy, in one run on this machine).
//! The copy writes the same lines, but in one sequential burst per batch
//! instead of one miss per store on the hot path.
//!
//! Spans started under a test capture carry its [`Sink`] in their scope and
//! are delivered there at hand-off instead, so captures are isolated from
//! each other and from any installed pipeline.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use opentelemetry::InstrumentationScope;
use opentelemetry::KeyValue;
use opentelemetry::trace::{SpanContext, SpanId, Status, TraceFlags, TraceId};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};

use crate::export::ErasedExporter;

use crate::batch::Batch;
use crate::details::Details;
use crate::span::SpanRecord;

/// A thread hands off its ended spans at the latest when it holds this many.
pub(crate) const LOCAL_BATCH_LIMIT: usize = 512;

// ---------------------------------------------------------------- the gate

/// Pipelines installed plus captures running. Zero: every instrumented call
/// returns after one relaxed load.
static GATE: AtomicUsize = AtomicUsize::new(0);

#[inline]
pub(crate) fn gate_open() -> bool {
    GATE.load(Ordering::Relaxed) != 0
}

pub(crate) fn open_gate() {
    crate::status::install_panic_hook();
    GATE.fetch_add(1, Ordering::SeqCst);
}

pub(crate) fn close_gate() {
    GATE.fetch_sub(1, Ordering::SeqCst);
}

// ---------------------------------------------------------------- counters

/// Process-wide pipeline counters (see [`crate::PipelineStats`]).
#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) started: AtomicU64,
    pub(crate) ended: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) exported: AtomicU64,
    pub(crate) failed_exports: AtomicU64,
}

pub(crate) static COUNTERS: Counters = Counters {
    started: AtomicU64::new(0),
    ended: AtomicU64::new(0),
    dropped: AtomicU64::new(0),
    exported: AtomicU64::new(0),
    failed_exports: AtomicU64::new(0),
};

// ---------------------------------------------------------------- sinks

/// Where a test capture receives its spans.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    spans: Mutex<Vec<SpanRecord>>,
}

impl Sink {
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn take(&self) -> Vec<SpanRecord> {
        std::mem::take(&mut *lock(&self.spans))
    }
}

// ---------------------------------------------------------------- hand-off

/// The buffer a thread's ended records are copied into to travel to the
/// collector (see "Why records are copied at hand-off" above). Between two
/// hand-offs it holds an emptied buffer from the hub, or nothing yet.
#[derive(Debug)]
pub(crate) struct Outbox {
    batch: Batch,
}

impl Outbox {
    pub(crate) const fn new() -> Outbox {
        Outbox {
            batch: Batch::new(),
        }
    }

    /// Moves a thread's ended spans to their destination, leaving `ended`
    /// empty with its capacity.
    pub(crate) fn send(&mut self, ended: &mut Vec<SpanRecord>) {
        if ended
            .iter()
            .any(|r| r.scope.as_ref().is_some_and(|s| s.sink.is_some()))
        {
            deliver_to_sinks(ended);
            if ended.is_empty() {
                return;
            }
        }
        self.batch.take_all(ended);
        HUB.submit(&mut self.batch);
    }
}

fn deliver_to_sinks(ended: &mut Vec<SpanRecord>) {
    let mut index = 0;
    while index < ended.len() {
        let sink = ended[index].scope.as_ref().and_then(|s| s.sink.clone());
        match sink {
            Some(sink) => {
                let mut record = ended.swap_remove(index);
                // The sink must not own itself through its records: keep only
                // what the exported span needs from the scope.
                record.scope = record.scope.take().and_then(|scope| {
                    let kept = crate::context::Scope {
                        sink: None,
                        ..crate::context::Scope::copy_of(Some(&scope))
                    };
                    (!kept.is_empty()).then(|| std::sync::Arc::new(kept))
                });
                lock(&sink.spans).push(record);
            }
            None => index += 1,
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not stop tracing: the queue's data stays consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

// ---------------------------------------------------------------- the hub

struct Queue {
    accepting: bool,
    /// A pipeline has been installed in this process (and may be gone).
    installed_before: bool,
    batches: Vec<Batch>,
    queued: usize,
    spare: Vec<Batch>,
    /// Emptied details boxes, for the threads' pools (boxes: they move
    /// as one pointer, see `crate::details`).
    #[allow(clippy::vec_box)]
    spare_details: Vec<Box<Details>>,
    max_queue: usize,
    max_batch: usize,
    /// The collector has been woken for the batches queued since it last
    /// took them: one wake-up (a futex syscall) per batch, not per hand-off.
    woken: bool,
    flush_requested: u64,
    flush_completed: u64,
    shutdown: bool,
}

struct Hub {
    queue: Mutex<Queue>,
    /// Wakes the collector: a full batch, a flush, or shutdown.
    wake: Condvar,
    /// Wakes flushers: a flush completed.
    flushed: Condvar,
}

static HUB: Hub = Hub {
    queue: Mutex::new(Queue {
        accepting: false,
        installed_before: false,
        batches: Vec::new(),
        queued: 0,
        spare: Vec::new(),
        spare_details: Vec::new(),
        max_queue: 0,
        max_batch: 1,
        woken: false,
        flush_requested: 0,
        flush_completed: 0,
        shutdown: false,
    }),
    wake: Condvar::new(),
    flushed: Condvar::new(),
};

const MAX_SPARE_BUFFERS: usize = 64;

impl Hub {
    /// Queues `batch` for the collector (or drops it, counted), leaving an
    /// emptied buffer in its place.
    fn submit(&self, batch: &mut Batch) {
        let count = batch.len();
        let mut queue = lock(&self.queue);
        if !queue.accepting {
            if queue.installed_before {
                // Spans that were open at shutdown and ended after it: lost,
                // but counted, never silently.
                COUNTERS.ended.fetch_add(count as u64, Ordering::Relaxed);
                COUNTERS.dropped.fetch_add(count as u64, Ordering::Relaxed);
            }
            batch.clear(); // no pipeline installed: nothing was asked to be exported
            return;
        }
        COUNTERS.ended.fetch_add(count as u64, Ordering::Relaxed);
        if queue.queued + count > queue.max_queue {
            drop(queue);
            COUNTERS.dropped.fetch_add(count as u64, Ordering::Relaxed);
            batch.clear();
            return;
        }
        crate::details::restock(&mut queue.spare_details);
        let fresh = queue.spare.pop().unwrap_or_default();
        queue.batches.push(std::mem::replace(batch, fresh));
        queue.queued += count;
        if queue.queued >= queue.max_batch && !queue.woken {
            queue.woken = true;
            self.wake.notify_one();
        }
    }
}

/// Batch settings of the pipeline (the `OTEL_BSP_*` settings).
#[derive(Clone, Debug)]
pub(crate) struct BatchConfig {
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
    pub(crate) export_timeout: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_queue_size: 2048,
            max_export_batch_size: 512,
            scheduled_delay: Duration::from_secs(5),
            export_timeout: Duration::from_secs(30),
        }
    }
}

/// Opens the queue for a new pipeline. Fails when one is installed already.
pub(crate) fn start_accepting(config: &BatchConfig) -> bool {
    let mut queue = lock(&HUB.queue);
    if queue.accepting || queue.shutdown {
        return false;
    }
    queue.accepting = true;
    queue.installed_before = true;
    queue.max_queue = config.max_queue_size.max(1);
    queue.max_batch = config.max_export_batch_size.clamp(1, queue.max_queue);
    true
}

/// Asks the collector to export everything queued so far and waits for it,
/// at most `timeout`. Returns whether the flush completed in time.
pub(crate) fn flush(timeout: Duration) -> bool {
    crate::context::with_local(crate::context::LocalState::hand_off);
    let mut queue = lock(&HUB.queue);
    if !queue.accepting {
        return true;
    }
    queue.flush_requested += 1;
    let ticket = queue.flush_requested;
    HUB.wake.notify_one();
    let deadline = Instant::now() + timeout;
    while queue.flush_completed < ticket {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        queue = HUB
            .flushed
            .wait_timeout(queue, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    true
}

/// Stops accepting spans and tells the collector to drain and stop.
pub(crate) fn request_shutdown() {
    crate::context::with_local(crate::context::LocalState::hand_off);
    let mut queue = lock(&HUB.queue);
    queue.accepting = false;
    queue.shutdown = true;
    HUB.wake.notify_one();
}

/// Called by the collector once it has stopped: the hub can take a new pipeline.
fn finish_shutdown() {
    let mut queue = lock(&HUB.queue);
    queue.shutdown = false;
    queue.flush_completed = queue.flush_requested;
    queue.spare.clear();
    queue.spare_details = Vec::new();
    HUB.flushed.notify_all();
}

// ---------------------------------------------------------------- the collector

/// The collector thread's loop: drains the queue into the exporter until shutdown.
pub(crate) fn run_collector(exporters: &[Box<dyn ErasedExporter>], config: &BatchConfig) {
    let scope = instrumentation_scope();
    let mut pending: Vec<SpanData> = Vec::with_capacity(config.max_export_batch_size);
    let mut emptied: Vec<Batch> = Vec::new();
    #[allow(clippy::vec_box)] // boxes are recycled whole, see `crate::details`
    let mut recycled: Vec<Box<Details>> = Vec::new();
    let mut reporter = FailureReporter::default();
    loop {
        let (batches, ticket, stopping) = {
            let mut queue = lock(&HUB.queue);
            // Hand back emptied buffers so threads reuse their capacity.
            while let Some(buffer) = emptied.pop() {
                if queue.spare.len() < MAX_SPARE_BUFFERS {
                    queue.spare.push(buffer);
                }
            }
            let room = crate::details::HUB_POOL.saturating_sub(queue.spare_details.len());
            recycled.truncate(room);
            queue.spare_details.append(&mut recycled);
            let deadline = Instant::now() + config.scheduled_delay;
            while queue.queued < queue.max_batch
                && queue.flush_requested == queue.flush_completed
                && !queue.shutdown
            {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                queue = HUB
                    .wake
                    .wait_timeout(queue, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            queue.queued = 0;
            queue.woken = false;
            (
                std::mem::take(&mut queue.batches),
                queue.flush_requested,
                queue.shutdown,
            )
        };
        for mut batch in batches {
            for record in batch.drain() {
                let span = to_span_data(record, scope, &mut recycled);
                crate::hooks::on_end(&span);
                pending.push(span);
                if pending.len() >= config.max_export_batch_size {
                    export(exporters, &mut pending, &mut reporter);
                }
            }
            emptied.push(batch);
        }
        if !pending.is_empty() {
            export(exporters, &mut pending, &mut reporter);
        }
        if stopping {
            for exporter in exporters {
                let _ = exporter.force_flush();
                if let Err(error) = exporter.shutdown_with_timeout(config.export_timeout) {
                    eprintln!("trace-runtime: exporter shutdown failed: {error}");
                }
            }
            finish_shutdown();
            return;
        }
        let mut queue = lock(&HUB.queue);
        if ticket > queue.flush_completed {
            drop(queue);
            for exporter in exporters {
                let _ = exporter.force_flush();
            }
            queue = lock(&HUB.queue);
            queue.flush_completed = ticket;
            HUB.flushed.notify_all();
        }
    }
}

fn export(
    exporters: &[Box<dyn ErasedExporter>],
    pending: &mut Vec<SpanData>,
    reporter: &mut FailureReporter,
) {
    let batch = std::mem::replace(pending, Vec::with_capacity(pending.capacity()));
    let count = batch.len() as u64;
    let mut all_ok = true;
    if let Some((last, others)) = exporters.split_last() {
        for exporter in others {
            all_ok &= export_one(exporter.as_ref(), batch.clone(), count, reporter);
        }
        all_ok &= export_one(last.as_ref(), batch, count, reporter);
    }
    if all_ok {
        COUNTERS.exported.fetch_add(count, Ordering::Relaxed);
    }
}

fn export_one(
    exporter: &dyn ErasedExporter,
    batch: Vec<SpanData>,
    count: u64,
    reporter: &mut FailureReporter,
) -> bool {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exporter.export_blocking(batch)
    }));
    match outcome {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            reporter.failed(count, &error.to_string());
            false
        }
        Err(_) => {
            reporter.failed(count, "the exporter panicked");
            false
        }
    }
}

/// Reports failed exports on stderr, at most once per interval.
#[derive(Default)]
struct FailureReporter {
    last_report: Option<Instant>,
    unreported: u64,
}

impl FailureReporter {
    const INTERVAL: Duration = Duration::from_secs(10);

    fn failed(&mut self, spans: u64, reason: &str) {
        COUNTERS.failed_exports.fetch_add(1, Ordering::Relaxed);
        COUNTERS.dropped.fetch_add(spans, Ordering::Relaxed);
        self.unreported += spans;
        if self
            .last_report
            .is_none_or(|at| at.elapsed() >= Self::INTERVAL)
        {
            eprintln!(
                "trace-runtime: export failed, {} span(s) dropped since the last report: {reason}",
                self.unreported
            );
            self.unreported = 0;
            self.last_report = Some(Instant::now());
        }
    }
}

// ---------------------------------------------------------------- conversion

/// The instrumentation scope of every span this crate records.
pub(crate) fn instrumentation_scope() -> &'static InstrumentationScope {
    static SCOPE: std::sync::OnceLock<InstrumentationScope> = std::sync::OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder("trace-runtime")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}

/// Builds the OpenTelemetry form of a recorded span. Its emptied details
/// box goes to `recycled`, for the calling threads to reuse.
#[allow(clippy::vec_box)] // boxes are recycled whole, see `crate::details`
pub(crate) fn to_span_data(
    mut record: SpanRecord,
    scope: &InstrumentationScope,
    recycled: &mut Vec<Box<Details>>,
) -> SpanData {
    let callsite = record.callsite;
    let mut details = record.details.take();
    let flags = TraceFlags::new(record.ids().flags());
    let identity = record
        .scope
        .as_ref()
        .and_then(|s| s.identity.as_deref())
        .unwrap_or(&[]);
    let mut attributes = Vec::with_capacity(
        identity.len()
            + callsite.attributes.len()
            + record.inline.len()
            + details.as_ref().map_or(0, |d| d.attribute_count())
            + 3,
    );
    // Identity first: limits drop from the end, never the component's identity.
    let identity_len = identity.len();
    attributes.extend(identity.iter().cloned());
    attributes.extend(
        callsite
            .attributes
            .iter()
            .map(crate::callsite::StaticAttribute::to_key_value),
    );
    record.inline.export_into(&mut attributes);
    if let Some(details) = &mut details {
        details.drain_attributes_into(&mut attributes);
    }
    if !callsite.function.is_empty() {
        attributes.push(KeyValue::new("code.function.name", callsite.function));
    }
    if !callsite.file.is_empty() {
        attributes.push(KeyValue::new("code.file.path", callsite.file));
        attributes.push(KeyValue::new("code.line.number", i64::from(callsite.line)));
    }
    // The limit covers identity and code attributes too; what does not fit
    // is dropped from the end (never the identity) and counted.
    let limit = crate::attributes::attribute_count_limit().max(identity_len);
    let mut dropped_attributes = details.as_ref().map_or(0, |d| d.dropped_attributes);
    if attributes.len() > limit {
        let excess = attributes.len() - limit;
        attributes.truncate(limit);
        dropped_attributes =
            dropped_attributes.saturating_add(u32::try_from(excess).unwrap_or(u32::MAX));
    }
    let mut events = SpanEvents::default();
    let mut links = SpanLinks::default();
    let mut name = Cow::Borrowed(callsite.name);
    let mut status = Status::Unset;
    if let Some(mut details) = details {
        events.events = std::mem::take(&mut details.events);
        events.dropped_count = details.dropped_events;
        links.links = std::mem::take(&mut details.links);
        name = details.name.take().unwrap_or(name);
        status = std::mem::take(&mut details.status);
        recycled.extend(details.recycle());
    }
    let trace_state = record
        .scope
        .as_ref()
        .map(|s| crate::propagation::to_otel_trace_state(&s.trace_state))
        .unwrap_or_default();
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(record.trace_id),
            SpanId::from(record.span_id),
            flags,
            false,
            trace_state,
        ),
        parent_span_id: SpanId::from(record.parent_span_id),
        parent_span_is_remote: record.parent_remote,
        span_kind: callsite.kind.clone(),
        name,
        start_time: crate::clock::to_system_time(record.start),
        end_time: crate::clock::to_system_time(record.end),
        attributes,
        dropped_attributes_count: dropped_attributes,
        events,
        links,
        status,
        instrumentation_scope: scope.clone(),
    }
}
