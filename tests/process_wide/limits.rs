//! Limits on what one span holds: attribute count, event count and value
//! length are enforced with counted drops (never a panic), truncation keeps
//! valid UTF-8, and identity attributes are never the ones dropped.
//! Limits belong to the process-wide pipeline, so tests take turns
//! ([`serial`]).

use trace_runtime::otel::KeyValue;
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{Pipeline, SpanLimits, add_attribute, record_event, traced, with_identity};
use trace_tests::{attr, text};

use crate::serial;

#[traced]
fn crowded() {
    for i in 0..5 {
        add_attribute(format!("attr.{i}"), i);
    }
    for i in 0..4 {
        record_event(
            format!("event.{i}"),
            [KeyValue::new("detail", "\u{e9}\u{e9}\u{e9}")],
        );
    }
    add_attribute("attr.0", "h\u{e9}llo world"); // replaces, does not count twice
}

fn limited() -> (Pipeline, InMemoryExporter) {
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_span_limits(
            SpanLimits::default()
                .with_attribute_count(8)
                .with_event_count(2)
                .with_attribute_value_length(Some(3)),
        )
        .install()
        .unwrap();
    (pipeline, exporter)
}

#[test]
fn overflow_is_dropped_and_counted() {
    let _serial = serial();
    let (pipeline, exporter) = limited();
    crowded();
    drop(pipeline);
    let spans = exporter.spans();
    let span = spans.named("crowded");
    // 5 own + 3 code.* attributes fit in 8 exactly.
    assert_eq!(span.attributes.len(), 8);
    assert_eq!(span.dropped_attributes_count, 0);
    assert_eq!(span.events.len(), 2);
    assert_eq!(span.events.dropped_count, 2);
    // "héllo world" cut to 3 bytes on a char boundary: "hé".
    assert_eq!(text(attr(span, "attr.0")), "h\u{e9}");
    assert_eq!(span.events[0].attributes[0].value.as_str(), "\u{e9}");
}

#[test]
fn identity_is_kept_when_attributes_overflow() {
    let _serial = serial();
    let (pipeline, exporter) = limited();
    with_identity(
        [
            KeyValue::new("component.name", "orders"),
            KeyValue::new("deployment.id", "b7"),
        ],
        crowded,
    );
    drop(pipeline);
    let spans = exporter.spans();
    let span = spans.named("crowded");
    assert_eq!(span.attributes.len(), 8);
    assert_eq!(span.attributes[0].key.as_str(), "component.name");
    assert_eq!(span.attributes[1].key.as_str(), "deployment.id");
    assert_eq!(
        span.dropped_attributes_count, 2,
        "two code attributes made room for the identity"
    );
}

#[test]
fn the_default_limits_come_back_after_the_pipeline() {
    let _serial = serial();
    drop(limited());
    let spans = trace_runtime::testing::capture(crowded);
    let span = spans.named("crowded");
    assert_eq!(span.events.len(), 4);
    assert_eq!(text(attr(span, "attr.0")), "h\u{e9}llo world");
}

#[traced(args(a, b, c))]
fn three_arguments(a: i64, b: i64, c: &str) {
    let _ = (a, b, c);
}

#[test]
fn the_count_limit_covers_attributes_wherever_they_are_kept() {
    let _serial = serial();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_span_limits(SpanLimits::default().with_attribute_count(2))
        .install()
        .unwrap();
    three_arguments(1, 2, "three");
    drop(pipeline);
    let spans = exporter.spans();
    let span = spans.named("three_arguments");
    let keys: Vec<&str> = span.attributes.iter().map(|kv| kv.key.as_str()).collect();
    assert_eq!(keys, ["a", "b"]);
    // `c` refused on the calling thread, the three code.* attributes at export.
    assert_eq!(span.dropped_attributes_count, 4);
}
