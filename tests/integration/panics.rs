//! Panics: the span ends with status Error and an `exception` event carrying
//! the message and location, and the panic continues unchanged.

use std::panic::catch_unwind;

use trace_runtime::otel::trace::Status;
use trace_runtime::testing::{capture, capture_value};
use trace_runtime::traced;
use trace_tests::{event_attr, events_named, text};

#[traced]
fn explodes() -> u32 {
    panic!("boom {}", 42)
}

#[traced]
fn calls_explodes() -> u32 {
    explodes() + 1
}

#[test]
fn a_panic_sets_error_and_records_the_message_and_location() {
    let spans = capture(|| catch_unwind(explodes).unwrap_err());
    let span = spans.named("explodes");
    assert_eq!(span.status, Status::error("panicked: boom 42"));
    let events = events_named(span, "exception");
    assert_eq!(events.len(), 1);
    assert_eq!(text(event_attr(events[0], "exception.type")), "panic");
    assert_eq!(text(event_attr(events[0], "exception.message")), "boom 42");
    assert!(text(event_attr(events[0], "code.file.path")).ends_with("panics.rs"));
    assert!(event_attr(events[0], "code.line.number").is_some());
}

#[test]
fn the_panic_continues_unchanged() {
    let mut payload = None;
    let _ = capture(|| payload = Some(catch_unwind(explodes).unwrap_err()));
    let payload = payload.unwrap();
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    assert_eq!(message, Some("boom 42"));
}

#[test]
fn every_span_a_panic_unwinds_through_ends_once_with_error() {
    let spans = capture(|| catch_unwind(calls_explodes).unwrap_err());
    assert_eq!(spans.len(), 2);
    let outer = spans.named("calls_explodes");
    spans.assert_parent(spans.named("explodes"), outer);
    assert_eq!(outer.status, Status::error("panicked: boom 42"));
}

#[test]
fn a_caught_panic_does_not_mark_later_spans() {
    #[traced]
    fn fine() {}
    let spans = capture(|| {
        let _ = catch_unwind(explodes);
        fine();
    });
    assert_eq!(spans.named("fine").status, Status::Unset);
}

#[traced]
async fn async_explodes() {
    panic!("async boom")
}

#[test]
fn a_panic_inside_an_async_span_ends_it_with_error() {
    let (result, spans) =
        capture_value(|| catch_unwind(|| futures_executor::block_on(async_explodes())));
    assert!(result.is_err());
    let span = spans.named("async_explodes");
    assert_eq!(span.status, Status::error("panicked: async boom"));
    assert_eq!(events_named(span, "exception").len(), 1);
}
