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
    }),
    wake: Condvar::new(),
    flushed: Condvar::new(),
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
            batch.clear();
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

/// Opens the queue for a new pipeline that exports to `exporters`. Fails
/// when one is installed already.
pub(crate) fn start_accepting(config: &BatchConfig, exporters: &[Box<dyn ErasedExporter>]) -> bool {
    let mut queue = lock(&HUB.queue);
    if queue.accepting || queue.shutdown {
        return false;
    }
    queue.accepting = true;
    queue.installed_before = true;
    queue.max_queue = config.max_queue_size.max(1);
    queue.max_batch = config.max_export_batch_size.clamp(1, queue.max_queue);
    queue.prompt = exporters.iter().any(|e| e.wants_prompt_delivery());
    true
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

/// Stops accepting spans and tells the collector to drain and stop.
pub(crate) fn request_shutdown() {
    let mut queue = lock(&HUB.queue);
    queue.accepting = false;
    queue.shutdown = true;
    queue.asleep = false;
    HUB.wake.notify_one();
}

/// Called by the collector once it has stopped: the hub can take a new pipeline.
pub(crate) fn finish_shutdown() {
    let mut queue = lock(&HUB.queue);
    queue.shutdown = false;
    queue.flush_completed = queue.flush_requested;
    queue.spare.clear();
    queue.spare_details = Vec::new();
    HUB.flushed.notify_all();
}

/// Waits (at most until `deadline`) until a batch is full, a flush is asked
/// for or shutdown begins, or, with a prompt exporter, until anything is
/// queued; then takes everything queued. Hands back
/// `emptied` batches and `recycled` details boxes first, for the calling
/// threads to reuse. Returns the batches, the newest flush ticket, and
/// whether the collector is to stop.
#[allow(clippy::vec_box)] // boxes are recycled whole, see `record::details`
pub(crate) fn next_batches(
    deadline: Instant,
    emptied: &mut Vec<Batch>,
    recycled: &mut Vec<Box<Details>>,
) -> (Vec<Batch>, u64, bool) {
    let mut queue = lock(&HUB.queue);
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
    queue.queued = 0;
    queue.asleep = false;
    (
        std::mem::take(&mut queue.batches),
        queue.flush_requested,
        queue.shutdown,
    )
}

impl Queue {
    /// Whether the collector has work without waiting for its deadline.
    fn ready(&self) -> bool {
        self.queued >= self.max_batch
            || (self.prompt && self.queued > 0)
            || self.flush_requested != self.flush_completed
            || self.shutdown
    }
}

/// Whether flush `ticket` is still to be completed.
pub(crate) fn flush_pending(ticket: u64) -> bool {
    ticket > lock(&HUB.queue).flush_completed
}

/// Marks flush `ticket` (and every earlier one) complete and wakes the flushers.
pub(crate) fn complete_flush(ticket: u64) {
    let mut queue = lock(&HUB.queue);
    queue.flush_completed = ticket;
    HUB.flushed.notify_all();
}
