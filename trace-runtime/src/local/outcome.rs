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
//!   borrowed returns working (a closure around the body would make a returned
//!   borrow outlive the closure). At a `?` the error type may
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
use std::fmt::Display;
use std::sync::Once;
use std::time::SystemTime;

use opentelemetry::trace::{Event, Status};
use opentelemetry::{Key, KeyValue, StringValue, Value};
use opentelemetry_semantic_conventions::attribute::{
    CODE_COLUMN_NUMBER, CODE_FILE_PATH, CODE_LINE_NUMBER, ERROR_TYPE, EXCEPTION_MESSAGE,
    EXCEPTION_TYPE,
};

use super::state::{self, PanicNote};
use crate::record::SpanRecord;

/// The attribute set to `true` on the span of a traced future that was
/// dropped before it completed.
pub const CANCELLED_ATTRIBUTE: &str = "traced.cancelled";

/// Sets Error status and records an `exception` event on `record`: the
/// message and causes are formatted into the span's recycled details box,
/// and the event and status are built by the collector (see
/// `record/exception.rs`), so this allocates nothing in the steady state.
pub(crate) fn record_exception<'a>(
    record: &mut SpanRecord,
    type_name: &'static str,
    message: &dyn Display,
    causes: impl Iterator<Item = &'a dyn Display>,
) {
    if !record.has_attribute(ERROR_TYPE) {
        record.set_attribute(Key::from_static_str(ERROR_TYPE), Value::from(type_name));
    }
    record.details().add_exception(type_name, message, causes);
}

/// Records an error onto the span that is current on this thread, if it is
/// recorded: `render` gives its message and causes (a `String` the caller
/// made, for errors without a `Display` to format in place).
pub(crate) fn record_on_current(
    type_name: &'static str,
    render: impl FnOnce() -> (String, Vec<StringValue>),
) {
    state::with_local(|local| {
        if let Some(record) = local.current_record().filter(|r| r.sampled) {
            let (message, chain) = render();
            let causes = chain.iter().map(|cause| cause as &dyn Display);
            record_exception(record, type_name, &message, causes);
        }
    });
}

/// Records `error` (with its `source()` chain) on the current span,
/// formatting both straight into the span's details box.
pub(crate) fn record_std_error<E: Error + ?Sized>(type_name: &'static str, error: &E) {
    state::with_local(|local| {
        if let Some(record) = local.current_record().filter(|r| r.sampled) {
            record_error_on(record, type_name, error);
        }
    });
}

/// Records `error` (with its `source()` chain) on `record`.
pub(crate) fn record_error_on<E: Error + ?Sized>(
    record: &mut SpanRecord,
    type_name: &'static str,
    error: &E,
) {
    let causes = std::iter::successors(error.source(), |&cause| cause.source())
        .map(|cause| cause as &dyn Display);
    record_exception(record, type_name, &error, causes);
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
        KeyValue::new(Key::from_static_str(EXCEPTION_TYPE), "panic"),
        KeyValue::new(Key::from_static_str(EXCEPTION_MESSAGE), message.clone()),
    ];
    if let Some(note) = note {
        attributes.push(KeyValue::new(
            Key::from_static_str(CODE_FILE_PATH),
            note.file.clone(),
        ));
        attributes.push(KeyValue::new(
            Key::from_static_str(CODE_LINE_NUMBER),
            i64::from(note.line),
        ));
        attributes.push(KeyValue::new(
            Key::from_static_str(CODE_COLUMN_NUMBER),
            i64::from(note.column),
        ));
    }
    let details = record.details();
    details.add_event(Event::new("exception", SystemTime::now(), attributes, 0));
    details.set_status(Status::error(Cow::Owned(format!("panicked: {message}"))));
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
            state::with_local(|local| {
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
