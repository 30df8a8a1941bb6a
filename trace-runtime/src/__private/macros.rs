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

/// `observe_try!(R; expr)?`: evaluates `expr` once and yields it for the
/// `?` of a function returning `R`, its error already converted into `R`'s
/// error type and recorded (see `observing.rs`, "At a `?`").
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_try {
    ($ret:ty; $value:expr) => {
        match $value {
            __traced_value => {
                #[allow(unused_imports)]
                use $crate::__private::observing::{
                    ExitDebug as _, ExitDisplay as _, ExitOpaque as _, ExitOther as _,
                    ExitStdError as _,
                };
                (&&&&&$crate::__private::observing::Exit::<$ret, _>::of(&__traced_value))
                    .__traced_exit()
                    .exit(__traced_value)
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

/// `observe_try_display!(R; expr)?`: `observe_try!` with `Display` rendering.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_try_display {
    ($ret:ty; $value:expr) => {
        $crate::__private::observing::exit_display::<$ret, _, _>($value)
    };
}

/// `observe_try_debug!(R; expr)?`: `observe_try!` with `Debug` rendering.
#[doc(hidden)]
#[macro_export]
macro_rules! __traced_observe_try_debug {
    ($ret:ty; $value:expr) => {
        $crate::__private::observing::exit_debug::<$ret, _, _>($value)
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
