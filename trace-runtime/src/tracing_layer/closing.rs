//! When a bridged span closed, remembered until its state is dropped.
//!
//! A bridged span ends when `tracing`'s registry drops its extensions (see
//! `bridged.rs`), which happens right after the layers' `on_close`, on the
//! thread that closed it, with no look-up of the span on our side. The
//! registry drops them in an order of its own, though: a child that kept
//! its parent open closes the parent *before* its own extensions go, so
//! stamping the end time at the drop would end a parent before its last
//! child. `on_close` therefore notes the close time here (one clock read,
//! no look-up), and the drop that follows on the same thread takes it.
//!
//! The notes are a ring of [`SLOTS`] entries: a cascade of closes deeper
//! than that (or a drop that happens elsewhere, when another thread still
//! held the span for a moment) falls back to the time of the drop, a few
//! hundred nanoseconds later.

use std::cell::Cell;

use crate::record::{Timestamp, clock};

/// Notes kept per thread: more than the closes one close cascades into in
/// any realistic tree of spans.
const SLOTS: usize = 8;

/// One note: a `tracing` span id and when it closed (id zero: free).
type Note = (u64, Option<Timestamp>);

/// The ring of notes of one thread.
struct Notes {
    next: Cell<usize>,
    slots: [Cell<Note>; SLOTS],
}

thread_local! {
    static NOTES: Notes = const {
        Notes {
            next: Cell::new(0),
            slots: [const { Cell::new((0, None)) }; SLOTS],
        }
    };
}

/// Notes that the `tracing` span `id` closed now.
#[inline]
pub(super) fn note(id: u64) {
    let now = clock::now();
    let _ = NOTES.try_with(|notes| {
        let slot = notes.next.get();
        notes.next.set((slot + 1) % SLOTS);
        notes.slots[slot].set((id, Some(now)));
    });
}

/// When `id` closed on this thread, if it was noted (and forgets it).
#[inline]
pub(super) fn take(id: u64) -> Option<Timestamp> {
    NOTES
        .try_with(|notes| {
            let slot = notes.slots.iter().find(|slot| slot.get().0 == id)?;
            slot.replace((0, None)).1
        })
        .ok()
        .flatten()
}
