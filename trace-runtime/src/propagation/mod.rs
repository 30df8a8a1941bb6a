//! Context propagation: across threads, tasks and processes.
//!
//! Inside a process, [`propagate_context`] takes the current context as a
//! [`PropagatedContext`] handle (`Send + Sync + Clone`, an `Option<Arc>` and
//! a few ids, cheap to clone) and [`with_propagated_context`],
//! [`PropagatedContext::wrap`], [`FutureExt::in_context`],
//! [`crate::thread::spawn`] and (feature `tokio`) `crate::tokio::spawn`
//! re-enter it elsewhere. The hand-off is explicit: a thread or task that is
//! not given a handle starts its own traces, which is what the seeds' "span
//! lost at `tokio::spawn`" complaint comes from, made visible instead of
//! implicit.
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

use opentelemetry::baggage::Baggage;
use opentelemetry::trace::{Link, SpanContext, TraceFlags, TraceId};

pub use carrier::{Extract, Inject, Otel};
pub(crate) use w3c::to_otel_trace_state;

use crate::context::{self, Current, Scope, SpanIds};

/// A context taken from one place to be entered in another: a parent span
/// (or none), with the trace's `tracestate` and baggage, and the settings of
/// the scope it was taken in.
///
/// ```
/// use trace_runtime::{propagate_context, traced};
///
/// #[traced]
/// fn on_worker() {}
///
/// #[traced]
/// fn parent() {
///     let handle = propagate_context();
///     std::thread::spawn(handle.wrap(on_worker)).join().unwrap();
/// }
/// # parent();
/// ```
#[derive(Clone, Debug, Default)]
pub struct PropagatedContext {
    context: Current,
    /// Came from a carrier: entering it keeps the local settings (see module docs).
    remote: bool,
}

impl PropagatedContext {
    /// A context with no span: entering it starts new traces.
    pub fn none() -> PropagatedContext {
        PropagatedContext::default()
    }

    /// The trace id as 32 lowercase hex digits, if there is a span.
    pub fn trace_id(&self) -> Option<String> {
        self.context.span.map(|s| format!("{:032x}", s.trace_id))
    }

    /// The span id as 16 lowercase hex digits, if there is a span.
    pub fn span_id(&self) -> Option<String> {
        self.context.span.map(|s| format!("{:016x}", s.span_id))
    }

    /// Whether there is a span and its trace is sampled.
    pub fn is_sampled(&self) -> bool {
        self.context.span.is_some_and(|s| s.sampled)
    }

    /// Whether the span is in another process (the context came from a carrier).
    pub fn is_remote(&self) -> bool {
        self.context.span.is_some_and(|s| s.remote)
    }

    /// The baggage travelling with this context, if any.
    pub fn baggage(&self) -> Option<&Baggage> {
        self.context.scope.as_ref()?.baggage.as_deref()
    }

    /// A copy of this context with `baggage` replacing its baggage.
    ///
    /// ```
    /// use trace_runtime::{otel::baggage::Baggage, propagate_context};
    /// let mut baggage = Baggage::new();
    /// baggage.insert("tenant", "acme");
    /// let handle = propagate_context().with_baggage(baggage);
    /// assert_eq!(handle.baggage().and_then(|b| b.get("tenant")).map(|v| v.as_str()), Some("acme"));
    /// ```
    #[must_use]
    pub fn with_baggage(&self, baggage: Baggage) -> PropagatedContext {
        let scope = Scope {
            baggage: Some(Arc::new(baggage)),
            ..Scope::copy_of(self.context.scope.as_deref())
        };
        PropagatedContext {
            context: Current {
                span: self.context.span,
                scope: Some(Arc::new(scope)),
            },
            remote: self.remote,
        }
    }

    /// Wraps `f` so that it runs under this context wherever it is called:
    /// for closures handed to `std::thread::spawn` or a thread pool.
    pub fn wrap<F, R>(self, f: F) -> impl FnOnce() -> R + Send + 'static
    where
        F: FnOnce() -> R + Send + 'static,
    {
        move || with_propagated_context(&self, f)
    }

    /// A local handle for `context`.
    pub(crate) fn from_current(context: Current) -> PropagatedContext {
        PropagatedContext {
            context,
            remote: false,
        }
    }

    /// The context this handle carries.
    pub(crate) fn current(&self) -> &Current {
        &self.context
    }

    /// The context to make current when entering this handle from a
    /// context whose scope is `local`.
    pub(crate) fn effective(&self, local: Option<&Arc<Scope>>) -> Current {
        if self.remote {
            Current {
                span: self.context.span,
                scope: Scope::adopt(local, self.context.scope.as_ref()),
            }
        } else {
            self.context.clone()
        }
    }

    fn enter(&self) -> context::EnteredContext {
        let local = context::with_local(|l| l.current.scope.clone()).flatten();
        context::enter(self.effective(local.as_ref()))
    }

    /// The span as an OpenTelemetry `SpanContext` (invalid when there is none).
    pub fn span_context(&self) -> SpanContext {
        span_context_of(self.context.span, self.context.scope.as_deref())
    }
}

/// Takes the current context as a handle that can be entered elsewhere.
///
/// ```
/// let handle = trace_runtime::propagate_context();
/// assert_eq!(handle.trace_id(), None); // outside any span
/// ```
pub fn propagate_context() -> PropagatedContext {
    PropagatedContext {
        context: context::with_local(|l| l.current.clone()).unwrap_or_default(),
        remote: false,
    }
}

/// Runs `f` with `context` as the current context.
///
/// ```
/// use trace_runtime::{extract, with_propagated_context, traced};
///
/// #[traced(kind = server)]
/// fn handle() {}
///
/// let headers = vec![("traceparent".to_string(),
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_string())];
/// with_propagated_context(&extract(&headers), handle); // "handle" joins the remote trace
/// ```
pub fn with_propagated_context<R>(context: &PropagatedContext, f: impl FnOnce() -> R) -> R {
    let _entered = context.enter();
    f()
}

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
    let scope = context.context.scope.as_deref();
    if let Some(span) = context.context.span {
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
    let parent = w3c::parse_traceparent(&carrier.get_all("traceparent"));
    let trace_state = match parent {
        Some(_) => w3c::parse_tracestate(&carrier.get_all("tracestate")).unwrap_or_default(),
        None => String::new(), // tracestate without traceparent is discarded
    };
    let baggage = baggage::parse(&carrier.get_all("baggage"));
    let scope = Scope {
        trace_state,
        baggage: (!baggage.is_empty()).then(|| Arc::new(baggage)),
        ..Scope::default()
    };
    let scope = scope.carries_trace_state().then(|| Arc::new(scope));
    PropagatedContext {
        context: Current {
            span: parent.map(|p| SpanIds {
                trace_id: p.trace_id,
                span_id: p.span_id,
                sampled: p.sampled(),
                remote: true,
                random: p.flags & 0x02 != 0,
            }),
            scope,
        },
        remote: true,
    }
}

pub(crate) fn span_context_of(span: Option<SpanIds>, scope: Option<&Scope>) -> SpanContext {
    match span {
        Some(ids) => SpanContext::new(
            TraceId::from(ids.trace_id),
            opentelemetry::trace::SpanId::from(ids.span_id),
            TraceFlags::new(ids.flags()),
            ids.remote,
            scope
                .map(|s| to_otel_trace_state(&s.trace_state))
                .unwrap_or_default(),
        ),
        None => SpanContext::empty_context(),
    }
}

/// Something a span can link to: `#[traced(link = expr)]`.
///
/// Implemented for [`PropagatedContext`] (and references and `Option`s of
/// it) and OpenTelemetry's `SpanContext` and `Link`. A target without a
/// valid span adds no link.
pub trait IntoLink {
    /// The link, if the target has a span.
    fn into_link(self) -> Option<Link>;
}

impl IntoLink for PropagatedContext {
    fn into_link(self) -> Option<Link> {
        (&self).into_link()
    }
}

impl IntoLink for &PropagatedContext {
    fn into_link(self) -> Option<Link> {
        self.span_context().into_link()
    }
}

impl IntoLink for SpanContext {
    fn into_link(self) -> Option<Link> {
        self.is_valid().then(|| Link::with_context(self))
    }
}

impl IntoLink for Link {
    fn into_link(self) -> Option<Link> {
        self.span_context.is_valid().then_some(self)
    }
}

impl<T: IntoLink> IntoLink for Option<T> {
    fn into_link(self) -> Option<Link> {
        self.and_then(IntoLink::into_link)
    }
}

impl From<&PropagatedContext> for Option<PropagatedContext> {
    fn from(context: &PropagatedContext) -> Self {
        Some(context.clone())
    }
}

/// Puts futures under a propagated context.
///
/// ```
/// use trace_runtime::{propagate_context, propagation::FutureExt, traced};
///
/// #[traced]
/// async fn background() {}
///
/// let handle = propagate_context();
/// futures_executor::block_on(background().in_context(handle));
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
