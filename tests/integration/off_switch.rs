//! The compile-time off switch (`RUSTFLAGS="--cfg traced_off"`): traced
//! functions behave exactly as written, and nothing is recorded, captured
//! or propagated. In a normal build the same calls record spans, so the
//! tests check both: what the function does is the same, and what is
//! captured depends on the switch.

use std::collections::HashMap;

use trace_runtime::otel::KeyValue;
use trace_runtime::testing::{capture, capture_future};
use trace_runtime::{add_attribute, current_trace_id, inject, record_event, traced, with_span};

#[traced(attrs(db.system = "postgres"), args(id))]
fn load(id: u64) -> Result<u64, std::num::ParseIntError> {
    add_attribute("step", "parse");
    record_event("parsing", [KeyValue::new("id", id.to_string())]);
    let parsed: u64 = id.to_string().parse()?;
    if parsed == 0 {
        return Ok(0);
    }
    Ok(parsed * 2)
}

#[traced]
fn what_the_call_sees() -> (Option<String>, bool) {
    let mut headers = HashMap::new();
    inject(&mut headers);
    (current_trace_id(), headers.contains_key("traceparent"))
}

#[traced]
async fn doubled(x: u64) -> u64 {
    x * 2
}

#[traced]
fn fails() {
    panic!("boom");
}

#[test]
fn traced_functions_behave_as_written() {
    assert_eq!(load(21), Ok(42));
    assert_eq!(load(0), Ok(0));
    assert_eq!(futures_executor::block_on(doubled(4)), 8);
    assert_eq!(with_span("manual", [], || 7), 7);
    let panicked = std::panic::catch_unwind(fails).unwrap_err();
    assert_eq!(panicked.downcast_ref::<&str>(), Some(&"boom"));
}

#[test]
fn spans_are_recorded_only_without_the_switch() {
    let spans = capture(|| load(21));
    let (_, async_spans) = futures_executor::block_on(capture_future(async { doubled(1).await }));
    if cfg!(traced_off) {
        assert!(spans.is_empty(), "{:?}", spans.names());
        assert!(async_spans.is_empty());
    } else {
        assert_eq!(spans.names(), ["load"]);
        assert_eq!(async_spans.names(), ["doubled"]);
    }
}

#[test]
fn nothing_is_propagated_with_the_switch() {
    let (seen, spans) = trace_runtime::testing::capture_value(what_the_call_sees);
    if cfg!(traced_off) {
        assert_eq!(seen, (None, false));
        assert!(spans.is_empty());
    } else {
        assert!(seen.0.is_some() && seen.1);
        assert_eq!(spans.len(), 1);
    }
}
