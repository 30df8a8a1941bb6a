//! The synchronous span: [`SpanGuard`], whose `Drop` ends it.
//!
//! Every end goes through `Drop`, so a span ends exactly once on every exit:
//! return, `?`, early `return`, or a panic unwinding through the call.
//!
//! A span that starts with attributes (`#[traced(args(..), attrs(..))]`)
//! can be opened with them ([`SpanGuard::enter_with_attributes`], through
//! `__private::Attributes::enter`): the values go into the record before
//! it is pushed, in the same look-up of the thread's state. Recording them
//! after [`SpanGuard::enter`] looks the span up a second time and writes
//! through a pointer the compiler knows nothing about: about 150
//! instructions per `i64` argument against 66 this way (`BENCHMARKS.md`).

use std::borrow::Cow;
use std::marker::PhantomData;

use super::start::push_under;
use super::start_options::StartOptions;
use super::{current_span, gate, sampler, state, unsampled};
use crate::record::{Callsite, InlineAttributes, SpanRecord};

/// The depth of a guard that holds no span.
const INERT: usize = usize::MAX;
/// The depth of a guard that holds a sampled-out root (see `unsampled.rs`).
const UNSAMPLED_ROOT: usize = usize::MAX - 1;

/// Keeps a synchronous span open; dropping it ends the span.
///
/// Created by `#[traced]` on a non-async function. It is `!Send`: the span
/// lives on this thread's stack and must end here.
#[derive(Debug)]
#[must_use = "the span ends when the guard is dropped"]
pub struct SpanGuard {
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

impl SpanGuard {
    /// Opens a span for `callsite` as a child of the current context and makes it current.
    #[inline]
    pub fn enter(callsite: &'static Callsite) -> SpanGuard {
        if !Self::records(callsite) {
            return SpanGuard::inert();
        }
        if Self::unsampled_root() {
            return SpanGuard::UNSAMPLED;
        }
        Self::enter_recording(callsite)
    }

    /// [`enter`](Self::enter) for a span that starts with attributes (the
    /// macro's `attrs(..)` and `args(..)`, already evaluated), written into
    /// its record before it is pushed: the span is found once, where
    /// recording them after the start looks it up again.
    ///
    /// `prepare` is called first, inlined in the caller, where each
    /// value's type is known: it puts the values into the inline slots
    /// (see `record/inline.rs`) and says whether all of them fit. Then the
    /// start takes them as one copy, and the caller's code for the common
    /// case is a few stores per value. Otherwise `write` records them on
    /// the new record the general way (details box, limits). Neither runs
    /// for a span that is not recorded; `write` only for a sampled one.
    #[inline]
    pub(crate) fn enter_with_attributes<A>(
        callsite: &'static Callsite,
        attributes: A,
        prepare: impl FnOnce(&A, &mut InlineAttributes) -> bool,
        write: impl FnOnce(&A, &mut SpanRecord),
    ) -> SpanGuard {
        let gate = gate::read();
        if !gate.is_open() {
            return SpanGuard::inert();
        }
        if !gate.admits(callsite) {
            // Filtered out: the values land where the body's spans attach,
            // on the nearest recorded ancestor, as they would when
            // recorded after the start (see `pipeline/filter.rs`).
            current_span::on_current(|record| write(&attributes, record));
            return SpanGuard::inert();
        }
        if Self::unsampled_root() {
            return SpanGuard::UNSAMPLED;
        }
        let mut inline = InlineAttributes::EMPTY;
        if prepare(&attributes, &mut inline) {
            Self::enter_recording_inline(callsite, inline)
        } else {
            // Moved, not borrowed: the values stay in registers on the
            // common path and are stored only for this call.
            Self::enter_recording_writing(callsite, move |record| write(&attributes, record))
        }
    }

    /// Whether spans of `callsite` are recorded at all: a pipeline or a
    /// capture is there and no filter leaves them out. A filtered-out call
    /// pushes nothing, so what is current stays current and the body's
    /// spans attach to it (see `gate.rs`).
    #[inline]
    fn records(callsite: &'static Callsite) -> bool {
        let gate = gate::read();
        gate.is_open() && gate.admits(callsite)
    }

    /// Whether this call is a sampled-out root with nothing current: then
    /// there is nothing to record, a context to hand out only if asked
    /// (see `unsampled.rs`), and it is entered here.
    #[inline]
    fn unsampled_root() -> bool {
        if sampler::global_mode().roots_never_sampled() && state::nothing_current() {
            unsampled::enter();
            return true;
        }
        false
    }

    #[inline(never)]
    fn enter_recording(callsite: &'static Callsite) -> SpanGuard {
        SpanGuard::pushed(state::with_local(|local| {
            push_under(local, None, callsite, |_| {})
        }))
    }

    /// [`enter_recording`](Self::enter_recording) with the inline
    /// attributes the span starts with.
    #[inline(never)]
    fn enter_recording_inline(callsite: &'static Callsite, inline: InlineAttributes) -> SpanGuard {
        SpanGuard::pushed(state::with_local(|local| {
            push_under(local, None, callsite, |record| record.inline = inline)
        }))
    }

    /// [`enter_recording`](Self::enter_recording) with attributes that
    /// take the general path: one copy per list of attribute types, out of
    /// the caller's body like the plain one.
    #[inline(never)]
    fn enter_recording_writing(
        callsite: &'static Callsite,
        write: impl FnOnce(&mut SpanRecord),
    ) -> SpanGuard {
        SpanGuard::pushed(state::with_local(|local| {
            push_under(local, None, callsite, write)
        }))
    }

    /// Opens a span whose parent and links `options` choose, and makes it current.
    pub fn enter_with(callsite: &'static Callsite, options: StartOptions) -> SpanGuard {
        let gate = gate::read();
        if !gate.is_open() || !gate.admits(callsite) {
            return SpanGuard::inert();
        }
        SpanGuard::pushed(state::with_local(|local| options.push(local, callsite)))
    }

    /// Opens a span with a name chosen at run time.
    pub(crate) fn enter_named(callsite: &'static Callsite, name: Cow<'static, str>) -> SpanGuard {
        if !gate::is_open() {
            return SpanGuard::inert();
        }
        SpanGuard::pushed(state::with_local(|local| {
            push_under(local, None, callsite, |record| {
                record.details().name = Some(name);
            })
        }))
    }

    /// The guard of the span pushed at `depth`, if one was.
    #[inline]
    fn pushed(depth: Option<usize>) -> SpanGuard {
        SpanGuard {
            depth: depth.unwrap_or(INERT),
            _not_send: PhantomData,
        }
    }

    /// The guard of a sampled-out root (see `unsampled.rs`).
    const UNSAMPLED: SpanGuard = SpanGuard {
        depth: UNSAMPLED_ROOT,
        _not_send: PhantomData,
    };

    const fn inert() -> SpanGuard {
        SpanGuard {
            depth: INERT,
            _not_send: PhantomData,
        }
    }
}

impl Drop for SpanGuard {
    #[inline]
    fn drop(&mut self) {
        match self.depth {
            INERT => {}
            UNSAMPLED_ROOT => unsampled::leave(),
            depth => close(depth),
        }
    }
}

/// Ends the span at `depth` of this thread's stack.
#[inline(never)]
fn close(depth: usize) {
    state::with_local(|local| local.close(depth, std::thread::panicking()));
}
