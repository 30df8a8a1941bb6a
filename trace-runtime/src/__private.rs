//! What `#[traced]` expands to. Not a public API: no stability promise.
//!
//! The contract (one line each) is kept in sync with `trace-macros`'
//! `expand.rs`: generated code names only items of this module and
//! `::core`, so it compiles in any crate, whatever that crate shadows.

pub use crate::callsite::Callsite;
pub use crate::future::Instrumented;
pub use crate::span::{PendingSpan, SpanGuard, StartOptions};
pub use crate::status::observing;
pub use opentelemetry::trace::SpanKind;

pub use crate::{__traced_observe as observe, __traced_observe_try as observe_try};

/// `observe!(&value)`: records an `Err` in `value` on the current span.
///
/// For values whose type is known (a `let` typed with the function's return
/// type): the ladder starts at `std::error::Error`, so the `source()` chain
/// is recorded.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::observing::{
            ObserveDebug as _, ObserveDisplay as _, ObserveOpaque as _, ObserveOther as _,
            ObserveStdError as _,
        };
        (&&&&&$crate::__private::observing::Observed($value)).__traced_observe()
    }};
}

/// `observe_try!(expr)?`: evaluates `expr` once, observes it, yields it for `?`.
///
/// At a `?` the error type may not be inferred yet (`s.parse()?`); method
/// resolution then takes the first rung that may apply. Starting at
/// `Display` (one reference fewer) keeps that compiling for errors that are
/// `Display` but not `std::error::Error` (e.g. `String`); the price is that
/// the `source()` chain is not recorded for errors leaving through `?`.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_try {
    ($value:expr) => {
        match $value {
            __traced_value => {
                {
                    #[allow(unused_imports)]
                    use $crate::__private::observing::{
                        ObserveDebug as _, ObserveDisplay as _, ObserveOpaque as _,
                        ObserveOther as _, ObserveStdError as _,
                    };
                    (&&&&$crate::__private::observing::Observed(&__traced_value)).__traced_observe()
                }
                __traced_value
            }
        }
    };
}
