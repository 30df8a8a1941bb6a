//! A trace the sampler leaves out still propagates, unsampled: what the
//! OpenTelemetry SDKs do, so that a parent-based service downstream follows
//! this service's decision instead of making its own.

use std::collections::HashMap;

use trace_runtime::testing::{InMemoryExporter, capture_sampled};
use trace_runtime::{
    Pipeline, Sampler, current_trace_id, extract, inject, traced, with_propagated_context,
};

use super::serial;
use trace_tests::YieldOnce;

/// Runs `f` with a pipeline whose sampler records no new roots, then puts
/// the default sampler back for the other tests. Returns what was exported.
fn sampled_out<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_sampler(Sampler::AlwaysOff)
        .install()
        .unwrap();
    let result = f();
    drop(pipeline);
    Pipeline::builder()
        .with_sampler(Sampler::default())
        .install()
        .unwrap()
        .shutdown();
    (result, exporter.spans().len())
}

/// The `traceparent` this context would send downstream.
fn injected() -> Option<String> {
    let mut headers = HashMap::new();
    inject(&mut headers);
    headers.remove("traceparent")
}

/// What a call sees: the `traceparent` it would send, and its trace id.
type Seen = (Option<String>, Option<String>);

#[traced]
fn inner_call() -> Seen {
    (injected(), current_trace_id())
}

#[traced(kind = client)]
fn outgoing_call() -> (Option<String>, Option<String>, Seen) {
    (injected(), current_trace_id(), inner_call())
}

#[test]
fn a_sampled_out_call_injects_a_traceparent_with_the_sampled_flag_off() {
    let _serial = serial();
    let ((header, trace_id, _), exported) = sampled_out(outgoing_call);
    let header = header.expect("a sampled-out call still propagates its context");
    let parts: Vec<&str> = header.split('-').collect();
    assert_eq!(parts.len(), 4, "{header}");
    assert_eq!(parts[0], "00");
    assert_eq!(Some(parts[1].to_owned()), trace_id);
    assert_eq!(parts[2].len(), 16);
    let flags = u8::from_str_radix(parts[3], 16).unwrap();
    assert_eq!(flags & 0x01, 0, "not sampled: {header}");
    assert_eq!(exported, 0, "nothing is recorded");
}

#[test]
fn nested_sampled_out_calls_share_one_trace_and_the_next_call_gets_another() {
    let _serial = serial();
    let ((first, second), _) = sampled_out(|| (outgoing_call(), outgoing_call()));
    let (outer_header, outer_trace, (inner_header, inner_trace)) = first;
    assert!(outer_trace.is_some());
    assert_eq!(inner_trace, outer_trace);
    assert_eq!(inner_header, outer_header);
    assert_ne!(
        second.1, outer_trace,
        "each sampled-out root is a trace of its own"
    );
}

#[test]
fn outside_any_call_there_is_still_no_trace() {
    let _serial = serial();
    let ((before, after), _) = sampled_out(|| {
        let before = (injected(), current_trace_id());
        let _ = outgoing_call();
        (before, (injected(), current_trace_id()))
    });
    assert_eq!(before, (None, None));
    assert_eq!(
        after,
        (None, None),
        "the outermost call took its ids with it"
    );
}

#[test]
fn a_parent_based_service_downstream_follows_the_decision() {
    let _serial = serial();
    let ((header, _, _), _) = sampled_out(outgoing_call);
    let headers = vec![("traceparent".to_owned(), header.unwrap())];
    let parent_based = Sampler::ParentBased(Box::new(Sampler::AlwaysOn));
    let downstream = capture_sampled(parent_based.clone(), || {
        with_propagated_context(&extract(&headers), || {
            let _ = inner_call();
        });
    });
    assert!(downstream.is_empty(), "{:?}", downstream.names());
    // The same service with no parent records its own root.
    let alone = capture_sampled(parent_based, || {
        let _ = inner_call();
    });
    assert_eq!(alone.names(), ["inner_call"]);
}

#[traced]
async fn across_an_await() -> Seen {
    let before = current_trace_id();
    YieldOnce(false).await;
    (before, current_trace_id())
}

#[test]
fn an_async_sampled_out_call_keeps_its_trace_across_polls() {
    let _serial = serial();
    let ((before, after), _) = sampled_out(|| futures_executor::block_on(across_an_await()));
    assert!(before.is_some());
    assert_eq!(after, before);
}
