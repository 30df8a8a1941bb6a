//! The async span: [`PendingSpan`] (opened at the call) and the
//! [`Instrumented`] future that carries it with its task.
//!
//! The span is owned by the future, not by a thread. On every `poll` it is
//! pushed onto the polling thread's stack (so it is the parent of whatever
//! the body starts) and popped before `poll` returns, whatever the outcome:
//! context never stays behind on a thread across an `.await`, and a task
//! resumed on another worker thread carries its span along. The span ends
//! when the body completes, when `poll` unwinds from a panic, or, if neither
//! happened, when the future is dropped: then it is marked with the
//! attribute `traced.cancelled = true` (status Unset, see `outcome.rs`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::borrow::Cow;

use opentelemetry::Key;

use super::start::{OpenSpan, open};
use super::start_options::StartOptions;
use super::{gate, outcome, sampler, state, unsampled};
use crate::record::{Callsite, SpanIds};

/// An async span: opened (parent, id and start time taken) when the call
/// starts, entered each time its future is polled.
///
/// Created by `#[traced]` on an async function and handed to
/// [`Instrumented::new`].
#[derive(Debug)]
#[must_use = "a pending span records nothing until it is instrumenting a future"]
pub struct PendingSpan(Pending);

/// What an async call holds between its start and its end.
#[derive(Debug)]
enum Pending {
    /// Nothing: no pipeline, the span filter leaves the callsite out, or
    /// the thread is being torn down.
    Nothing,
    /// A span, recorded or not.
    Span(OpenSpan),
    /// A sampled-out root with nothing current: no span, only the ids made
    /// for it if something asked (see `unsampled.rs`).
    UnsampledRoot(Option<SpanIds>),
}

impl PendingSpan {
    /// Opens a span for `callsite` as a child of the current context.
    #[inline]
    pub fn new(callsite: &'static Callsite) -> PendingSpan {
        let gate = gate::read();
        if !gate.is_open() || !gate.admits(callsite) {
            // Filtered out: polled without a span, the body's spans attach
            // to whatever is current when it is polled (see `gate.rs`).
            return PendingSpan(Pending::Nothing);
        }
        if sampler::global_mode().roots_never_sampled() && state::nothing_current() {
            return PendingSpan(Pending::UnsampledRoot(None));
        }
        PendingSpan::from(state::with_local(|local| open(local, callsite)))
    }

    pub(crate) fn set(&mut self, key: Key, value: opentelemetry::Value) {
        if let Pending::Span(span) = &mut self.0
            && span.record.sampled
        {
            span.record.set_attribute(key, value);
        }
    }

    pub(crate) fn rename(&mut self, name: Cow<'static, str>) {
        if let Pending::Span(span) = &mut self.0 {
            span.record.details().name = Some(name);
        }
    }

    /// Opens a span whose parent and links `options` choose.
    pub fn new_with(callsite: &'static Callsite, options: StartOptions) -> PendingSpan {
        let gate = gate::read();
        if !gate.is_open() || !gate.admits(callsite) {
            return PendingSpan(Pending::Nothing);
        }
        PendingSpan::from(state::with_local(|local| options.open(local, callsite)))
    }

    fn from(span: Option<OpenSpan>) -> PendingSpan {
        PendingSpan(span.map_or(Pending::Nothing, Pending::Span))
    }
}

pin_project_lite::pin_project! {
    /// A future that runs inside a span. Created by `#[traced]` on async
    /// functions.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F> {
        #[pin]
        inner: F,
        span: Option<OpenSpan>,
        // `Some` for a sampled-out root: the ids made for it, if any.
        unsampled_root: Option<Option<SpanIds>>,
    }

    impl<F> PinnedDrop for Instrumented<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(span) = this.project().span.take() {
                let mut record = span.record;
                outcome::mark_cancelled(&mut record);
                state::with_local(|local| local.end(record));
            }
        }
    }
}

impl<F> Instrumented<F> {
    /// Runs `future` inside `span`.
    pub fn new(span: PendingSpan, future: F) -> Instrumented<F> {
        let (span, unsampled_root) = match span.0 {
            Pending::Nothing => (None, None),
            Pending::Span(span) => (Some(span), None),
            Pending::UnsampledRoot(ids) => (None, Some(ids)),
        };
        Instrumented {
            inner: future,
            span,
            unsampled_root,
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(span) = this.span.take() else {
            let _root = this
                .unsampled_root
                .as_mut()
                .map(unsampled::PollingRoot::enter);
            return this.inner.poll(cx);
        };
        let Some(depth) = state::with_local(|local| local.push(span.record)) else {
            // The thread is being torn down: poll without tracing.
            return this.inner.poll(cx);
        };
        let mut entered = PollScope {
            slot: this.span,
            depth,
            settled: false,
        };
        let result = this.inner.poll(cx);
        entered.settle(result.is_ready());
        result
    }
}

/// Takes the span off the thread when `poll` leaves, also by unwinding.
struct PollScope<'a> {
    slot: &'a mut Option<OpenSpan>,
    depth: usize,
    settled: bool,
}

impl PollScope<'_> {
    fn settle(&mut self, ready: bool) {
        self.settled = true;
        let slot = &mut *self.slot;
        state::with_local(|local| {
            if ready {
                local.close(self.depth, false);
            } else if let Some(record) = local.take(self.depth) {
                *slot = Some(OpenSpan { record });
            }
        });
    }
}

impl Drop for PollScope<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // `poll` is unwinding: the span ends here, with the panic recorded.
        let depth = self.depth;
        state::with_local(|local| local.close(depth, true));
    }
}
