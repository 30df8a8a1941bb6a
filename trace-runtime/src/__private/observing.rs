//! Autoref-specialized observation of a traced function's return value.
//!
//! `__private::observe!(&value)` calls `(&&&&&Observed(&value)).__traced_observe()`;
//! method resolution tries the receiver with five references first, then
//! fewer, so it picks the first impl whose bounds hold, from the most
//! informative (a `std::error::Error`, impl on four references + `&self`)
//! down to "not a `Result`" (nothing to do).
//!
//! # At a `?`
//!
//! An `Err` leaving through `?` is recorded as the error the function
//! returns, `F` of its `Result<U, F>`, after the `?`'s `From` conversion:
//! exactly what a `return Err(..)` of the same value records (type,
//! message and `source()` chain). Observing the operand's own error `E`
//! instead cannot work in general: at `text.parse()?` the type `E` is
//! still an inference variable when the macro's method call is resolved
//! (it is fixed by a later `let n: u64`), a bound such as `E: Error` is then
//! "may hold" for every rung, the first rung is taken, and the function no
//! longer compiles when `E` turns out to be a `String`. `F` is always known
//! there, because it comes from the declared return type.
//!
//! So `observe_try!(R; expr)` ranks impls on [`Exit<R, X>`] (`R` the
//! return type, `X` the operand's type) by `F`'s bounds, and the chosen
//! rung hands back a zero-sized converter that does the conversion the
//! `?` would have done (`F::from(e)`), records the converted error, and
//! yields `Result<T, F>`; the `?` after it then converts `F` into `F`, the
//! identity. An operand that is not a `Result`, or a return type that is
//! not one (`Option`, `Poll<Result<..>>`), or an `E` that `F` cannot be
//! made from, reaches the last rung, which passes the operand to the `?`
//! unchanged (and the compiler's own `?` errors stay as they were).

use std::error::Error;
use std::fmt::{Debug, Display};
use std::marker::PhantomData;

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

/// `record_std_error` for one `dyn Error`: a single copy of the chain walk,
/// whatever the error type.
fn record_dyn_error(type_name: &'static str, error: &dyn Error) {
    record_std_error(type_name, error);
}

/// The operand of a `?` (type `X`) in a function returning `R`, as a
/// receiver whose impls are ranked by `R`'s error type (see the module
/// docs). Zero-sized: it only carries the two types.
pub struct Exit<R, X>(PhantomData<fn(X) -> R>);

impl<R, X> Exit<R, X> {
    /// The probe for `operand`, whose type is all it takes from it.
    #[inline(always)]
    pub fn of(operand: &X) -> Self {
        let _ = operand;
        Exit(PhantomData)
    }
}

impl<R, X> Debug for Exit<R, X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exit")
    }
}

/// A rung of the `?` ladder: the trait `$rung`, implemented for the probe
/// behind `$refs` references when the function's error type `F` can be
/// made from the operand's `E` and has `$bound`, choosing a [`Converter`]
/// that records with `$render`.
macro_rules! exit_rung {
    ($(#[$doc:meta])* $rung:ident, [$($refs:tt)*], F: $($bound:path)?, $render:ident) => {
        $(#[$doc])*
        pub trait $rung {
            /// The converter chosen for the operand.
            type Converter;
            /// The converter chosen for the operand.
            fn __traced_exit(&self) -> Self::Converter;
        }
        impl<U, F: From<E> $(+ $bound)?, T, E> $rung for $($refs)* Exit<Result<U, F>, Result<T, E>> {
            type Converter = Converter<E, F, $render>;
            #[inline(always)]
            fn __traced_exit(&self) -> Self::Converter {
                Converter::from_impl()
            }
        }
    };
}

exit_rung!(
    /// `F: std::error::Error`: message and source chain.
    ExitStdError, [&&&&], F: Error, StdErrorRender
);
exit_rung!(
    /// `F: Display`.
    ExitDisplay, [&&&], F: Display, DisplayRender
);
exit_rung!(
    /// `F: Debug`.
    ExitDebug, [&&], F: Debug, DebugRender
);
exit_rung!(
    /// Any other `F`: the type name is the message.
    ExitOpaque, [&], F:, OpaqueRender
);

/// Not a `Result` operand in a `Result` function: left to the `?`.
pub trait ExitOther {
    /// The converter chosen for the operand.
    type Converter;
    /// The converter chosen for the operand.
    fn __traced_exit(&self) -> Self::Converter;
}
impl<R, X> ExitOther for Exit<R, X> {
    type Converter = Pass;
    #[inline(always)]
    fn __traced_exit(&self) -> Pass {
        Pass
    }
}

/// How a converted error is recorded.
pub trait RenderError<F> {
    /// Records `error` on the current span.
    fn record(error: &F);
}

/// With its `source()` chain.
#[derive(Debug)]
pub struct StdErrorRender;
impl<F: Error> RenderError<F> for StdErrorRender {
    fn record(error: &F) {
        record_dyn_error(std::any::type_name::<F>(), error);
    }
}

/// With its `Display` text.
#[derive(Debug)]
pub struct DisplayRender;
impl<F: Display> RenderError<F> for DisplayRender {
    fn record(error: &F) {
        record_on_current(std::any::type_name::<F>(), || {
            (error.to_string(), Vec::<StringValue>::new())
        });
    }
}

/// With its `Debug` text.
#[derive(Debug)]
pub struct DebugRender;
impl<F: Debug> RenderError<F> for DebugRender {
    fn record(error: &F) {
        record_on_current(std::any::type_name::<F>(), || {
            (format!("{error:?}"), Vec::new())
        });
    }
}

/// With its type name.
#[derive(Debug)]
pub struct OpaqueRender;
impl<F> RenderError<F> for OpaqueRender {
    fn record(_: &F) {
        let name = std::any::type_name::<F>();
        record_on_current(name, || (name.to_owned(), Vec::new()));
    }
}

/// Converts the error `E` of a `?` operand into the function's error type
/// `F` and records it with `Render`. Made only by a rung that has seen
/// `F: From<E>`, which hands it the conversion: `exit` itself has no bound
/// left to fail, so a conversion that does not exist is reported once, at
/// the operand.
pub struct Converter<E, F, Render> {
    convert: fn(E) -> F,
    render: PhantomData<fn() -> Render>,
}

impl<E, F: From<E>, Render> Converter<E, F, Render> {
    /// The converter doing what `?` does, `F::from`.
    #[inline(always)]
    fn from_impl() -> Self {
        Converter {
            convert: F::from,
            render: PhantomData,
        }
    }
}

impl<E, F, Render> Debug for Converter<E, F, Render> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Converter")
    }
}

impl<E, F, Render: RenderError<F>> Converter<E, F, Render> {
    /// `value` with its error converted to `F`, as `?` converts it; an
    /// `Err` is recorded on the current span.
    #[inline(always)]
    pub fn exit<T>(self, value: Result<T, E>) -> Result<T, F> {
        match value {
            Ok(value) => Ok(value),
            Err(error) => Err(convert_and_record::<E, F, Render>(self.convert, error)),
        }
    }
}

/// The `Err` path of [`Converter::exit`], kept out of line: the `Ok` path
/// of a `?` stays as small as the `?` itself.
#[inline(never)]
#[cold]
fn convert_and_record<E, F, Render: RenderError<F>>(convert: fn(E) -> F, error: E) -> F {
    let error = convert(error);
    Render::record(&error);
    error
}

/// The operand of a `?` left as it is.
#[derive(Debug)]
pub struct Pass;

impl Pass {
    /// `value`, unchanged.
    #[inline(always)]
    pub fn exit<X>(self, value: X) -> X {
        value
    }
}

/// The error type of a `Result` type: what `err(%)` / `err(?)` convert a
/// `?` operand's error into.
pub trait ResultType {
    /// `E` of `Result<T, E>`.
    type Error;
}
impl<T, E> ResultType for Result<T, E> {
    type Error = E;
}

/// `err(%)` at a `?` in a function returning `R`: converts the error into
/// `R`'s error type and records its `Display` text.
#[inline(always)]
pub fn exit_display<R: ResultType, T, E>(value: Result<T, E>) -> Result<T, R::Error>
where
    R::Error: Display + From<E>,
{
    Converter::<E, R::Error, DisplayRender>::from_impl().exit(value)
}

/// `err(?)` at a `?`: like [`exit_display`], with the `Debug` text.
#[inline(always)]
pub fn exit_debug<R: ResultType, T, E>(value: Result<T, E>) -> Result<T, R::Error>
where
    R::Error: Debug + From<E>,
{
    Converter::<E, R::Error, DebugRender>::from_impl().exit(value)
}
