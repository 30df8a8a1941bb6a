//! Shared helpers for the integration tests: reading attributes and events
//! off captured spans.

use trace_runtime::otel::trace::Event;
use trace_runtime::otel::{Key, Value};
use trace_runtime::otel_sdk::trace::SpanData;

/// The value of attribute `key` on `span`.
pub fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

/// The value of attribute `key` on `event`.
pub fn event_attr<'a>(event: &'a Event, key: &str) -> Option<&'a Value> {
    event
        .attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

/// The events of `span` called `name`.
pub fn events_named<'a>(span: &'a SpanData, name: &str) -> Vec<&'a Event> {
    span.events.iter().filter(|e| e.name == name).collect()
}

/// The string form of a value (strings without quotes).
pub fn text(value: Option<&Value>) -> String {
    value.map(Value::to_string).unwrap_or_default()
}
