//! The state of one bridged `tracing` span: where its record is right now.
//!
//! A `tracing` span is a handle that can be entered, exited, moved to
//! another thread and entered there, entered twice, and closed wherever its
//! last handle is dropped. Our span record must follow it without ever
//! being in two places, so [`Bridged`] (kept in the `tracing` span's
//! extensions) says where the record is:
//!
//! * **idle**: in the extensions, between entries (a `tracing::Instrument`ed
//!   future between polls, a span created but not entered yet);
//! * **on a stack**: pushed on the span stack of the thread that entered it
//!   (`on_enter`), so it is the parent of what runs inside and the target of
//!   `trace_runtime::add_attribute` and friends, exactly as an instrumented
//!   future is pushed for the duration of a poll; `on_exit` pops it back
//!   into the extensions;
//! * **ended**: the span closed (or, misuse, an enclosing span closed it
//!   as a stray: exits out of order).
//!
//! A span ends when `tracing`'s registry drops this state, right after the
//! layers' `on_close` on the closing thread, not in `on_close` itself: the
//! drop has the state at hand, where `on_close` would look the span up in
//! the registry and lock its extensions once more (about a quarter of the
//! layer's cost per span). The end time is the one `on_close` noted
//! (`closing.rs`).
//!
//! Entering a span whose record is already on a stack (entered twice,
//! nested, or on two threads at once) makes its context current without
//! moving the record: a *visit*, undone by the matching exit. Exits on a
//! thread match its entries last-in first-out, as `tracing` guards do.
//!
//! Threads are told apart by the address of their `LocalState` (unique
//! among live threads, free to read); a record is only ever popped after
//! checking that the frame at the remembered depth is still this span's.

use std::sync::Arc;

use crate::local::start::OpenSpan;
use crate::local::{Current, LocalState};
use crate::record::SpanRecord;
use crate::record::clock;
use crate::record::{Scope, SpanIds};

use super::callsites::Kinds;
use super::closing;

/// Identifies a thread while it lives: the address of its `LocalState`.
pub(super) fn thread_of(local: &LocalState) -> usize {
    std::ptr::from_ref(local) as usize
}

/// Where a bridged span's record is.
#[derive(Debug)]
enum Place {
    Idle(SpanRecord),
    OnStack { thread: usize, depth: usize },
    Ended,
}

/// A context made current by entering a span whose record is elsewhere.
#[derive(Debug)]
struct Visit {
    thread: usize,
    previous: Current,
}

/// Our span for one `tracing` span, kept in its extensions.
#[derive(Debug)]
pub(super) struct Bridged {
    /// The `tracing` span's id, which `on_close` notes the close time under.
    tracing_id: u64,
    ids: SpanIds,
    scope: Option<Arc<Scope>>,
    pub(super) kinds: &'static Kinds,
    place: Place,
    visits: Vec<Visit>,
}

impl Bridged {
    pub(super) fn new(tracing_id: u64, span: OpenSpan, kinds: &'static Kinds) -> Bridged {
        Bridged {
            tracing_id,
            ids: span.record.ids(),
            scope: span.record.scope.clone(),
            kinds,
            place: Place::Idle(span.record),
            visits: Vec::new(),
        }
    }

    /// The context children of this span start under.
    pub(super) fn context(&self) -> Current {
        Current {
            span: Some(self.ids),
            scope: self.scope.clone(),
        }
    }

    pub(super) fn ids(&self) -> SpanIds {
        self.ids
    }

    /// Whether the frame at `depth` of this thread's stack is this span's record.
    fn is_at(&self, local: &LocalState, depth: usize) -> bool {
        local
            .span_id_at(depth)
            .is_some_and(|span_id| span_id == self.ids.span_id)
    }

    /// The record, when it can be reached from this thread and is recorded.
    pub(super) fn record_mut<'a>(
        &'a mut self,
        local: &'a mut LocalState,
    ) -> Option<&'a mut SpanRecord> {
        if !self.ids.sampled {
            return None;
        }
        match self.place {
            Place::Idle(ref mut record) => Some(record),
            Place::OnStack { thread, depth } if thread == thread_of(local) => local
                .record_at(depth)
                .filter(|record| record.span_id == self.ids.span_id),
            Place::OnStack { .. } | Place::Ended => None,
        }
    }

    /// `on_enter`: pushes the record on this thread's stack, or visits.
    pub(super) fn enter(&mut self, local: &mut LocalState) {
        match std::mem::replace(&mut self.place, Place::Ended) {
            Place::Idle(record) => {
                let depth = local.push(record);
                self.place = Place::OnStack {
                    thread: thread_of(local),
                    depth,
                };
            }
            elsewhere => {
                self.place = elsewhere;
                let previous = std::mem::replace(&mut local.current, self.context());
                self.visits.push(Visit {
                    thread: thread_of(local),
                    previous,
                });
            }
        }
    }

    /// `on_exit`: undoes this thread's latest entry.
    pub(super) fn exit(&mut self, local: &mut LocalState) {
        let thread = thread_of(local);
        if let Some(index) = self.visits.iter().rposition(|v| v.thread == thread) {
            local.current = self.visits.remove(index).previous;
            if local.stack.is_empty() {
                local.hand_off();
            }
            return;
        }
        if let Place::OnStack {
            thread: owner,
            depth,
        } = self.place
            && owner == thread
        {
            // Written in place: a record is moved once on its way back.
            let record = if self.is_at(local, depth) {
                local.take(depth)
            } else {
                // Closed as a stray by a span below it that ended first.
                None
            };
            self.place = record.map_or(Place::Ended, Place::Idle);
        }
    }

    /// Ends the span (once), as it closed at `closed_at`.
    fn close(&mut self, local: &mut LocalState, closed_at: Option<clock::Timestamp>) {
        match std::mem::replace(&mut self.place, Place::Ended) {
            Place::Idle(record) => {
                // A note older than the span is another span's (see `closing.rs`).
                let end = closed_at
                    .filter(|&at| at >= record.start)
                    .unwrap_or_else(clock::now);
                local.end_at(record, end);
            }
            Place::OnStack { thread, depth }
                if thread == thread_of(local) && self.is_at(local, depth) =>
            {
                // Closed while entered: leave the stack as the exit would have.
                local.close(depth, false);
            }
            // On another thread's stack (closed while entered there, which
            // `tracing`'s guards rule out): that thread's enclosing span, or
            // the thread's exit, ends it. Or already ended.
            Place::OnStack { .. } | Place::Ended => {}
        }
    }
}

/// The registry dropped the span's state: it closed (or, when the layer
/// was removed or the span dropped without a close, nobody will ever close
/// it: a span is never silently lost either way).
impl Drop for Bridged {
    fn drop(&mut self) {
        if let Place::Ended = self.place {
            return;
        }
        let closed_at = closing::take(self.tracing_id);
        crate::local::state::with_local(|local| self.close(local, closed_at));
    }
}
