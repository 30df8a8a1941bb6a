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

/// `Result<T, E>`: records `T` when `Ok`.
pub trait ReturnOk {
    /// Records the value on the current span.
    fn __traced_record(&self);
}
impl<T: AttributeValue, E> ReturnOk for &Returned<'_, Result<T, E>> {
    fn __traced_record(&self) {
        if let Ok(value) = self.0 {
            crate::__private::record(&RETURN_KEY, value);
        }
    }
}
/// Any other value.
pub trait ReturnValue {
    /// Records the value on the current span.
    fn __traced_record(&self);
}
impl<T: AttributeValue + ?Sized> ReturnValue for Returned<'_, T> {
    fn __traced_record(&self) {
        crate::__private::record(&RETURN_KEY, self.0);
    }
}

/// `Result<T, E>`, `ret(%)`.
pub trait ReturnOkDisplay {
    /// Records the value's `Display` text on the current span.
    fn __traced_record_display(&self);
}
impl<T: std::fmt::Display, E> ReturnOkDisplay for &Returned<'_, Result<T, E>> {
    fn __traced_record_display(&self) {
        if let Ok(value) = self.0 {
            crate::__private::record(&RETURN_KEY, &Display(value));
        }
    }
}
/// Any other value, `ret(%)`.
pub trait ReturnValueDisplay {
    /// Records the value's `Display` text on the current span.
    fn __traced_record_display(&self);
}
impl<T: std::fmt::Display + ?Sized> ReturnValueDisplay for Returned<'_, T> {
    fn __traced_record_display(&self) {
        crate::__private::record(&RETURN_KEY, &Display(self.0));
    }
}

/// `Result<T, E>`, `ret(?)`.
pub trait ReturnOkDebug {
    /// Records the value's `Debug` text on the current span.
    fn __traced_record_debug(&self);
}
impl<T: std::fmt::Debug, E> ReturnOkDebug for &Returned<'_, Result<T, E>> {
    fn __traced_record_debug(&self) {
        if let Ok(value) = self.0 {
            crate::__private::record(&RETURN_KEY, &Debug(value));
        }
    }
}
/// Any other value, `ret(?)`.
pub trait ReturnValueDebug {
    /// Records the value's `Debug` text on the current span.
    fn __traced_record_debug(&self);
}
impl<T: std::fmt::Debug + ?Sized> ReturnValueDebug for Returned<'_, T> {
    fn __traced_record_debug(&self) {
        crate::__private::record(&RETURN_KEY, &Debug(self.0));
    }
}
