//! Allocations per span on the calling thread, by what the span records.
//!
//! Each case runs rounds of one root span with [`PER_ROUND`] children, the
//! spans under test, and flushes between rounds, uncounted, so the
//! collector keeps up as it does in a service that is not overloaded: that
//! is "the common case" in which recycled buffers come back to the thread.
//! The first rounds warm the thread's pools and are not counted.

use std::time::Duration;

use trace_runtime::otel::{Key, KeyValue, Value};
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{Pipeline, add_attribute, add_attributes, traced};

use crate::counting::{Allocated, counted};
use crate::serial;

const PER_ROUND: u64 = 63;
const WARM_ROUNDS: u64 = 16;
const ROUNDS: u64 = 16;

#[traced]
fn one_round(span: &dyn Fn()) {
    for _ in 0..PER_ROUND {
        span();
    }
}

/// Allocations per span of `span` (one call records one span), and the
/// spans exported, roots (the rounds) left out.
fn per_span(span: impl Fn()) -> (f64, f64, Vec<trace_runtime::otel_sdk::trace::SpanData>) {
    per_span_with_queue(1 << 16, span)
}

/// [`per_span`] with a queue of `max_queue` spans.
fn per_span_with_queue(
    max_queue: usize,
    span: impl Fn(),
) -> (f64, f64, Vec<trace_runtime::otel_sdk::trace::SpanData>) {
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_max_queue_size(max_queue)
        .with_max_export_batch_size(max_queue.min(512))
        .install()
        .expect("no other pipeline is installed");
    let mut total = Allocated::default();
    for round in 0..WARM_ROUNDS + ROUNDS {
        let allocated = counted(|| one_round(&span));
        assert!(pipeline.flush(Duration::from_secs(10)), "flush timed out");
        if round >= WARM_ROUNDS {
            total.allocations += allocated.allocations;
            total.bytes += allocated.bytes;
        }
    }
    drop(pipeline);
    let spans = (ROUNDS * (PER_ROUND + 1)) as f64;
    // Shown with `--nocapture`: the figures BENCHMARKS.md quotes.
    eprintln!(
        "{} allocations, {} bytes per span",
        total.allocations as f64 / spans,
        total.bytes as f64 / spans
    );
    (
        total.allocations as f64 / spans,
        total.bytes as f64 / spans,
        exporter
            .spans()
            .into_iter()
            .filter(|span| span.name != "one_round")
            .collect(),
    )
}

#[traced]
fn static_key_i64(n: i64) {
    add_attribute("work.items", n);
}

#[test]
fn add_attribute_with_a_static_key_and_an_integer_allocates_nothing() {
    let _serial = serial();
    let (allocations, bytes, spans) = per_span(|| static_key_i64(7));
    assert_eq!(spans.len() as u64, (WARM_ROUNDS + ROUNDS) * PER_ROUND);
    let span = &spans[0];
    assert!(
        span.attributes
            .contains(&KeyValue::new("work.items", Value::I64(7))),
        "{:?}",
        span.attributes
    );
    assert!(
        allocations < 0.05,
        "{allocations} allocations ({bytes} bytes) per span"
    );
}

const RETRIES: Key = Key::from_static_str("work.retries");
const CACHED: Key = Key::from_static_str("work.cached");

#[traced]
fn static_keys_in_add_attributes(n: i64) {
    add_attributes([KeyValue::new(RETRIES, n), KeyValue::new(CACHED, true)]);
}

#[test]
fn add_attributes_with_static_keys_and_scalars_allocate_nothing() {
    let _serial = serial();
    let (allocations, bytes, spans) = per_span(|| static_keys_in_add_attributes(3));
    let span = &spans[0];
    assert!(span.attributes.contains(&KeyValue::new(RETRIES, 3)));
    assert!(span.attributes.contains(&KeyValue::new(CACHED, true)));
    assert!(
        allocations < 0.05,
        "{allocations} allocations ({bytes} bytes) per span"
    );
}

/// An error that allocates nothing itself.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

impl std::error::Error for Refused {}

#[traced]
fn refuse() -> Result<(), Refused> {
    Err(Refused)
}

#[test]
fn a_function_returning_err_allocates_little() {
    let _serial = serial();
    let (allocations, bytes, spans) = per_span(|| {
        let _ = refuse();
    });
    let span = &spans[0];
    assert_eq!(
        span.status,
        trace_runtime::otel::trace::Status::error("refused")
    );
    assert_eq!(span.events.len(), 1);
    assert!(
        allocations <= 1.0,
        "{allocations} allocations ({bytes} bytes) per span"
    );
}

#[traced]
fn plain() {}

#[test]
fn a_plain_span_allocates_nothing() {
    let _serial = serial();
    let (allocations, bytes, spans) = per_span(plain);
    assert_eq!(spans[0].name, "plain");
    assert!(
        allocations < 0.05,
        "{allocations} allocations ({bytes} bytes) per span"
    );
}

#[test]
fn spans_dropped_by_a_full_queue_give_their_buffers_back() {
    let _serial = serial();
    let before = trace_runtime::PipelineStats::read();
    // Every round's hand-off is larger than the queue: all of it is dropped.
    let (allocations, bytes, spans) = per_span_with_queue(PER_ROUND as usize / 2, || {
        static_key_i64(7);
        let _ = refuse();
    });
    assert!(spans.is_empty());
    let after = trace_runtime::PipelineStats::read();
    let recorded = (WARM_ROUNDS + ROUNDS) * (2 * PER_ROUND + 1);
    assert_eq!(after.dropped - before.dropped, recorded);
    assert!(
        allocations < 0.05,
        "{allocations} allocations ({bytes} bytes) per span"
    );
}
