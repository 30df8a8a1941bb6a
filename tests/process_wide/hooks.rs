//! Span hooks: `on_start` sees identity and parent and may add attributes,
//! `on_end` sees the finished span; a panicking hook is contained and
//! counted. Hooks belong to the process-wide pipeline, so tests take turns
//! ([`serial`]).

use std::sync::{Arc, Mutex};

use trace_runtime::hooks::{SpanHook, StartingSpan, hook_panics};
use trace_runtime::otel::KeyValue;
use trace_runtime::otel::trace::SpanId;
use trace_runtime::otel_sdk::trace::SpanData;
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{Pipeline, traced, with_identity};
use trace_tests::{attr, text};

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
