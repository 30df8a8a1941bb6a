//! The current context: which span new spans are children of.
//!
//! Each thread owns a [`LocalState`]: the context that is current right now,
//! the stack of spans open on this thread (innermost last) and the buffer of
//! spans that ended here and wait to be handed to the collector. Nothing in
//! it is shared, so opening and closing a span takes no lock and no atomic
//! read-modify-write.
//!
//! A hidden per-thread span stack that nothing cleans up is how context
//! leaks between unrelated work. Here the stack is still per thread, but
//! every entry is owned by a guard (sync spans) or by a future (async spans)
//! whose `Drop` removes it, so it can never outlive the code that opened it. An async span is pushed
//! only while its future is being polled and popped before `poll` returns:
//! context never leaks to another task scheduled on the same thread.
//!
//! # Where a record lives
//!
//! A synchronous span's record is written once, when it opens, into the
//! thread's `records` buffer; its frame on the stack keeps only the slot.
//! Ending it stamps the end time in that slot, and when the stack is empty
//! the whole buffer (a local tree) is handed to the collector by one copy
//! into the thread's outbox (see `outbox.rs` for why the buffer
//! itself stays here). A record is never moved while open: an earlier
//! design kept the record in the frame and moved it into a separate buffer
//! of ended spans, and those moves of a ~200-byte record (push, pop, end)
//! were most of a span's cost (`BENCHMARKS.md`). fastrace keeps its local
//! spans the same way. Records of async spans live in their future between
//! polls and visit the buffer while polled ([`LocalState::take`]).

use std::cell::RefCell;
use std::sync::Arc;

use super::outbox::{LOCAL_BATCH_LIMIT, Outbox};
use super::outcome;
use crate::record::ids::SpanIdGenerator;
use crate::record::{Scope, SpanIds, SpanRecord, clock};

/// What is current: a parent span (or none), and the scope it runs in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Current {
    pub(crate) span: Option<SpanIds>,
    pub(crate) scope: Option<Arc<Scope>>,
}

impl Current {
    pub(crate) const EMPTY: Current = Current {
        span: None,
        scope: None,
    };
}

/// One span open on this thread.
///
/// When the span closes, the context that was current before it comes
/// back. Usually that context is the span's parent, and the record already
/// holds the parent's ids and scope, so the frame saves nothing (copying the
/// 48-byte [`Current`] in and out of every frame was a measurable part of a
/// span's cost). Otherwise (a span with an explicit parent or `root`, a
/// parent that came from the OpenTelemetry API, an async span polled under
/// another context than the one it started in) the previous context is
/// pushed on [`LocalState::saved`].
#[derive(Debug)]
pub(crate) struct Frame {
    /// Where the span's record is in [`LocalState::records`].
    slot: u32,
    /// The previous context is the top of [`LocalState::saved`], not the
    /// span's parent.
    saved: bool,
}

/// Whether `context` is what `record` was started under: its parent's
/// ids (or no span, for a root) and the same scope.
#[inline]
fn is_parent_context(context: &Current, record: &SpanRecord) -> bool {
    same_scope(context.scope.as_ref(), record.scope.as_ref()) && context.span == record.parent_ids()
}

/// Whether two scopes are the same one (or both none).
#[inline]
fn same_scope(a: Option<&Arc<Scope>>, b: Option<&Arc<Scope>>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => Arc::ptr_eq(a, b),
        _ => false,
    }
}

/// Makes `scope` the current scope again after a span whose context was
/// changed under it (a leaked guard): rare, so out of the span's end.
#[cold]
#[inline(never)]
fn restore_scope(current: &mut Current, scope: &Option<Arc<Scope>>) {
    current.scope.clone_from(scope);
}

/// A panic seen by the panic hook while spans were open on this thread.
#[derive(Clone, Debug)]
pub(crate) struct PanicNote {
    pub(crate) message: String,
    pub(crate) file: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// Everything tracing keeps per thread.
#[derive(Debug)]
pub(crate) struct LocalState {
    pub(crate) current: Current,
    pub(crate) stack: Vec<Frame>,
    /// The contexts to restore for the frames marked `saved`, innermost last.
    saved: Vec<Current>,
    /// The records of the spans opened or ended on this thread since the
    /// last hand-off: open ones (each referenced by its frame, in stack
    /// order) and ended ones waiting for the collector. A span's record is
    /// written here once when it opens and stamped in place when it ends,
    /// never moved in between (see "Where a record lives" above).
    records: Vec<SpanRecord>,
    pub(crate) panic: Option<PanicNote>,
    /// Span ids for the spans opened on this thread's stack.
    pub(crate) span_ids: SpanIdGenerator,
    /// Where ended records are copied to travel to the collector: `records`
    /// itself stays on this thread (see [`Outbox`]).
    outbox: Outbox,
    /// Recorded spans started on this thread since the last hand-off; added
    /// to the process-wide counter at hand-off so starting a span touches no
    /// shared cache line.
    pub(crate) started: u64,
}

impl LocalState {
    const fn new() -> LocalState {
        LocalState {
            current: Current::EMPTY,
            stack: Vec::new(),
            saved: Vec::new(),
            records: Vec::new(),
            panic: None,
            span_ids: SpanIdGenerator::new(),
            outbox: Outbox::new(),
            started: 0,
        }
    }

    /// Makes `record` the innermost open span and the current context.
    /// Returns its depth, which identifies it when it is closed or taken back.
    #[inline]
    pub(crate) fn push(&mut self, record: SpanRecord) -> usize {
        let saved = !is_parent_context(&self.current, &record);
        self.push_frame(record, saved)
    }

    /// [`push`](Self::push) for a caller that knows whether the current
    /// context is `record`'s parent context (`saved` is false then): the
    /// synchronous hot path, which started the record under it.
    #[inline(always)] // part of the synchronous hot path (`span::push_under`)
    pub(crate) fn push_frame(&mut self, record: SpanRecord, saved: bool) -> usize {
        if saved {
            self.save_current(&record.scope);
        }
        // The current scope is the record's now (the same `Arc`, or none):
        // only the span changes, and no reference count is touched.
        self.current.span = Some(record.ids());
        #[allow(clippy::cast_possible_truncation)]
        // bounded by LOCAL_BATCH_LIMIT plus the open spans
        let slot = self.records.len() as u32;
        // Written once: the record stays in this slot until it is handed off.
        self.records.push(record);
        self.stack.push(Frame { slot, saved });
        self.stack.len() - 1
    }

    /// Puts the current context aside for a span whose parent context it
    /// is not, and makes the span's scope current. Rare (see [`Frame`]).
    #[cold]
    #[inline(never)]
    fn save_current(&mut self, scope: &Option<Arc<Scope>>) {
        let previous = std::mem::replace(
            &mut self.current,
            Current {
                span: None,
                scope: scope.clone(),
            },
        );
        self.saved.push(previous);
    }

    /// Pops the innermost frame and makes the context that was current
    /// before it current again. Returns its slot.
    #[inline(always)] // part of every span's end (`close`): keep it out of LLVM's budget
    fn pop(&mut self) -> Option<usize> {
        let frame = self.stack.pop()?;
        let slot = frame.slot as usize;
        if frame.saved {
            self.current = self.saved.pop().unwrap_or_default();
        } else if let Some(record) = self.records.get(slot) {
            self.current.span = record.parent_ids();
            // The scope is still the record's unless something left the
            // context changed under the span (a leaked guard).
            if !same_scope(self.current.scope.as_ref(), record.scope.as_ref()) {
                self.current.scope.clone_from(&record.scope);
            }
        } else {
            self.current = Current::EMPTY;
        }
        Some(slot)
    }

    /// The record of the innermost open span (the one [`push`](Self::push) just added).
    #[inline]
    pub(crate) fn top_record(&mut self) -> Option<&mut SpanRecord> {
        let slot = self.stack.last()?.slot;
        self.records.get_mut(slot as usize)
    }

    /// The record of the span open at `depth`.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn record_at(&mut self, depth: usize) -> Option<&mut SpanRecord> {
        let slot = self.stack.get(depth)?.slot;
        self.records.get_mut(slot as usize)
    }

    /// The id of the span open at `depth`.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn span_id_at(&self, depth: usize) -> Option<u64> {
        let slot = self.stack.get(depth)?.slot;
        self.records.get(slot as usize).map(|record| record.span_id)
    }

    /// Ends the span at `depth` in place and restores the context that was
    /// current before it: the end of a synchronous span. Spans left open
    /// above it (only possible if a guard was leaked) end first. `panicking`
    /// marks the span as unwound through by a panic.
    ///
    /// The common end is the first branch, written to touch the frame and
    /// the record once each: the span is on top, sampled, started under
    /// the context it restores, and no panic unwinds through it. Everything
    /// else is [`close_other`](Self::close_other), out of line, so the
    /// common path keeps few registers and a short prologue.
    #[inline(always)] // the end of every synchronous span, in `guard::close`
    pub(crate) fn close(&mut self, depth: usize, panicking: bool) {
        if let Some(&Frame { slot, saved: false }) = self.stack.last()
            && self.stack.len() == depth + 1
            && !panicking
            && let Some(record) = self.records.get_mut(slot as usize)
            && record.sampled
        {
            self.current.span = record.parent_ids();
            // The scope is still the record's unless something left the
            // context changed under the span (a leaked guard).
            if !same_scope(self.current.scope.as_ref(), record.scope.as_ref()) {
                restore_scope(&mut self.current, &record.scope);
            }
            record.end = clock::now();
            self.stack.pop();
            self.after_end();
            return;
        }
        self.close_other(depth, panicking);
    }

    /// [`close`](Self::close) for every other case: spans leaked above,
    /// a saved context, an unsampled record, a panic unwinding.
    #[cold]
    #[inline(never)]
    fn close_other(&mut self, depth: usize, panicking: bool) {
        if self.stack.len() != depth + 1 {
            // Not on top: spans leaked above it end first, or it is gone.
            self.close_above(depth);
            if self.stack.len() != depth + 1 {
                return;
            }
        }
        let Some(slot) = self.pop() else {
            return;
        };
        if panicking && let Some(record) = self.records.get_mut(slot) {
            outcome::mark_panicked(record, self.panic.as_ref());
        }
        self.finish(slot);
        self.after_end();
    }

    /// Removes the span at `depth` from the stack without ending it and
    /// restores the context that was current before it: an async span
    /// leaving the thread between two polls. Returns its record.
    pub(crate) fn take(&mut self, depth: usize) -> Option<SpanRecord> {
        self.close_above(depth);
        if self.stack.len() != depth + 1 {
            return None;
        }
        let slot = self.pop()?;
        // Every record after the slot is an ended one (open records are in
        // stack order and this was the top), so moving the last record into
        // the slot keeps the frames' slots valid.
        let record = self.records.swap_remove(slot);
        if self.stack.is_empty() {
            self.hand_off();
        }
        Some(record)
    }

    /// Ends the spans left open above `depth`, innermost first.
    #[cold]
    fn close_above(&mut self, depth: usize) {
        while self.stack.len() > depth + 1 {
            let Some(slot) = self.pop() else {
                return;
            };
            self.finish(slot);
        }
    }

    /// Stamps the end time on the record in `slot`; an unsampled record
    /// has nothing to export and is removed.
    #[inline(always)] // as `pop`
    fn finish(&mut self, slot: usize) {
        match self.records.get_mut(slot) {
            Some(record) if record.sampled => record.end = clock::now(),
            Some(_) => {
                // Only ended records follow the slot (see `take`).
                self.records.swap_remove(slot);
            }
            None => {}
        }
    }

    /// Ends a span that is not on the stack (an async span that completed
    /// or was dropped, a bridged `tracing` span) and queues it for the
    /// collector.
    pub(crate) fn end(&mut self, mut record: SpanRecord) {
        if record.sampled {
            record.end = clock::now();
            self.records.push(record);
        }
        self.after_end();
    }

    /// [`end`](Self::end) at a time taken before: a bridged `tracing` span
    /// ends when it closed, which can be a moment before its state is dropped.
    #[cfg(feature = "tracing")]
    pub(crate) fn end_at(&mut self, mut record: SpanRecord, at: clock::Timestamp) {
        if record.sampled {
            record.end = at;
            self.records.push(record);
        }
        self.after_end();
    }

    /// Hands the records off when the thread has no span open any more
    /// (or holds too many). The hand-off itself is out of line: it runs
    /// once per local tree, this test once per span.
    #[inline(always)] // part of every span's end
    fn after_end(&mut self) {
        if self.stack.is_empty() || self.records.len() >= LOCAL_BATCH_LIMIT {
            self.end_of_batch();
        }
    }

    /// [`after_end`](Self::after_end)'s hand-off.
    #[inline(never)]
    fn end_of_batch(&mut self) {
        if self.stack.is_empty() {
            self.panic = None;
        }
        self.hand_off();
    }

    /// Hands the ended spans (and the count of started ones) to the collector.
    pub(crate) fn hand_off(&mut self) {
        if self.started != 0 {
            Outbox::count_started(std::mem::take(&mut self.started));
        }
        if self.records.is_empty() {
            return;
        }
        if self.stack.is_empty() {
            self.outbox.send(&mut self.records);
        } else {
            self.hand_off_ended();
        }
    }

    /// Hands off the ended records while spans are still open: the open
    /// ones move to a fresh buffer (keeping their stack order) and their
    /// frames follow them. Rare: only a thread with [`LOCAL_BATCH_LIMIT`]
    /// records under one open span gets here.
    ///
    /// [`LOCAL_BATCH_LIMIT`]: LOCAL_BATCH_LIMIT
    #[cold]
    fn hand_off_ended(&mut self) {
        let records = std::mem::take(&mut self.records);
        let mut open = Vec::with_capacity(records.len());
        let mut ended = Vec::with_capacity(records.len());
        let mut frames = self.stack.iter_mut().peekable();
        for (slot, record) in records.into_iter().enumerate() {
            match frames.next_if(|frame| frame.slot as usize == slot) {
                Some(frame) => {
                    #[allow(clippy::cast_possible_truncation)] // as in `push`
                    let open_slot = open.len() as u32;
                    frame.slot = open_slot;
                    open.push(record);
                }
                None => ended.push(record),
            }
        }
        debug_assert!(frames.next().is_none(), "frames out of stack order");
        self.records = open;
        self.outbox.send(&mut ended);
    }

    /// The current context as it propagates: [`current`](Self::current),
    /// or, when that is empty under a sampled-out root, the root's unsampled
    /// ids (made now if nothing asked for them yet, see `unsampled.rs`).
    pub(crate) fn current_context(&self) -> Current {
        if self.current.span.is_none()
            && self.current.scope.is_none()
            && let Some(ids) = super::unsampled::current_ids()
        {
            return Current {
                span: Some(ids),
                scope: None,
            };
        }
        self.current.clone()
    }

    /// The innermost span open on this thread, if it is the current span.
    pub(crate) fn current_record(&mut self) -> Option<&mut SpanRecord> {
        let current = self.current.span?;
        let record = self.top_record()?;
        (record.span_id == current.span_id).then_some(record)
    }
}

impl Drop for LocalState {
    fn drop(&mut self) {
        // A thread is exiting: nothing ended here may be lost.
        while let Some(frame) = self.stack.pop() {
            self.finish(frame.slot as usize);
        }
        self.hand_off();
    }
}

thread_local! {
    static LOCAL: RefCell<LocalState> = const { RefCell::new(LocalState::new()) };
}

/// Runs `f` on this thread's state. Returns `None` (and does nothing) while
/// the thread is being torn down or when called re-entrantly, e.g. from a
/// panic hook that fired inside the runtime: tracing never panics itself.
#[inline]
pub(crate) fn with_local<R>(f: impl FnOnce(&mut LocalState) -> R) -> Option<R> {
    LOCAL
        .try_with(|cell| cell.try_borrow_mut().ok().map(|mut state| f(&mut state)))
        .ok()
        .flatten()
}

/// Whether this thread has no context at all (no span, no scope): with a
/// sampler that never records roots, a call then has nothing to do. Inlined
/// into every traced call, so the sampled-out path makes no call.
#[inline]
pub(crate) fn nothing_current() -> bool {
    LOCAL
        .try_with(|cell| {
            cell.try_borrow()
                .is_ok_and(|l| l.current.span.is_none() && l.current.scope.is_none())
        })
        .unwrap_or(false)
}

/// Makes `context` current until the returned guard is dropped.
pub(crate) fn enter(context: Current) -> EnteredContext {
    let previous = with_local(|l| std::mem::replace(&mut l.current, context));
    EnteredContext {
        previous,
        _not_send: std::marker::PhantomData,
    }
}

/// Restores the previous context on drop.
#[derive(Debug)]
pub(crate) struct EnteredContext {
    previous: Option<Current>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl Drop for EnteredContext {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            with_local(|l| {
                l.current = previous;
                // Spans that ended under the entered context are handed off now.
                if l.stack.is_empty() {
                    l.hand_off();
                }
            });
        }
    }
}
