//! The propagation handle: [`PropagatedContext`], the current context taken
//! from one place (a thread, a task, a carrier) to be entered in another.
//!
//! It lives with the calling thread's state because starting a span under
//! an explicit parent (`#[traced(parent = ..)]`, [`StartOptions`]) reads it
//! on the hot path; the carriers that produce and consume it are in
//! `crate::propagation`.
//!
//! [`StartOptions`]: super::start_options::StartOptions

use std::sync::Arc;

use opentelemetry::baggage::Baggage;
use opentelemetry::trace::{Link, SpanContext, TraceFlags, TraceId};

use super::state::{self, Current, EnteredContext};
use crate::record::{Scope, SpanIds};

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

    /// A handle for `context`, read from a carrier (see the type's docs for
    /// what entering it keeps).
    pub(crate) fn from_remote(context: Current) -> PropagatedContext {
        PropagatedContext {
            context,
            remote: true,
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

    /// Makes this context current until the returned guard is dropped.
    pub(crate) fn enter(&self) -> EnteredContext {
        let local = state::with_local(|l| l.current.scope.clone()).flatten();
        state::enter(self.effective(local.as_ref()))
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
        context: state::with_local(|l| l.current_context()).unwrap_or_default(),
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

pub(crate) fn span_context_of(span: Option<SpanIds>, scope: Option<&Scope>) -> SpanContext {
    match span {
        Some(ids) => SpanContext::new(
            TraceId::from(ids.trace_id),
            opentelemetry::trace::SpanId::from(ids.span_id),
            TraceFlags::new(ids.flags()),
            ids.remote,
            scope.map(Scope::otel_trace_state).unwrap_or_default(),
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
