//! The limits on what one span may hold, as the recording path reads them.
//!
//! The pipeline installs them (`SpanLimits`, from code or the environment);
//! until then, and after it shuts down, the OpenTelemetry defaults below
//! apply. Enforcement happens where attributes and events are added, with
//! counted drops.

use opentelemetry::{Array, StringValue, Value};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Attributes a span keeps by default (the OpenTelemetry default).
pub(crate) const DEFAULT_ATTRIBUTE_COUNT: usize = 128;
/// Events a span keeps by default (the OpenTelemetry default).
pub(crate) const DEFAULT_EVENT_COUNT: usize = 128;

/// The limits in force (installed with the pipeline; OpenTelemetry defaults).
static ATTRIBUTE_COUNT: AtomicUsize = AtomicUsize::new(DEFAULT_ATTRIBUTE_COUNT);
static EVENT_COUNT: AtomicUsize = AtomicUsize::new(DEFAULT_EVENT_COUNT);
static VALUE_LENGTH: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Installs limits: attributes and events per span, and the longest string
/// value in bytes (`None`: unlimited).
pub(crate) fn install_limits(
    attribute_count: usize,
    event_count: usize,
    value_length: Option<usize>,
) {
    ATTRIBUTE_COUNT.store(attribute_count, Ordering::Relaxed);
    EVENT_COUNT.store(event_count, Ordering::Relaxed);
    VALUE_LENGTH.store(value_length.unwrap_or(usize::MAX), Ordering::Relaxed);
}

/// The most attributes one span may carry.
#[inline]
pub(crate) fn attribute_count_limit() -> usize {
    ATTRIBUTE_COUNT.load(Ordering::Relaxed)
}

/// The most events one span may carry.
#[inline]
pub(crate) fn event_count_limit() -> usize {
    EVENT_COUNT.load(Ordering::Relaxed)
}

/// The longest string value, in bytes (`usize::MAX`: unlimited).
#[inline]
pub(crate) fn value_length_limit() -> usize {
    VALUE_LENGTH.load(Ordering::Relaxed)
}

/// Cuts strings (also inside arrays) to at most `limit` bytes, on a
/// character boundary.
pub(crate) fn truncate(value: Value, limit: usize) -> Value {
    if limit == usize::MAX {
        return value;
    }
    match value {
        Value::String(s) if s.as_str().len() > limit => {
            Value::from(cut(s.as_str(), limit).to_owned())
        }
        Value::Array(Array::String(items)) if items.iter().any(|s| s.as_str().len() > limit) => {
            Value::Array(Array::String(
                items
                    .into_iter()
                    .map(|s| {
                        if s.as_str().len() > limit {
                            StringValue::from(cut(s.as_str(), limit).to_owned())
                        } else {
                            s
                        }
                    })
                    .collect(),
            ))
        }
        other => other,
    }
}

/// The longest prefix of `text` of at most `limit` bytes that ends on a character boundary.
pub(crate) fn cut(text: &str, limit: usize) -> &str {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_valid_utf8() {
        let value = truncate(Value::from("h\u{e9}llo".to_owned()), 2);
        assert_eq!(value.as_str(), "h");
        let value = truncate(Value::from("h\u{e9}llo".to_owned()), 3);
        assert_eq!(value.as_str(), "h\u{e9}");
    }
}
