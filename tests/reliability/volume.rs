//! Many spans from four threads: `RELIABILITY_SPANS` of them (default
//! [`DEFAULT_SPANS`], 20 to 40 seconds of a debug build on two cores,
//! producing, exporting and checking included), in traces of
//! [`TRACE_SPANS`] spans (a root, two children, a grandchild under each).
//!
//! The exporter keeps only the ids of what it receives. The test proves:
//!
//! - span ids are unique across all threads and traces;
//! - every exported child's parent is exported, in the same trace; the
//!   roots are exactly one per trace;
//! - the counts are exact: exported == ended == what the threads produced,
//!   and nothing is dropped.
//!
//! Why nothing may be dropped: the queue is as large as the whole run
//! ([`queue_for`]), so no hand-off can find it full, and the exporter never
//! fails. Were the queue smaller, drops would not break the parent check
//! either: a thread hands its spans off when its stack empties, so each
//! trace here (far smaller than a thread's hand-off limit of 512 spans)
//! travels in one batch, and a full queue drops whole batches, so whole
//! traces. This test asserts the stricter outcome, no drop at all.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use trace_runtime::otel_sdk::error::OTelSdkResult;
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::{Pipeline, PipelineStats, traced};

use crate::{env_number, serial};

/// The spans produced when `RELIABILITY_SPANS` is not set.
const DEFAULT_SPANS: u64 = 10_000_000;
/// Spans per trace: see [`root`].
const TRACE_SPANS: u64 = 5;
const THREADS: u64 = 4;

#[traced]
fn grandchild() {}

#[traced]
fn child() {
    grandchild();
}

#[traced]
fn root() {
    child();
    child();
}

/// `(trace id, span id, parent span id)` of one exported span.
type Ids = (u128, u64, u64);

/// Keeps the ids of every span it exports, and nothing else (32 bytes a
/// span, where keeping the `SpanData` would take over ten times as much).
#[derive(Debug)]
struct IdsOnly(Arc<Mutex<Vec<Ids>>>);

impl SpanExporter for IdsOnly {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut ids = self.0.lock().unwrap();
        ids.extend(batch.iter().map(|span| {
            (
                u128::from_be_bytes(span.span_context.trace_id().to_bytes()),
                u64::from_be_bytes(span.span_context.span_id().to_bytes()),
                u64::from_be_bytes(span.parent_span_id.to_bytes()),
            )
        }));
        Ok(())
    }
}

/// A queue that holds every span of the run.
fn queue_for(spans: u64) -> usize {
    usize::try_from(spans).unwrap().max(2048)
}

#[test]
fn many_spans_from_four_threads_have_unique_ids_whole_traces_and_exact_counts() {
    let _serial = serial();
    let asked = env_number("RELIABILITY_SPANS", DEFAULT_SPANS);
    let traces_per_thread = asked.div_ceil(TRACE_SPANS * THREADS);
    let traces = traces_per_thread * THREADS;
    let spans = traces * TRACE_SPANS;
    let ids = Arc::new(Mutex::new(Vec::with_capacity(
        usize::try_from(spans).unwrap(),
    )));
    let before = PipelineStats::read();
    let pipeline = Pipeline::builder()
        .with_exporter(IdsOnly(Arc::clone(&ids)))
        .with_max_queue_size(queue_for(spans))
        .with_scheduled_delay(Duration::from_millis(100))
        .with_shutdown_timeout(Duration::from_secs(60))
        .install()
        .unwrap();
    let start = Instant::now();
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            std::thread::spawn(move || {
                for _ in 0..traces_per_thread {
                    root();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let produced = start.elapsed();
    drop(pipeline);
    let exported_by = start.elapsed();
    let after = PipelineStats::read();
    let ids = std::mem::take(&mut *ids.lock().unwrap());

    let check = Instant::now();
    let mut trace_of: HashMap<u64, u128> = HashMap::with_capacity(ids.len());
    for &(trace, span, _) in &ids {
        assert!(
            trace_of.insert(span, trace).is_none(),
            "span id {span:016x} exported twice"
        );
    }
    let mut roots = 0;
    let mut trace_ids = HashSet::with_capacity(usize::try_from(traces).unwrap());
    for &(trace, span, parent) in &ids {
        trace_ids.insert(trace);
        if parent == 0 {
            roots += 1;
            continue;
        }
        match trace_of.get(&parent) {
            Some(&parent_trace) => assert_eq!(
                parent_trace, trace,
                "span {span:016x}: its parent {parent:016x} is in another trace"
            ),
            None => panic!("span {span:016x}: its parent {parent:016x} was not exported"),
        }
    }
    let checked = check.elapsed();

    let ended = after.ended - before.ended;
    let exported = after.exported - before.exported;
    let dropped = after.dropped - before.dropped;
    println!(
        "volume: {spans} spans in {traces} traces from {THREADS} threads produced in {produced:?} \
         ({:.0} spans/s), all exported by {exported_by:?}, checked in {checked:?}; \
         ended {ended}, exported {exported}, dropped {dropped}",
        spans as f64 / produced.as_secs_f64()
    );

    assert_eq!(ended, spans);
    assert_eq!(dropped, 0, "the queue holds the whole run");
    assert_eq!(exported, spans);
    assert_eq!(
        ids.len() as u64,
        spans,
        "the exporter received every span once"
    );
    assert_eq!(roots, traces, "one root per trace");
    assert_eq!(trace_ids.len() as u64, traces, "trace ids are unique");
}
