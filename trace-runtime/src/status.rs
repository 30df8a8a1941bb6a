//! How a call's outcome becomes span status: `Err`, panics and cancellation.
//!
//! * **`Err`**: an `Err` leaving a traced function (by its tail, `return`,
//!   or `?`) sets status Error with the error's message and records an
//!   `exception` event with `exception.type` (the Rust type name),
//!   `exception.message` (its `Display`, else `Debug`) and, for
//!   [`std::error::Error`]s, `exception.source_chain`: the `Display` of every
//!   `source()`, outermost first. The span also gets `error.type`. `Ok`
//!   leaves status Unset, as the OpenTelemetry specification asks of
//!   instrumentation.
//!
//!   Detection is trait-based at the expansion site ("autoref
//!   specialization"): `#[traced]` needs no `err` argument and works for any
//!   `Result`, aliases such as `io::Result<T>` included, and never requires a
//!   bound the user's error type may not meet. Errors are observed at `?`
//!   sites rather than by wrapping the body in a closure, which keeps
//!   borrowed returns working (tracing#2796). At a `?` the error type may
//!   not be inferred yet, so there detection starts at `Display` and the
//!   `source()` chain is not recorded; `Err`s returned by value (tail or
//!   `return`) get the full chain.
//! * **Panics**: a chained panic hook (installed once, calling the hook that
//!   was there before) notes the message and location; every traced call the
//!   panic unwinds through gets status Error and an `exception` event with
//!   `exception.type = "panic"`, `exception.message`, and the panic's
//!   `code.file.path` / `code.line.number` / `code.column.number`. The panic
//!   then continues unchanged.
//! * **Cancellation**: a traced future dropped before completing ends its
//!   span with the attribute [`CANCELLED_ATTRIBUTE`]` = true` and status
//!   Unset: being dropped is not a failure of the call.

use std::borrow::Cow;
use std::error::Error;
use std::fmt::{Debug, Display};
use std::sync::Once;
use std::time::SystemTime;

use opentelemetry::trace::{Event, Status};
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};

use crate::context::{self, PanicNote};
use crate::span::SpanRecord;

/// The attribute set to `true` on the span of a traced future that was
/// dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "traced.cancelled";

/// Sets Error status and records an `exception` event on `record`.
pub(crate) fn record_exception(
    record: &mut SpanRecord,
    type_name: &'static str,
    message: String,
    source_chain: Vec<StringValue>,
) {
    let mut attributes = Vec::with_capacity(3);
    attributes.push(KeyValue::new("exception.type", type_name));
    attributes.push(KeyValue::new("exception.message", message.clone()));
    if !source_chain.is_empty() {
        attributes.push(KeyValue::new(
            "exception.source_chain",
            Value::Array(Array::String(source_chain)),
        ));
    }
    record
        .details()
        .add_event(Event::new("exception", SystemTime::now(), attributes, 0));
    if !record.has_attribute("error.type") {
        record.set_attribute(Key::from_static_str("error.type"), Value::from(type_name));
    }
    record.details().status = Status::error(message);
}

/// Records an error onto the span that is current on this thread, if it is recorded.
fn record_on_current(type_name: &'static str, render: impl FnOnce() -> (String, Vec<StringValue>)) {
    context::with_local(|local| {
        if let Some(record) = local.current_record().filter(|r| r.sampled) {
            let (message, chain) = render();
            record_exception(record, type_name, message, chain);
        }
    });
}

/// Records `error` (with its `source()` chain) on the current span.
pub(crate) fn record_std_error<E: Error + ?Sized>(type_name: &'static str, error: &E) {
    record_on_current(type_name, || {
        let mut chain = Vec::new();
        let mut source = error.source();
        while let Some(cause) = source {
            if chain.len() == 32 {
                break; // a cyclic or absurd chain must not loop forever
            }
            chain.push(StringValue::from(cause.to_string()));
            source = cause.source();
        }
        (error.to_string(), chain)
    });
}

/// Marks a span that a panic unwound through.
pub(crate) fn mark_panicked(record: &mut SpanRecord, note: Option<&PanicNote>) {
    if !record.sampled {
        return;
    }
    let message = note.map_or_else(
        || "panic (message unavailable)".to_owned(),
        |n| n.message.clone(),
    );
    let mut attributes = vec![
        KeyValue::new("exception.type", "panic"),
        KeyValue::new("exception.message", message.clone()),
    ];
    if let Some(note) = note {
        attributes.push(KeyValue::new("code.file.path", note.file.clone()));
        attributes.push(KeyValue::new("code.line.number", i64::from(note.line)));
        attributes.push(KeyValue::new("code.column.number", i64::from(note.column)));
    }
    let details = record.details();
    details.add_event(Event::new("exception", SystemTime::now(), attributes, 0));
    details.status = Status::error(Cow::Owned(format!("panicked: {message}")));
}

/// Marks a span whose future was dropped before completing.
pub(crate) fn mark_cancelled(record: &mut SpanRecord) {
    if record.sampled {
        record.set_attribute(Key::from_static_str(CANCELLED_ATTRIBUTE), Value::Bool(true));
    }
}

/// Installs the chained panic hook, once per process.
pub(crate) fn install_panic_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            context::with_local(|local| {
                if !local.stack.is_empty() {
                    let message = info.payload_as_str().unwrap_or("Box<dyn Any>").to_owned();
                    let (file, line, column) = info.location().map_or((String::new(), 0, 0), |l| {
                        (l.file().to_owned(), l.line(), l.column())
                    });
                    local.panic = Some(PanicNote {
                        message,
                        file,
                        line,
                        column,
                    });
                }
            });
            previous(info);
        }));
    });
}

/// Autoref-specialized observation of a traced function's return value.
///
/// `__private::observe!(&value)` calls `(&&&&&Observed(&value)).__traced_observe()`;
/// method resolution tries the receiver with five references first, then
/// fewer, so it picks the first impl whose bounds hold, from the most
/// informative (a `std::error::Error`, impl on four references + `&self`)
/// down to "not a `Result`" (nothing to do). See `__private` for why `?`
/// sites start one rung lower.
pub mod observing {
    use super::{Debug, Display, Error, StringValue, record_on_current, record_std_error};

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
}

/// Autoref-specialized recording of return values (`#[traced(ret)]`): a
/// `Result` records its `Ok` value (an `Err` is recorded as an error, not as
/// the return value); anything else records itself.
pub mod returning {
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
}
