//! What `#[traced]` expands to. Not a public API: no stability promise.
//!
//! The contract (one line each) is kept in sync with `trace-macros`'
//! `expand.rs`: generated code names only items of this module and
//! `::core`, so it compiles in any crate, whatever that crate shadows.

mod attributes;
mod macros;
pub mod observing;
pub mod returning;

pub use crate::attributes::{Debug, Display};
pub use crate::local::{Instrumented, PendingSpan, SpanGuard, StartOptions};
pub use crate::record::{Callsite, StaticAttribute, StaticValue};
pub use attributes::{Attributes, Nil, Recording, Starting, With, WriteAttributes};
pub use opentelemetry::trace::SpanKind;

pub use crate::{
    __traced_observe as observe, __traced_observe_debug as observe_debug,
    __traced_observe_display as observe_display, __traced_observe_try as observe_try,
    __traced_observe_try_debug as observe_try_debug,
    __traced_observe_try_display as observe_try_display, __traced_record_return as record_return,
    __traced_record_return_debug as record_return_debug,
    __traced_record_return_display as record_return_display,
};

/// Records an attribute on the current span: `attrs(key = expr)` and `args(name)`.
#[inline]
pub fn record<V: crate::AttributeValue + ?Sized>(key: &'static &'static str, value: &V) {
    crate::local::current_span::record_static_key(key, value);
}
