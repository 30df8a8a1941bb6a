//! The hub: the bounded queue between the calling threads and the collector.
//!
//! The queue is bounded in spans; a batch that does not fit is dropped and
//! counted, and a calling thread never blocks on the exporter. Emptied
//! batches (and emptied details boxes) travel back to the threads, so the
//! steady state allocates nothing per span. One lock, taken once per batch.
//!
//! # When the collector is woken
//!
//! The collector sleeps until a batch is full, a flush is asked for,
//! shutdown begins or its deadline passes (the schedule delay of the
//! batching exporters). When a prompt exporter is installed (the console,
//! see [`ErasedExporter::wants_prompt_delivery`]), any hand-off wakes it:
//! a thread hands its spans off when its stack empties, that is when a local
//! root (or a late span of an earlier trace) has ended, so what the
//! collector finds queued then is exactly what the console can print.
//!
//! The calling thread pays for this only inside the lock `submit` already
//! takes: one more flag read, and a wake-up only when the collector is
//! asleep and nobody has woken it yet. While the collector is busy
//! converting or exporting, hand-offs queue without waking it, and it takes
//! them all before it sleeps again. Without a prompt exporter nothing
//! changes: the collector is woken by a full batch as before.
//!
//! # Shutdown within a deadline
//!
//! The collector thread is the one that calls the exporters, and an export
//! cannot be interrupted from outside: a `SpanExporter` whose `export`
//! blocks, or a collector that accepts connections and never answers, keeps
//! that thread for as long as the exporter likes. So the pipeline does not
//! join the collector thread: [`shutdown`] tells it the deadline and waits
//! for it on a condvar until then. Past the deadline the collector no longer
//! calls an exporter (it checks the time left before each call, see
//! [`may_export`]), and the pipeline stops waiting and leaves the thread
//! behind, so the process can exit.
//!
//! The accounting has one owner, this hub, under its lock. It counts the
//! spans of the pipeline that the collector took from the queue (`taken`)
//! and those it settled as exported or dropped (`settled`). Whoever ends
//! the pipeline first, the collector when it is done or the pipeline's
//! shutdown when the deadline passes, counts the rest (taken but not
//! settled, or still queued) as dropped and moves the hub to the next
//! *generation*. Every call of the collector carries the generation it was
//! started with, and a stale one changes nothing: a collector that comes
//! back from an exporter after being left behind does not count its spans a
//! second time, take spans or flush tickets of the next pipeline, or report
//! on stderr. Leaving the thread behind also releases the hub, so a new
//! pipeline can be installed at once.
//!
//! [`ErasedExporter::wants_prompt_delivery`]: super::ErasedExporter::wants_prompt_delivery

use std::sync::atomic::Ordering;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::counters::COUNTERS;
use super::{Batch, BatchConfig, ErasedExporter};
use crate::lock::lock;
use crate::record::{Details, details};

struct Queue {
    accepting: bool,
    /// A pipeline has been installed in this process (and may be gone).
    installed_before: bool,
    batches: Vec<Batch>,
    queued: usize,
    spare: Vec<Batch>,
    /// Emptied details boxes, for the threads' pools (boxes: they move
    /// as one pointer, see `record::details`).
    #[allow(clippy::vec_box)]
    spare_details: Vec<Box<Details>>,
    max_queue: usize,
    max_batch: usize,
    /// A prompt exporter is installed: any hand-off is worth waking the
    /// collector for, not only a full batch.
    prompt: bool,
    /// The collector waits on `wake` and nobody has woken it yet: at most
    /// one wake-up (a futex syscall) per sleep, none while it works.
    asleep: bool,
    flush_requested: u64,
    flush_completed: u64,
    shutdown: bool,
    /// The pipeline served: bumped when one is installed and when one ends.
    generation: u64,
    /// When the pipeline shutting down stops waiting for the collector.
    deadline: Option<Instant>,
    /// Spans of this generation the collector took from the queue.
    taken: u64,
    /// Spans of this generation the collector counted exported or dropped.
    settled: u64,
}

/// The pipeline a collector thread serves, given by [`start_accepting`]:
/// every call the collector makes to the hub carries it, and once that
/// pipeline has ended the calls change nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Generation(u64);

/// How a pipeline's shutdown ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// The collector exported what it could and stopped before the deadline.
    Finished,
    /// The deadline passed first: the collector thread is left behind, and
    /// the spans not exported yet were counted as dropped.
    Abandoned {
        /// The spans counted as dropped then.
        unexported: u64,
    },
}

/// Aligned so that no other static shares its cache lines: the collector
/// and the handing-off threads write the queue's lock and condvars, while
/// every calling thread reads statics such as the sampler's mode on every
/// span. Sharing a line with them made each span miss the cache (the
/// linker had put the sampler's mode right after the hub). 128 bytes:
/// the adjacent-line prefetcher fetches lines in pairs.
#[repr(align(128))]
struct Hub {
    queue: Mutex<Queue>,
    /// Wakes the collector: a full batch (with a prompt exporter, any
    /// hand-off), a flush, or shutdown.
    wake: Condvar,
    /// Wakes flushers: a flush completed.
    flushed: Condvar,
    /// Wakes the pipeline shutting down: the collector is done.
    stopped: Condvar,
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
        prompt: false,
        asleep: false,
        flush_requested: 0,
        flush_completed: 0,
        shutdown: false,
        generation: 0,
        deadline: None,
        taken: 0,
        settled: 0,
    }),
    wake: Condvar::new(),
    flushed: Condvar::new(),
    stopped: Condvar::new(),
};

const MAX_SPARE_BUFFERS: usize = 64;

/// Queues `batch` for the collector (or drops it, counted), leaving an
/// emptied buffer in its place.
pub(crate) fn submit(batch: &mut Batch) {
    HUB.submit(batch);
}

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
            batch.clear_recycling();
            return;
        }
        details::restock(&mut queue.spare_details);
        let fresh = queue.spare.pop().unwrap_or_default();
        queue.batches.push(std::mem::replace(batch, fresh));
        queue.queued += count;
        if queue.asleep && (queue.prompt || queue.queued >= queue.max_batch) {
            queue.asleep = false;
            self.wake.notify_one();
        }
    }
}

/// Opens the queue for a new pipeline that exports to `exporters`; returns
/// the generation its collector is to serve. Fails when one is installed
/// already, or one is still shutting down.
pub(crate) fn start_accepting(
    config: &BatchConfig,
    exporters: &[Box<dyn ErasedExporter>],
) -> Option<Generation> {
    let mut queue = lock(&HUB.queue);
    if queue.accepting || queue.shutdown {
        return None;
    }
    queue.accepting = true;
    queue.installed_before = true;
    queue.max_queue = config.max_queue_size.max(1);
    queue.max_batch = config.max_export_batch_size.clamp(1, queue.max_queue);
    queue.prompt = exporters.iter().any(|e| e.wants_prompt_delivery());
    queue.generation += 1;
    queue.taken = 0;
    queue.settled = 0;
    Some(Generation(queue.generation))
}

/// Asks the collector to export everything queued so far and waits for it,
/// at most `timeout`. Returns whether the flush completed in time.
pub(crate) fn flush(timeout: Duration) -> bool {
    let mut queue = lock(&HUB.queue);
    if !queue.accepting {
        return true;
    }
    queue.flush_requested += 1;
    let ticket = queue.flush_requested;
    queue.asleep = false;
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

/// Stops accepting spans, tells the collector of `generation` to export
/// what it holds by `deadline` and stop, and waits for it until then. Past
/// the deadline, counts what is not exported as dropped and releases the
/// hub for a new pipeline, leaving the collector thread behind.
pub(crate) fn shutdown(generation: Generation, deadline: Instant) -> Stopped {
    let mut queue = lock(&HUB.queue);
    if queue.generation != generation.0 {
        return Stopped::Finished;
    }
    queue.accepting = false;
    queue.shutdown = true;
    queue.deadline = Some(deadline);
    queue.asleep = false;
    HUB.wake.notify_one();
    while queue.generation == generation.0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let unexported = queue.end();
            return Stopped::Abandoned { unexported };
        }
        queue = HUB
            .stopped
            .wait_timeout(queue, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    Stopped::Finished
}

/// Called by the collector of `generation` once it has stopped: counts what
/// it did not settle as dropped and releases the hub for a new pipeline,
/// unless the pipeline has already done so.
pub(crate) fn finish(generation: Generation) {
    let mut queue = lock(&HUB.queue);
    if queue.generation == generation.0 {
        queue.end();
    }
}

/// One round of the collector: what [`next_batches`] took.
pub(crate) struct Round {
    pub(crate) batches: Vec<Batch>,
    /// The newest flush ticket.
    pub(crate) ticket: u64,
    /// Shutdown has begun: export what is held, then stop.
    pub(crate) stopping: bool,
}

/// Waits (at most until `deadline`) until a batch is full, a flush is asked
/// for or shutdown begins, or, with a prompt exporter, until anything is
/// queued; then takes everything queued. Hands back
/// `emptied` batches and `recycled` details boxes first, for the calling
/// threads to reuse. A collector whose pipeline has ended gets nothing and
/// is told to stop.
#[allow(clippy::vec_box)] // boxes are recycled whole, see `record::details`
pub(crate) fn next_batches(
    generation: Generation,
    deadline: Instant,
    emptied: &mut Vec<Batch>,
    recycled: &mut Vec<Box<Details>>,
) -> Round {
    let mut queue = lock(&HUB.queue);
    if queue.generation != generation.0 {
        return Round {
            batches: Vec::new(),
            ticket: 0,
            stopping: true,
        };
    }
    // Hand back emptied buffers so threads reuse their capacity.
    while let Some(buffer) = emptied.pop() {
        if queue.spare.len() < MAX_SPARE_BUFFERS {
            queue.spare.push(buffer);
        }
    }
    let room = details::HUB_POOL.saturating_sub(queue.spare_details.len());
    recycled.truncate(room);
    queue.spare_details.append(recycled);
    while !queue.ready() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        queue.asleep = true;
        queue = HUB
            .wake
            .wait_timeout(queue, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
    queue.taken += queue.queued as u64;
    queue.queued = 0;
    queue.asleep = false;
    Round {
        batches: std::mem::take(&mut queue.batches),
        ticket: queue.flush_requested,
        stopping: queue.shutdown,
    }
}

impl Queue {
    /// Whether the collector has work without waiting for its deadline.
    fn ready(&self) -> bool {
        self.queued >= self.max_batch
            || (self.prompt && self.queued > 0)
            || self.flush_requested != self.flush_completed
            || self.shutdown
    }

    /// Ends the pipeline served: counts its spans not settled (taken, or
    /// still queued) as dropped, completes every flush, releases the hub
    /// for a new pipeline and wakes whoever waits. Returns the spans counted.
    fn end(&mut self) -> u64 {
        let unexported = (self.taken + self.queued as u64).saturating_sub(self.settled);
        if unexported > 0 {
            COUNTERS.dropped.fetch_add(unexported, Ordering::Relaxed);
        }
        self.batches.clear();
        self.queued = 0;
        self.taken = 0;
        self.settled = 0;
        self.generation += 1;
        self.accepting = false;
        self.shutdown = false;
        self.deadline = None;
        self.flush_completed = self.flush_requested;
        self.spare.clear();
        self.spare_details = Vec::new();
        HUB.flushed.notify_all();
        HUB.stopped.notify_all();
        unexported
    }
}

/// Whether flush `ticket` is still to be completed (never, for a pipeline
/// that has ended).
pub(crate) fn flush_pending(generation: Generation, ticket: u64) -> bool {
    let queue = lock(&HUB.queue);
    queue.generation == generation.0 && ticket > queue.flush_completed
}

/// Marks flush `ticket` (and every earlier one) complete and wakes the flushers.
pub(crate) fn complete_flush(generation: Generation, ticket: u64) {
    let mut queue = lock(&HUB.queue);
    if queue.generation == generation.0 {
        queue.flush_completed = ticket;
        HUB.flushed.notify_all();
    }
}

/// How long the collector of `generation` may give the exporter it is about
/// to call: until the shutdown deadline, without limit before shutdown;
/// `None` once the deadline has passed or the pipeline has ended, when it
/// calls no exporter any more.
pub(crate) fn may_export(generation: Generation) -> Option<Duration> {
    let queue = lock(&HUB.queue);
    if queue.generation != generation.0 {
        return None;
    }
    match queue.deadline {
        None => Some(Duration::MAX),
        Some(deadline) => {
            Some(deadline.saturating_duration_since(Instant::now())).filter(|left| !left.is_zero())
        }
    }
}

/// Counts `exported` and `dropped` spans the collector of `generation`
/// settled; nothing when that pipeline has ended (its spans were counted).
pub(crate) fn settle(generation: Generation, exported: u64, dropped: u64) {
    let mut queue = lock(&HUB.queue);
    if queue.generation != generation.0 {
        return;
    }
    queue.settled += exported + dropped;
    if exported > 0 {
        COUNTERS.exported.fetch_add(exported, Ordering::Relaxed);
    }
    if dropped > 0 {
        COUNTERS.dropped.fetch_add(dropped, Ordering::Relaxed);
    }
}

/// Counts one failed export call of the collector of `generation`; returns
/// whether it counted (whether that pipeline is still the one served).
pub(crate) fn count_failed_export(generation: Generation) -> bool {
    let queue = lock(&HUB.queue);
    if queue.generation != generation.0 {
        return false;
    }
    COUNTERS.failed_exports.fetch_add(1, Ordering::Relaxed);
    true
}
