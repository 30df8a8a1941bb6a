//! Shutdown while four threads are producing spans, as when a service
//! stops on a signal without quiescing its workers first.
//!
//! Each producer counts the spans of every call once the call has returned,
//! that is once its thread has no span open and has handed them to the
//! pipeline. Just before shutdown begins the test reads those counts: every
//! one of those spans must be exported. The queue is large enough
//! ([`QUEUE`]) and the exporter never fails, so nothing handed off before
//! shutdown may be dropped; the shutdown timeout ([`SHUTDOWN_TIMEOUT`]) is
//! far more than exporting them takes. The producers go on during and after
//! shutdown: what they end then is counted as dropped or not recorded at
//! all, and either way exported + dropped == ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use trace_runtime::otel_sdk::error::OTelSdkResult;
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::{Pipeline, PipelineStats, traced};

use crate::load::Load;
use crate::serial;

/// How long the producers run before shutdown.
const BEFORE_SHUTDOWN: Duration = Duration::from_millis(600);
/// The queue: more than the producers can end in [`BEFORE_SHUTDOWN`].
const QUEUE: usize = 1 << 20;
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(30);

#[traced]
fn step() {}

#[traced]
fn request() {
    step();
    step();
}

/// Counts the spans it exports.
#[derive(Debug)]
struct Counting(Arc<AtomicU64>);

impl SpanExporter for Counting {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

#[test]
fn every_span_handed_off_before_shutdown_began_is_exported() {
    let _serial = serial();
    let received = Arc::new(AtomicU64::new(0));
    let before = PipelineStats::read();
    let pipeline = Pipeline::builder()
        .with_exporter(Counting(Arc::clone(&received)))
        .with_max_queue_size(QUEUE)
        .with_shutdown_timeout(SHUTDOWN_TIMEOUT)
        .install()
        .unwrap();
    let load = Load::start(4, Duration::from_micros(50), |_, _| {
        request();
        3
    });
    std::thread::sleep(BEFORE_SHUTDOWN);
    let handed_off = load.ended();
    let start = Instant::now();
    drop(pipeline);
    let shutdown = start.elapsed();
    let handed_off_by_end_of_shutdown = load.ended();
    std::thread::sleep(Duration::from_millis(50)); // the producers go on without a pipeline
    let figures = load.stop();
    let after = PipelineStats::read();

    let ended = after.ended - before.ended;
    let exported = after.exported - before.exported;
    let dropped = after.dropped - before.dropped;
    println!("shutdown under load, 4 threads: {figures}");
    println!(
        "shutdown: {handed_off} spans handed off before it began, \
         {handed_off_by_end_of_shutdown} by its end; ended {ended}, exported {exported}, \
         dropped {dropped}; shutdown took {shutdown:?}"
    );

    assert!(
        exported >= handed_off,
        "every span handed off before shutdown began is exported: {exported} < {handed_off}"
    );
    assert_eq!(exported, received.load(Ordering::Relaxed));
    assert_eq!(exported + dropped, ended, "every span accounted for");
    assert!(ended >= handed_off);
    assert!(
        ended <= figures.spans,
        "spans started after shutdown are not recorded"
    );
}
