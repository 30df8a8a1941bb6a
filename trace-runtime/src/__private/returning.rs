//! Autoref-specialized recording of return values (`#[traced(ret)]`): a
//! `Result` records its `Ok` value (an `Err` is recorded as an error, not as
//! the return value); anything else records itself.

use crate::AttributeValue;
use crate::attributes::{Debug, Display};

/// The attribute key of a recorded return value.
pub const RETURN_KEY: &str = "return.value";

/// A borrowed return value, wrapped so that method resolution can rank impls.
#[derive(Debug)]
pub struct Returned<'a, T: ?Sized>(pub &'a T);

/// Declares one rung pair of a `ret` ladder. `$ok` is implemented for
/// `&Returned<Result<T, E>>`, one reference deeper than `$any` (for any
/// `Returned<T>`), so that method resolution on `&&Returned(..)` picks it for
/// a `Result` and records its `Ok` value only; `|value| $recorded` turns the
/// borrowed value into what is recorded.
macro_rules! return_rungs {
    (
        $(#[$ok_doc:meta])* $ok:ident,
        $(#[$any_doc:meta])* $any:ident,
        $(#[$method_doc:meta])* fn $method:ident,
        T: $bound:path,
        |$value:ident| $recorded:expr
    ) => {
        $(#[$ok_doc])*
        pub trait $ok {
            $(#[$method_doc])*
            fn $method(&self);
        }
        impl<T: $bound, E> $ok for &Returned<'_, Result<T, E>> {
            fn $method(&self) {
                if let Ok($value) = self.0 {
                    crate::__private::record(&RETURN_KEY, $recorded);
                }
            }
        }
        $(#[$any_doc])*
        pub trait $any {
            $(#[$method_doc])*
            fn $method(&self);
        }
        impl<T: $bound + ?Sized> $any for Returned<'_, T> {
            fn $method(&self) {
                let $value = self.0;
                crate::__private::record(&RETURN_KEY, $recorded);
            }
        }
    };
}

return_rungs!(
    /// `Result<T, E>`: records `T` when `Ok`.
    ReturnOk,
    /// Any other value.
    ReturnValue,
    /// Records the value on the current span.
    fn __traced_record,
    T: AttributeValue,
    |value| value
);

return_rungs!(
    /// `Result<T, E>`, `ret(%)`.
    ReturnOkDisplay,
    /// Any other value, `ret(%)`.
    ReturnValueDisplay,
    /// Records the value's `Display` text on the current span.
    fn __traced_record_display,
    T: std::fmt::Display,
    |value| &Display(value)
);

return_rungs!(
    /// `Result<T, E>`, `ret(?)`.
    ReturnOkDebug,
    /// Any other value, `ret(?)`.
    ReturnValueDebug,
    /// Records the value's `Debug` text on the current span.
    fn __traced_record_debug,
    T: std::fmt::Debug,
    |value| &Debug(value)
);
