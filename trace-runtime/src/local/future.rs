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
//!
//! `#[traced]` opens the [`PendingSpan`] when an `async fn` is called, not
//! when its future is first polled, so the span covers the wait before the
//! first poll, takes its parent at the call, and a future dropped unpolled
//! still ends one (cancelled) span.

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
        // Declared first, so dropped first: a span whose future is dropped
        // before completing ends (cancelled) before the future's own drop
        // runs.
        span: AsyncSpan,
        #[pin]
        inner: F,
    }
}

/// The span of one async call between its polls.
///
/// Everything the runtime does for a poll lives here, in code that does
/// not depend on the future's type: [`Instrumented<F>`] only calls it
/// around polling `F`. Compiled once per crate rather than once per traced
/// `async fn` (closures inside a generic `poll` or `PinnedDrop` are generic
/// too), it keeps the code each function adds small: in the compile-time
/// benchmark a traced `async fn` went from about 25 compiled functions to
/// 8. `#[inline]` leaves the optimiser the same poll body as before. Ending
/// a span never completed (the future dropped, polled or not) is its
/// `Drop`.
#[derive(Debug)]
struct AsyncSpan {
    span: Option<OpenSpan>,
    // `Some` for a sampled-out root: the ids made for it, if any.
    unsampled_root: Option<Option<SpanIds>>,
}

impl Drop for AsyncSpan {
    #[inline]
    fn drop(&mut self) {
        if let Some(span) = self.span.take() {
            let mut record = span.record;
            outcome::mark_cancelled(&mut record);
            state::with_local(|local| local.end(record));
        }
    }
}

/// What one poll entered, undone by [`Entered::settle`] (or by unwinding).
enum Entered<'a> {
    /// Nothing: no span, or the thread is being torn down.
    Nothing,
    /// A sampled-out root, open for the poll (closed when dropped).
    UnsampledRoot { _open: unsampled::PollingRoot<'a> },
    /// The span, pushed onto this thread's stack.
    Span(PollScope<'a>),
}

impl AsyncSpan {
    #[inline]
    fn from(span: PendingSpan) -> AsyncSpan {
        let (span, unsampled_root) = match span.0 {
            Pending::Nothing => (None, None),
            Pending::Span(span) => (Some(span), None),
            Pending::UnsampledRoot(ids) => (None, Some(ids)),
        };
        AsyncSpan {
            span,
            unsampled_root,
        }
    }

    /// Makes the span current for one poll.
    #[inline]
    fn enter(&mut self) -> Entered<'_> {
        let Some(span) = self.span.take() else {
            return match self.unsampled_root.as_mut() {
                Some(kept) => Entered::UnsampledRoot {
                    _open: unsampled::PollingRoot::enter(kept),
                },
                None => Entered::Nothing,
            };
        };
        match state::with_local(|local| local.push(span.record)) {
            Some(depth) => Entered::Span(PollScope {
                slot: &mut self.span,
                depth,
                settled: false,
            }),
            // The thread is being torn down: poll without tracing.
            None => Entered::Nothing,
        }
    }
}

impl Entered<'_> {
    /// Leaves the span after a poll that returned (`ready` if the future
    /// completed, which ends the span).
    #[inline]
    fn settle(self, ready: bool) {
        if let Entered::Span(mut scope) = self {
            scope.settle(ready);
        }
    }
}

impl<F> Instrumented<F> {
    /// Runs `future` inside `span`.
    pub fn new(span: PendingSpan, future: F) -> Instrumented<F> {
        Instrumented {
            span: AsyncSpan::from(span),
            inner: future,
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let entered = this.span.enter();
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
