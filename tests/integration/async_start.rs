//! An `async fn`'s span starts when the function is called, not when its
//! future is first polled: the time the future waits before its first poll
//! is part of the span, its parent is the span current at the call, and a
//! future dropped without ever being polled still ends one (cancelled)
//! span. Its parameters move into the future, as with any `async fn`.
//!
//! Durations are only ever asserted from below (`>= HOLD`), which a slow
//! machine cannot make fail.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_executor::block_on;
use trace_runtime::otel::trace::{SpanId, Status};
use trace_runtime::testing::{capture, capture_future};
use trace_runtime::{PropagatedContext, traced};
use trace_tests::{YieldOnce, attr, text};

/// How long a future is held between its call and its first poll.
const HOLD: Duration = Duration::from_millis(50);

#[traced]
async fn work(x: u64) -> u64 {
    YieldOnce(false).await;
    x + 1
}

fn duration(span: &trace_runtime::otel_sdk::trace::SpanData) -> Duration {
    span.end_time
        .duration_since(span.start_time)
        .unwrap_or_default()
}

#[test]
fn the_wait_before_the_first_poll_is_part_of_the_span() {
    let spans = capture(|| {
        let future = work(1);
        std::thread::sleep(HOLD);
        assert_eq!(block_on(future), 2);
    });
    assert_eq!(spans.names(), ["work"]);
    let span = spans.named("work");
    assert!(duration(span) >= HOLD, "{:?}", duration(span));
    assert!(attr(span, trace_runtime::CANCELLED_ATTRIBUTE).is_none());
}

#[traced]
fn caller() -> impl Future<Output = u64> {
    // The future is made here and polled by someone else.
    work(5)
}

#[traced]
fn poller(future: impl Future<Output = u64>) -> u64 {
    block_on(future)
}

#[test]
fn the_parent_is_the_span_current_at_the_call_not_at_the_first_poll() {
    let spans = capture(|| {
        let future = caller();
        assert_eq!(poller(future), 6);
    });
    assert_eq!(spans.names(), ["caller", "work", "poller"]);
    spans.assert_parent(spans.named("work"), spans.named("caller"));
    assert_eq!(spans.children_of(spans.named("poller")).len(), 0);
}

#[test]
fn a_future_polled_on_another_thread_keeps_the_span_it_was_called_in() {
    let spans = capture(|| {
        let future = caller();
        let polled = std::thread::spawn(move || {
            std::thread::sleep(HOLD);
            block_on(future)
        });
        assert_eq!(polled.join().unwrap(), 6);
    });
    assert_eq!(spans.names(), ["caller", "work"]);
    let work = spans.named("work");
    spans.assert_parent(work, spans.named("caller"));
    assert!(duration(work) >= HOLD, "{:?}", duration(work));
}

#[test]
fn a_future_dropped_unpolled_ends_one_cancelled_span() {
    let spans = capture(|| {
        let future = work(1);
        std::thread::sleep(HOLD);
        drop(future);
    });
    assert_eq!(spans.names(), ["work"]);
    let span = spans.named("work");
    assert_eq!(text(attr(span, trace_runtime::CANCELLED_ATTRIBUTE)), "true");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(span.parent_span_id, SpanId::INVALID);
    assert!(duration(span) >= HOLD, "{:?}", duration(span));
}

#[traced(parent = parent)]
async fn child_of(parent: PropagatedContext) -> u8 {
    YieldOnce(false).await;
    1
}

#[traced]
fn remote_parent() -> PropagatedContext {
    trace_runtime::propagate_context()
}

#[test]
fn parent_is_evaluated_at_the_call() {
    let spans = capture(|| {
        let context = remote_parent();
        let future = child_of(context);
        assert_eq!(block_on(future), 1);
    });
    spans.assert_parent(spans.named("child_of"), spans.named("remote_parent"));
}

/// Counts its drops.
struct Guard(Arc<AtomicUsize>);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Each guard records, when dropped, how many were dropped before it.
struct Ordered(
    Arc<AtomicUsize>,
    Arc<std::sync::Mutex<Vec<&'static str>>>,
    &'static str,
);

impl Drop for Ordered {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.lock().unwrap().push(self.2);
    }
}

#[traced]
async fn hold_guards(_: Guard, _unused: Guard, (_a, _b): (Guard, Guard), ref _r: Guard) {
    YieldOnce(false).await;
}

#[test]
fn every_parameter_moves_into_the_future_and_is_dropped_when_it_ends() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let guard = || Guard(Arc::clone(&dropped));
    let future = hold_guards(guard(), guard(), (guard(), guard()), guard());
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        0,
        "nothing dropped at the call"
    );
    block_on(future);
    assert_eq!(dropped.load(Ordering::SeqCst), 5);

    let unpolled = hold_guards(guard(), guard(), (guard(), guard()), guard());
    assert_eq!(dropped.load(Ordering::SeqCst), 5);
    drop(unpolled);
    assert_eq!(dropped.load(Ordering::SeqCst), 10);
}

#[traced]
async fn ordered(first: Ordered, _: Ordered, last: Ordered) {
    let _local = Ordered(Arc::clone(&first.0), Arc::clone(&first.1), "local");
    let _ = &last;
}

async fn ordered_untraced(first: Ordered, _: Ordered, last: Ordered) {
    let _local = Ordered(Arc::clone(&first.0), Arc::clone(&first.1), "local");
    let _ = &last;
}

#[test]
fn parameters_drop_in_the_order_an_untraced_async_fn_drops_them() {
    let run = |traced: bool| {
        let count = Arc::new(AtomicUsize::new(0));
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let make = |name| Ordered(Arc::clone(&count), Arc::clone(&order), name);
        if traced {
            block_on(ordered(make("first"), make("wild"), make("last")));
        } else {
            block_on(ordered_untraced(make("first"), make("wild"), make("last")));
        }
        order.lock().unwrap().clone()
    };
    let untraced = run(false);
    assert_eq!(untraced.len(), 4);
    assert_eq!(run(true), untraced);
}

struct Owner(Guard);

impl Owner {
    #[traced]
    async fn consume(self) {
        YieldOnce(false).await;
    }

    #[traced]
    async fn peek(&self, mut times: u8) -> u8 {
        times += 1;
        YieldOnce(false).await;
        times + u8::from(self.0.0.load(Ordering::SeqCst) > 100)
    }
}

#[test]
fn self_by_value_moves_into_the_future() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let owner = Owner(Guard(Arc::clone(&dropped)));
    assert_eq!(block_on(owner.peek(1)), 2);
    let future = owner.consume();
    assert_eq!(dropped.load(Ordering::SeqCst), 0);
    block_on(future);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
}

#[traced]
async fn sendable(name: String) -> usize {
    tokio::task::yield_now().await;
    name.len()
}

#[test]
fn the_future_is_send_when_its_body_is() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (length, spans) = runtime.block_on(capture_future(async {
        // `tokio::spawn` needs a `Send` future.
        let handle = tokio::spawn(sendable(String::from("four")));
        handle.await.unwrap()
    }));
    assert_eq!(length, 4);
    assert_eq!(spans.names(), ["sendable"]);
}
