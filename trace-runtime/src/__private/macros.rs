//! The `macro_rules!` the expansion calls for `Err` observation and `ret`.
//!
//! They are macros, not functions, because autoref specialization needs
//! the method call to be written at the expansion site, where the value's
//! type is known (see `observing.rs`). Exported at the crate root under
//! `__traced_*` names and re-exported by `__private` under short ones.

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

/// `observe_display!(&value)`: like `observe!`, rendering the error with `Display` (`err(%)`).
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_display {
    ($value:expr) => {
        $crate::__private::observing::observe_display($value)
    };
}

/// `observe_debug!(&value)`: like `observe!`, rendering the error with `Debug` (`err(?)`).
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_debug {
    ($value:expr) => {
        $crate::__private::observing::observe_debug($value)
    };
}

/// `observe_try_display!(expr)?`: `observe_try!` with `Display` rendering.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_try_display {
    ($value:expr) => {
        match $value {
            __traced_value => {
                $crate::__private::observing::observe_display(&__traced_value);
                __traced_value
            }
        }
    };
}

/// `observe_try_debug!(expr)?`: `observe_try!` with `Debug` rendering.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_try_debug {
    ($value:expr) => {
        match $value {
            __traced_value => {
                $crate::__private::observing::observe_debug(&__traced_value);
                __traced_value
            }
        }
    };
}

/// `record_return!(&value)`: records the return value (a `Result`'s `Ok`
/// value) as `return.value`, keeping its attribute type.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_record_return {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::returning::{ReturnOk as _, ReturnValue as _};
        (&&$crate::__private::returning::Returned($value)).__traced_record()
    }};
}

/// `record_return_display!(&value)`: `ret(%)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_record_return_display {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::returning::{ReturnOkDisplay as _, ReturnValueDisplay as _};
        (&&$crate::__private::returning::Returned($value)).__traced_record_display()
    }};
}

/// `record_return_debug!(&value)`: `ret(?)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_record_return_debug {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::returning::{ReturnOkDebug as _, ReturnValueDebug as _};
        (&&$crate::__private::returning::Returned($value)).__traced_record_debug()
    }};
}
