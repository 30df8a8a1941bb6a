//! Span ids this process has recently sent out as a parent (written into a
//! carrier's `traceparent`), so that a span received back with such a
//! parent is known to have that parent here, in this process.
//!
//! A server span always has a *remote* parent: the caller's context came
//! from a header. When the caller is this same process (a service calling
//! itself, an example or a test with client and server on loopback), the
//! parent is one of its own spans and will be exported too. The console
//! exporter reads this to wait for that parent and draw the whole trace as
//! one tree, instead of one tree per hop each marked "remote parent".
//!
//! The set is lossy by design: a fixed table of slots indexed by the span
//! id, each holding the last id written to it. A newer id in the same slot
//! makes the older one forgotten, and a forgotten parent is only drawn as
//! before (a separate tree under a "remote parent" note), so nothing is
//! lost and nothing waits for a span that is not coming. Writing costs one
//! relaxed store per injection; span ids are random, so they spread over
//! the slots without hashing.

use std::sync::atomic::{AtomicU64, Ordering};

/// Slots in the table: 32 KiB, the injections of the last few thousand
/// outgoing calls.
const SLOTS: usize = 4096;

static SENT: [AtomicU64; SLOTS] = [const { AtomicU64::new(0) }; SLOTS];

fn slot(span_id: u64) -> &'static AtomicU64 {
    // The low bits of a random id are as random as any.
    &SENT[(span_id as usize) % SLOTS]
}

/// Notes that `span_id` was written into a carrier as the parent of what
/// the receiver starts, a sampled span that this process will export.
pub(crate) fn note_sent(span_id: u64) {
    if span_id != 0 {
        slot(span_id).store(span_id, Ordering::Relaxed);
    }
}

/// Whether `span_id` was recently sent out by [`note_sent`].
pub(crate) fn was_sent(span_id: u64) -> bool {
    span_id != 0 && slot(span_id).load(Ordering::Relaxed) == span_id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_id_is_known_until_another_takes_its_slot() {
        let id = 0x5eed_0000_0000_0001_u64;
        assert!(!was_sent(id));
        note_sent(id);
        assert!(was_sent(id));
        let same_slot = id + SLOTS as u64;
        assert!(!was_sent(same_slot));
        note_sent(same_slot);
        assert!(was_sent(same_slot));
        assert!(!was_sent(id), "forgotten, not confused");
        note_sent(0);
        assert!(!was_sent(0), "the invalid id is never noted");
    }
}
