//! The instrumented future: an async span that follows its task.
//!
//! The span is owned by the future, not by a thread. On every `poll` it is
//! pushed onto the polling thread's stack (so it is the parent of whatever
//! the body starts) and popped before `poll` returns, whatever the outcome:
//! context never stays behind on a thread across an `.await`, and a task
//! resumed on another worker thread carries its span along. The span ends
//! when the body completes, when `poll` unwinds from a panic, or, if neither
//! happened, when the future is dropped: then it is marked with the
//! attribute `traced.cancelled = true` (status Unset, see [`crate::status`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::context;
use crate::span::{OpenSpan, PendingSpan};

pin_project_lite::pin_project! {
    /// A future that runs inside a span. Created by `#[traced]` on async
    /// functions.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Instrumented<F> {
        #[pin]
        inner: F,
        span: Option<OpenSpan>,
    }

    impl<F> PinnedDrop for Instrumented<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(span) = this.project().span.take() {
                let mut record = span.record;
                crate::status::mark_cancelled(&mut record);
                context::with_local(|local| local.end(record));
            }
        }
    }
}

impl<F> Instrumented<F> {
    /// Runs `future` inside `span`.
    pub fn new(span: PendingSpan, future: F) -> Instrumented<F> {
        Instrumented {
            inner: future,
            span: span.0,
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(span) = this.span.take() else {
            return this.inner.poll(cx);
        };
        let Some(depth) = context::with_local(|local| local.push(span.record)) else {
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
        context::with_local(|local| {
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
        context::with_local(|local| local.close(depth, true));
    }
}
