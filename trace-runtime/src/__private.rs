//! What `#[traced]` expands to. Not a public API: no stability promise.
//!
//! The contract (one line each) is kept in sync with `trace-macros`'
//! `expand.rs`: generated code names only items of this module and
//! `::core`, so it compiles in any crate, whatever that crate shadows.

pub use crate::attributes::{Debug, Display};
pub use crate::callsite::{Callsite, StaticAttribute, StaticValue};
pub use crate::future::Instrumented;
pub use crate::span::{PendingSpan, SpanGuard, StartOptions};
pub use crate::status::observing;
pub use opentelemetry::trace::SpanKind;

pub use crate::status::returning;
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
    crate::current_span::record_static_key(key, value);
}

/// The evaluated `attrs(..)` and `args(..)` of one call, recorded on the
/// current span together: one look-up of the span for all of them.
///
/// `Attributes::new().with("a", &a).with("b", &(x + 1)).record()`: every
/// value is evaluated (in order) before `record` borrows the thread's
/// state, so a value's own code may use the runtime (call a traced
/// function, add an attribute) like any code in the body.
#[derive(Debug)]
#[must_use = "nothing is recorded until `record` is called"]
pub struct Attributes<L>(L);

/// The empty list of [`Attributes`].
#[derive(Debug)]
pub struct Nil;

/// [`Attributes`] `L` followed by `key = value`.
#[derive(Debug)]
pub struct With<'a, L, V: ?Sized> {
    before: L,
    key: &'static &'static str,
    value: &'a V,
    /// `value` as a scalar, taken at `with`: recorded without going
    /// through `V` again (the common case: integers, floats, text).
    scalar: Option<crate::attributes::Scalar<'a>>,
    /// How to record any other `value`, chosen where `V: AttributeValue`
    /// is known, so that a value without an attribute form is reported
    /// once, at `with`, and not again at `record`.
    write: fn(&mut crate::span::SpanRecord, &'static &'static str, &V),
}

fn write_static<V: crate::AttributeValue + ?Sized>(
    record: &mut crate::span::SpanRecord,
    key: &'static &'static str,
    value: &V,
) {
    record.record_static(key, value);
}

/// The span [`Attributes`] are written to.
#[derive(Debug)]
pub struct Recording<'a>(&'a mut crate::span::SpanRecord);

/// A list of attributes that can be written to a span.
pub trait WriteAttributes {
    /// Writes the attributes, in order.
    fn write_to(&self, span: &mut Recording<'_>);
}

impl WriteAttributes for Nil {
    #[inline]
    fn write_to(&self, _: &mut Recording<'_>) {}
}

impl<L: WriteAttributes, V: ?Sized> WriteAttributes for With<'_, L, V> {
    #[inline]
    fn write_to(&self, span: &mut Recording<'_>) {
        self.before.write_to(span);
        match self.scalar {
            Some(scalar) => span.0.record_scalar(self.key, scalar),
            None => (self.write)(span.0, self.key, self.value),
        }
    }
}

impl Default for Attributes<Nil> {
    fn default() -> Self {
        Attributes::new()
    }
}

impl Attributes<Nil> {
    /// No attributes yet.
    #[inline]
    pub fn new() -> Attributes<Nil> {
        Attributes(Nil)
    }
}

impl<L: WriteAttributes> Attributes<L> {
    /// Adds `key = value`.
    #[inline]
    pub fn with<'a, V: crate::AttributeValue + ?Sized>(
        self,
        key: &'static &'static str,
        value: &'a V,
    ) -> Attributes<With<'a, L, V>> {
        Attributes(With {
            before: self.0,
            key,
            value,
            scalar: value.scalar(),
            write: write_static::<V>,
        })
    }

    /// Records the attributes on the current span.
    #[inline]
    pub fn record(self) {
        crate::current_span::on_current(|record| self.0.write_to(&mut Recording(record)));
    }
}

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
