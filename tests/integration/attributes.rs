//! Attributes, events and status through the runtime API on the current
//! span: typed values, the span they land on, and no-ops outside a span.

use trace_runtime::otel::trace::Status;
use trace_runtime::otel::{Array, KeyValue, Value};
use trace_runtime::testing::{capture, capture_future};
use trace_runtime::{
    add_attribute, add_attributes, current_span_id, current_trace_id, in_span, record_error,
    record_event, set_status, traced, with_span,
};
use trace_tests::{attr, event_attr, events_named, text};

#[traced]
fn typed_values() {
    add_attribute("i", -3i32);
    add_attribute("big", u64::MAX);
    add_attribute("fits", 42u64);
    add_attribute("f", 1.5f64);
    add_attribute("b", true);
    add_attribute("s", "text");
    add_attribute("owned", String::from("owned"));
    add_attribute("none", None::<i64>);
    add_attribute("some", Some(7));
    add_attribute("list", vec![1i64, 2, 3]);
    add_attribute("names", ["a", "b"]);
    add_attributes([KeyValue::new("kv", "pair")]);
}

#[traced(args(wide, widest))]
fn integers_beyond_i64(wide: u64, widest: i128) {
    add_attribute("negative_wide", i128::MIN);
}

#[test]
fn integers_beyond_i64_are_exported_as_their_exact_text() {
    // `wide` is kept in the span record, `widest` and `negative_wide` in
    // its details: every path gives the decimal text, never a wrapped integer.
    let spans = capture(|| integers_beyond_i64(u64::MAX, i128::MAX));
    let span = spans.named("integers_beyond_i64");
    assert_eq!(
        attr(span, "wide").cloned(),
        Some(Value::from(u64::MAX.to_string()))
    );
    assert_eq!(
        attr(span, "widest").cloned(),
        Some(Value::from(i128::MAX.to_string()))
    );
    assert_eq!(
        attr(span, "negative_wide").cloned(),
        Some(Value::from(i128::MIN.to_string()))
    );
}

#[test]
fn values_keep_their_opentelemetry_type() {
    let spans = capture(typed_values);
    let span = spans.named("typed_values");
    assert_eq!(attr(span, "i"), Some(&Value::I64(-3)));
    assert_eq!(
        attr(span, "big"),
        Some(&Value::from("18446744073709551615".to_owned()))
    );
    assert_eq!(attr(span, "fits"), Some(&Value::I64(42)));
    assert_eq!(attr(span, "f"), Some(&Value::F64(1.5)));
    assert_eq!(attr(span, "b"), Some(&Value::Bool(true)));
    assert_eq!(text(attr(span, "s")), "text");
    assert_eq!(text(attr(span, "owned")), "owned");
    assert_eq!(attr(span, "none"), None);
    assert_eq!(attr(span, "some"), Some(&Value::I64(7)));
    assert_eq!(
        attr(span, "list"),
        Some(&Value::Array(Array::I64(vec![1, 2, 3])))
    );
    assert_eq!(
        attr(span, "names"),
        Some(&Value::Array(Array::String(vec!["a".into(), "b".into()])))
    );
    assert_eq!(text(attr(span, "kv")), "pair");
}

#[traced]
fn replaces() {
    add_attribute("k", 1);
    add_attribute("k", 2);
}

#[test]
fn setting_a_key_again_replaces_its_value() {
    let spans = capture(replaces);
    let span = spans.named("replaces");
    assert_eq!(attr(span, "k"), Some(&Value::I64(2)));
    assert_eq!(
        span.attributes
            .iter()
            .filter(|kv| kv.key.as_str() == "k")
            .count(),
        1
    );
}

#[traced]
fn inner_records() {
    record_event("cache.miss", [KeyValue::new("cache.key", "user:7")]);
    let error = std::io::Error::other("disk full");
    record_error(&error);
}

#[traced]
fn outer_calls_inner() {
    inner_records();
    add_attribute("outer.only", true);
}

#[test]
fn events_and_errors_land_on_the_span_active_at_the_call_site() {
    let spans = capture(outer_calls_inner);
    let inner = spans.named("inner_records");
    let outer = spans.named("outer_calls_inner");
    let miss = events_named(inner, "cache.miss");
    assert_eq!(miss.len(), 1);
    assert_eq!(text(event_attr(miss[0], "cache.key")), "user:7");
    assert_eq!(inner.status, Status::error("disk full"));
    let exception = events_named(inner, "exception");
    assert_eq!(
        text(event_attr(exception[0], "exception.type")),
        "std::io::error::Error"
    );
    assert_eq!(outer.status, Status::Unset);
    assert!(outer.events.is_empty());
    assert!(attr(inner, "outer.only").is_none());
    assert_eq!(attr(outer, "outer.only"), Some(&Value::Bool(true)));
}

#[traced]
fn sets_status() {
    set_status(Status::error("upstream 503"));
}

#[test]
fn set_status_sets_the_current_span_status() {
    let spans = capture(sets_status);
    assert_eq!(
        spans.named("sets_status").status,
        Status::error("upstream 503")
    );
}

#[traced]
fn ok_overrides_error() {
    set_status(Status::error("transient"));
    set_status(Status::Ok);
    set_status(Status::error("ignored after Ok"));
}

#[test]
fn an_ok_status_is_final() {
    let spans = capture(ok_overrides_error);
    assert_eq!(spans.named("ok_overrides_error").status, Status::Ok);
}

#[traced]
fn reports_ids() -> (Option<String>, Option<String>) {
    (current_trace_id(), current_span_id())
}

#[test]
fn current_ids_are_those_of_the_exported_span() {
    let ((trace, span), spans) = trace_runtime::testing::capture_value(reports_ids);
    let exported = spans.named("reports_ids");
    assert_eq!(trace.unwrap(), exported.span_context.trace_id().to_string());
    assert_eq!(span.unwrap(), exported.span_context.span_id().to_string());
}

#[test]
fn outside_a_span_everything_is_a_quiet_no_op() {
    add_attribute("k", 1);
    add_attributes([KeyValue::new("k", 1)]);
    record_event("e", []);
    record_error(&std::io::Error::other("x"));
    set_status(Status::error("x"));
    assert_eq!(current_trace_id(), None);
    assert_eq!(current_span_id(), None);
    // Inside a capture but outside any span too.
    let spans = capture(|| {
        add_attribute("k", 1);
        record_event("e", []);
        assert_eq!(current_trace_id(), None);
    });
    assert!(spans.is_empty());
}

#[test]
fn with_span_names_a_span_at_run_time() {
    let spans = capture(|| {
        let table = "users";
        with_span(
            format!("scan {table}"),
            [KeyValue::new("db.table", table)],
            || {
                with_span("row", [], || add_attribute("row.id", 1));
            },
        );
    });
    let scan = spans.named("scan users");
    assert_eq!(text(attr(scan, "db.table")), "users");
    let row = spans.named("row");
    spans.assert_parent(row, scan);
    assert_eq!(attr(row, "row.id"), Some(&Value::I64(1)));
    assert!(attr(scan, "code.function.name").is_none());
}

#[test]
fn in_span_is_the_async_form() {
    let (value, spans) = futures_executor::block_on(capture_future(async {
        in_span("compute", [KeyValue::new("n", 6)], async {
            add_attribute("inside", true);
            6 * 7
        })
        .await
    }));
    assert_eq!(value, 42);
    let span = spans.named("compute");
    assert_eq!(attr(span, "n"), Some(&Value::I64(6)));
    assert_eq!(attr(span, "inside"), Some(&Value::Bool(true)));
}

#[traced(args(n, label), attrs(long = "x".repeat(40)))]
fn short_and_long_values(n: i64, label: &str) {
    add_attribute("n", 5);
    add_attribute("label", "a value longer than twenty-two bytes");
}

#[test]
fn every_key_is_exported_once_with_its_last_value_wherever_it_was_kept() {
    // Short scalars with static keys are kept in the span record, the rest
    // in its details box; setting a key again moves it where it fits.
    let spans = capture(|| short_and_long_values(1, "db-1"));
    let span = spans.named("short_and_long_values");
    assert_eq!(attr(span, "n"), Some(&Value::I64(5)));
    assert_eq!(
        text(attr(span, "label")),
        "a value longer than twenty-two bytes"
    );
    assert_eq!(text(attr(span, "long")), "x".repeat(40));
    for key in ["n", "label", "long"] {
        let count = span
            .attributes
            .iter()
            .filter(|kv| kv.key.as_str() == key)
            .count();
        assert_eq!(count, 1, "{key}");
    }
}
