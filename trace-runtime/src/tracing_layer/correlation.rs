//! Log correlation: our trace and span ids in `tracing-subscriber` log lines.
//!
//! [`WithTraceIds`] wraps any `FormatEvent` (the fmt layer's `Full`,
//! `Compact` or `Pretty` formats, or your own) and writes
//! `trace_id=<32 hex> span_id=<16 hex> ` before what it writes. The ids are
//! those of the span the event belongs to: its explicit `parent:` (the
//! nearest recorded one), else the current span of this thread or task,
//! whether a `#[traced]` call or a `tracing` span recorded by
//! [`TracingLayer`](super::TracingLayer). Outside any span, or with no
//! pipeline installed, the line is written as the inner format writes it.
//! Searching the logs for a trace id (or the trace backend for a logged
//! one) leads from one to the other.
//!
//! The prefix makes the line plain text: for JSON lines, add the ids as
//! fields in your own formatter with `trace_runtime::current_trace_id()`
//! and `current_span_id()`.

use std::fmt;

use tracing_core::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use super::bridged::Bridged;
use crate::local::state as context;
use crate::record::SpanIds;

/// An event formatter that starts each line with `trace_id=… span_id=…`,
/// then writes what `inner` writes.
///
/// The ids are those of the span the event belongs to: its explicit
/// `parent:`, else the current span of this thread or task (a `#[traced]`
/// call, or a `tracing` span recorded by [`TracingLayer`](super::TracingLayer)).
/// Outside any span, or with no pipeline installed, the line is left as
/// `inner` writes it. The prefix makes a line plain text: for JSON lines,
/// write the ids as fields in your own formatter with
/// [`current_trace_id`](crate::current_trace_id) and
/// [`current_span_id`](crate::current_span_id).
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
/// use trace_runtime::tracing_layer::{TracingLayer, WithTraceIds};
///
/// let format = WithTraceIds::new(tracing_subscriber::fmt::format().with_target(false));
/// let subscriber = tracing_subscriber::registry()
///     .with(TracingLayer::new())
///     .with(tracing_subscriber::fmt::layer().event_format(format));
/// // tracing::subscriber::set_global_default(subscriber) in `main`; inside a span, lines read
/// // trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7 2025-… INFO checkout: paid
/// # let _ = subscriber;
/// ```
#[derive(Clone, Debug, Default)]
pub struct WithTraceIds<F> {
    inner: F,
}

impl<F> WithTraceIds<F> {
    /// Prefixes the lines `inner` formats with the ids of their span.
    pub fn new(inner: F) -> WithTraceIds<F> {
        WithTraceIds { inner }
    }

    /// The wrapped formatter.
    pub fn inner(&self) -> &F {
        &self.inner
    }
}

/// The span `event` belongs to, in our terms.
fn ids_of<S, N>(event: &Event<'_>, ctx: &FmtContext<'_, S, N>) -> Option<SpanIds>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    if !crate::local::gate::is_open() {
        return None;
    }
    if event.is_contextual() {
        return context::with_local(|local| local.current.span).flatten();
    }
    ctx.span(event.parent()?)?
        .scope()
        .find_map(|span| span.extensions().get::<Bridged>().map(Bridged::ids))
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        if let Some(ids) = ids_of(event, ctx) {
            write!(
                writer,
                "trace_id={:032x} span_id={:016x} ",
                ids.trace_id, ids.span_id
            )?;
        }
        self.inner.format_event(ctx, writer, event)
    }
}
