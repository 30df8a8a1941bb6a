//! Context propagation: across threads, tasks and processes.
//!
//! Inside a process, [`propagate_context`] takes the current context as a
//! [`PropagatedContext`] handle (`Send + Sync + Clone`, an `Option<Arc>` and
//! a few ids, cheap to clone) and [`with_propagated_context`],
//! [`PropagatedContext::wrap`], [`FutureExt::in_context`],
//! [`crate::thread::spawn`] and (feature `tokio`) `crate::tokio::spawn`
//! re-enter it elsewhere. The hand-off is explicit: a thread or task that is
//! not given a handle starts its own traces. That is the familiar "span lost
//! at `tokio::spawn`", made visible instead of implicit; the documentation of
//! `crate::tokio` (feature `tokio`) has a `clippy.toml` recipe that flags
//! every plain `tokio::spawn`, `spawn_blocking` and `std::thread::spawn`.
//!
//! Across processes, [`inject`] writes the current context into a carrier
//! (HTTP headers, message metadata: see [`Inject`]) as W3C `traceparent`,
//! `tracestate` and `baggage`; [`extract`] reads it back, strictly (see
//! `w3c.rs`): malformed input is ignored and a new root is started, never a
//! panic. The extracted handle is a parent like any other: pass it to
//! `#[traced(parent = ...)]` or [`with_propagated_context`].
//!
//! Entering an extracted context adopts the remote trace (parent span,
//! `tracestate`, baggage) but keeps the local settings of the context it is
//! entered in, such as a test capture.

mod baggage;
mod carrier;
mod w3c;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

pub use crate::local::{IntoLink, PropagatedContext, propagate_context, with_propagated_context};
pub use carrier::{Extract, Inject, Otel};

#[cfg(feature = "tower")]
pub(crate) use carrier::ContextValues;
use carrier::{Collected, Field, Fields};

use crate::local::Current;
use crate::record::{Scope, SpanIds, sent_parents};

/// Writes the current context into `carrier` as W3C `traceparent`,
/// `tracestate` and `baggage`. Outside any span only baggage is written.
///
/// ```
/// use std::collections::HashMap;
/// use trace_runtime::{inject, traced};
///
/// #[traced(kind = producer)]
/// fn publish(metadata: &mut HashMap<String, String>) {
///     inject(metadata);
/// }
/// # let mut m = HashMap::new(); publish(&mut m);
/// ```
pub fn inject<C: Inject + ?Sized>(carrier: &mut C) {
    inject_context(&propagate_context(), carrier);
}

/// Writes `context` into `carrier` (see [`inject`]).
pub fn inject_context<C: Inject + ?Sized>(context: &PropagatedContext, carrier: &mut C) {
    let scope = context.current().scope.as_deref();
    if let Some(span) = context.current().span {
        if span.sampled && !span.remote {
            // A span of this process, which it will export: the console
            // draws what the receiver starts under it if that comes back here.
            sent_parents::note_sent(span.span_id);
        }
        carrier.set(
            "traceparent",
            w3c::format_traceparent(w3c::Traceparent {
                trace_id: span.trace_id,
                span_id: span.span_id,
                flags: span.flags(),
            }),
        );
        if let Some(state) = scope
            .map(|s| s.trace_state.as_str())
            .filter(|h| !h.is_empty())
        {
            carrier.set("tracestate", state.to_owned());
        }
    }
    if let Some(baggage) = scope
        .and_then(|s| s.baggage.as_deref())
        .and_then(baggage::format)
    {
        carrier.set("baggage", baggage);
    }
}

/// Reads a context from `carrier`. Invalid or missing `traceparent`: the
/// handle has no span (spans under it start a new trace); invalid
/// `tracestate`: discarded, the parent kept; malformed baggage members:
/// skipped. Never panics, whatever the input.
pub fn extract<C: Extract + ?Sized>(carrier: &C) -> PropagatedContext {
    extract_fields(&Collected(carrier))
}

/// [`extract`] from context header values the caller has read (see
/// [`ContextValues`]).
#[cfg(feature = "tower")]
pub(crate) fn extract_values(values: &ContextValues<'_>) -> PropagatedContext {
    extract_fields(values)
}

fn extract_fields(carrier: &impl Fields) -> PropagatedContext {
    let parent = carrier.read(Field::Traceparent, w3c::parse_traceparent);
    let trace_state = match parent {
        Some(_) => carrier
            .read(Field::Tracestate, w3c::parse_tracestate)
            .unwrap_or_default(),
        None => String::new(), // tracestate without traceparent is discarded
    };
    let baggage = carrier.read(Field::Baggage, baggage::parse);
    let scope = Scope {
        trace_state,
        baggage: (!baggage.is_empty()).then(|| Arc::new(baggage)),
        ..Scope::default()
    };
    let scope = scope.carries_trace_state().then(|| Arc::new(scope));
    PropagatedContext::from_remote(Current {
        span: parent.map(|p| SpanIds {
            trace_id: p.trace_id,
            span_id: p.span_id,
            sampled: p.sampled(),
            remote: true,
            random: p.flags & 0x02 != 0,
        }),
        scope,
    })
}

/// Puts futures under a propagated context.
///
/// The context is current while the future is polled, so it is the parent
/// of the spans the future starts then. A traced `async fn` opens its own
/// span when it is called, under the context current at the call: to put
/// that span under `context`, call it inside the future
/// (`async { background().await }.in_context(handle)`), or give it
/// `#[traced(parent = ..)]`.
///
/// ```
/// use trace_runtime::{propagate_context, propagation::FutureExt, traced};
///
/// #[traced]
/// async fn background() {}
///
/// let handle = propagate_context();
/// futures_executor::block_on(async { background().await }.in_context(handle));
/// ```
pub trait FutureExt: Future + Sized {
    /// Polls `self` with `context` current (entered on each poll, left after it).
    fn in_context(self, context: PropagatedContext) -> InContext<Self> {
        InContext {
            inner: self,
            context,
        }
    }
}

impl<F: Future> FutureExt for F {}

pin_project_lite::pin_project! {
    /// A future polled under a [`PropagatedContext`]; see [`FutureExt::in_context`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct InContext<F> {
        #[pin]
        inner: F,
        context: PropagatedContext,
    }
}

impl<F: Future> Future for InContext<F> {
    type Output = F::Output;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.context.enter();
        this.inner.poll(cx)
    }
}
