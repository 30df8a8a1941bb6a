//! The calling thread's one door to the collector: [`Outbox`].
//!
//! A thread hands its ended spans over when it has no span open any more
//! (or its buffer reaches [`LOCAL_BATCH_LIMIT`]), so a whole local tree
//! travels in one batch and the collector's lock is taken once per batch,
//! not per span. Spans started under a test capture carry its sink in their
//! scope and are delivered there instead, so captures are isolated from
//! each other and from any installed pipeline. Nothing else in `local`
//! names the collector: this file is the whole interface between the two
//! threads on the calling side.
//!
//! # Why records are copied at hand-off
//!
//! A thread's record buffer never leaves it: at hand-off its records are
//! copied into the thread's [`Outbox`], in the compact form of
//! `collector::Batch`, and the outbox's batch is what travels to the
//! collector and comes back emptied. An earlier design swapped the record
//! buffer itself for an emptied one, which saved the copy but made every
//! span write its record into cache lines last read by the collector on
//! another core: each store missed, and that cost the calling thread more
//! than the whole copy (`BENCHMARKS.md`: 74-86 ns per span against 59-62 ns
//! with the copy, in one run on this machine). The copy writes the same
//! lines, but in one sequential burst per batch instead of one miss per
//! store on the hot path.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::collector::{self, Batch};
use crate::record::{Scope, SpanRecord};

/// A thread hands off its ended spans at the latest when it holds this many.
pub(crate) const LOCAL_BATCH_LIMIT: usize = 512;

/// The buffer a thread's ended records are copied into to travel to the
/// collector (see "Why records are copied at hand-off" above). Between two
/// hand-offs it holds an emptied buffer from the collector, or nothing yet.
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
        collector::submit(&mut self.batch);
    }

    /// Adds the recorded spans a thread started since its last hand-off to
    /// the process-wide count (kept per thread so that starting a span
    /// touches no shared cache line).
    #[inline]
    pub(crate) fn count_started(started: u64) {
        collector::COUNTERS
            .started
            .fetch_add(started, Ordering::Relaxed);
    }
}

/// Delivers the records started under a test capture to its sink.
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
                    let kept = Scope {
                        sink: None,
                        ..Scope::copy_of(Some(&scope))
                    };
                    (!kept.is_empty()).then(|| Arc::new(kept))
                });
                sink.push(record);
            }
            None => index += 1,
        }
    }
}
