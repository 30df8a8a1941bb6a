//! Sampled-out roots: a context that propagates without costing a span.
//!
//! With a sampler that never records new roots (`AlwaysOff`, a ratio of 0)
//! a traced call with nothing current records nothing, and that path costs
//! about a bare call: one load of the sampler's mode, one look at this
//! thread's context, and a counter bumped here. But the call is still in a
//! trace as far as the outside world is concerned: the OpenTelemetry SDKs
//! give it an unsampled span context, so `inject` writes a `traceparent`
//! ending in `-00` and a downstream parent-based service follows this
//! service's decision instead of making its own.
//!
//! So the ids of such a root are made lazily, only when something asks for
//! them ([`propagate_context`](super::propagate_context), `inject`,
//! `current_trace_id`, a span started under an explicit scope): the first
//! request draws a trace id and a span id, and every request until the
//! outermost sampled-out call returns gets the same ones. Nested sampled-out
//! calls share them (nothing of theirs is exported, so one span id stands
//! for all of them). An async sampled-out root keeps its ids in its future
//! between polls, so they survive a move to another thread.

use std::cell::Cell;

use crate::record::{SpanIds, ids};

thread_local! {
    /// Sampled-out roots open on this thread (nested ones included).
    static OPEN: Cell<u32> = const { Cell::new(0) };
    /// Their ids, once something asked for them.
    static IDS: Cell<Option<SpanIds>> = const { Cell::new(None) };
}

/// A sampled-out root starts on this thread.
#[inline]
pub(crate) fn enter() {
    // Wrapping: a nesting four billion calls deep cannot happen, and the
    // checked forms cost instructions on every sampled-out call.
    OPEN.with(|open| open.set(open.get().wrapping_add(1)));
}

/// A sampled-out root ends; the outermost one forgets the ids.
#[inline]
pub(crate) fn leave() {
    OPEN.with(|open| {
        let left = open.get().wrapping_sub(1);
        open.set(left);
        if left == 0 {
            IDS.with(|ids| ids.set(None));
        }
    });
}

/// The ids of the sampled-out root open on this thread, made now if nothing
/// asked for them yet; `None` when none is open.
pub(crate) fn current_ids() -> Option<SpanIds> {
    if OPEN.with(Cell::get) == 0 {
        return None;
    }
    Some(IDS.with(|cell| {
        cell.get().unwrap_or_else(|| {
            let made = SpanIds {
                trace_id: ids::new_trace_id(),
                span_id: ids::new_span_id(),
                sampled: false,
                remote: false,
                random: true,
            };
            cell.set(Some(made));
            made
        })
    }))
}

/// One poll of an async sampled-out root: the root is open on this thread
/// while the guard lives, with the ids the future kept from earlier polls;
/// ids made during the poll go back to the future.
#[derive(Debug)]
pub(crate) struct PollingRoot<'a> {
    kept: &'a mut Option<SpanIds>,
    outermost: bool,
}

impl<'a> PollingRoot<'a> {
    /// Opens the root for one poll.
    pub(crate) fn enter(kept: &'a mut Option<SpanIds>) -> PollingRoot<'a> {
        let outermost = OPEN.with(Cell::get) == 0;
        if outermost {
            IDS.with(|ids| ids.set(*kept));
        }
        enter();
        PollingRoot { kept, outermost }
    }
}

impl Drop for PollingRoot<'_> {
    fn drop(&mut self) {
        if self.outermost {
            *self.kept = IDS.with(Cell::get);
        }
        leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_on_request_shared_while_open_and_forgotten_after() {
        assert_eq!(current_ids(), None);
        enter();
        let first = current_ids().expect("a root is open");
        assert!(!first.sampled);
        enter();
        assert_eq!(current_ids(), Some(first), "nested roots share the ids");
        leave();
        assert_eq!(current_ids(), Some(first));
        leave();
        assert_eq!(current_ids(), None);
        enter();
        assert_ne!(current_ids().map(|i| i.trace_id), Some(first.trace_id));
        leave();
    }

    #[test]
    fn an_async_root_keeps_its_ids_between_polls() {
        let mut kept = None;
        let made = {
            let _poll = PollingRoot::enter(&mut kept);
            current_ids()
        };
        assert!(made.is_some());
        assert_eq!(kept, made);
        assert_eq!(current_ids(), None, "nothing stays open after the poll");
        let _poll = PollingRoot::enter(&mut kept);
        assert_eq!(current_ids(), made);
    }
}
