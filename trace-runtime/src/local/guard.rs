//! The synchronous span: [`SpanGuard`], whose `Drop` ends it.
//!
//! Every end goes through `Drop`, so a span ends exactly once on every exit:
//! return, `?`, early `return`, or a panic unwinding through the call.

use std::borrow::Cow;
use std::marker::PhantomData;

use super::start::push_under;
use super::start_options::StartOptions;
use super::{gate, sampler, state, unsampled};
use crate::record::Callsite;

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
        let gate = gate::read();
        if !gate.is_open() || !gate.admits(callsite) {
            // Filtered out: nothing pushed, so what is current stays
            // current and the body's spans attach to it (see `gate.rs`).
            return SpanGuard::inert();
        }
        if sampler::global_mode().roots_never_sampled() && state::nothing_current() {
            // Sampled out with nothing current: nothing to record, a
            // context to hand out only if asked (see `unsampled.rs`).
            unsampled::enter();
            return SpanGuard {
                depth: UNSAMPLED_ROOT,
                _not_send: PhantomData,
            };
        }
        Self::enter_recording(callsite)
    }

    #[inline(never)]
    fn enter_recording(callsite: &'static Callsite) -> SpanGuard {
        SpanGuard::pushed(state::with_local(|local| push_under(local, None, callsite)))
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
            let depth = push_under(local, None, callsite);
            if let Some(record) = local.top_record() {
                record.details().name = Some(name);
            }
            depth
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
