//! The settings a span's children inherit: [`Scope`].

use std::sync::Arc;

use opentelemetry::KeyValue;
use opentelemetry::baggage::Baggage;

use super::{Decider, Sink};

/// Settings inherited by every span started under a context, whether or not
/// a span is open. Two kinds live here: *local* settings that belong to
/// where the code runs (a test capture's sink, a sampler override) and
/// *trace* settings that travel with the trace across processes (the
/// remote parent's `tracestate`, baggage). Entering a context that came
/// from a carrier keeps the local settings and takes the trace ones
/// ([`Scope::adopt`]), so extracting a remote parent inside a test capture
/// is still captured.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    /// Spans started under this scope are delivered here instead of the pipeline.
    pub(crate) sink: Option<Arc<Sink>>,
    /// Overrides the process-wide sampler for roots started under this scope.
    pub(crate) sampler: Option<Decider>,
    /// Identity attributes stamped first on every span started under this
    /// scope (see `crate::identity`).
    pub(crate) identity: Option<Arc<[KeyValue]>>,
    /// The vendor state of the trace from the remote parent: a validated,
    /// normalized `tracestate` header value, empty when there is none.
    pub(crate) trace_state: String,
    /// W3C baggage travelling with the trace (`Baggage` is not `Clone`).
    pub(crate) baggage: Option<Arc<Baggage>>,
}

impl Scope {
    /// The scope for entering `remote` (trace settings) from `local` (local settings).
    pub(crate) fn adopt(
        local: Option<&Arc<Scope>>,
        remote: Option<&Arc<Scope>>,
    ) -> Option<Arc<Scope>> {
        if remote.is_none_or(|r| !r.carries_trace_state()) {
            let local = local?;
            if !local.carries_trace_state() {
                return Some(Arc::clone(local));
            }
        }
        let scope = Scope {
            trace_state: remote.map(|r| r.trace_state.clone()).unwrap_or_default(),
            baggage: remote.and_then(|r| r.baggage.clone()),
            ..Scope::local_part(local.map(Arc::as_ref))
        };
        (!scope.is_empty()).then(|| Arc::new(scope))
    }

    /// A scope with only the local settings of `scope`.
    pub(crate) fn local_part(scope: Option<&Scope>) -> Scope {
        Scope {
            sink: scope.and_then(|s| s.sink.clone()),
            sampler: scope.and_then(|s| s.sampler),
            identity: scope.and_then(|s| s.identity.clone()),
            ..Scope::default()
        }
    }

    /// A copy of `scope` (or an empty one) with its trace settings too.
    pub(crate) fn copy_of(scope: Option<&Scope>) -> Scope {
        Scope {
            trace_state: scope.map(|s| s.trace_state.clone()).unwrap_or_default(),
            baggage: scope.and_then(|s| s.baggage.clone()),
            ..Scope::local_part(scope)
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.sink.is_none()
            && self.sampler.is_none()
            && self.identity.is_none()
            && !self.carries_trace_state()
    }

    /// Whether the trace settings (tracestate, baggage) are set.
    pub(crate) fn carries_trace_state(&self) -> bool {
        !self.trace_state.is_empty() || self.baggage.as_ref().is_some_and(|b| !b.is_empty())
    }
}

impl Scope {
    /// The `tracestate` of spans under this scope, as OpenTelemetry's type,
    /// for exported spans (the header is validated and normalized when it
    /// is extracted). Keys the API crate refuses make it empty there;
    /// propagation is unaffected.
    pub(crate) fn otel_trace_state(&self) -> opentelemetry::trace::TraceState {
        if self.trace_state.is_empty() {
            return opentelemetry::trace::TraceState::NONE;
        }
        self.trace_state.parse().unwrap_or_default()
    }
}
