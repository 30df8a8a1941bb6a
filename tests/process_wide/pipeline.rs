//! The installed pipeline: spans reach the exporter, shutdown flushes, a
//! full queue or a failing exporter is counted, never a panic.
//!
//! A process has one pipeline at a time, so these tests take turns ([`serial`]);
//! the counters are process-wide and compared as differences.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use trace_runtime::otel_sdk::error::{OTelSdkError, OTelSdkResult};
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{Pipeline, PipelineError, PipelineStats, Sampler, traced};

use crate::serial;

#[traced]
fn child() {}

#[traced]
fn parent() {
    child();
    child();
}

#[test]
fn spans_ended_before_shutdown_are_all_exported() {
    let _serial = serial();
    let before = PipelineStats::read();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .install()
        .unwrap();
    parent();
    std::thread::spawn(parent).join().unwrap();
    drop(pipeline);

    let spans = exporter.spans();
    assert_eq!(spans.len(), 6);
    let parents = spans.all_named("parent");
    assert_eq!(parents.len(), 2);
    assert_ne!(
        parents[0].span_context.trace_id(),
        parents[1].span_context.trace_id()
    );
    for parent in parents {
        assert_eq!(spans.children_of(parent).len(), 2);
    }
    let after = PipelineStats::read();
    assert_eq!(after.started - before.started, 6);
    assert_eq!(after.ended - before.ended, 6);
    assert_eq!(after.exported - before.exported, 6);
    assert_eq!(after.dropped, before.dropped);
}

#[test]
fn flush_exports_without_shutting_down() {
    let _serial = serial();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_scheduled_delay(Duration::from_secs(3600))
        .install()
        .unwrap();
    parent();
    assert!(pipeline.flush(Duration::from_secs(10)));
    assert_eq!(exporter.spans().len(), 3);
    parent();
    drop(pipeline);
    assert_eq!(exporter.spans().len(), 6);
}

#[test]
fn a_second_pipeline_is_refused_while_one_is_installed() {
    let _serial = serial();
    let first = Pipeline::builder().install().unwrap();
    let second = Pipeline::builder().install();
    assert_eq!(second.unwrap_err(), PipelineError::AlreadyInstalled);
    drop(first);
    // Once the first is gone, a new one can be installed.
    Pipeline::builder().install().unwrap().shutdown();
}

#[test]
fn the_sampler_of_the_pipeline_applies_to_new_roots() {
    let _serial = serial();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_sampler(Sampler::AlwaysOff)
        .install()
        .unwrap();
    parent();
    drop(pipeline);
    assert!(exporter.spans().is_empty());
    // Restore the default for the other tests.
    let pipeline = Pipeline::builder()
        .with_sampler(Sampler::default())
        .install()
        .unwrap();
    drop(pipeline);
}

/// An exporter that blocks in `export` until released, to fill the queue.
#[derive(Debug)]
struct Gate {
    entered: Mutex<mpsc::Sender<()>>,
    release: Mutex<mpsc::Receiver<()>>,
    exported: Arc<Mutex<usize>>,
}

impl SpanExporter for Gate {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let _ = self.entered.lock().unwrap().send(());
        let _ = self
            .release
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(30));
        *self.exported.lock().unwrap() += batch.len();
        Ok(())
    }
}

#[test]
fn a_full_queue_drops_and_counts_instead_of_blocking() {
    let _serial = serial();
    let before = PipelineStats::read();
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    let exported = Arc::new(Mutex::new(0));
    let pipeline = Pipeline::builder()
        .with_exporter(Gate {
            entered: Mutex::new(entered_tx),
            release: Mutex::new(release_rx),
            exported: exported.clone(),
        })
        .with_max_queue_size(8)
        .with_max_export_batch_size(1)
        .install()
        .unwrap();
    child(); // the collector takes this one and blocks in export
    entered_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    for _ in 0..100 {
        child(); // 8 fit in the queue, the rest are dropped: the caller never waits
    }
    for _ in 0..200 {
        let _ = release_tx.send(());
    }
    drop(pipeline);
    let after = PipelineStats::read();
    let ended = after.ended - before.ended;
    let dropped = after.dropped - before.dropped;
    assert_eq!(ended, 101);
    assert_eq!(dropped, 92);
    assert_eq!(*exported.lock().unwrap() as u64, ended - dropped);
    assert_eq!(after.exported - before.exported, ended - dropped);
}

#[derive(Debug)]
struct Failing {
    panic: bool,
}

impl SpanExporter for Failing {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        if self.panic {
            panic!("exporter bug");
        }
        Err(OTelSdkError::InternalFailure(
            "collector unreachable".into(),
        ))
    }
}

#[test]
fn a_failing_or_panicking_exporter_is_counted_and_contained() {
    let _serial = serial();
    for panic in [false, true] {
        let before = PipelineStats::read();
        let pipeline = Pipeline::builder()
            .with_exporter(Failing { panic })
            .install()
            .unwrap();
        parent();
        drop(pipeline);
        let after = PipelineStats::read();
        assert_eq!(
            after.failed_exports - before.failed_exports,
            1,
            "panic: {panic}"
        );
        assert_eq!(after.dropped - before.dropped, 3, "panic: {panic}");
        assert_eq!(after.exported, before.exported);
    }
}

#[test]
fn a_span_ending_after_shutdown_is_counted_as_dropped() {
    let _serial = serial();
    let before = PipelineStats::read();
    let (opened_tx, opened_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let pipeline = Pipeline::builder()
        .with_exporter(InMemoryExporter::default())
        .install()
        .unwrap();
    #[traced]
    fn outer(opened: &mpsc::Sender<()>, release: &mpsc::Receiver<()>) {
        child(); // ends while the pipeline is up, but waits in this thread's buffer
        opened.send(()).unwrap();
        release.recv().unwrap();
    }
    let worker = std::thread::spawn(move || outer(&opened_tx, &release_rx));
    opened_rx.recv().unwrap();
    drop(pipeline); // shuts down while `outer` is still open
    release_tx.send(()).unwrap();
    worker.join().unwrap();
    let after = PipelineStats::read();
    assert_eq!(after.started - before.started, 2);
    assert_eq!(after.ended - before.ended, 2);
    assert_eq!(
        after.dropped - before.dropped,
        2,
        "ended after shutdown: counted, not lost silently"
    );
    assert_eq!(after.exported, before.exported);
}
