//! A collector that accepts connections and never answers (a hung
//! process, a proxy with no upstream), as the OTLP/HTTP endpoint, while
//! four threads produce spans for [`PRODUCE`].
//!
//! Each export waits for the OTLP timeout ([`OTLP_TIMEOUT`], short so that
//! the test sees a dozen of them) and fails. The test proves that the
//! producers are not held by it (each thread makes many more calls than
//! there were exports: a thread waiting on each export would have made
//! about one per export), that nothing is exported and every span is
//! counted as dropped (exported + dropped == ended == what the producers
//! ended), and that shutdown returns by itself (its duration is printed).
//! At shutdown the collector still holds a few batches, each of which would
//! wait for the timeout again, so shutdown usually ends at its deadline,
//! [`SHUTDOWN_TIMEOUT`], counting what it did not export as dropped and
//! leaving the collector thread to finish its last export alone.

use std::time::{Duration, Instant};

use trace_runtime::{Pipeline, PipelineStats, traced};

use crate::load::Load;
use crate::serial;
use trace_tests::SilentCollector;

/// How long the producers run.
const PRODUCE: Duration = Duration::from_secs(3);
/// How long one export waits for an answer.
const OTLP_TIMEOUT: Duration = Duration::from_millis(250);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

#[traced]
fn step() {}

#[traced]
fn request() {
    step();
    step();
}

#[test]
fn a_collector_that_never_answers_holds_no_caller_and_every_span_is_counted() {
    let _serial = serial();
    let silent = SilentCollector::start();
    let before = PipelineStats::read();
    let pipeline = Pipeline::builder()
        .with_otlp_endpoint(silent.url.clone())
        .with_otlp_timeout(OTLP_TIMEOUT)
        .with_export_timeout(OTLP_TIMEOUT * 2)
        .with_scheduled_delay(Duration::from_millis(100))
        .with_shutdown_timeout(SHUTDOWN_TIMEOUT)
        .strict()
        .install()
        .unwrap();
    let load = Load::start(4, Duration::from_millis(1), |_, _| {
        request();
        3
    });
    std::thread::sleep(PRODUCE);
    let figures = load.stop();
    let start = Instant::now();
    drop(pipeline);
    let shutdown = start.elapsed();
    let after = PipelineStats::read();
    let accepted = silent.accepted();
    drop(silent);

    let ended = after.ended - before.ended;
    let exported = after.exported - before.exported;
    let dropped = after.dropped - before.dropped;
    let failed_exports = after.failed_exports - before.failed_exports;
    println!(
        "silent collector for {PRODUCE:?}, OTLP timeout {OTLP_TIMEOUT:?}, 4 threads: {figures}"
    );
    println!(
        "silent: ended {ended}, exported {exported}, dropped {dropped}, failed exports \
         {failed_exports}, connections accepted {accepted}; shutdown {shutdown:?} \
         (timeout {SHUTDOWN_TIMEOUT:?})"
    );

    assert_eq!(ended, figures.spans, "every span ended was handed off");
    assert_eq!(exported, 0);
    assert_eq!(dropped, ended, "every span accounted for");
    assert!(
        failed_exports > 0,
        "the exports reached the silent collector"
    );
    assert!(
        figures.fewest_calls > 10 * failed_exports,
        "the producers are not held by the exports: {figures}, {failed_exports} failed exports"
    );
}
