//! The console exporter's behaviour, through its public API and its output.

use super::render::human_duration;
use super::*;
use futures_executor::block_on;
use opentelemetry::InstrumentationScope;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;

/// A writer the test can read back after the exporter has written to it.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn exporter(&self) -> ConsoleExporter {
        ConsoleExporter::with_writer(Box::new(self.clone()))
    }

    fn take(&self) -> String {
        let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8(std::mem::take(&mut *bytes)).expect("utf-8")
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn at(micros: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_micros(micros)
}

fn span_in(
    trace: u128,
    id: u64,
    parent: u64,
    name: &'static str,
    start_us: u64,
    end_us: u64,
) -> SpanData {
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(trace),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        ),
        parent_span_id: SpanId::from(parent),
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: name.into(),
        start_time: at(start_us),
        end_time: at(end_us),
        attributes: Vec::new(),
        dropped_attributes_count: 0,
        events: SpanEvents::default(),
        links: SpanLinks::default(),
        status: Status::Unset,
        instrumentation_scope: InstrumentationScope::default(),
    }
}

fn span(id: u64, parent: u64, name: &'static str, start_us: u64, end_us: u64) -> SpanData {
    span_in(TRACE, id, parent, name, start_us, end_us)
}

fn export(exporter: &ConsoleExporter, batch: Vec<SpanData>) -> OTelSdkResult {
    block_on(exporter.export(batch))
}

/// checkout ─┬─ load_cart ── db.query
///           └─ render (error)
fn shop_trace() -> (Vec<SpanData>, Vec<SpanData>) {
    let mut checkout = span(1, 0, "checkout", 0, 12_300);
    checkout.span_kind = SpanKind::Server;
    checkout.attributes = vec![
        KeyValue::new("http.request.method", "GET"),
        KeyValue::new("code.function.name", "shop::checkout"),
        KeyValue::new("code.file.path", "src/shop.rs"),
        KeyValue::new("code.line.number", 42_i64),
        KeyValue::new("cart.items", 3_i64),
    ];
    let mut load_cart = span(2, 1, "load_cart", 200, 1_400);
    load_cart.attributes = vec![KeyValue::new("user.id", 7_i64)];
    let mut query = span(4, 2, "db.query", 400, 1_230);
    query.span_kind = SpanKind::Client;
    query.attributes = vec![KeyValue::new("db.system", "postgres")];
    query.events.events.push(Event::new(
        "rows",
        at(900),
        vec![KeyValue::new("count", 2_i64)],
        0,
    ));
    let mut render = span(3, 1, "render", 2_000, 12_000);
    render.status = Status::error("template missing");
    render.events.events.push(Event::new(
        "exception",
        at(11_900),
        vec![
            KeyValue::new("exception.type", "TemplateError"),
            KeyValue::new("exception.message", "template missing"),
        ],
        0,
    ));
    // Spans arrive as they end: `render` before `load_cart`, although it
    // started later.
    (vec![query, render], vec![load_cart, checkout])
}

const SHOP_TREE: &str = "\
trace 4bf92f3577b34da6a3ce929d0e0e4736
checkout        12.3ms  server  http.request.method=\"GET\" cart.items=3  at src/shop.rs:42
├─ load_cart    1.20ms  user.id=7
│  └─ db.query   830µs  client  db.system=\"postgres\"
│       • rows  +500µs  count=2
└─ render       10.0ms  error: template missing
     • exception  +9.90ms  exception.type=\"TemplateError\" exception.message=\"template missing\"

";

#[test]
fn tree_is_printed_when_its_root_arrives_across_batches() {
    let out = Captured::default();
    let exporter = out.exporter();
    let (first, second) = shop_trace();

    assert!(export(&exporter, first).is_ok());
    assert_eq!(out.take(), "", "nothing is printed before the root ends");

    assert!(export(&exporter, second).is_ok());
    assert_eq!(out.take(), SHOP_TREE);
    assert_eq!(exporter.lock().buffer.len, 0);
}

#[test]
fn root_may_come_before_its_children_within_a_batch() {
    let out = Captured::default();
    let exporter = out.exporter();
    let (first, second) = shop_trace();
    let batch: Vec<SpanData> = second.into_iter().rev().chain(first).collect();

    assert!(export(&exporter, batch).is_ok());
    assert_eq!(out.take(), SHOP_TREE);
}

#[test]
fn service_name_from_the_resource_is_in_the_header() {
    let out = Captured::default();
    let mut exporter = out.exporter();
    exporter.set_resource(&Resource::builder_empty().with_service_name("shop").build());

    assert!(export(&exporter, vec![span(1, 0, "checkout", 0, 5)]).is_ok());
    assert_eq!(
        out.take(),
        "trace 4bf92f3577b34da6a3ce929d0e0e4736 · shop\ncheckout  5.00µs\n\n"
    );
}

#[test]
fn force_flush_prints_orphans_as_a_partial_tree() {
    let out = Captured::default();
    let exporter = out.exporter();
    // The root (id 1) is still running; 2 is its child, 3 a grandchild,
    // 9 a span whose parent (8) never arrives.
    let batch = vec![
        span(3, 2, "parse", 20, 30),
        span(2, 1, "handle", 10, 40),
        span(9, 8, "detached", 5, 50),
    ];
    assert!(export(&exporter, batch).is_ok());
    assert_eq!(out.take(), "");

    assert!(exporter.force_flush().is_ok());
    assert_eq!(
        out.take(),
        "\
trace 4bf92f3577b34da6a3ce929d0e0e4736  (partial: flushed before its root ended)
┄ detached  45.0µs  (parent 0000000000000008 not received)
┄ handle    30.0µs  (parent 0000000000000001 not received)
  └─ parse  10.0µs

"
    );
    assert_eq!(exporter.lock().buffer.len, 0);
}

#[test]
fn late_child_is_printed_as_a_continuation() {
    let out = Captured::default();
    let exporter = out.exporter();
    assert!(export(&exporter, vec![span(1, 0, "request", 0, 100)]).is_ok());
    out.take();

    // A task spawned by `request` ends after it.
    let batch = vec![
        span(3, 2, "write", 150, 180),
        span(2, 1, "background", 120, 200),
    ];
    assert!(export(&exporter, batch).is_ok());
    assert_eq!(
        out.take(),
        "\
trace 4bf92f3577b34da6a3ce929d0e0e4736  (continued)
┄ background  80.0µs  (parent 0000000000000001 printed above)
  └─ write    30.0µs

"
    );
}

#[test]
fn span_with_remote_parent_is_a_local_root() {
    let out = Captured::default();
    let exporter = out.exporter();
    let mut server = span(5, 0xabc, "GET /users", 0, 2_000);
    server.parent_span_is_remote = true;
    server.span_kind = SpanKind::Server;

    assert!(export(&exporter, vec![span(6, 5, "load", 100, 900), server]).is_ok());
    assert_eq!(
        out.take(),
        "\
trace 4bf92f3577b34da6a3ce929d0e0e4736
GET /users  2.00ms  server  (remote parent 0000000000000abc)
└─ load      800µs

"
    );
}

#[test]
fn remote_parent_in_the_same_process_joins_the_tree() {
    let out = Captured::default();
    let exporter = out.exporter();
    // Client and server on loopback: the server's remote parent is the
    // client span, which ends later.
    let mut server = span(5, 4, "server", 100, 800);
    server.parent_span_is_remote = true;
    let batch = vec![server, span(4, 0, "client", 0, 1_000)];

    assert!(export(&exporter, batch).is_ok());
    assert_eq!(
        out.take(),
        "trace 4bf92f3577b34da6a3ce929d0e0e4736\nclient     1.00ms\n└─ server   700µs\n\n"
    );
}

#[test]
fn a_remote_parent_this_process_sent_out_is_waited_for_across_batches() {
    let out = Captured::default();
    let exporter = out.exporter();
    // The client span (id 0x7e57_..01) injected its context; the server
    // span that came back with it as a remote parent ends first, in a batch
    // of its own.
    let client_id = 0x7e57_0000_0000_0001_u64;
    crate::record::sent_parents::note_sent(client_id);
    let mut server = span(0x7e57_0000_0000_0002, client_id, "GET /users", 100, 800);
    server.parent_span_is_remote = true;
    server.span_kind = SpanKind::Server;

    assert!(export(&exporter, vec![server]).is_ok());
    assert_eq!(out.take(), "", "waits for its parent");
    let mut client = span(client_id, 0, "GET", 0, 1_000);
    client.span_kind = SpanKind::Client;
    assert!(export(&exporter, vec![client]).is_ok());
    assert_eq!(
        out.take(),
        "trace 4bf92f3577b34da6a3ce929d0e0e4736\nGET            1.00ms  client\n└─ GET /users   700µs  server\n\n"
    );
}

#[test]
fn links_and_dropped_counts_are_shown_under_the_span() {
    let out = Captured::default();
    let exporter = out.exporter();
    let mut consume = span(1, 0, "consume", 0, 1_000);
    consume.span_kind = SpanKind::Consumer;
    consume.dropped_attributes_count = 2;
    consume.links.links.push(Link::new(
        SpanContext::new(
            TraceId::from(0xaa_u128),
            SpanId::from(0xbb_u64),
            TraceFlags::SAMPLED,
            true,
            TraceState::NONE,
        ),
        vec![KeyValue::new("messaging.operation", "publish")],
        0,
    ));
    consume.events.dropped_count = 3;
    consume.links.dropped_count = 1;

    assert!(export(&exporter, vec![consume]).is_ok());
    assert_eq!(
            out.take(),
            "\
trace 4bf92f3577b34da6a3ce929d0e0e4736
consume  1.00ms  consumer  (+2 dropped)
  • (3 more events dropped)
  → link trace=000000000000000000000000000000aa span=00000000000000bb  messaging.operation=\"publish\"
  → (1 more links dropped)

"
        );
}

#[test]
fn values_keep_their_types_and_control_characters_are_escaped() {
    let out = Captured::default();
    let exporter = out.exporter();
    let mut s = span(1, 0, "evil\n\u{1b}[31mname", 0, 1);
    s.attributes = vec![
        KeyValue::new("s", "a \"q\"\nb"),
        KeyValue::new("f", 1.0_f64),
        KeyValue::new("b", true),
        KeyValue::new("ints", Value::Array(Array::I64(vec![1, 2]))),
        KeyValue::new(
            "strs",
            Value::Array(Array::String(vec!["x".into(), "y".into()])),
        ),
    ];

    assert!(export(&exporter, vec![s]).is_ok());
    assert_eq!(
        out.take(),
        "trace 4bf92f3577b34da6a3ce929d0e0e4736\n\
             evil\\n\\u{1b}[31mname  1.00µs  s=\"a \\\"q\\\"\\nb\" f=1.0 b=true ints=[1,2] strs=[\"x\",\"y\"]\n\n"
    );
}

#[test]
fn buffer_stays_bounded_with_a_huge_number_of_unfinished_traces() {
    let out = Captured::default();
    let exporter = out.exporter();
    let traces: u64 = 25_000;
    // One span per trace, each waiting for a root that never comes.
    let batch: Vec<SpanData> = (1..=traces)
        .map(|t| span_in(u128::from(t), 2, 1, "work", 0, 10))
        .collect();

    assert!(export(&exporter, batch).is_ok());
    assert_eq!(exporter.lock().buffer.len, MAX_BUFFERED_SPANS);
    assert_eq!(exporter.lock().buffer.traces.len(), MAX_BUFFERED_SPANS);
    let evicted = out.take();
    assert_eq!(evicted.matches("(partial: buffer full)").count(), 15_000);
    assert!(
        evicted.starts_with("trace 00000000000000000000000000000001  (partial: buffer full)\n"),
        "the oldest trace goes first"
    );

    assert!(exporter.force_flush().is_ok());
    assert_eq!(
        out.take().matches("(partial: flushed").count(),
        10_000,
        "nothing is lost"
    );
    assert_eq!(exporter.lock().buffer.len, 0);
    assert!(exporter.lock().printed.set.len() <= REMEMBERED_SPANS);
}

#[test]
fn a_trace_that_never_ends_is_printed_in_bounded_pieces() {
    let out = Captured::default();
    let exporter = ConsoleExporter::from_output(
        Output {
            writer: Box::new(out.clone()),
            colour: false,
            report_errors: true,
        },
        100,
    );
    for batch in 0..10_u64 {
        let spans = (0..50)
            .map(|i| span(2 + batch * 50 + i, 1, "tick", 0, 1))
            .collect();
        assert!(export(&exporter, spans).is_ok());
        assert!(exporter.lock().buffer.len <= 100);
    }
    // Every third batch pushes the trace past 100 spans and prints it.
    let text = out.take();
    assert_eq!(text.matches("(partial: buffer full)").count(), 3);
    assert_eq!(text.matches("tick").count(), 450);
    assert!(exporter.force_flush().is_ok());
    assert_eq!(out.take().matches("tick").count(), 50);
}

#[test]
fn parent_cycles_and_deep_chains_do_not_hang_or_overflow() {
    let out = Captured::default();
    let exporter = out.exporter();
    let mut batch = vec![span(2, 3, "a", 0, 1), span(3, 2, "b", 0, 1)];
    batch.extend((10..5_010).map(|id| span(id + 1, id, "deep", 0, 1)));
    assert!(export(&exporter, batch).is_ok());
    assert!(exporter.force_flush().is_ok());

    let text = out.take();
    assert!(text.contains("┄ a  "), "{text}");
    assert!(text.contains("(parent 0000000000000003 loops back)"));
    assert_eq!(text.matches("deep").count(), 5_000);
    assert!(text.lines().all(|line| line.chars().count() < 200));
}

#[test]
fn shutdown_flushes_then_rejects_exports() {
    let out = Captured::default();
    let exporter = out.exporter();
    assert!(export(&exporter, vec![span(2, 1, "pending", 0, 1)]).is_ok());

    assert!(exporter.shutdown().is_ok());
    assert!(out.take().contains("┄ pending"));
    assert!(matches!(
        export(&exporter, vec![span(1, 0, "late", 0, 1)]),
        Err(OTelSdkError::AlreadyShutdown)
    ));
    assert!(matches!(
        exporter.shutdown(),
        Err(OTelSdkError::AlreadyShutdown)
    ));
    assert_eq!(out.take(), "");
}

#[test]
fn write_errors_are_returned() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let exporter = ConsoleExporter::with_writer(Box::new(Broken));
    let result = export(&exporter, vec![span(1, 0, "root", 0, 1)]);
    assert!(matches!(result, Err(OTelSdkError::InternalFailure(m)) if m.contains("disk full")));
}

#[test]
fn a_panicking_writer_does_not_break_the_exporter() {
    struct PanicsOnce(bool, Captured);
    impl Write for PanicsOnce {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if !self.0 {
                self.0 = true;
                panic!("writer bug");
            }
            self.1.write(buf)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let out = Captured::default();
    let exporter = ConsoleExporter::with_writer(Box::new(PanicsOnce(false, out.clone())));
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        export(&exporter, vec![span(1, 0, "first", 0, 1)])
    }));
    assert!(panicked.is_err());

    assert!(export(&exporter, vec![span(2, 0, "second", 0, 1)]).is_ok());
    assert!(out.take().contains("second  1.00µs"));
    assert!(format!("{exporter:?}").starts_with("ConsoleExporter { colour: false"));
}

#[test]
fn colour_marks_names_durations_and_errors() {
    let out = Captured::default();
    let exporter = ConsoleExporter::from_output(
        Output {
            writer: Box::new(out.clone()),
            colour: true,
            report_errors: true,
        },
        MAX_BUFFERED_SPANS,
    );
    let mut failed = span(1, 0, "root", 0, 1);
    failed.status = Status::error("boom");
    assert!(export(&exporter, vec![failed]).is_ok());
    assert_eq!(
        out.take(),
        "\x1b[1mtrace 4bf92f3577b34da6a3ce929d0e0e4736\x1b[0m\n\
             \x1b[1;31mroot\x1b[0m  \x1b[2m1.00µs\x1b[0m\x1b[31m  error: boom\x1b[0m\n\n"
    );
}

#[test]
fn durations_have_three_significant_digits() {
    let cases = [
        (0, "0ns"),
        (999, "999ns"),
        (1_000, "1.00µs"),
        (12_345, "12.3µs"),
        (999_499, "999µs"),
        (999_999, "1.00ms"),
        (830_000, "830µs"),
        (12_300_000, "12.3ms"),
        (1_500_000_000, "1.50s"),
        (3_600_000_000_000, "3600s"),
    ];
    for (nanos, expected) in cases {
        assert_eq!(
            human_duration(Duration::from_nanos(nanos)),
            expected,
            "{nanos}ns"
        );
    }
}
