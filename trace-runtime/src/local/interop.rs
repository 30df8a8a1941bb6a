//! Interoperability with code that uses the OpenTelemetry API directly.
//!
//! * [`current_otel_context`] gives third-party instrumentation an
//!   `opentelemetry::Context` whose span is our current span (and whose
//!   baggage is ours), so spans it creates through an OTel tracer become
//!   children of ours. Cost: one `Context` allocation per call.
//! * The other way round, a `#[traced]` call that has no parent of ours
//!   looks at the OpenTelemetry API's current context, and takes its span
//!   as the parent when one is active. The look-up happens only for would-be
//!   roots (a thread-local read, about as much as starting our span), never
//!   for children, and not at all when the sampler records no new roots.

use opentelemetry::Context;
use opentelemetry::trace::TraceContextExt;

use super::handle::propagate_context;
use crate::record::SpanIds;

/// The current span as an OpenTelemetry `Context`, for instrumentation
/// written against the OpenTelemetry API.
///
/// ```
/// use trace_runtime::otel::trace::TraceContextExt;
/// use trace_runtime::traced;
///
/// #[traced]
/// fn handler() -> bool {
///     let cx = trace_runtime::current_otel_context();
///     cx.span().span_context().is_valid()
/// }
/// # handler();
/// ```
pub fn current_otel_context() -> Context {
    let handle = propagate_context();
    let mut cx = Context::new();
    if let Some(baggage) = handle.baggage().filter(|b| !b.is_empty()) {
        let entries: Vec<opentelemetry::KeyValue> = baggage
            .iter()
            .map(|(key, (value, _))| opentelemetry::KeyValue::new(key.clone(), value.clone()))
            .collect();
        cx = opentelemetry::baggage::BaggageExt::with_baggage(&cx, entries);
    }
    let span_context = handle.span_context();
    if span_context.is_valid() {
        cx = cx.with_remote_span_context(span_context);
    }
    cx
}

/// The span active through the OpenTelemetry API on this thread, if any.
pub(crate) fn active_otel_span() -> Option<SpanIds> {
    Context::map_current(|cx| {
        if !cx.has_active_span() {
            return None;
        }
        let span = cx.span();
        let sc = span.span_context();
        sc.is_valid().then(|| SpanIds {
            trace_id: u128::from_be_bytes(sc.trace_id().to_bytes()),
            span_id: u64::from_be_bytes(sc.span_id().to_bytes()),
            sampled: sc.is_sampled(),
            remote: sc.is_remote(),
            random: sc.trace_flags().to_u8() & 0x02 != 0,
        })
    })
}
