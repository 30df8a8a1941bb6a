//! The testing API itself: typed attribute, status and event lookups on
//! captured spans, what a capture contains, and waiting for spans that end
//! after the capture returned.
//!
//! Late spans are made late with channels, not sleeps: the thread that
//! ends them waits for a signal sent after the capture returned, so every
//! test here is deterministic under parallel and repeated runs. Generous
//! timeouts are only reached when something is broken; the one test that
//! times out on purpose waits for a span that is never sent.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use trace_runtime::otel::{KeyValue, Value};
use trace_runtime::testing::{EventExt, SpanDataExt, capture, capture_future_live, capture_live};
use trace_runtime::{propagate_context, traced};

/// Long enough never to be reached by a passing test.
const NEVER: Duration = Duration::from_secs(30);

#[traced(attrs(db.system = "postgres", db.rows = rows, ratio = 0.25, cached = true))]
fn query(rows: i64) {}

#[test]
fn typed_getters_read_attributes_of_their_type() {
    let spans = capture(|| query(3));
    let span = spans.named("query");
    assert_eq!(span.attr_str("db.system"), Some("postgres"));
    assert_eq!(span.attr_i64("db.rows"), Some(3));
    assert_eq!(span.attr_f64("ratio"), Some(0.25));
    assert_eq!(span.attr_bool("cached"), Some(true));
}

#[test]
fn typed_getters_return_none_for_a_missing_key() {
    let spans = capture(|| query(3));
    let span = spans.named("query");
    assert_eq!(span.attr("db.table"), None);
    assert_eq!(span.attr_i64("db.table"), None);
    assert_eq!(span.attr_str("db.table"), None);
    assert_eq!(span.attr_f64("db.table"), None);
    assert_eq!(span.attr_bool("db.table"), None);
}

#[test]
fn typed_getters_return_none_for_a_value_of_another_type() {
    let spans = capture(|| query(3));
    let span = spans.named("query");
    assert_eq!(span.attr_i64("db.system"), None);
    assert_eq!(span.attr_str("db.rows"), None);
    assert_eq!(span.attr_f64("db.rows"), None, "an integer is not a float");
    assert_eq!(span.attr_bool("ratio"), None);
}

#[test]
fn attr_returns_the_value_of_any_type() {
    let spans = capture(|| query(3));
    assert_eq!(spans.named("query").attr("db.rows"), Some(&Value::I64(3)));
}

#[test]
fn attr_returns_the_value_set_last() {
    let spans = capture(|| {
        trace_runtime::with_span("work", [], || {
            trace_runtime::add_attribute("step", 1);
            trace_runtime::add_attribute("step", 2);
        });
    });
    assert_eq!(spans.named("work").attr_i64("step"), Some(2));
}

#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection refused")
    }
}
impl std::error::Error for Refused {}

#[traced]
fn connect(fail: bool) -> Result<(), Refused> {
    if fail { Err(Refused) } else { Ok(()) }
}

#[test]
fn an_err_return_is_error_with_its_description() {
    let spans = capture(|| connect(true));
    let span = spans.named("connect");
    assert!(span.is_error());
    assert!(!span.is_unset());
    assert_eq!(span.error_description(), Some("connection refused"));
}

#[test]
fn an_ok_return_is_unset_without_description() {
    let spans = capture(|| connect(false));
    let span = spans.named("connect");
    assert!(span.is_unset());
    assert!(!span.is_error());
    assert_eq!(span.error_description(), None);
}

#[test]
fn an_ok_status_is_neither_unset_nor_error() {
    let spans = capture(|| {
        trace_runtime::with_span("work", [], || {
            trace_runtime::set_status(trace_runtime::otel::trace::Status::Ok);
        });
    });
    let span = spans.named("work");
    assert!(!span.is_unset());
    assert!(!span.is_error());
    assert_eq!(span.error_description(), None);
}

fn retrying() {
    trace_runtime::with_span("retrying", [], || {
        trace_runtime::record_event("retry", [KeyValue::new("attempt", 1)]);
        trace_runtime::record_event("backoff", [KeyValue::new("seconds", 0.5)]);
        trace_runtime::record_event("retry", [KeyValue::new("attempt", 2)]);
    });
}

#[test]
fn events_named_returns_every_event_of_that_name_in_order() {
    let spans = capture(retrying);
    let retries = spans.named("retrying").events_named("retry");
    let attempts: Vec<_> = retries.iter().map(|e| e.attr_i64("attempt")).collect();
    assert_eq!(attempts, [Some(1), Some(2)]);
}

#[test]
fn events_named_is_empty_for_a_missing_name() {
    let spans = capture(retrying);
    assert!(spans.named("retrying").events_named("gave_up").is_empty());
}

#[test]
fn event_returns_the_one_event_of_that_name_with_typed_attributes() {
    let spans = capture(retrying);
    let backoff = spans.named("retrying").event("backoff");
    assert_eq!(backoff.attr_f64("seconds"), Some(0.5));
    assert_eq!(backoff.attr_i64("seconds"), None);
    assert_eq!(backoff.attr_str("missing"), None);
}

#[test]
#[should_panic(
    expected = r#"expected exactly one event named "retry" on span "retrying", found 2"#
)]
fn event_panics_when_the_name_occurs_twice() {
    let spans = capture(retrying);
    let _ = spans.named("retrying").event("retry");
}

#[test]
fn the_exception_event_of_an_err_reads_through_event() {
    let spans = capture(|| connect(true));
    let exception = spans.named("connect").event("exception");
    assert_eq!(
        exception.attr_str("exception.message"),
        Some("connection refused")
    );
}

#[traced]
fn late_job() {}

/// Spawns, with the current context, a thread that runs `late_job` once
/// the returned sender is used (or dropped).
fn spawn_gated_job() -> (mpsc::Sender<()>, JoinHandle<()>) {
    let (go, wait) = mpsc::channel::<()>();
    let worker = std::thread::spawn(propagate_context().wrap(move || {
        let _ = wait.recv();
        late_job();
    }));
    (go, worker)
}

#[test]
fn capture_leaves_out_a_span_that_ends_after_it_returned() {
    let ((go, worker), spans) = trace_runtime::testing::capture_value(|| {
        trace_runtime::with_span("request", [], spawn_gated_job)
    });
    drop(go);
    worker.join().unwrap();
    assert_eq!(spans.names(), ["request"]);
}

#[test]
fn wait_for_sees_a_span_that_ends_after_the_capture_returned() {
    let ((go, worker), mut live) =
        capture_live(|| trace_runtime::with_span("request", [], spawn_gated_job));
    assert_eq!(live.spans().names(), ["request"]);
    go.send(()).unwrap();
    let spans = live.wait_for(2, NEVER).unwrap();
    worker.join().unwrap();
    assert_eq!(spans.names(), ["request", "late_job"]);
    spans.assert_parent(spans.named("late_job"), spans.named("request"));
}

#[test]
fn wait_until_returns_once_the_condition_holds() {
    let ((go, worker), mut live) = capture_live(spawn_gated_job);
    go.send(()).unwrap();
    let spans = live
        .wait_until(|spans| spans.names().contains(&"late_job"), NEVER)
        .unwrap();
    worker.join().unwrap();
    assert_eq!(spans.names(), ["late_job"]);
}

#[test]
fn a_wait_that_times_out_returns_the_spans_delivered_so_far() {
    let ((go, worker), mut live) =
        capture_live(|| trace_runtime::with_span("request", [], spawn_gated_job));
    let started = Instant::now();
    let timed_out = live.wait_for(2, Duration::from_millis(50)).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(50));
    assert_eq!(timed_out.spans().names(), ["request"]);
    assert!(
        timed_out
            .to_string()
            .contains(r#"waiting for 2 spans; captured spans: ["request"]"#),
        "{timed_out}"
    );
    drop(go);
    worker.join().unwrap();
}

#[test]
fn a_wait_already_satisfied_returns_even_with_a_zero_timeout() {
    let ((), mut live) = capture_live(|| query(1));
    let spans = live.wait_for(1, Duration::ZERO).unwrap();
    assert_eq!(spans.names(), ["query"]);
}

#[test]
fn a_wait_sees_only_its_own_capture() {
    let ((go_a, worker_a), mut a) = capture_live(spawn_gated_job);
    let ((go_b, worker_b), mut b) =
        capture_live(|| trace_runtime::with_span("other", [], spawn_gated_job));
    go_a.send(()).unwrap();
    go_b.send(()).unwrap();
    assert_eq!(a.wait_for(1, NEVER).unwrap().names(), ["late_job"]);
    assert_eq!(b.wait_for(2, NEVER).unwrap().names(), ["other", "late_job"]);
    worker_a.join().unwrap();
    worker_b.join().unwrap();
}

#[traced]
async fn background(wait: tokio::sync::oneshot::Receiver<()>) {
    let _ = wait.await;
}

#[traced]
async fn handler(wait: tokio::sync::oneshot::Receiver<()>) {
    // Not joined: the task outlives the handler.
    drop(trace_runtime::tokio::spawn(background(wait)));
}

#[test]
fn capture_future_live_sees_a_task_that_outlives_the_future() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let ((), mut live) = runtime.block_on(capture_future_live(async { handler(wait).await }));
    assert_eq!(live.spans().names(), ["handler"]);
    go.send(()).unwrap();
    let spans = live.wait_for(2, NEVER).unwrap();
    assert_eq!(spans.names(), ["handler", "background"]);
    spans.assert_parent(spans.named("background"), spans.named("handler"));
}
