//! Autoref-specialized observation of a traced function's return value.
//!
//! `__private::observe!(&value)` calls `(&&&&&Observed(&value)).__traced_observe()`;
//! method resolution tries the receiver with five references first, then
//! fewer, so it picks the first impl whose bounds hold, from the most
//! informative (a `std::error::Error`, impl on four references + `&self`)
//! down to "not a `Result`" (nothing to do). See `__private` for why `?`
//! sites start one rung lower.

use std::error::Error;
use std::fmt::{Debug, Display};

use opentelemetry::StringValue;

use crate::local::outcome::{record_on_current, record_std_error};

/// A borrowed return value, wrapped so that method resolution can rank impls.
#[derive(Debug)]
pub struct Observed<'a, T: ?Sized>(pub &'a T);

/// `Result<T, E>` with `E: std::error::Error`: message and source chain.
pub trait ObserveStdError {
    /// Records an `Err` on the current span.
    fn __traced_observe(&self);
}
impl<T, E: Error> ObserveStdError for &&&&Observed<'_, Result<T, E>> {
    #[inline]
    fn __traced_observe(&self) {
        if let Err(error) = self.0 {
            record_std_error(std::any::type_name::<E>(), error);
        }
    }
}

/// `Result<T, E>` with `E: Display`.
pub trait ObserveDisplay {
    /// Records an `Err` on the current span.
    fn __traced_observe(&self);
}
impl<T, E: Display> ObserveDisplay for &&&Observed<'_, Result<T, E>> {
    #[inline]
    fn __traced_observe(&self) {
        if let Err(error) = self.0 {
            record_on_current(std::any::type_name::<E>(), || {
                (error.to_string(), Vec::<StringValue>::new())
            });
        }
    }
}

/// `Result<T, E>` with `E: Debug`.
pub trait ObserveDebug {
    /// Records an `Err` on the current span.
    fn __traced_observe(&self);
}
impl<T, E: Debug> ObserveDebug for &&Observed<'_, Result<T, E>> {
    #[inline]
    fn __traced_observe(&self) {
        if let Err(error) = self.0 {
            record_on_current(std::any::type_name::<E>(), || {
                (format!("{error:?}"), Vec::new())
            });
        }
    }
}

/// `Result<T, E>` whose error cannot be formatted: the type name is the message.
pub trait ObserveOpaque {
    /// Records an `Err` on the current span.
    fn __traced_observe(&self);
}
impl<T, E> ObserveOpaque for &Observed<'_, Result<T, E>> {
    #[inline]
    fn __traced_observe(&self) {
        if self.0.is_err() {
            let name = std::any::type_name::<E>();
            record_on_current(name, || (name.to_owned(), Vec::new()));
        }
    }
}

/// `err(%)`: records an `Err` with its `Display` text, whatever else it implements.
pub fn observe_display<T, E: std::fmt::Display>(value: &Result<T, E>) {
    if let Err(error) = value {
        record_on_current(std::any::type_name::<E>(), || {
            (error.to_string(), Vec::<StringValue>::new())
        });
    }
}

/// `err(?)`: records an `Err` with its `Debug` text.
pub fn observe_debug<T, E: std::fmt::Debug>(value: &Result<T, E>) {
    if let Err(error) = value {
        record_on_current(std::any::type_name::<E>(), || {
            (format!("{error:?}"), Vec::new())
        });
    }
}

/// Anything else: not an error.
pub trait ObserveOther {
    /// Does nothing.
    fn __traced_observe(&self);
}
impl<T: ?Sized> ObserveOther for Observed<'_, T> {
    #[inline]
    fn __traced_observe(&self) {}
}
