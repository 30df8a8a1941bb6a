//! Propagation: a span's context handed across threads, thread pools, tokio
//! tasks and process boundaries (W3C carriers) keeps one trace with the
//! right parents; bad input starts a new trace and never panics.

use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc;

use proptest::prelude::*;
use trace_runtime::otel::trace::{SpanId, TraceContextExt, TraceId};
use trace_runtime::propagation::FutureExt;
use trace_runtime::testing::{capture, capture_future};
use trace_runtime::{
    PropagatedContext, extract, inject, propagate_context, traced, with_propagated_context,
};

#[traced]
fn child() {}

#[traced]
fn parent_spawning_a_thread() {
    trace_runtime::thread::spawn(child).join().unwrap();
}

#[test]
fn a_spawned_thread_carries_the_context() {
    let spans = capture(parent_spawning_a_thread);
    assert_eq!(spans.len(), 2);
    spans.assert_parent(
        spans.named("child"),
        spans.named("parent_spawning_a_thread"),
    );
}

#[traced]
fn parent_spawning_a_plain_thread() {
    std::thread::spawn(child).join().unwrap();
}

#[test]
fn a_plain_thread_is_not_given_the_context() {
    // Crossing a thread is explicit: without a handle the child is not part
    // of this trace (nor of this capture).
    let spans = capture(parent_spawning_a_plain_thread);
    assert_eq!(spans.names(), ["parent_spawning_a_plain_thread"]);
}

#[traced]
fn parent_using_a_pool(pool: &mpsc::Sender<Box<dyn FnOnce() + Send>>) {
    for _ in 0..3 {
        let (done_tx, done_rx) = mpsc::channel();
        let job = propagate_context().wrap(move || {
            child();
            done_tx.send(()).unwrap();
        });
        pool.send(Box::new(job)).unwrap();
        done_rx.recv().unwrap();
    }
}

#[test]
fn jobs_wrapped_for_a_thread_pool_keep_their_parent() {
    let (pool, jobs) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
    let worker = std::thread::spawn(move || {
        for job in jobs {
            job();
        }
    });
    let spans = capture(|| parent_using_a_pool(&pool));
    drop(pool);
    worker.join().unwrap();
    let parent = spans.named("parent_using_a_pool");
    assert_eq!(spans.children_of(parent).len(), 3);
    assert_eq!(spans.trace_ids().len(), 1);
}

#[traced]
fn grandchild() {}

#[traced]
fn middle_hop() {
    trace_runtime::thread::spawn(grandchild).join().unwrap();
}

#[traced]
fn first_hop() {
    trace_runtime::thread::spawn(middle_hop).join().unwrap();
}

#[test]
fn nested_hand_offs_keep_the_chain() {
    let spans = capture(first_hop);
    assert_eq!(spans.len(), 3);
    spans.assert_parent(spans.named("middle_hop"), spans.named("first_hop"));
    spans.assert_parent(spans.named("grandchild"), spans.named("middle_hop"));
}

#[traced]
async fn async_child() {
    tokio::task::yield_now().await;
}

#[traced]
async fn async_parent_spawning() {
    let tasks: Vec<_> = (0..4)
        .map(|_| trace_runtime::tokio::spawn(async_child()))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    trace_runtime::tokio::spawn_blocking(child).await.unwrap();
}

#[test]
fn tokio_tasks_and_blocking_jobs_carry_the_context() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_, spans) = runtime.block_on(capture_future(async { async_parent_spawning().await }));
    let parent = spans.named("async_parent_spawning");
    let children = spans.children_of(parent);
    assert_eq!(children.len(), 5, "{:?}", spans.names());
    assert_eq!(spans.all_named("async_child").len(), 4);
    assert_eq!(spans.trace_ids().len(), 1);
}

#[test]
fn a_future_can_be_put_under_a_handle() {
    let spans = capture(|| {
        #[traced]
        fn make_handle() -> PropagatedContext {
            propagate_context()
        }
        let handle = make_handle();
        futures_executor::block_on(async { async_child().await }.in_context(handle));
    });
    spans.assert_parent(spans.named("async_child"), spans.named("make_handle"));
}

#[traced(kind = producer)]
fn produce(metadata: &mut Vec<(String, String)>) -> PropagatedContext {
    inject(metadata);
    propagate_context()
}

#[traced(kind = consumer)]
fn consume() -> PropagatedContext {
    propagate_context()
}

#[test]
fn a_carrier_carries_the_trace_across_a_process_boundary() {
    let spans = capture(|| {
        let mut metadata = Vec::new();
        let producer = produce(&mut metadata);
        // ... the message travels; the consumer has only the metadata.
        let remote = extract(&metadata);
        assert!(remote.is_remote());
        assert_eq!(remote.trace_id(), producer.trace_id());
        assert_eq!(remote.span_id(), producer.span_id());
        with_propagated_context(&remote, consume);
    });
    let producer = spans.named("produce");
    let consumer = spans.named("consume");
    assert_eq!(
        consumer.span_context.trace_id(),
        producer.span_context.trace_id()
    );
    assert_eq!(consumer.parent_span_id, producer.span_context.span_id());
    assert!(consumer.parent_span_is_remote);
}

#[test]
fn every_carrier_type_round_trips() {
    let _ = capture(|| {
        #[traced]
        fn check() {
            let here = propagate_context();
            let mut map: HashMap<String, String> = HashMap::new();
            inject(&mut map);
            assert_eq!(extract(&map).span_id(), here.span_id());
            let mut tree: BTreeMap<String, String> = BTreeMap::new();
            inject(&mut tree);
            assert_eq!(extract(&tree).span_id(), here.span_id());
            let mut headers = http::HeaderMap::new();
            inject(&mut headers);
            assert_eq!(extract(&headers).span_id(), here.span_id());
            let mut otel: HashMap<String, String> = HashMap::new();
            inject(&mut trace_runtime::propagation::Otel(&mut otel));
            assert_eq!(
                extract(&trace_runtime::propagation::Otel(&otel)).span_id(),
                here.span_id()
            );
        }
        check();
    });
}

fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            http::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::header::HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

const VALID: &str = "00-12345678901234567890123456789012-1234567890123456-01";

#[test]
fn header_names_match_in_any_case() {
    let vec = vec![("TrAcEpArEnT".to_owned(), VALID.to_owned())];
    assert_eq!(
        extract(&vec).trace_id().as_deref(),
        Some("12345678901234567890123456789012")
    );
}

#[test]
fn two_traceparent_headers_start_a_new_trace() {
    let map = headers(&[
        (
            "traceparent",
            "00-12345678901234567890123456789011-1234567890123456-01",
        ),
        ("traceparent", VALID),
    ]);
    assert_eq!(extract(&map).trace_id(), None);
}

#[traced(kind = server)]
fn serve() -> String {
    let mut out = Vec::new();
    inject(&mut out);
    out.iter().map(|(k, v)| format!("{k}: {v}\n")).collect()
}

#[test]
fn a_malformed_traceparent_starts_a_new_root() {
    let spans = capture(|| {
        let bad = vec![("traceparent".to_owned(), "00-xyz".to_owned())];
        with_propagated_context(&extract(&bad), serve);
    });
    let span = spans.named("serve");
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert_ne!(span.span_context.trace_id(), TraceId::INVALID);
}

#[test]
fn tracestate_and_baggage_are_forwarded_downstream() {
    let incoming = headers(&[
        ("traceparent", VALID),
        ("tracestate", "vendor=abc"),
        ("tracestate", "other@sys=1"),
        ("baggage", "tenant=acme,user=alice%20b"),
    ]);
    let (outgoing, spans) = trace_runtime::testing::capture_value(|| {
        with_propagated_context(&extract(&incoming), serve)
    });
    assert!(
        outgoing.contains("tracestate: vendor=abc,other@sys=1\n"),
        "{outgoing}"
    );
    assert!(outgoing.contains("tenant=acme"), "{outgoing}");
    assert!(outgoing.contains("user=alice%20b"), "{outgoing}");
    let traceparent = outgoing
        .lines()
        .find(|l| l.starts_with("traceparent"))
        .unwrap();
    assert!(traceparent.starts_with("traceparent: 00-12345678901234567890123456789012-"));
    let span = spans.named("serve");
    assert_eq!(
        span.span_context.trace_state().header(),
        "vendor=abc,other@sys=1"
    );
}

#[test]
fn an_invalid_tracestate_is_dropped_and_the_parent_kept() {
    let incoming = headers(&[("traceparent", VALID), ("tracestate", "@foo=1,bar=2")]);
    let outgoing = capture_value_of(|| with_propagated_context(&extract(&incoming), serve));
    assert!(outgoing.contains("12345678901234567890123456789012"));
    assert!(!outgoing.contains("tracestate"), "{outgoing}");
}

#[test]
fn a_duplicated_tracestate_key_forwards_its_first_member() {
    let incoming = headers(&[
        ("traceparent", VALID),
        ("tracestate", "foo=1,foo@@bar=2"),
        ("tracestate", "foo=3"),
    ]);
    let outgoing = capture_value_of(|| with_propagated_context(&extract(&incoming), serve));
    assert!(
        outgoing.contains("tracestate: foo=1,foo@@bar=2\n"),
        "{outgoing}"
    );
}

fn capture_value_of<R>(f: impl FnOnce() -> R) -> R {
    trace_runtime::testing::capture_value(f).0
}

#[test]
fn the_sampled_flag_of_a_remote_parent_is_followed() {
    let unsampled = vec![(
        "traceparent".to_owned(),
        "00-12345678901234567890123456789012-1234567890123456-00".to_owned(),
    )];
    let spans = capture(|| with_propagated_context(&extract(&unsampled), serve));
    assert!(
        spans.is_empty(),
        "a parent-based sampler follows the remote decision"
    );
}

#[test]
fn the_current_span_is_available_as_an_otel_context() {
    let spans = capture(|| {
        #[traced]
        fn instrumented() -> (String, String) {
            let cx = trace_runtime::current_otel_context();
            let sc = cx.span().span_context().clone();
            (sc.trace_id().to_string(), sc.span_id().to_string())
        }
        let (trace, span) = instrumented();
        assert_eq!(trace.len(), 32);
        assert_eq!(span.len(), 16);
        (trace, span)
    });
    let span = spans.named("instrumented");
    assert!(span.span_context.is_valid());
}

#[test]
fn an_otel_api_span_is_the_parent_of_a_root_traced_call() {
    use trace_runtime::otel::trace::{SpanContext, TraceFlags, TraceState};
    let otel_parent = SpanContext::new(
        TraceId::from(0xabcd_u128),
        SpanId::from(0x1234_u64),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    );
    let spans = capture(|| {
        let _attached = trace_runtime::otel::Context::current()
            .with_remote_span_context(otel_parent.clone())
            .attach();
        child();
    });
    let span = spans.named("child");
    assert_eq!(span.span_context.trace_id(), otel_parent.trace_id());
    assert_eq!(span.parent_span_id, otel_parent.span_id());
}

proptest! {
    #[test]
    fn inject_then_extract_is_the_identity(trace in 1u128.., span in 1u64.., sampled: bool) {
        let flags = if sampled { "03" } else { "02" };
        let header = format!("00-{trace:032x}-{span:016x}-{flags}");
        let first = extract(&vec![("traceparent".to_owned(), header.clone())]);
        let mut carrier: Vec<(String, String)> = Vec::new();
        trace_runtime::inject_context(&first, &mut carrier);
        prop_assert_eq!(&carrier, &vec![("traceparent".to_owned(), header)]);
        let second = extract(&carrier);
        prop_assert_eq!(second.trace_id(), first.trace_id());
        prop_assert_eq!(second.span_id(), first.span_id());
        prop_assert_eq!(second.is_sampled(), sampled);
    }

    #[test]
    fn no_input_makes_extract_panic(
        traceparent in ".{0,80}",
        tracestate in ".{0,300}",
        baggage in ".{0,300}",
        bytes in proptest::collection::vec(any::<u8>(), 0..100),
    ) {
        let lossy = String::from_utf8_lossy(&bytes).into_owned();
        let carrier = vec![
            ("traceparent".to_owned(), traceparent),
            ("tracestate".to_owned(), tracestate),
            ("baggage".to_owned(), baggage),
            ("traceparent".to_owned(), lossy.clone()),
        ];
        let _ = extract(&carrier);
        let _ = extract(&carrier[3..]);
        let single = vec![("tracestate".to_owned(), lossy.clone()), ("baggage".to_owned(), lossy)];
        let _ = extract(&single);
    }

    #[test]
    fn near_valid_traceparents_never_panic(position in 0usize..55, byte in any::<u8>()) {
        let mut bytes = VALID.as_bytes().to_vec();
        bytes[position] = byte;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let parsed = extract(&vec![("traceparent".to_owned(), text.clone())]);
        if text != VALID && parsed.trace_id().is_some() {
            // Only a change that keeps the header valid may parse: hex digit
            // swaps in the ids or flags (or the version).
            prop_assert!(byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase());
        }
    }
}
