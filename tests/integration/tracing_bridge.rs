//! The `tracing` bridge: `tracing` spans and events recorded by
//! `trace_runtime::TracingLayer` land in the same traces as `#[traced]`
//! calls, with the right parents in both directions, across `.await`s and
//! threads; `WithTraceIds` puts our ids in fmt log lines.
//!
//! Every test scopes its subscriber with `tracing::subscriber::with_default`
//! (or `WithSubscriber` for tasks on other threads): the global default is
//! never set, so tests run in parallel without seeing each other.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::Poll;

use trace_runtime::otel::Value;
use trace_runtime::otel::trace::{SpanKind, Status};
use trace_runtime::otel_sdk::trace::SpanData;
use trace_runtime::testing::{Spans, capture, capture_future, capture_sampled};
use trace_runtime::{Sampler, TracingLayer, WithTraceIds, traced};
use trace_tests::YieldOnce;
use trace_tests::{attr, event_attr, text};
use tracing::instrument::WithSubscriber as _;
use tracing::{Dispatch, Instrument as _};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{EnvFilter, Layer as _, registry};

/// A subscriber with only our layer.
fn bridged() -> Dispatch {
    Dispatch::new(registry().with(TracingLayer::new()))
}

/// Runs `f` under `dispatch` and a capture.
fn capture_with(dispatch: &Dispatch, f: impl FnOnce()) -> Spans {
    tracing::dispatcher::with_default(dispatch, || capture(f))
}

fn assert_one_trace(spans: &Spans) {
    assert_eq!(
        spans.trace_ids().len(),
        1,
        "expected one trace, got {:?}",
        spans.names()
    );
}

// ---------------------------------------------------------------- parents

#[tracing::instrument]
fn instrumented_leaf() {}

#[traced]
fn traced_calling_instrumented() {
    instrumented_leaf();
}

#[test]
fn a_tracing_span_inside_a_traced_call_is_its_child() {
    let spans = capture_with(&bridged(), traced_calling_instrumented);
    assert_eq!(spans.len(), 2);
    assert_one_trace(&spans);
    spans.assert_parent(
        spans.named("instrumented_leaf"),
        spans.named("traced_calling_instrumented"),
    );
}

#[traced]
fn traced_leaf() {}

#[test]
fn a_traced_call_inside_a_tracing_span_is_its_child() {
    let spans = capture_with(&bridged(), || {
        let _outer = tracing::info_span!("outer").entered();
        traced_leaf();
    });
    assert_eq!(spans.len(), 2);
    spans.assert_parent(spans.named("traced_leaf"), spans.named("outer"));
    assert!(spans.parent_of(spans.named("outer")).is_none());
}

#[traced]
fn level_1() {
    level_2();
}

#[tracing::instrument]
fn level_2() {
    level_3();
}

#[traced]
fn level_3() {
    let _inner = tracing::debug_span!("level_4").entered();
    level_5();
}

#[traced]
fn level_5() {
    tracing::info_span!("level_6").in_scope(|| {});
}

#[test]
fn alternating_levels_form_one_tree() {
    let spans = capture_with(&bridged(), level_1);
    assert_eq!(
        spans.names(),
        [
            "level_1", "level_2", "level_3", "level_4", "level_5", "level_6"
        ]
    );
    assert_one_trace(&spans);
    for (child, parent) in [
        ("level_2", "level_1"),
        ("level_3", "level_2"),
        ("level_4", "level_3"),
        ("level_5", "level_4"),
        ("level_6", "level_5"),
    ] {
        spans.assert_parent(spans.named(child), spans.named(parent));
    }
    assert_eq!(spans.depth_of(spans.named("level_6")), 5);
}

#[test]
fn sibling_tracing_spans_share_their_parent() {
    let spans = capture_with(&bridged(), || {
        let _root = tracing::info_span!("root").entered();
        for _ in 0..3 {
            tracing::info_span!("sibling").in_scope(traced_leaf);
        }
    });
    let root = spans.named("root");
    let siblings = spans.all_named("sibling");
    assert_eq!(siblings.len(), 3);
    for sibling in siblings {
        spans.assert_parent(sibling, root);
        assert_eq!(spans.children_of(sibling)[0].name, "traced_leaf");
    }
}

#[test]
fn an_explicit_parent_wins_over_the_current_span() {
    let spans = capture_with(&bridged(), || {
        let chosen = tracing::info_span!("chosen");
        let _current = tracing::info_span!("current").entered();
        tracing::info_span!(parent: &chosen, "adopted").in_scope(traced_leaf);
        tracing::info_span!(parent: None, "detached").in_scope(|| {});
    });
    spans.assert_parent(spans.named("adopted"), spans.named("chosen"));
    spans.assert_parent(spans.named("traced_leaf"), spans.named("adopted"));
    // `parent: None` starts a new trace, still inside the capture.
    let detached = spans.named("detached");
    assert!(spans.parent_of(detached).is_none());
    assert_ne!(
        detached.span_context.trace_id(),
        spans.named("current").span_context.trace_id()
    );
}

// ---------------------------------------------------------------- span fields

#[test]
fn span_fields_keep_their_types() {
    let spans = capture_with(&bridged(), || {
        let _span = tracing::info_span!(
            "typed",
            signed = -3i64,
            unsigned = 7u64,
            huge = u64::MAX,
            ratio = 0.5,
            flag = true,
            name = "ada",
            shown = %std::net::Ipv4Addr::LOCALHOST,
            debugged = ?Some(1),
        )
        .entered();
    });
    let span = spans.named("typed");
    assert_eq!(attr(span, "signed"), Some(&Value::I64(-3)));
    assert_eq!(attr(span, "unsigned"), Some(&Value::I64(7)));
    assert_eq!(text(attr(span, "huge")), u64::MAX.to_string());
    assert_eq!(attr(span, "ratio"), Some(&Value::F64(0.5)));
    assert_eq!(attr(span, "flag"), Some(&Value::Bool(true)));
    assert_eq!(text(attr(span, "name")), "ada");
    assert_eq!(text(attr(span, "shown")), "127.0.0.1");
    assert_eq!(text(attr(span, "debugged")), "Some(1)");
    assert_eq!(text(attr(span, "target")), module_path!());
    assert_eq!(text(attr(span, "code.file.path")), file!());
}

#[tracing::instrument(fields(rows = tracing::field::Empty))]
fn records_later(table: &str) {
    tracing::Span::current().record("rows", 42);
}

#[test]
fn fields_recorded_later_become_attributes() {
    let spans = capture_with(&bridged(), || records_later("users"));
    let span = spans.named("records_later");
    assert_eq!(text(attr(span, "table")), "users");
    assert_eq!(attr(span, "rows"), Some(&Value::I64(42)));
}

#[test]
fn otel_fields_set_name_kind_and_status() {
    let spans = capture_with(&bridged(), || {
        let _span = tracing::info_span!(
            "request",
            otel.name = "GET /users",
            otel.kind = "server",
            otel.status_code = tracing::field::Empty,
        )
        .entered();
        tracing::Span::current().record("otel.status_code", "error");
    });
    let span = spans.named("GET /users");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert!(matches!(span.status, Status::Error { .. }));
    assert!(attr(span, "otel.name").is_none());
}

#[test]
fn trace_runtime_functions_reach_the_entered_tracing_span() {
    let spans = capture_with(&bridged(), || {
        let _span = tracing::info_span!("entered").entered();
        trace_runtime::add_attribute("cache.hit", true);
        assert!(trace_runtime::current_span_id().is_some());
    });
    assert_eq!(
        attr(spans.named("entered"), "cache.hit"),
        Some(&Value::Bool(true))
    );
}

#[test]
fn follows_from_becomes_a_link() {
    let spans = capture_with(&bridged(), || {
        let cause = tracing::info_span!("cause");
        let effect = tracing::info_span!(parent: None, "effect");
        effect.follows_from(&cause);
    });
    let effect = spans.named("effect");
    assert_eq!(effect.links.links.len(), 1);
    assert_eq!(
        effect.links.links[0].span_context.span_id(),
        spans.named("cause").span_context.span_id()
    );
}

// ---------------------------------------------------------------- events

#[traced]
fn traced_logging() {
    tracing::info!(
        user.id = 7u64,
        delta = -2i64,
        ratio = 0.25,
        cached = false,
        region = "eu",
        "user {} loaded",
        "ada"
    );
    tracing::warn!(target: "audit", "slow");
}

#[test]
fn an_event_inside_a_traced_call_becomes_a_span_event() {
    let spans = capture_with(&bridged(), traced_logging);
    let span = spans.named("traced_logging");
    let events: Vec<_> = span.events.iter().collect();
    assert_eq!(events.len(), 2);
    let loaded = events[0];
    assert_eq!(loaded.name, "user ada loaded");
    assert_eq!(event_attr(loaded, "user.id"), Some(&Value::I64(7)));
    assert_eq!(event_attr(loaded, "delta"), Some(&Value::I64(-2)));
    assert_eq!(event_attr(loaded, "ratio"), Some(&Value::F64(0.25)));
    assert_eq!(event_attr(loaded, "cached"), Some(&Value::Bool(false)));
    assert_eq!(text(event_attr(loaded, "region")), "eu");
    assert_eq!(text(event_attr(loaded, "level")), "INFO");
    assert_eq!(text(event_attr(loaded, "target")), module_path!());
    assert_eq!(text(event_attr(loaded, "code.file.path")), file!());
    assert!(matches!(
        event_attr(loaded, "code.line.number"),
        Some(Value::I64(_))
    ));
    assert!(event_attr(loaded, "message").is_none());
    let slow = events[1];
    assert_eq!(slow.name, "slow");
    assert_eq!(text(event_attr(slow, "level")), "WARN");
    assert_eq!(text(event_attr(slow, "target")), "audit");
    assert_eq!(span.status, Status::Unset);
}

#[test]
fn an_event_lands_on_the_innermost_span() {
    let spans = capture_with(&bridged(), || {
        let _outer = tracing::info_span!("outer").entered();
        tracing::info!("on outer");
        tracing::info_span!("inner").in_scope(|| tracing::debug!("on inner"));
    });
    let names = |span: &SpanData| -> Vec<String> {
        span.events.iter().map(|e| e.name.to_string()).collect()
    };
    assert_eq!(names(spans.named("outer")), ["on outer"]);
    assert_eq!(names(spans.named("inner")), ["on inner"]);
    assert_eq!(
        text(event_attr(&spans.named("inner").events.events[0], "level")),
        "DEBUG"
    );
}

#[test]
fn an_event_with_an_explicit_parent_lands_on_it() {
    let spans = capture_with(&bridged(), || {
        let chosen = tracing::info_span!("chosen");
        let _current = tracing::info_span!("current").entered();
        tracing::info!(parent: &chosen, "for chosen");
    });
    assert_eq!(spans.named("chosen").events.len(), 1);
    assert!(spans.named("current").events.is_empty());
}

#[test]
fn an_event_without_a_message_is_named_after_its_callsite() {
    let spans = capture_with(&bridged(), || {
        let _span = tracing::info_span!("quiet").entered();
        tracing::info!(answer = 42);
    });
    let event = &spans.named("quiet").events.events[0];
    assert!(event.name.starts_with("event "), "{}", event.name);
    assert_eq!(event_attr(event, "answer"), Some(&Value::I64(42)));
}

#[traced]
fn logs_an_error() {
    tracing::error!(code = 503, "upstream unavailable");
}

#[test]
fn an_error_event_leaves_status_unset_by_default() {
    let spans = capture_with(&bridged(), logs_an_error);
    let span = spans.named("logs_an_error");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(text(event_attr(&span.events.events[0], "level")), "ERROR");
}

#[test]
fn an_error_event_sets_error_status_when_asked() {
    let dispatch = Dispatch::new(registry().with(TracingLayer::new().with_error_status(true)));
    let spans = capture_with(&dispatch, logs_an_error);
    assert_eq!(
        spans.named("logs_an_error").status,
        Status::error("upstream unavailable")
    );
}

#[test]
fn events_can_leave_out_their_location() {
    let dispatch = Dispatch::new(registry().with(TracingLayer::new().with_event_location(false)));
    let spans = capture_with(&dispatch, traced_logging);
    let event = &spans.named("traced_logging").events.events[0];
    assert!(event_attr(event, "code.file.path").is_none());
    assert!(event_attr(event, "code.line.number").is_none());
}

#[test]
fn an_event_outside_any_span_records_nothing() {
    let spans = capture_with(&bridged(), || tracing::info!("nobody listens"));
    assert!(spans.is_empty());
}

// ---------------------------------------------------------------- lifecycle

#[test]
fn a_span_entered_twice_is_recorded_once_and_stays_the_parent() {
    let spans = capture_with(&bridged(), || {
        let span = tracing::info_span!("twice");
        let _first = span.enter();
        traced_leaf();
        {
            let _second = span.enter();
            traced_leaf();
            tracing::info!("inside both");
        }
        traced_leaf();
    });
    let twice = spans.named("twice");
    assert_eq!(spans.len(), 4);
    for leaf in spans.all_named("traced_leaf") {
        spans.assert_parent(leaf, twice);
    }
    assert_eq!(twice.events.len(), 1);
    assert_eq!(trace_runtime::testing::open_spans(), 0);
}

#[test]
fn a_span_re_entered_below_another_span_parents_what_runs_inside() {
    let spans = capture_with(&bridged(), || {
        let outer = tracing::info_span!("outer");
        let _first = outer.enter();
        tracing::info_span!("middle").in_scope(|| {
            let _again = outer.enter();
            traced_leaf();
        });
    });
    spans.assert_parent(spans.named("traced_leaf"), spans.named("outer"));
    assert_eq!(spans.all_named("outer").len(), 1);
}

#[test]
fn a_span_moves_between_threads_and_ends_where_it_closes() {
    let dispatch = bridged();
    let spans = capture_with(&dispatch, || {
        let span = tracing::info_span!("travelling");
        span.in_scope(traced_leaf);
        let dispatch = dispatch.clone();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || {
                span.in_scope(traced_leaf);
                drop(span); // closed on this thread
            });
        })
        .join()
        .unwrap();
    });
    let travelling = spans.named("travelling");
    let leaves = spans.all_named("traced_leaf");
    assert_eq!(leaves.len(), 2);
    for leaf in leaves {
        spans.assert_parent(leaf, travelling);
    }
    assert!(travelling.end_time >= spans.all_named("traced_leaf")[1].end_time);
}

#[test]
fn a_span_entered_on_two_threads_at_once_parents_both() {
    let dispatch = bridged();
    let spans = capture_with(&dispatch, || {
        let span = tracing::info_span!("shared");
        let _here = span.enter();
        let other = span.clone();
        let dispatch = dispatch.clone();
        std::thread::spawn(move || {
            tracing::dispatcher::with_default(&dispatch, || other.in_scope(traced_leaf));
        })
        .join()
        .unwrap();
        traced_leaf();
    });
    let shared = spans.named("shared");
    let leaves = spans.all_named("traced_leaf");
    assert_eq!(leaves.len(), 2);
    for leaf in leaves {
        spans.assert_parent(leaf, shared);
    }
}

#[test]
fn a_parent_kept_open_by_its_child_ends_no_earlier_than_it() {
    let spans = capture_with(&bridged(), || {
        let parent = tracing::info_span!("parent");
        let child = tracing::info_span!(parent: &parent, "child");
        drop(parent); // the child's reference keeps it open
        drop(child); // closes the child, then the parent
    });
    let (parent, child) = (spans.named("parent"), spans.named("child"));
    spans.assert_parent(child, parent);
    assert!(
        child.end_time <= parent.end_time,
        "the parent ended {:?} before its child",
        child.end_time.duration_since(parent.end_time)
    );
}

#[test]
fn a_span_that_is_never_entered_is_still_recorded() {
    let spans = capture_with(&bridged(), || {
        let _span = tracing::info_span!("created only");
    });
    assert_eq!(spans.names(), ["created only"]);
}

#[test]
fn nothing_stays_on_the_stack() {
    let _ = capture_with(&bridged(), || {
        let span = tracing::info_span!("entered");
        let _guard = span.enter();
        level_1();
    });
    assert_eq!(trace_runtime::testing::open_spans(), 0);
    assert_eq!(trace_runtime::current_span_id(), None);
}

#[test]
fn sampled_out_spans_record_nothing() {
    let spans = tracing::dispatcher::with_default(&bridged(), || {
        capture_sampled(Sampler::AlwaysOff, || {
            let _span = tracing::info_span!("unsampled", field = 1).entered();
            tracing::info!("dropped");
            traced_leaf();
        })
    });
    assert!(spans.is_empty(), "{:?}", spans.names());
}

// ---------------------------------------------------------------- async

#[traced]
async fn traced_step(n: u64) -> u64 {
    tokio::task::yield_now().await;
    n
}

#[tracing::instrument]
async fn instrumented_job(steps: u64) -> u64 {
    let mut sum = 0;
    for n in 0..steps {
        tracing::info!(n, "step");
        sum += traced_step(n).await;
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    sum
}

#[traced]
async fn traced_handler(dispatch: Dispatch) -> u64 {
    // The task runs on whatever worker thread tokio picks, resumed after each
    // `.await` possibly on another; `with_subscriber` gives it the test's
    // subscriber, `trace_runtime::tokio::spawn` our context.
    let job = instrumented_job(4).with_subscriber(dispatch);
    trace_runtime::tokio::spawn(job).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_instrumented_future_keeps_its_span_across_awaits_and_threads() {
    let dispatch = bridged();
    let handed = dispatch.clone();
    let (sum, spans) = capture_future(async { traced_handler(handed).await })
        .with_subscriber(dispatch)
        .await;
    assert_eq!(sum, 6);
    assert_one_trace(&spans);
    let job = spans.named("instrumented_job");
    spans.assert_parent(job, spans.named("traced_handler"));
    let steps = spans.all_named("traced_step");
    assert_eq!(steps.len(), 4);
    for step in steps {
        spans.assert_parent(step, job);
    }
    assert_eq!(job.events.len(), 4);
    assert_eq!(text(attr(job, "steps")), "4");
    assert_eq!(trace_runtime::testing::open_spans(), 0);
}

/// Polls `future` once on a new thread under `dispatch`, and hands it back.
fn poll_on_new_thread<F>(
    dispatch: &Dispatch,
    mut future: Pin<Box<F>>,
) -> (Pin<Box<F>>, Poll<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send,
{
    let dispatch = dispatch.clone();
    std::thread::spawn(move || {
        let polled = tracing::dispatcher::with_default(&dispatch, || {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            future.as_mut().poll(&mut cx)
        });
        // Between polls nothing of the span is left on the thread.
        assert_eq!(trace_runtime::testing::open_spans(), 0);
        (future, polled)
    })
    .join()
    .unwrap()
}

#[test]
fn an_instrumented_future_polled_on_two_threads_keeps_one_span() {
    let dispatch = bridged();
    let spans = capture_with(&dispatch, || {
        let mut future = Box::pin(
            async {
                traced_leaf();
                YieldOnce(false).await;
                traced_leaf();
                tracing::info!("resumed");
            }
            .instrument(tracing::info_span!("handed_over")),
        );
        let (again, first) = poll_on_new_thread(&dispatch, future);
        assert!(first.is_pending());
        future = again;
        let (_done, second) = poll_on_new_thread(&dispatch, future);
        assert!(second.is_ready());
    });
    let span = spans.named("handed_over");
    let leaves = spans.all_named("traced_leaf");
    assert_eq!(leaves.len(), 2);
    for leaf in leaves {
        spans.assert_parent(leaf, span);
    }
    assert_eq!(span.events.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instrumented_block_parents_traced_futures_polled_inside() {
    let dispatch = bridged();
    let inner = dispatch.clone();
    let (sum, spans) = capture_future(async move {
        let work = async {
            let a = traced_step(1).await;
            let b = traced_step(2).await;
            a + b
        }
        .instrument(tracing::info_span!("block"));
        // A plain `tokio::spawn`: no trace-runtime context goes along, but
        // the `tracing` span was opened in this one and carries it.
        tokio::spawn(work.with_subscriber(inner)).await.unwrap()
    })
    .with_subscriber(dispatch)
    .await;
    assert_eq!(sum, 3);
    let block = spans.named("block");
    for step in spans.all_named("traced_step") {
        spans.assert_parent(step, block);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_instrumented_future_ends_its_span() {
    let dispatch = bridged();
    let (_, spans) = capture_future(
        async {
            let pending = std::future::pending::<()>().instrument(tracing::info_span!("abandoned"));
            let _ = tokio::time::timeout(std::time::Duration::from_millis(5), pending).await;
        }
        .with_subscriber(dispatch.clone()),
    )
    .with_subscriber(dispatch)
    .await;
    assert_eq!(spans.names(), ["abandoned"]);
}

// ---------------------------------------------------------------- other layers

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(bytes)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

fn fmt_layer<S>(buffer: &Buffer) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .with_writer(buffer.clone())
        .event_format(WithTraceIds::new(
            tracing_subscriber::fmt::format().without_time(),
        ))
}

#[tracing::instrument(target = "noisy")]
fn noisy() {
    tracing::info!(target: "noisy", "chatter");
    traced_leaf();
}

#[traced]
fn filtered_handler() {
    tracing::debug!("hidden by the filter");
    tracing::info!("kept");
    noisy();
}

#[test]
fn a_global_env_filter_and_a_fmt_layer_work_beside_the_layer() {
    let buffer = Buffer::default();
    let dispatch = Dispatch::new(
        registry()
            .with(EnvFilter::new("info,noisy=off"))
            .with(TracingLayer::new())
            .with(fmt_layer(&buffer)),
    );
    let spans = capture_with(&dispatch, filtered_handler);
    // The filtered span is not recorded: its traced child goes to the nearest recorded span.
    assert_eq!(spans.names(), ["filtered_handler", "traced_leaf"]);
    let handler = spans.named("filtered_handler");
    spans.assert_parent(spans.named("traced_leaf"), handler);
    let events: Vec<_> = handler.events.iter().map(|e| e.name.to_string()).collect();
    assert_eq!(events, ["kept"]);
    // The fmt layer wrote the same one line, carrying the trace id.
    let lines = buffer.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let trace_id = handler.span_context.trace_id().to_string();
    let span_id = handler.span_context.span_id().to_string();
    assert!(
        lines[0].starts_with(&format!("trace_id={trace_id} span_id={span_id} ")),
        "{}",
        lines[0]
    );
    assert!(lines[0].ends_with("kept"), "{}", lines[0]);
}

#[test]
fn a_per_layer_filter_skips_spans_for_this_layer_only() {
    let buffer = Buffer::default();
    let dispatch = Dispatch::new(
        registry()
            .with(TracingLayer::new().with_filter(EnvFilter::new("info,noisy=off")))
            .with(fmt_layer(&buffer)),
    );
    let spans = capture_with(&dispatch, filtered_handler);
    assert_eq!(spans.names(), ["filtered_handler", "traced_leaf"]);
    spans.assert_parent(spans.named("traced_leaf"), spans.named("filtered_handler"));
    // The fmt layer, unfiltered, saw everything: both events of the handler
    // and the noisy one, all with the handler's trace id.
    let trace_id = spans
        .named("filtered_handler")
        .span_context
        .trace_id()
        .to_string();
    let lines = buffer.lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines
            .iter()
            .all(|l| l.contains(&format!("trace_id={trace_id} ")))
    );
}

#[test]
fn log_lines_carry_the_ids_of_the_tracing_span_they_are_in() {
    let buffer = Buffer::default();
    let dispatch = Dispatch::new(
        registry()
            .with(TracingLayer::new())
            .with(fmt_layer(&buffer)),
    );
    let spans = capture_with(&dispatch, || {
        let chosen = tracing::info_span!("chosen");
        tracing::info_span!("current").in_scope(|| {
            tracing::info!("in current");
            tracing::info!(parent: &chosen, "in chosen");
        });
    });
    let lines = buffer.lines();
    for (line, span) in lines.iter().zip(["current", "chosen"]) {
        let span_id = spans.named(span).span_context.span_id().to_string();
        assert!(line.contains(&format!("span_id={span_id} ")), "{line}");
    }
}

#[test]
fn log_lines_outside_any_span_have_no_ids() {
    let buffer = Buffer::default();
    let dispatch = Dispatch::new(
        registry()
            .with(TracingLayer::new())
            .with(fmt_layer(&buffer)),
    );
    let _ = capture_with(&dispatch, || tracing::info!("alone"));
    let lines = buffer.lines();
    assert_eq!(lines.len(), 1);
    assert!(!lines[0].contains("trace_id="), "{}", lines[0]);
}

// ---------------------------------------------------------------- without the layer

#[test]
fn without_the_layer_nothing_from_tracing_is_recorded() {
    let buffer = Buffer::default();
    let dispatch = Dispatch::new(registry().with(fmt_layer(&buffer)));
    let spans = capture_with(&dispatch, || {
        let _span = tracing::info_span!("unseen").entered();
        traced_logging();
    });
    assert_eq!(spans.names(), ["traced_logging"]);
    assert!(spans.named("traced_logging").events.is_empty());
    assert!(spans.roots().len() == 1);
    // The log lines still carry the traced call's ids: the formatter reads the thread's context.
    assert!(buffer.lines().iter().all(|l| l.contains("trace_id=")));
}
