//! `tracing` field values → OpenTelemetry attributes, keeping their types.
//!
//! `tracing` hands each field to a [`Visit`] method by type; each becomes
//! the [`Value`] of the same type: `i64` and `u64` (exactly, as a string
//! above `i64::MAX`, as [`AttributeValue`](crate::AttributeValue) does),
//! `f64`, `bool` and `&str` keep theirs, `i128`/`u128` become `I64` when
//! they fit, errors record their `Display`, and anything else its `Debug`
//! (`?x`) or `Display` (`%x`) text. Field names are `&'static str`, so keys
//! cost no allocation.
//!
//! Two visitors: [`SpanFields`] writes a span's fields onto its record
//! (within the span limits), reading the `otel.*` fields other `tracing`
//! instrumentation uses to steer OpenTelemetry (`otel.name`, `otel.kind`,
//! `otel.status_code`, `otel.status_description`); [`EventFields`] collects
//! an event's fields, taking `message` as the event's name.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use opentelemetry::trace::Status;
use opentelemetry::{Key, KeyValue, Value};
use tracing_core::field::{Field, Visit};

use super::callsites::Kinds;
use crate::attributes::wide_value;
use crate::record::SpanRecord;

/// The field `tracing`'s macros put the formatted message in.
const MESSAGE: &str = "message";

fn debug_text(value: &dyn fmt::Debug) -> String {
    let mut text = String::new();
    let _ = write!(text, "{value:?}");
    text
}

/// Receives one field as a typed value; both visitors are built on it.
trait Typed {
    fn typed(&mut self, field: &Field, value: Value);
    /// A field recorded as text (`?x`, `%x`, errors): `otel.*` are read from here.
    fn text(&mut self, field: &Field, text: String) {
        self.typed(field, Value::from(text));
    }
}

/// Implements `Visit` for a `Typed`, so the two visitors share the type mapping.
macro_rules! visit_typed {
    ($visitor:ty) => {
        impl Visit for $visitor {
            fn record_i64(&mut self, field: &Field, value: i64) {
                self.typed(field, Value::I64(value));
            }
            fn record_u64(&mut self, field: &Field, value: u64) {
                self.typed(field, wide_value(value));
            }
            fn record_i128(&mut self, field: &Field, value: i128) {
                self.typed(field, wide_value(value));
            }
            fn record_u128(&mut self, field: &Field, value: u128) {
                self.typed(field, wide_value(value));
            }
            fn record_f64(&mut self, field: &Field, value: f64) {
                self.typed(field, Value::F64(value));
            }
            fn record_bool(&mut self, field: &Field, value: bool) {
                self.typed(field, Value::Bool(value));
            }
            fn record_str(&mut self, field: &Field, value: &str) {
                self.text(field, value.to_owned());
            }
            fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
                self.text(field, value.to_string());
            }
            fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                self.text(field, debug_text(value));
            }
        }
    };
}

/// Writes a span's fields onto its record, at creation and on `record()`.
pub(super) struct SpanFields<'a> {
    record: &'a mut SpanRecord,
    kinds: &'static Kinds,
    /// `otel.status_description`, applied once every field is seen
    /// (it may come before `otel.status_code`).
    description: Option<String>,
}

impl<'a> SpanFields<'a> {
    pub(super) fn new(record: &'a mut SpanRecord, kinds: &'static Kinds) -> SpanFields<'a> {
        SpanFields {
            record,
            kinds,
            description: None,
        }
    }

    /// Applies what depends on several fields.
    pub(super) fn finish(self) {
        if let Some(description) = self.description
            && matches!(self.record.status(), Status::Error { .. })
        {
            self.record.details().set_status(Status::error(description));
        }
    }
}

impl Typed for SpanFields<'_> {
    fn typed(&mut self, field: &Field, value: Value) {
        self.record
            .set_attribute(Key::from_static_str(field.name()), value);
    }

    fn text(&mut self, field: &Field, text: String) {
        match field.name() {
            "otel.name" => self.record.details().name = Some(Cow::Owned(text)),
            "otel.kind" => {
                if let Some(callsite) = self.kinds.named(&text) {
                    self.record.callsite = callsite;
                }
            }
            // Ok is final (OpenTelemetry's rule): nothing moves a span off it.
            "otel.status_code" if *self.record.status() != Status::Ok => {
                if text.eq_ignore_ascii_case("error") {
                    if *self.record.status() == Status::Unset {
                        self.record.details().set_status(Status::error(""));
                    }
                } else if text.eq_ignore_ascii_case("ok") {
                    self.record.details().set_status(Status::Ok);
                }
            }
            "otel.status_code" => {}
            // Only an error has a description.
            "otel.status_description" | "otel.status_message" => self.description = Some(text),
            _ => self.typed(field, Value::from(text)),
        }
    }
}

visit_typed!(SpanFields<'_>);

/// An event's fields: the message, and the rest as attributes.
#[derive(Default)]
pub(super) struct EventFields {
    pub(super) message: Option<String>,
    pub(super) attributes: Vec<KeyValue>,
}

impl Typed for EventFields {
    fn typed(&mut self, field: &Field, value: Value) {
        self.attributes
            .push(KeyValue::new(Key::from_static_str(field.name()), value));
    }

    fn text(&mut self, field: &Field, text: String) {
        if field.name() == MESSAGE {
            self.message = Some(text);
        } else {
            self.typed(field, Value::from(text));
        }
    }
}

visit_typed!(EventFields);
