//! Identity: attributes stamped onto every span of a scope, first, across
//! `.await`, threads and tasks reached through the propagation handle.

use trace_runtime::identity::Identity;
use trace_runtime::otel::KeyValue;
use trace_runtime::propagation::FutureExt;
use trace_runtime::testing::{capture, capture_future};
use trace_runtime::{
    current_identity, propagate_context, traced, with_identity, with_identity_replaced,
};
use trace_tests::{attr, text};

#[traced]
fn work() {
    trace_runtime::add_attribute("own", 1);
}

fn component(name: &'static str) -> [KeyValue; 2] {
    [
        KeyValue::new("component.name", name),
        KeyValue::new("deployment.id", "blue-7"),
    ]
}

#[test]
fn every_span_in_the_scope_carries_the_identity_first() {
    let spans = capture(|| with_identity(component("orders"), work));
    let span = spans.named("work");
    assert_eq!(
        span.attributes[0],
        KeyValue::new("component.name", "orders")
    );
    assert_eq!(span.attributes[1], KeyValue::new("deployment.id", "blue-7"));
    assert_eq!(text(attr(span, "own")), "1");
}

#[test]
fn the_scope_is_not_a_span() {
    let spans = capture(|| with_identity(component("orders"), || ()));
    assert!(spans.is_empty());
}

#[test]
fn spans_outside_the_scope_carry_no_identity() {
    let spans = capture(|| {
        with_identity(component("orders"), || ());
        work();
    });
    assert!(attr(spans.named("work"), "component.name").is_none());
}

#[test]
fn nested_scopes_extend_by_default_and_inner_keys_win() {
    let spans = capture(|| {
        with_identity(component("orders"), || {
            with_identity(
                [
                    KeyValue::new("component.name", "orders.retry"),
                    KeyValue::new("shard", 3),
                ],
                work,
            );
        });
    });
    let span = spans.named("work");
    assert_eq!(text(attr(span, "component.name")), "orders.retry");
    assert_eq!(text(attr(span, "deployment.id")), "blue-7");
    assert_eq!(text(attr(span, "shard")), "3");
    assert_eq!(
        span.attributes
            .iter()
            .filter(|kv| kv.key.as_str() == "component.name")
            .count(),
        1
    );
}

#[test]
fn replaced_scopes_drop_the_outer_identity() {
    let spans = capture(|| {
        with_identity(component("orders"), || {
            with_identity_replaced([KeyValue::new("component.name", "isolated")], work);
        });
    });
    let span = spans.named("work");
    assert_eq!(text(attr(span, "component.name")), "isolated");
    assert!(attr(span, "deployment.id").is_none());
}

#[traced]
fn spawns_worker() {
    trace_runtime::thread::spawn(work).join().unwrap();
}

#[test]
fn identity_travels_to_threads_through_the_handle() {
    let spans = capture(|| with_identity(component("orders"), spawns_worker));
    for span in spans.iter() {
        assert_eq!(
            text(attr(span, "component.name")),
            "orders",
            "{}",
            span.name
        );
    }
    assert_eq!(spans.len(), 2);
}

#[traced]
async fn async_work() {
    tokio::task::yield_now().await;
    work();
}

#[test]
fn identity_follows_a_future_across_awaits_and_tasks() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (_, spans) = runtime.block_on(capture_future(async {
        let worker = Identity::new(component("worker"));
        worker.instrument(async { async_work().await }).await;
        let handle = worker.run(propagate_context);
        tokio::spawn(async { async_work().await }.in_context(handle))
            .await
            .unwrap();
    }));
    assert_eq!(spans.len(), 4);
    for span in spans.iter() {
        assert_eq!(
            text(attr(span, "component.name")),
            "worker",
            "{}",
            span.name
        );
    }
}

#[test]
fn current_identity_reports_the_scope() {
    with_identity(component("orders"), || {
        assert_eq!(current_identity().len(), 2);
        with_identity_replaced([], || assert!(current_identity().is_empty()));
    });
}

#[traced]
async fn step() {
    trace_runtime::add_attribute("own", 1);
}

#[traced]
async fn job() {
    step().await;
    // Resumed on another thread: the identity came along with the future.
    tokio::task::yield_now().await;
    step().await;
}

#[test]
fn a_future_passed_to_with_identity_carries_it_on_every_poll_and_thread() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let ((), spans) = runtime.block_on(capture_future(async {
        tokio::spawn(
            with_identity(component("orders"), async { job().await })
                .in_context(propagate_context()),
        )
        .await
        .unwrap();
    }));
    assert_eq!(spans.all_named("step").len(), 2);
    for span in spans.iter() {
        assert_eq!(
            span.attributes[0],
            KeyValue::new("component.name", "orders"),
            "{}",
            span.name
        );
    }
}
