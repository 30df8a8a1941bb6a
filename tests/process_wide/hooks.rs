//! Span hooks: `on_start` sees identity and parent and may add attributes,
//! `on_end` sees the finished span; a panicking hook is contained and
//! counted. Inside `on_start` the current-span API acts on the starting
//! span. Hooks belong to the process-wide pipeline, so tests take turns
//! ([`serial`]).

use std::sync::{Arc, Mutex};

use trace_runtime::hooks::{SpanHook, StartingSpan, hook_panics};
use trace_runtime::otel::KeyValue;
use trace_runtime::otel::trace::{SpanId, Status};
use trace_runtime::otel_sdk::trace::SpanData;
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{
    Pipeline, add_attribute, current_span_id, current_trace_id, record_error, record_event,
    set_status, traced, with_identity,
};
use trace_tests::{attr, events_named, text};

use crate::serial;

#[traced]
fn child() {}

#[traced]
fn parent() {
    child();
}

#[derive(Debug, Default)]
struct Recorder {
    started: Mutex<Vec<(String, bool, usize)>>,
    ended: Mutex<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
struct Shared(Arc<Recorder>);

impl SpanHook for Shared {
    fn on_start(&self, span: &mut StartingSpan<'_>) {
        let has_parent = span.parent_span_id() != SpanId::INVALID;
        self.0.started.lock().unwrap().push((
            span.name().to_owned(),
            has_parent,
            span.identity().len(),
        ));
        span.set_attribute(KeyValue::new("hooked", true));
    }
    fn on_end(&self, span: &SpanData) {
        self.0.ended.lock().unwrap().push(span.name.to_string());
    }
}

#[test]
fn hooks_see_starts_and_ends_and_may_add_attributes() {
    let _serial = serial();
    let hook = Shared::default();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_hook(hook.clone())
        .install()
        .unwrap();
    with_identity([KeyValue::new("component.name", "c")], parent);
    drop(pipeline);

    let started = hook.0.started.lock().unwrap().clone();
    assert_eq!(
        started,
        [
            ("parent".to_owned(), false, 1),
            ("child".to_owned(), true, 1)
        ]
    );
    let mut ended = hook.0.ended.lock().unwrap().clone();
    ended.sort();
    assert_eq!(ended, ["child", "parent"]);
    for span in exporter.spans().iter() {
        assert_eq!(text(attr(span, "hooked")), "true");
    }
}

#[derive(Debug)]
struct Panics;

impl SpanHook for Panics {
    fn on_start(&self, _: &mut StartingSpan<'_>) {
        panic!("hook bug at start");
    }
    fn on_end(&self, _: &SpanData) {
        panic!("hook bug at end");
    }
}

#[test]
fn a_panicking_hook_is_contained_and_counted() {
    let _serial = serial();
    let before = hook_panics();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_hook(Panics)
        .install()
        .unwrap();
    parent(); // returns normally
    drop(pipeline);
    assert_eq!(exporter.spans().len(), 2, "the pipeline carried on");
    assert_eq!(hook_panics() - before, 4, "two starts and two ends");
}

#[test]
fn hooks_are_gone_with_their_pipeline() {
    let _serial = serial();
    let hook = Shared::default();
    drop(
        Pipeline::builder()
            .with_hook(hook.clone())
            .with_exporter(InMemoryExporter::default())
            .install()
            .unwrap(),
    );
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .install()
        .unwrap();
    parent();
    drop(pipeline);
    assert!(hook.0.started.lock().unwrap().is_empty());
    assert!(attr(exporter.spans().named("parent"), "hooked").is_none());
}

/// What a hook saw at one start: `current_trace_id()`, `current_span_id()`,
/// and the starting span's own trace and span ids.
type SeenIds = (Option<String>, Option<String>, String, String);

/// A hook written with the current-span API, as plain code would be.
#[derive(Debug, Clone, Default)]
struct CurrentSpanApi {
    ids: Arc<Mutex<Vec<SeenIds>>>,
}

impl SpanHook for CurrentSpanApi {
    fn on_start(&self, span: &mut StartingSpan<'_>) {
        add_attribute("from.hook", 1);
        record_event("hooked", []);
        self.ids.lock().unwrap().push((
            current_trace_id(),
            current_span_id(),
            span.trace_id().to_string(),
            span.span_id().to_string(),
        ));
    }
}

#[traced]
async fn async_child() {}

#[traced]
async fn async_parent() {
    async_child().await;
}

fn with_hook(hook: impl SpanHook, f: impl FnOnce()) -> InMemoryExporter {
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_hook(hook)
        .install()
        .unwrap();
    f();
    drop(pipeline);
    exporter
}

#[test]
fn the_current_span_api_in_on_start_acts_on_the_starting_span() {
    let _serial = serial();
    let hook = CurrentSpanApi::default();
    let exporter = with_hook(hook.clone(), || {
        parent();
        futures_executor::block_on(async_parent());
    });
    let spans = exporter.spans();
    assert_eq!(spans.len(), 4);
    for span in spans.iter() {
        assert_eq!(text(attr(span, "from.hook")), "1", "{}", span.name);
        assert_eq!(events_named(span, "hooked").len(), 1, "{}", span.name);
    }
    let ids = hook.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), 4);
    for (trace, span, own_trace, own_span) in &ids {
        assert_eq!(trace.as_deref(), Some(own_trace.as_str()));
        assert_eq!(span.as_deref(), Some(own_span.as_str()));
    }
    for name in ["parent", "child", "async_parent", "async_child"] {
        let exported = spans.named(name);
        assert!(
            ids.iter().any(|(trace, span, ..)| {
                *trace == Some(exported.span_context.trace_id().to_string())
                    && *span == Some(exported.span_context.span_id().to_string())
            }),
            "{name} was seen by the hook with its own ids"
        );
    }
}

/// Status and errors go through the buffer too, and interleave with
/// `StartingSpan::set_attribute` in call order.
#[derive(Debug)]
struct StatusAndOrder;

impl SpanHook for StatusAndOrder {
    fn on_start(&self, span: &mut StartingSpan<'_>) {
        add_attribute("order", "api first");
        span.set_attribute(KeyValue::new("order", "then set_attribute"));
        span.set_attribute(KeyValue::new("last", "set_attribute"));
        add_attribute("last", "api");
        if span.name() == "child" {
            record_error(&std::io::Error::other("disk on fire"));
        } else {
            set_status(Status::error("refused"));
        }
    }
}

#[test]
fn on_start_may_set_status_and_record_errors_in_call_order() {
    let _serial = serial();
    let exporter = with_hook(StatusAndOrder, parent);
    let spans = exporter.spans();
    for span in spans.iter() {
        assert_eq!(text(attr(span, "order")), "then set_attribute");
        assert_eq!(text(attr(span, "last")), "api");
    }
    let parent = spans.named("parent");
    assert_eq!(parent.status, Status::error("refused"));
    let child = spans.named("child");
    assert_eq!(child.status, Status::error("disk on fire"));
    assert_eq!(events_named(child, "exception").len(), 1);
    assert!(attr(child, "error.type").is_some());
}

/// Records, then panics: what it recorded before the panic stays.
#[derive(Debug)]
struct RecordsThenPanics;

impl SpanHook for RecordsThenPanics {
    fn on_start(&self, span: &mut StartingSpan<'_>) {
        add_attribute("before.panic", true);
        span.set_attribute(KeyValue::new("set.before.panic", true));
        record_event("before.panic", []);
        panic!("hook bug after recording");
    }
}

#[test]
fn a_panicking_hook_keeps_what_it_recorded_before_the_panic() {
    let _serial = serial();
    let before = hook_panics();
    // A second hook after the panicking one still sees the starting span.
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_hook(RecordsThenPanics)
        .with_hook(CurrentSpanApi::default())
        .install()
        .unwrap();
    parent();
    drop(pipeline);
    assert_eq!(hook_panics() - before, 2);
    let spans = exporter.spans();
    assert_eq!(spans.len(), 2);
    for span in spans.iter() {
        assert_eq!(text(attr(span, "before.panic")), "true");
        assert_eq!(text(attr(span, "set.before.panic")), "true");
        assert_eq!(events_named(span, "before.panic").len(), 1);
        assert_eq!(text(attr(span, "from.hook")), "1");
    }
}

#[test]
fn outside_hooks_the_current_span_api_is_unchanged() {
    let _serial = serial();
    // A hook is installed, but plain code's calls go to the current span
    // as they always did, and outside a span they do nothing.
    let exporter = with_hook(Shared::default(), || {
        add_attribute("outside", true);
        assert_eq!(current_trace_id(), None);
        parent();
    });
    let spans = exporter.spans();
    assert_eq!(spans.len(), 2);
    for span in spans.iter() {
        assert!(attr(span, "outside").is_none());
        assert!(attr(span, "from.hook").is_none());
    }
}
