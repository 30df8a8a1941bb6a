//! Reading a captured span without matching on `SpanData` by hand:
//! [`SpanDataExt`] (attributes, status, events) and [`EventExt`] (an event's
//! attributes).
//!
//! These are extension traits on the OpenTelemetry types rather than
//! methods of a wrapper: [`Spans`](super::Spans) lookups hand out
//! `&SpanData`, and so do [`InMemoryExporter`](super::InMemoryExporter), the
//! SDK's own exporters and any `Vec<SpanData>` a test builds, so one import
//! makes the helpers work on all of them, and every `SpanData` field stays
//! reachable as it is.

use opentelemetry::trace::{Event, Status};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// The value of `key` in `attributes`; the last one if the key occurs more
/// than once (the one set last).
fn find<'a>(attributes: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn as_i64(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::I64(v) => Some(*v),
        _ => None,
    }
}

fn as_f64(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::F64(v) => Some(*v),
        _ => None,
    }
}

fn as_bool(value: Option<&Value>) -> Option<bool> {
    match value? {
        Value::Bool(v) => Some(*v),
        _ => None,
    }
}

fn as_str(value: Option<&Value>) -> Option<&str> {
    match value? {
        Value::String(v) => Some(v.as_str()),
        _ => None,
    }
}

/// Attributes, status and events of a captured span, by name.
///
/// The typed attribute getters return `None` both for a missing key and for
/// a value of another type (an integer is not an `f64`, a number is not a
/// string), so `assert_eq!(span.attr_i64("db.rows"), Some(3))` checks key,
/// type and value at once. Implemented for OpenTelemetry's [`SpanData`].
///
/// ```
/// use trace_runtime::testing::{self, SpanDataExt};
/// use trace_runtime::traced;
///
/// #[traced(attrs(db.system = "postgres"))]
/// fn query() -> Result<u32, std::fmt::Error> {
///     trace_runtime::add_attribute("db.rows", 3);
///     Err(std::fmt::Error)
/// }
///
/// let spans = testing::capture(|| query());
/// let span = spans.named("query");
/// assert_eq!(span.attr_str("db.system"), Some("postgres"));
/// assert_eq!(span.attr_i64("db.rows"), Some(3));
/// assert!(span.is_error());
/// assert_eq!(span.error_description(), Some("an error occurred when formatting an argument"));
/// ```
pub trait SpanDataExt {
    /// The value of attribute `key`, of whatever type; `None` if the span
    /// has no such attribute.
    ///
    /// ```
    /// use trace_runtime::otel::Value;
    /// use trace_runtime::testing::{self, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::add_attribute("tags", ["a", "b"]);
    /// }));
    /// assert!(matches!(spans.named("work").attr("tags"), Some(Value::Array(_))));
    /// assert_eq!(spans.named("work").attr("missing"), None);
    /// ```
    fn attr(&self, key: &str) -> Option<&Value>;

    /// Attribute `key` if it is an integer (`Value::I64`; every Rust integer
    /// that fits an `i64` is recorded as one).
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::add_attribute("db.rows", 3_u32);
    ///     trace_runtime::add_attribute("db.name", "users");
    /// }));
    /// let span = spans.named("work");
    /// assert_eq!(span.attr_i64("db.rows"), Some(3));
    /// assert_eq!(span.attr_i64("db.name"), None); // a string
    /// assert_eq!(span.attr_i64("missing"), None);
    /// ```
    fn attr_i64(&self, key: &str) -> Option<i64>;

    /// Attribute `key` if it is a float (`Value::F64`; an integer is not).
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::add_attribute("ratio", 0.5);
    /// }));
    /// assert_eq!(spans.named("work").attr_f64("ratio"), Some(0.5));
    /// ```
    fn attr_f64(&self, key: &str) -> Option<f64>;

    /// Attribute `key` if it is a boolean.
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::add_attribute("cache.hit", true);
    /// }));
    /// assert_eq!(spans.named("work").attr_bool("cache.hit"), Some(true));
    /// ```
    fn attr_bool(&self, key: &str) -> Option<bool>;

    /// Attribute `key` if it is a string (`%x` and `?x` in `attrs(..)` record
    /// strings too).
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::add_attribute("user", "ada");
    /// }));
    /// assert_eq!(spans.named("work").attr_str("user"), Some("ada"));
    /// ```
    fn attr_str(&self, key: &str) -> Option<&str>;

    /// Whether the span's status is `Error` (set by an `Err` return, a
    /// panic, a cancellation or [`set_status`](crate::set_status)).
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    /// use trace_runtime::traced;
    ///
    /// #[traced]
    /// fn fails() -> Result<(), std::fmt::Error> { Err(std::fmt::Error) }
    ///
    /// assert!(testing::capture(|| fails()).named("fails").is_error());
    /// ```
    fn is_error(&self) -> bool;

    /// Whether the span's status is `Unset`: what a span that returned
    /// normally has, unless something set `Ok`.
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    /// use trace_runtime::traced;
    ///
    /// #[traced]
    /// fn works() -> Result<(), std::fmt::Error> { Ok(()) }
    ///
    /// assert!(testing::capture(|| works()).named("works").is_unset());
    /// ```
    fn is_unset(&self) -> bool;

    /// The description of an `Error` status; `None` for `Unset` and `Ok`.
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    /// use trace_runtime::traced;
    ///
    /// #[traced]
    /// fn fails() -> Result<(), std::fmt::Error> { Err(std::fmt::Error) }
    ///
    /// let spans = testing::capture(|| fails());
    /// assert_eq!(
    ///     spans.named("fails").error_description(),
    ///     Some("an error occurred when formatting an argument")
    /// );
    /// ```
    fn error_description(&self) -> Option<&str>;

    /// The span's events called `name`, in the order they were recorded.
    ///
    /// ```
    /// use trace_runtime::testing::{self, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("retry", []);
    ///     trace_runtime::record_event("retry", []);
    /// }));
    /// assert_eq!(spans.named("work").events_named("retry").len(), 2);
    /// assert!(spans.named("work").events_named("missing").is_empty());
    /// ```
    fn events_named(&self, name: &str) -> Vec<&Event>;

    /// The span's one event called `name`.
    ///
    /// # Panics
    /// When there is no such event or more than one; the message lists the
    /// span's events.
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// use trace_runtime::testing::{self, EventExt, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("cache.miss", [KeyValue::new("key", "user:7")]);
    /// }));
    /// let miss = spans.named("work").event("cache.miss");
    /// assert_eq!(miss.attr_str("key"), Some("user:7"));
    /// ```
    fn event(&self, name: &str) -> &Event;
}

impl SpanDataExt for SpanData {
    fn attr(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    fn attr_i64(&self, key: &str) -> Option<i64> {
        as_i64(self.attr(key))
    }

    fn attr_f64(&self, key: &str) -> Option<f64> {
        as_f64(self.attr(key))
    }

    fn attr_bool(&self, key: &str) -> Option<bool> {
        as_bool(self.attr(key))
    }

    fn attr_str(&self, key: &str) -> Option<&str> {
        as_str(self.attr(key))
    }

    fn is_error(&self) -> bool {
        matches!(self.status, Status::Error { .. })
    }

    fn is_unset(&self) -> bool {
        self.status == Status::Unset
    }

    fn error_description(&self) -> Option<&str> {
        match &self.status {
            Status::Error { description } => Some(description),
            Status::Unset | Status::Ok => None,
        }
    }

    fn events_named(&self, name: &str) -> Vec<&Event> {
        self.events.iter().filter(|e| e.name == name).collect()
    }

    fn event(&self, name: &str) -> &Event {
        let found = self.events_named(name);
        assert!(
            found.len() == 1,
            "expected exactly one event named {name:?} on span {:?}, found {}; its events: {:?}",
            self.name,
            found.len(),
            self.events.iter().map(|e| &e.name).collect::<Vec<_>>()
        );
        found[0]
    }
}

/// An event's attributes by key, typed as on [`SpanDataExt`]: `None` for a
/// missing key or a value of another type. Implemented for OpenTelemetry's
/// [`Event`].
///
/// ```
/// use trace_runtime::testing::{self, EventExt, SpanDataExt};
/// use trace_runtime::traced;
///
/// #[traced]
/// fn fails() -> Result<(), std::fmt::Error> { Err(std::fmt::Error) }
///
/// let spans = testing::capture(|| fails());
/// let exception = spans.named("fails").event("exception");
/// assert_eq!(exception.attr_str("exception.type"), Some("core::fmt::Error"));
/// ```
pub trait EventExt {
    /// The value of attribute `key`, of whatever type.
    ///
    /// ```
    /// use trace_runtime::otel::{KeyValue, Value};
    /// use trace_runtime::testing::{self, EventExt, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("retry", [KeyValue::new("attempt", 2)]);
    /// }));
    /// assert_eq!(spans.named("work").event("retry").attr("attempt"), Some(&Value::I64(2)));
    /// ```
    fn attr(&self, key: &str) -> Option<&Value>;

    /// Attribute `key` if it is an integer.
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// use trace_runtime::testing::{self, EventExt, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("retry", [KeyValue::new("attempt", 2)]);
    /// }));
    /// assert_eq!(spans.named("work").event("retry").attr_i64("attempt"), Some(2));
    /// ```
    fn attr_i64(&self, key: &str) -> Option<i64>;

    /// Attribute `key` if it is a float.
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// use trace_runtime::testing::{self, EventExt, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("backoff", [KeyValue::new("seconds", 1.5)]);
    /// }));
    /// assert_eq!(spans.named("work").event("backoff").attr_f64("seconds"), Some(1.5));
    /// ```
    fn attr_f64(&self, key: &str) -> Option<f64>;

    /// Attribute `key` if it is a boolean.
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// use trace_runtime::testing::{self, EventExt, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("retry", [KeyValue::new("last", true)]);
    /// }));
    /// assert_eq!(spans.named("work").event("retry").attr_bool("last"), Some(true));
    /// ```
    fn attr_bool(&self, key: &str) -> Option<bool>;

    /// Attribute `key` if it is a string.
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// use trace_runtime::testing::{self, EventExt, SpanDataExt};
    ///
    /// let spans = testing::capture(|| trace_runtime::with_span("work", [], || {
    ///     trace_runtime::record_event("retry", [KeyValue::new("reason", "timeout")]);
    /// }));
    /// assert_eq!(spans.named("work").event("retry").attr_str("reason"), Some("timeout"));
    /// ```
    fn attr_str(&self, key: &str) -> Option<&str>;
}

impl EventExt for Event {
    fn attr(&self, key: &str) -> Option<&Value> {
        find(&self.attributes, key)
    }

    fn attr_i64(&self, key: &str) -> Option<i64> {
        as_i64(self.attr(key))
    }

    fn attr_f64(&self, key: &str) -> Option<f64> {
        as_f64(self.attr(key))
    }

    fn attr_bool(&self, key: &str) -> Option<bool> {
        as_bool(self.attr(key))
    }

    fn attr_str(&self, key: &str) -> Option<&str> {
        as_str(self.attr(key))
    }
}
