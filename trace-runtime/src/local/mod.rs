//! The calling thread: where spans are opened, made current, ended and
//! handed off.
//!
//! Everything here runs on the thread that calls a traced function, so it
//! is the hot path: no lock, no allocation per span in the common case, no
//! atomic read-modify-write. The only way from here to the collector thread
//! is the [`outbox`](outbox::Outbox): ended records are copied into it and
//! handed over in batches.
//!
//! | file | owns |
//! |---|---|
//! | `state.rs` | the per-thread state: current context, span stack, record buffer |
//! | `gate.rs` | whether anything records at all (one load while nothing is installed), and the span filter by callsite |
//! | `sampler.rs` | the process-wide sampling rule, as the hot path reads it |
//! | `start.rs` | starting a span: the sampling decision, the record (with the attributes it starts with), where it lives |
//! | `start_options.rs` | [`StartOptions`]: explicit parent, `root`, links |
//! | `guard.rs` | [`SpanGuard`]: a synchronous span, ended by `Drop`; opened with its attributes in one look-up |
//! | `future.rs` | [`PendingSpan`] and [`Instrumented`]: an async span that follows its task |
//! | `held.rs` | a span owned by a value, entered on demand, ended when told (the tower layer's, which outlives the handler's future) |
//! | `outcome.rs` | `Err`, panic and cancellation as span status ([`CANCELLED_ATTRIBUTE`]) |
//! | `current_span.rs` | the current-span API: [`add_attribute`], [`record_event`], [`with_span`], ids |
//! | `handle.rs` | [`PropagatedContext`]: the current context taken elsewhere |
//! | `interop.rs` | the OpenTelemetry API's context, both ways |
//! | `unsampled.rs` | sampled-out roots: a context that propagates without costing a span |
//! | `outbox.rs` | the one door to the collector |

pub(crate) mod current_span;
pub(crate) mod future;
pub(crate) mod gate;
pub(crate) mod guard;
pub(crate) mod handle;
#[cfg(feature = "tower")]
pub(crate) mod held;
pub(crate) mod interop;
pub(crate) mod outbox;
pub(crate) mod outcome;
pub(crate) mod sampler;
pub(crate) mod start;
pub(crate) mod start_options;
pub(crate) mod state;
pub(crate) mod unsampled;

pub use current_span::{
    add_attribute, add_attributes, current_span_id, current_trace_id, in_span, record_error,
    record_event, set_status, with_span,
};
pub use future::{Instrumented, PendingSpan};
pub use guard::SpanGuard;
pub use handle::{IntoLink, PropagatedContext, propagate_context, with_propagated_context};
pub use interop::current_otel_context;
pub use outcome::CANCELLED_ATTRIBUTE;
pub use start_options::StartOptions;
pub(crate) use state::{Current, LocalState};

/// Hands this thread's ended spans to the collector now (before a flush or
/// a shutdown, so that they are part of it).
pub(crate) fn hand_off_this_thread() {
    state::with_local(LocalState::hand_off);
}
