//! When a span ends, the context that was current before it is current
//! again, also when that context is not the span's parent: a `root` or
//! `parent = ..` span, a span whose parent came from the OpenTelemetry API,
//! an async span polled under another span than the one it started in.
//! The runtime restores the common case (the parent) from the span's own
//! record and saves the previous context only for these; each is checked
//! here by where the next span lands.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use trace_runtime::otel::trace::SpanId;
use trace_runtime::testing::capture;
use trace_runtime::{PropagatedContext, current_span_id, propagate_context, traced};
use trace_tests::YieldOnce;

#[traced]
fn sibling() {}

#[traced(root)]
fn new_trace() {}

#[traced]
fn outer_with_root() {
    new_trace();
    sibling();
}

#[test]
fn the_outer_span_is_current_again_after_a_root_span_ends() {
    let spans = capture(outer_with_root);
    let outer = spans.named("outer_with_root");
    let root = spans.named("new_trace");
    let next = spans.named("sibling");
    assert_eq!(root.parent_span_id, SpanId::INVALID);
    assert_ne!(root.span_context.trace_id(), outer.span_context.trace_id());
    spans.assert_parent(next, outer);
    assert_eq!(next.span_context.trace_id(), outer.span_context.trace_id());
}

#[traced]
fn producer() -> PropagatedContext {
    propagate_context()
}

#[traced(parent = handle)]
fn continued(handle: &PropagatedContext) {}

#[traced]
fn outer_with_parent(handle: &PropagatedContext) {
    continued(handle);
    sibling();
}

#[test]
fn the_outer_span_is_current_again_after_a_span_with_an_explicit_parent_ends() {
    let spans = capture(|| {
        let handle = producer();
        outer_with_parent(&handle);
    });
    let continued = spans.named("continued");
    spans.assert_parent(continued, spans.named("producer"));
    spans.assert_parent(spans.named("sibling"), spans.named("outer_with_parent"));
}

#[test]
fn no_span_is_current_after_a_span_parented_by_the_otel_api_ends() {
    use trace_runtime::otel::trace::{
        SpanContext, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    let otel_parent = SpanContext::new(
        TraceId::from(0xabcd_u128),
        SpanId::from(0x1234_u64),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    );
    let mut after = Some(String::new());
    let spans = capture(|| {
        let _attached = trace_runtime::otel::Context::current()
            .with_remote_span_context(otel_parent.clone())
            .attach();
        sibling();
        after = current_span_id();
    });
    assert_eq!(spans.named("sibling").parent_span_id, otel_parent.span_id());
    assert_eq!(after, None, "the OTel span is not a trace-runtime span");
}

#[traced]
async fn task() {
    YieldOnce(false).await;
}

fn poll_once(task: Pin<&mut impl Future<Output = ()>>) -> Poll<()> {
    task.poll(&mut Context::from_waker(Waker::noop()))
}

#[traced]
fn first_poll(task: Pin<&mut impl Future<Output = ()>>) -> Poll<()> {
    poll_once(task)
}

#[traced]
fn last_poll(task: Pin<&mut impl Future<Output = ()>>) -> Poll<()> {
    let polled = poll_once(task);
    sibling();
    polled
}

#[test]
fn the_polling_span_is_current_again_after_an_async_span_polled_elsewhere_ends() {
    let spans = capture(|| {
        let mut task = Box::pin(task());
        assert!(first_poll(task.as_mut()).is_pending());
        assert!(last_poll(task.as_mut()).is_ready());
    });
    // The async span started at the call, outside any span, was entered
    // under `first_poll` and ended under `last_poll`: the span after it is
    // `last_poll`'s child, and neither poll adopted the task.
    assert!(spans.parent_of(spans.named("task")).is_none());
    assert!(spans.children_of(spans.named("first_poll")).is_empty());
    spans.assert_parent(spans.named("sibling"), spans.named("last_poll"));
}
