//! The span lifecycle: one span per call, ended exactly once on every exit
//! path, with the right parent, trace, kind and status.

use std::sync::atomic::{AtomicUsize, Ordering};

use trace_runtime::otel::trace::{SpanId, SpanKind, Status};
use trace_runtime::testing::{capture, capture_future, capture_sampled};
use trace_runtime::{Sampler, traced};
use trace_tests::YieldOnce;
use trace_tests::{attr, text};

#[traced]
fn leaf(x: u64) -> u64 {
    x + 1
}

#[traced]
fn middle(x: u64) -> u64 {
    leaf(x) + leaf(x)
}

#[traced]
fn top() -> u64 {
    middle(1)
}

#[test]
fn a_call_records_one_span_named_after_the_function() {
    let spans = capture(|| leaf(1));
    assert_eq!(spans.names(), ["leaf"]);
    let span = &spans[0];
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert_eq!(span.span_kind, SpanKind::Internal);
    assert_eq!(span.status, Status::Unset);
    assert!(span.end_time >= span.start_time);
}

#[test]
fn code_attributes_come_from_compile_time_constants() {
    let spans = capture(|| leaf(1));
    let span = spans.named("leaf");
    assert_eq!(
        text(attr(span, "code.function.name")),
        concat!(module_path!(), "::leaf")
    );
    assert!(text(attr(span, "code.file.path")).ends_with("lifecycle.rs"));
    let line: i64 = text(attr(span, "code.line.number")).parse().unwrap();
    assert!(line > 0);
}

#[test]
fn nested_calls_are_children_in_one_trace() {
    let spans = capture(top);
    assert_eq!(spans.len(), 4);
    let top = spans.named("top");
    let middle = spans.named("middle");
    spans.assert_parent(middle, top);
    let leaves = spans.all_named("leaf");
    assert_eq!(leaves.len(), 2);
    for leaf in leaves {
        spans.assert_parent(leaf, middle);
    }
    assert_eq!(spans.trace_ids().len(), 1);
    assert_eq!(spans.roots().len(), 1);
}

#[test]
fn separate_top_level_calls_start_separate_traces() {
    let spans = capture(|| {
        leaf(1);
        leaf(2);
    });
    assert_eq!(spans.len(), 2);
    assert_eq!(spans.trace_ids().len(), 2);
}

#[test]
fn every_call_ends_exactly_one_span() {
    let spans = capture(|| {
        for i in 0..50 {
            leaf(i);
        }
    });
    assert_eq!(spans.len(), 50);
    let mut ids: Vec<_> = spans.iter().map(|s| s.span_context.span_id()).collect();
    ids.sort_unstable_by_key(|id| u64::from_be_bytes(id.to_bytes()));
    ids.dedup();
    assert_eq!(
        ids.len(),
        50,
        "span ids are unique: no span was ended twice"
    );
}

#[test]
fn a_parent_ends_after_its_children() {
    let spans = capture(top);
    let top = spans.named("top");
    for span in spans.iter() {
        assert!(
            span.end_time <= top.end_time,
            "{} ended after its root",
            span.name
        );
        assert!(span.start_time >= top.start_time);
    }
}

#[traced(name = "db.query", kind = client)]
fn query() {}

const CUSTOM_NAME: &str = "named.by.const";

#[traced(name = CUSTOM_NAME, kind = producer)]
fn named_by_const() {}

#[traced(kind = server)]
fn serve() {}

#[traced(kind = consumer)]
fn consume() {}

#[traced(kind = internal)]
fn internal() {}

#[test]
fn name_and_kind_come_from_the_arguments() {
    let spans = capture(|| {
        query();
        named_by_const();
        serve();
        consume();
        internal();
    });
    assert_eq!(spans.named("db.query").span_kind, SpanKind::Client);
    assert_eq!(spans.named(CUSTOM_NAME).span_kind, SpanKind::Producer);
    assert_eq!(spans.named("serve").span_kind, SpanKind::Server);
    assert_eq!(spans.named("consume").span_kind, SpanKind::Consumer);
    assert_eq!(spans.named("internal").span_kind, SpanKind::Internal);
}

#[test]
fn nothing_is_recorded_outside_a_capture_or_pipeline() {
    // No pipeline is installed in this test binary: calls run untraced.
    assert_eq!(top(), 4);
    let spans = capture(|| ());
    assert!(spans.is_empty());
}

#[test]
fn the_sampler_decides_new_roots() {
    assert!(capture_sampled(Sampler::AlwaysOff, top).is_empty());
    assert!(capture_sampled(Sampler::ParentBased(Box::new(Sampler::AlwaysOff)), top).is_empty());
    assert_eq!(
        capture_sampled(Sampler::TraceIdRatioBased(1.0), top).len(),
        4
    );
    assert!(capture_sampled(Sampler::TraceIdRatioBased(0.0), top).is_empty());
}

#[test]
fn a_sampled_out_root_samples_out_its_whole_trace() {
    // With a 50% ratio, each trace is recorded whole or not at all.
    let spans = capture_sampled(
        Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.5))),
        || {
            for _ in 0..200 {
                top();
            }
        },
    );
    let traces = spans.trace_ids();
    assert!(
        !traces.is_empty() && traces.len() < 200,
        "{} traces",
        traces.len()
    );
    assert_eq!(
        spans.len(),
        traces.len() * 4,
        "no trace is partially recorded"
    );
}

static RECURSION_CALLS: AtomicUsize = AtomicUsize::new(0);

#[traced]
fn countdown(n: u32) -> u32 {
    RECURSION_CALLS.fetch_add(1, Ordering::Relaxed);
    if n == 0 { 0 } else { 1 + countdown(n - 1) }
}

#[test]
fn recursion_nests_one_span_per_level() {
    let spans = capture(|| countdown(4));
    assert_eq!(spans.len(), 5);
    let deepest = spans.iter().max_by_key(|s| spans.depth_of(s)).unwrap();
    assert_eq!(spans.depth_of(deepest), 4);
}

struct Counter {
    value: u32,
    name: String,
}

impl Counter {
    #[traced]
    fn bump(&mut self) -> u32 {
        self.value += 1;
        self.value
    }

    #[traced]
    fn name(&self) -> &str {
        &self.name
    }

    #[traced]
    fn into_value(self) -> u32 {
        self.value
    }
}

#[test]
fn methods_are_traced_with_every_receiver() {
    let spans = capture(|| {
        let mut counter = Counter {
            value: 0,
            name: "c".into(),
        };
        assert_eq!(counter.bump(), 1);
        assert_eq!(counter.name(), "c");
        assert_eq!(counter.into_value(), 1);
    });
    assert_eq!(spans.names(), ["bump", "name", "into_value"]);
}

#[traced]
async fn async_leaf(x: u64) -> u64 {
    leaf(x)
}

#[traced]
async fn async_parent() -> u64 {
    async_leaf(1).await + async_leaf(2).await
}

#[test]
fn async_calls_nest_like_sync_calls() {
    let (out, spans) = futures_executor::block_on(capture_future(async { async_parent().await }));
    assert_eq!(out, 5);
    assert_eq!(spans.len(), 5);
    let parent = spans.named("async_parent");
    let children = spans.children_of(parent);
    assert_eq!(children.len(), 2);
    for child in children {
        assert_eq!(child.name, "async_leaf");
        let grandchildren = spans.children_of(child);
        assert_eq!(grandchildren.len(), 1);
        assert_eq!(grandchildren[0].name, "leaf");
    }
    assert_eq!(spans.trace_ids().len(), 1);
}

#[traced]
async fn task_a() {
    YieldOnce(false).await;
    leaf(1);
}

#[traced]
async fn task_b() {
    YieldOnce(false).await;
    leaf(2);
}

#[test]
fn context_does_not_leak_between_tasks_on_one_thread() {
    // join polls both tasks interleaved on this one thread; each `leaf` must be
    // the child of its own task's span.
    let (_, spans) = futures_executor::block_on(capture_future(async {
        let mut a = std::pin::pin!(task_a());
        let mut b = std::pin::pin!(task_b());
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        // a: pending; b: pending; then both complete.
        assert!(a.as_mut().poll(&mut cx).is_pending());
        assert!(b.as_mut().poll(&mut cx).is_pending());
        assert!(b.as_mut().poll(&mut cx).is_ready());
        assert!(a.as_mut().poll(&mut cx).is_ready());
    }));
    let a = spans.named("task_a");
    let b = spans.named("task_b");
    assert_ne!(a.span_context.trace_id(), b.span_context.trace_id());
    let leaves = spans.all_named("leaf");
    assert_eq!(leaves.len(), 2);
    assert_eq!(spans.children_of(a).len(), 1);
    assert_eq!(spans.children_of(b).len(), 1);
}

#[test]
fn a_future_dropped_before_completion_is_ended_as_cancelled() {
    let (_, spans) = futures_executor::block_on(capture_future(async {
        let mut fut = Box::pin(task_a());
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        assert!(fut.as_mut().poll(&mut cx).is_pending());
        drop(fut);
    }));
    assert_eq!(spans.names(), ["task_a"], "the leaf never ran");
    let span = spans.named("task_a");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(text(attr(span, trace_runtime::CANCELLED_ATTRIBUTE)), "true");
}

#[test]
fn a_completed_future_is_not_marked_cancelled() {
    let (_, spans) = futures_executor::block_on(capture_future(async { task_a().await }));
    assert!(attr(spans.named("task_a"), trace_runtime::CANCELLED_ATTRIBUTE).is_none());
}

#[test]
fn a_future_never_polled_ends_one_cancelled_span() {
    let spans = capture(|| drop(task_b()));
    // An `async fn`'s span opens at the call: an unpolled call ends it, cancelled.
    assert_eq!(spans.names(), ["task_b"], "the leaf never ran");
    let span = spans.named("task_b");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(text(attr(span, trace_runtime::CANCELLED_ATTRIBUTE)), "true");
}

#[test]
fn tasks_on_a_multi_thread_runtime_keep_their_parent_across_awaits() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_, spans) = runtime.block_on(capture_future(async {
        for _ in 0..20 {
            async_parent_yielding().await;
        }
    }));
    assert_eq!(spans.all_named("async_parent_yielding").len(), 20);
    for parent in spans.all_named("async_parent_yielding") {
        let children = spans.children_of(parent);
        assert_eq!(children.len(), 2, "{:?}", spans.names());
    }
}

#[traced]
async fn async_parent_yielding() {
    tokio::task::yield_now().await;
    async_leaf(1).await;
    tokio::task::yield_now().await;
    leaf(2);
}

#[traced]
fn wide(children: u64) -> u64 {
    let mut sum = 0;
    for i in 0..children {
        sum += if i % 100 == 0 { middle(i) } else { leaf(i) };
    }
    sum
}

#[test]
fn a_span_with_more_children_than_a_hand_off_holds_keeps_them_all() {
    // 1,300 children and 26 grandchildren under one open span: the thread
    // hands off ended spans while the parent (and sometimes a middle span)
    // is still open, so open records are moved to a fresh buffer in between.
    let spans = capture(|| wide(1_300));
    assert_eq!(spans.len(), 1 + 1_300 + 2 * 13);
    let wide = spans.named("wide");
    assert_eq!(spans.roots().len(), 1);
    assert_eq!(spans.children_of(wide).len(), 1_300);
    for middle in spans.all_named("middle") {
        spans.assert_parent(middle, wide);
        assert_eq!(spans.children_of(middle).len(), 2);
    }
    assert_eq!(spans.trace_ids().len(), 1);
    // The parent's end is stamped on its own record, wherever it moved.
    let last_child_end = spans.children_of(wide).iter().map(|c| c.end_time).max();
    assert!(wide.end_time >= last_child_end.unwrap());
    assert!(spans.iter().all(|s| s.end_time >= s.start_time));
}

#[traced(parent = trace_runtime::extract(&unsampled_parent()))]
fn under_an_unsampled_remote_parent() -> u64 {
    leaf(7)
}

fn unsampled_parent() -> Vec<(String, String)> {
    vec![(
        "traceparent".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-00".to_owned(),
    )]
}

#[traced]
fn mixed() -> u64 {
    leaf(1) + under_an_unsampled_remote_parent() + leaf(2) + middle(3)
}

#[test]
fn unsampled_spans_between_sampled_ones_leave_the_others_intact() {
    let spans = capture(mixed);
    assert_eq!(
        spans.names().len(),
        1 + 2 + 1 + 2,
        "the unsampled span and its child are not recorded: {:?}",
        spans.names()
    );
    let mixed = spans.named("mixed");
    assert_eq!(spans.children_of(mixed).len(), 3);
    spans.assert_parent(spans.named("middle"), mixed);
    assert_eq!(spans.all_named("leaf").len(), 4);
    assert_eq!(spans.trace_ids().len(), 1);
}
