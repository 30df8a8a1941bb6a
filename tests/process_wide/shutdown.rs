//! Shutdown within its deadline, whatever the exporter does: an export that
//! never returns, a collector that accepts connections and never answers.
//! The pipeline's drop returns at the deadline, counts what was not
//! exported as dropped, and leaves the stuck collector thread behind; a
//! new pipeline can be installed at once, and the thread left behind, when
//! its export finally returns, counts nothing a second time.
//!
//! Every wait is bounded; the slack on the timings is generous because the
//! machine running the tests may be busy. Each test takes its turn
//! ([`serial`]), and releases its stuck exporter before it ends, so that no
//! thread it left behind outlives it for long.

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::{Duration, Instant};

use trace_runtime::otel_sdk::error::OTelSdkResult;
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{Pipeline, PipelineStats, traced};

use crate::serial;
use trace_tests::SilentCollector;

/// Slack on top of a deadline before a test calls the wait too long.
const SLACK: Duration = Duration::from_secs(2);

#[traced]
fn child() {}

#[traced]
fn parent() {
    child();
    child();
}

/// An exporter whose `export` blocks until the test releases it.
#[derive(Debug)]
struct Stuck {
    entered: Sender<()>,
    release: Mutex<Receiver<()>>,
    /// Signalled when the exporter is dropped: by then the collector thread
    /// that called it has counted whatever it was going to count.
    gone: Sender<()>,
}

/// The test's side of a [`Stuck`] exporter.
struct Handles {
    entered: Receiver<()>,
    /// Dropping it makes the blocked export return.
    release: Sender<()>,
    gone: Receiver<()>,
}

impl Handles {
    /// Lets the blocked export return and waits until the collector thread
    /// left behind has dropped its exporter.
    fn release(self) {
        drop(self.release);
        self.gone
            .recv_timeout(Duration::from_secs(10))
            .expect("the collector thread left behind comes back once its export returns");
    }
}

fn stuck() -> (Stuck, Handles) {
    let (entered_tx, entered) = mpsc::channel();
    let (release, release_rx) = mpsc::channel();
    let (gone_tx, gone) = mpsc::channel();
    let exporter = Stuck {
        entered: entered_tx,
        release: Mutex::new(release_rx),
        gone: gone_tx,
    };
    let handles = Handles {
        entered,
        release,
        gone,
    };
    (exporter, handles)
}

impl SpanExporter for Stuck {
    fn export(&self, _batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let _ = self.entered.send(());
        // Blocks the calling thread, as a synchronous client would, until
        // the test drops the sender.
        let _ = self.release.lock().unwrap().recv();
        std::future::ready(Ok(()))
    }
}

impl Drop for Stuck {
    fn drop(&mut self) {
        let _ = self.gone.send(());
    }
}

/// Drops `pipeline` and returns how long that took.
fn timed_drop(pipeline: Pipeline) -> Duration {
    let start = Instant::now();
    drop(pipeline);
    start.elapsed()
}

#[test]
fn an_export_that_never_returns_is_abandoned_at_the_deadline() {
    let _serial = serial();
    let before = PipelineStats::read();
    let (exporter, handles) = stuck();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter)
        .with_scheduled_delay(Duration::from_secs(3600))
        .with_shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    parent();
    assert!(!pipeline.flush(Duration::ZERO));
    handles
        .entered
        .recv_timeout(Duration::from_secs(10))
        .expect("the flush reaches the exporter");
    parent(); // queued behind the export in flight
    let took = timed_drop(pipeline);
    println!("drop with an export that never returns, deadline 1 s: {took:?}");
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(1) + SLACK, "{took:?}");
    let after = PipelineStats::read();
    assert_eq!(after.ended - before.ended, 6);
    assert_eq!(after.dropped - before.dropped, 6, "in flight and queued");
    assert_eq!(after.exported, before.exported);

    handles.release();
    assert_eq!(
        PipelineStats::read(),
        after,
        "the thread left behind counts nothing once its export returns"
    );
}

#[test]
fn flush_returns_false_within_its_timeout_when_the_export_blocks() {
    let _serial = serial();
    let (exporter, handles) = stuck();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter)
        .with_shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    parent();
    let start = Instant::now();
    let flushed = pipeline.flush(Duration::from_millis(500));
    let took = start.elapsed();
    println!("flush(500 ms) with an export that never returns: {took:?}");
    assert!(!flushed);
    assert!(took >= Duration::from_millis(450), "{took:?}");
    assert!(took < Duration::from_millis(500) + SLACK, "{took:?}");
    let took = timed_drop(pipeline);
    println!("then drop, deadline 1 s: {took:?}");
    assert!(took < Duration::from_secs(1) + SLACK, "{took:?}");
    handles.release();
}

#[test]
fn a_new_pipeline_installs_and_exports_after_an_abandoned_one() {
    let _serial = serial();
    let (stuck_exporter, handles) = stuck();
    let pipeline = Pipeline::builder()
        .with_exporter(stuck_exporter)
        .with_shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    parent();
    let took = timed_drop(pipeline);
    assert!(took < Duration::from_secs(1) + SLACK, "{took:?}");
    let abandoned = PipelineStats::read();

    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_scheduled_delay(Duration::from_secs(3600))
        .install()
        .expect("the abandoned pipeline released the hub");
    parent();
    // The thread left behind comes back while the new pipeline runs: it
    // must take none of its spans and complete none of its flushes.
    handles.release();
    parent();
    assert!(pipeline.flush(Duration::from_secs(10)));
    assert_eq!(exporter.spans().len(), 6);
    let took = timed_drop(pipeline);
    println!("drop of the pipeline installed after an abandoned one: {took:?}");
    let after = PipelineStats::read();
    assert_eq!(after.ended - abandoned.ended, 6);
    assert_eq!(after.exported - abandoned.exported, 6);
    assert_eq!(after.dropped, abandoned.dropped);
    assert_eq!(after.failed_exports, abandoned.failed_exports);
}

#[test]
fn a_collector_that_never_answers_does_not_hold_shutdown_past_the_deadline() {
    let _serial = serial();
    let silent = SilentCollector::start();
    let before = PipelineStats::read();
    let pipeline = Pipeline::builder()
        .with_otlp_endpoint(silent.url.clone())
        .with_max_export_batch_size(3)
        .with_scheduled_delay(Duration::from_secs(3600))
        .with_shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    for _ in 0..4 {
        parent(); // one full batch each; the first export waits on the silent collector
    }
    let took = timed_drop(pipeline);
    println!("drop with 4 batches for a silent OTLP/HTTP collector, deadline 1 s: {took:?}");
    assert!(took < Duration::from_secs(1) + SLACK, "{took:?}");
    let after = PipelineStats::read();
    assert_eq!(after.ended - before.ended, 12);
    assert_eq!(after.dropped - before.dropped, 12);
    assert_eq!(after.exported, before.exported);
    drop(silent);
}
