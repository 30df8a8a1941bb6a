//! End to end: spans exported over OTLP reach a real collector.
//!
//! The `otlp` example (one `checkout` trace, set up with `init()` and the
//! `OTEL_*` environment) runs against a rotel collector on 127.0.0.1, over
//! gRPC and over HTTP/protobuf, and the tests assert on what the collector
//! decoded: span names, parent ids, one trace id, status, kinds and the
//! Resource (`service.name`, `service.instance.id` = the nonce the example
//! printed). Without a collector the example still finishes promptly and
//! counts its spans as dropped; a collector that comes up late receives the
//! spans that end after it is up. See `collector/mod.rs` for how rotel is
//! found and read, and when these tests are skipped.

// Specifies recording: nothing to run with `--cfg traced_off` (it exports recorded spans).
#![cfg(not(traced_off))]

mod collector;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use collector::{Collector, ReceivedSpan, free_port, require_rotel, skip_or_fail};
use trace_runtime::{OtlpProtocol, Pipeline, PipelineError, PipelineStats, traced};

/// The example, built once per test run (`cargo build --example otlp`).
fn example_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let output = Command::new(cargo)
            .args([
                "build",
                "--quiet",
                "-p",
                "trace-examples",
                "--example",
                "otlp",
            ])
            .args(["--message-format", "json"])
            .current_dir(workspace)
            .stderr(Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(output.status.success(), "the otlp example does not build");
        let messages = String::from_utf8_lossy(&output.stdout);
        messages
            .lines()
            .filter(|line| {
                line.contains(r#""kind":["example"]"#) && line.contains(r#""name":"otlp""#)
            })
            .find_map(|line| {
                let start = line.find(r#""executable":""#)? + r#""executable":""#.len();
                let end = start + line[start..].find('"')?;
                Some(PathBuf::from(&line[start..end]))
            })
            .expect("cargo names the example's executable")
    })
}

/// What one run of the example did.
#[derive(Debug)]
struct Run {
    stdout: String,
    stderr: String,
    took: Duration,
}

impl Run {
    /// The `service.instance.id` the example announced on stderr.
    fn nonce(&self) -> &str {
        let start = self
            .stderr
            .find("service.instance.id=")
            .unwrap_or_else(|| panic!("no start-up line on stderr:\n{}", self.stderr))
            + "service.instance.id=".len();
        &self.stderr[start..start + 36]
    }
}

/// Runs the example with these `OTEL_*` variables (and no others).
fn run_example(vars: &[(&str, &str)]) -> Run {
    let mut command = Command::new(example_binary());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(key);
        }
    }
    command
        .envs(vars.iter().copied())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let output = command.output().expect("the example starts");
    let run = Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        took: started.elapsed(),
    };
    assert!(output.status.success(), "the example failed: {run:#?}");
    run
}

fn named<'a>(spans: &'a [ReceivedSpan], name: &str) -> Vec<&'a ReceivedSpan> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn one<'a>(spans: &'a [ReceivedSpan], name: &str) -> &'a ReceivedSpan {
    match named(spans, name).as_slice() {
        [span] => span,
        found => panic!(
            "expected one span {name:?}, found {}: {spans:#?}",
            found.len()
        ),
    }
}

/// The example's trace, as the collector must have received it.
fn assert_checkout_trace(spans: &[ReceivedSpan], service: &str, nonce: &str) {
    let mut names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "charge_card",
            "charge_card",
            "checkout",
            "checksum",
            "db.query",
            "fetch_prices",
            "load_cart",
            "render_receipt"
        ]
    );

    let trace_id = &spans[0].trace_id;
    assert_eq!(trace_id.len(), 32);
    assert_ne!(trace_id, &"0".repeat(32));
    assert!(
        spans.iter().all(|s| &s.trace_id == trace_id),
        "one trace: {spans:#?}"
    );

    let checkout = one(spans, "checkout");
    assert_eq!(checkout.parent_id, "", "checkout is the root");
    assert_eq!(checkout.kind, "SPAN_KIND_SERVER");
    assert_eq!(checkout.status_code, "STATUS_CODE_UNSET");
    let load_cart = one(spans, "load_cart");
    let render_receipt = one(spans, "render_receipt");
    for (child, parent) in [
        ("load_cart", checkout),
        ("db.query", load_cart),
        ("fetch_prices", load_cart),
        ("render_receipt", checkout),
        ("checksum", render_receipt),
    ] {
        assert_eq!(
            one(spans, child).parent_id,
            parent.span_id,
            "parent of {child}"
        );
    }
    assert_eq!(one(spans, "db.query").kind, "SPAN_KIND_CLIENT");

    let charges = named(spans, "charge_card");
    assert!(charges.iter().all(|c| c.parent_id == checkout.span_id));
    let declined: Vec<_> = charges
        .iter()
        .filter(|c| c.status_code == "STATUS_CODE_ERROR")
        .collect();
    assert_eq!(
        declined.len(),
        1,
        "only the first charge fails: {charges:#?}"
    );
    assert_eq!(declined[0].status_message, "card declined for 600 cents");
    assert_eq!(declined[0].events, ["exception"]);

    for span in spans {
        assert_eq!(span.resource_attribute("service.name"), Some(service));
        assert_eq!(span.resource_attribute("service.instance.id"), Some(nonce));
        assert_eq!(
            span.resource_attribute("telemetry.sdk.name"),
            Some("trace-runtime")
        );
        assert!(span.resource_attribute("process.pid").is_some());
    }
}

fn example_exports_to_a_collector(test: &str, protocol: &str) {
    let Some(rotel) = require_rotel(test) else {
        return;
    };
    let collector = Collector::start(&rotel);
    let endpoint = collector.endpoint(protocol);
    let run = run_example(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_SERVICE_NAME", test),
    ]);
    assert!(
        run.stdout
            .contains("exported: 8, dropped: 0, failed exports: 0"),
        "{run:#?}"
    );
    let spans = collector.wait_for(Duration::from_secs(20), |spans| spans.len() >= 8);
    assert_checkout_trace(&spans, test, run.nonce());
}

#[test]
fn the_example_exports_one_trace_over_grpc() {
    example_exports_to_a_collector("otlp-e2e-grpc", "grpc");
}

#[test]
fn the_example_exports_one_trace_over_http_protobuf() {
    example_exports_to_a_collector("otlp-e2e-http", "http/protobuf");
}

fn example_without_a_collector(protocol: &str) {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let run = run_example(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "500"),
    ]);
    // One export at shutdown, bounded by the 500 ms timeout; the rest is
    // process start-up.
    assert!(run.took < Duration::from_secs(10), "took {:?}", run.took);
    assert!(
        run.stderr
            .contains("trace-runtime: export failed, 8 span(s) dropped"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("exported: 0, dropped: 8"), "{run:#?}");
    assert!(
        run.stderr.contains(
            "trace-runtime: shut down; spans started: 8, ended: 8, exported: 0, dropped: 8"
        ),
        "the final counts are printed: {run:#?}"
    );
}

#[test]
fn without_a_collector_the_example_finishes_promptly_over_grpc_and_reports_the_loss() {
    example_without_a_collector("grpc");
}

#[test]
fn without_a_collector_the_example_finishes_promptly_over_http_and_reports_the_loss() {
    example_without_a_collector("http/protobuf");
}

// ------------------------------------------------- a collector that comes up late

/// The pipeline is process-wide: the in-process tests take turns.
static PIPELINE: Mutex<()> = Mutex::new(());

#[traced]
fn before_the_collector_is_up() {}

#[traced]
fn after_the_collector_is_up() {}

fn collector_started_late(test: &str, protocol: OtlpProtocol) {
    let Some(rotel) = require_rotel(test) else {
        return;
    };
    let _turn = PIPELINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (grpc_port, http_port) = (free_port(), free_port());
    let port = match protocol {
        OtlpProtocol::Grpc => grpc_port,
        _ => http_port,
    };
    let installed = Pipeline::builder()
        .with_otlp_protocol(protocol)
        .with_otlp_endpoint(format!("http://127.0.0.1:{port}"))
        .with_otlp_timeout(Duration::from_millis(500))
        .with_service_name(test)
        .with_scheduled_delay(Duration::from_secs(3600))
        .strict()
        .install();
    let pipeline = match installed {
        Ok(pipeline) => pipeline,
        Err(error @ PipelineError::MissingFeature { .. }) => {
            skip_or_fail(test, &error.to_string());
            return;
        }
        Err(error) => panic!("{error}"),
    };

    let start = PipelineStats::read();
    before_the_collector_is_up();
    assert!(pipeline.flush(Duration::from_secs(10)));
    let down = PipelineStats::read();
    assert_eq!(down.exported - start.exported, 0);
    assert_eq!(down.dropped - start.dropped, 1, "counted, not lost");
    assert_eq!(down.failed_exports - start.failed_exports, 1);

    let collector = Collector::start_on(&rotel, grpc_port, http_port);
    after_the_collector_is_up();
    drop(pipeline);
    let up = PipelineStats::read();
    assert_eq!(up.exported - down.exported, 1);
    assert_eq!(up.dropped, down.dropped);

    let spans = collector.wait_for(Duration::from_secs(20), |spans| {
        spans.iter().any(|s| s.name == "after_the_collector_is_up")
    });
    assert_eq!(spans.len(), 1, "only the span that ended after: {spans:#?}");
    assert_eq!(spans[0].resource_attribute("service.name"), Some(test));
}

#[test]
fn a_collector_started_late_receives_the_spans_that_end_after_it_is_up_over_grpc() {
    collector_started_late("otlp-late-grpc", OtlpProtocol::Grpc);
}

#[test]
fn a_collector_started_late_receives_the_spans_that_end_after_it_is_up_over_http() {
    collector_started_late("otlp-late-http", OtlpProtocol::HttpProtobuf);
}
