//! [`HeldSpan`]: a span owned by a value and entered on demand, ended when
//! its owner says so.
//!
//! An [`Instrumented`](super::Instrumented) future ends its span when the
//! future completes. Some spans outlive the future that started them: an
//! HTTP server span lasts until the response body has been sent, which is
//! after the handler's future returned the response. A held span is opened
//! like an async span (off the stack, see `start.rs`), entered around each
//! piece of work that belongs to it ([`HeldSpan::in_scope`], pushed on the
//! polling thread's stack and taken off again, as `Instrumented` does on
//! every poll), written to directly while it is not entered, and ended by
//! [`HeldSpan::end`], [`HeldSpan::end_cancelled`] or its `Drop`. A panic
//! inside `in_scope` ends it there, with the panic recorded, exactly as a
//! traced call.

use std::borrow::Cow;
use std::fmt::Display;

use opentelemetry::trace::Status;
use opentelemetry::{Key, Value};

use super::start::OpenSpan;
use super::start_options::StartOptions;
use super::{gate, outcome, state};
use crate::attributes::AttributeValue;
use crate::record::{Callsite, SpanRecord};

/// Whether a span of `callsite` would be recorded at all: a pipeline or a
/// capture is running and the span filter admits it. Lets a caller skip
/// reading its input when nothing would be recorded.
#[inline]
pub(crate) fn enabled(callsite: &'static Callsite) -> bool {
    let gate = gate::read();
    gate.is_open() && gate.admits(callsite)
}

/// A span owned by a value rather than by a scope (see the module docs).
#[derive(Debug)]
pub(crate) struct HeldSpan {
    /// `None` when nothing records, or once the span has ended.
    span: Option<OpenSpan>,
    /// [`set`](Self::set) appends (see [`with_own_attributes`](Self::with_own_attributes)).
    appending: bool,
}

impl HeldSpan {
    /// A held span that records nothing.
    pub(crate) const INERT: HeldSpan = HeldSpan {
        span: None,
        appending: false,
    };

    /// Opens a span of `callsite` whose parent and links `options` choose
    /// (the current context by default). Inert when [`enabled`] is false.
    pub(crate) fn start(callsite: &'static Callsite, options: StartOptions) -> HeldSpan {
        if !enabled(callsite) {
            return HeldSpan::INERT;
        }
        HeldSpan {
            span: state::with_local(|local| options.open(local, callsite)),
            appending: false,
        }
    }

    /// The record, when the span is sampled (an unsampled span still has
    /// ids to propagate, but nothing written to it is kept).
    #[inline]
    pub(crate) fn record(&mut self) -> Option<&mut SpanRecord> {
        self.span
            .as_mut()
            .map(|span| &mut span.record)
            .filter(|record| record.sampled)
    }

    /// Whether what is written to the span is kept.
    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.span.as_ref().is_some_and(|span| span.record.sampled)
    }

    /// Renames the span.
    pub(crate) fn rename(&mut self, name: Cow<'static, str>) {
        if let Some(record) = self.record() {
            record.details().name = Some(name);
        }
    }

    /// Sets an attribute (replacing one with the same key) as a traced
    /// call records its own: a scalar or short text may be kept in the
    /// record itself, longer text is copied into the span's details rather
    /// than allocated (see `record::inline` and `record::details`). What
    /// the layers record per request goes through here, so a request
    /// allocates no `String` per attribute.
    #[inline]
    pub(crate) fn set<V: AttributeValue + ?Sized>(
        &mut self,
        key: &'static &'static str,
        value: &V,
    ) {
        let appending = self.appending;
        if let Some(record) = self.record() {
            if appending {
                record.append(Key::from_static_str(key), value);
            } else {
                record.record_static(key, value);
            }
        }
    }

    /// Runs `write`, in which [`set`](Self::set) appends each attribute
    /// without looking for an earlier one with its key: for an integration
    /// writing the attributes it starts the span with, **each key at most
    /// once** (checked in debug builds). Only on a span that has no
    /// attribute yet (a start hook may have set some); otherwise `set`
    /// replaces as usual. A request's ten attributes cost about half as
    /// much this way: looking for the key was most of an attribute's cost.
    pub(crate) fn with_own_attributes(&mut self, write: impl FnOnce(&mut HeldSpan)) {
        self.appending = self.record().is_some_and(|r| r.has_no_attributes());
        write(self);
        self.appending = false;
    }

    /// [`set`](Self::set) for a key made at run time.
    pub(crate) fn set_key(&mut self, key: Key, value: Value) {
        if let Some(record) = self.record() {
            record.set_attribute(key, value);
        }
    }

    /// Sets status Error with `description`, unless a panic or an earlier
    /// error already set it.
    pub(crate) fn set_error(&mut self, description: Cow<'static, str>) {
        if let Some(record) = self.record() {
            let details = record.details();
            if *details.status() == Status::Unset {
                details.set_status(Status::Error { description });
            }
        }
    }

    /// Records a failure as a traced call records an `Err`: status Error
    /// and an `exception` event with `type_name` and `message`.
    pub(crate) fn record_exception(&mut self, type_name: &'static str, message: &dyn Display) {
        if let Some(record) = self.record() {
            outcome::record_exception(record, type_name, message, std::iter::empty());
        }
    }

    /// Runs `f` with the span current: spans started inside are its
    /// children, and the current-span API reaches it. A panic out of `f`
    /// ends the span with the panic recorded, then keeps unwinding.
    pub(crate) fn in_scope<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let Some(span) = self.span.take() else {
            return f();
        };
        let Some(depth) = state::with_local(|local| local.push(span.record)) else {
            // The thread is being torn down: run without tracing.
            return f();
        };
        let mut entered = Entered {
            slot: &mut self.span,
            depth,
            settled: false,
        };
        let result = f();
        entered.settle();
        result
    }

    /// Ends the span now.
    pub(crate) fn end(mut self) {
        self.finish(false);
    }

    /// Ends the span now, marked cancelled (status unchanged): its work
    /// was dropped before it completed.
    pub(crate) fn end_cancelled(mut self) {
        self.finish(true);
    }

    fn finish(&mut self, cancelled: bool) {
        if let Some(span) = self.span.take() {
            let mut record = span.record;
            if cancelled {
                outcome::mark_cancelled(&mut record);
            }
            state::with_local(|local| local.end(record));
        }
    }
}

impl Drop for HeldSpan {
    fn drop(&mut self) {
        self.finish(false);
    }
}

/// Takes the span off the thread when `in_scope` leaves, also by unwinding.
struct Entered<'a> {
    slot: &'a mut Option<OpenSpan>,
    depth: usize,
    settled: bool,
}

impl Entered<'_> {
    fn settle(&mut self) {
        self.settled = true;
        let depth = self.depth;
        if let Some(record) = state::with_local(|local| local.take(depth)).flatten() {
            *self.slot = Some(OpenSpan { record });
        }
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        if !self.settled {
            // `f` is unwinding: the span ends here, with the panic recorded.
            let depth = self.depth;
            state::with_local(|local| local.close(depth, true));
        }
    }
}
