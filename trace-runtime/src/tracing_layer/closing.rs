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
//! hundred nanoseconds later. `tracing` ids are reused (by the next
//! registry, or a slot's next span), so a note left behind by a drop that
//! happened elsewhere is replaced when the id closes again, and a note
//! older than the span's start is never taken for its end.

use std::cell::Cell;

use crate::record::{Timestamp, clock};

/// Notes kept per thread: more than the closes one close cascades into in
/// any realistic tree of spans.
const SLOTS: usize = 8;

/// One note: a `tracing` span id and when it closed (id zero, which
/// `tracing` never gives out: a free slot).
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
        // One note per id: an older one (its drop happened on another
        // thread) must not pass for this close.
        let slot = match notes.slots.iter().position(|slot| slot.get().0 == id) {
            Some(same) => same,
            None => {
                let next = notes.next.get();
                notes.next.set((next + 1) % SLOTS);
                next
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_taken_once() {
        note(7);
        assert!(take(7).is_some());
        assert_eq!(take(7), None);
    }

    #[test]
    fn closing_an_id_again_replaces_its_note() {
        note(8);
        let first = take(8);
        note(8);
        note(8);
        let second = take(8);
        assert!(second >= first);
        assert_eq!(take(8), None, "one note per id");
    }

    #[test]
    fn notes_of_deeper_cascades_fall_back() {
        for id in 100..100 + SLOTS as u64 + 1 {
            note(id);
        }
        assert_eq!(take(100), None, "the oldest note was overwritten");
        assert!(take(100 + SLOTS as u64).is_some());
    }
}
