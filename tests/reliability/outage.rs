//! An exporter that is down for a while, as a collector being redeployed
//! is, while four threads produce spans at a steady pace.
//!
//! While down, each export takes [`DOWN_EXPORT`] (a connect timeout, say)
//! and fails; once back, exports succeed at once. The outage lasts
//! `RELIABILITY_OUTAGE_SECS` seconds (default [`DEFAULT_OUTAGE_SECS`], a
//! collector's redeployment; the queue fills within the first second and
//! stays full for the rest). The test proves:
//!
//! - no call blocks: every thread completes calls while an export is in
//!   progress (asserted), and the worst call latency is printed;
//! - memory stays within the queue bound: the producers make roots of
//!   [`PAYLOAD`] bytes each, so a queue that kept everything would grow by
//!   the figure printed as "unbounded" (about 80 MiB at the default pace
//!   and outage); the resident set may grow by at most [`RSS_GROWTH_LIMIT`]
//!   (the bounded queue holds 2048 spans, under 3 MiB of payload);
//! - every span is accounted for: after shutdown, exported + dropped ==
//!   ended == what the producers ended, and the exporter saw exactly the
//!   spans counted as exported;
//! - the pipeline recovers: every trace started once the exporter is back
//!   and the backlog of the outage is flushed is exported. (Traces that
//!   end between the exporter coming back and the collector finishing its
//!   last failing export and the backlog may still find the queue full:
//!   that is the outage, not the recovery.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use trace_runtime::otel_sdk::error::{OTelSdkError, OTelSdkResult};
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::{Pipeline, PipelineStats, add_attribute, traced};

use crate::load::Load;
use crate::{env_number, mib, rss_bytes, serial};

/// The outage when `RELIABILITY_OUTAGE_SECS` is not set.
const DEFAULT_OUTAGE_SECS: u64 = 30;
/// How long one export takes while the exporter is down.
const DOWN_EXPORT: Duration = Duration::from_millis(100);
/// How long the producers go on once the exporter is back.
const AFTER_RECOVERY: Duration = Duration::from_secs(2);
/// The bytes of payload each root carries.
const PAYLOAD: usize = 4096;
/// The most the resident set may grow while the exporter is down.
const RSS_GROWTH_LIMIT: u64 = 32 * 1024 * 1024;

#[traced]
fn step() {}

#[traced]
fn request(payload: &str) {
    add_attribute("payload", payload);
    step();
    step();
}

#[traced]
fn request_after_recovery(payload: &str) {
    add_attribute("payload", payload);
    step();
    step();
}

/// What the exporter and the test share.
#[derive(Debug, Default)]
struct State {
    down: AtomicBool,
    /// An export is in progress.
    exporting: AtomicBool,
    exported: AtomicU64,
    exported_after_recovery: AtomicU64,
    failed_calls: AtomicU64,
}

/// Fails, slowly, while `down`; exports at once otherwise.
#[derive(Debug)]
struct Flaky(Arc<State>);

impl SpanExporter for Flaky {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let state = &self.0;
        state.exporting.store(true, Ordering::SeqCst);
        // Synchronous, as a blocking client would be: the collector thread
        // is held for the whole call.
        let result = if state.down.load(Ordering::SeqCst) {
            std::thread::sleep(DOWN_EXPORT);
            state.failed_calls.fetch_add(1, Ordering::Relaxed);
            Err(OTelSdkError::InternalFailure(
                "collector unreachable".into(),
            ))
        } else {
            let after = batch
                .iter()
                .filter(|span| span.name == "request_after_recovery")
                .count();
            state
                .exported
                .fetch_add(batch.len() as u64, Ordering::Relaxed);
            state
                .exported_after_recovery
                .fetch_add(after as u64, Ordering::Relaxed);
            Ok(())
        };
        state.exporting.store(false, Ordering::SeqCst);
        std::future::ready(result)
    }
}

#[test]
fn an_exporter_down_for_a_while_loses_only_what_does_not_fit_and_recovers() {
    let _serial = serial();
    let outage = Duration::from_secs(env_number("RELIABILITY_OUTAGE_SECS", DEFAULT_OUTAGE_SECS));
    let payload: &'static str = Box::leak("x".repeat(PAYLOAD).into_boxed_str());
    let state = Arc::new(State::default());
    state.down.store(true, Ordering::SeqCst);
    let recovered = Arc::new(AtomicBool::new(false));
    let produced_after_recovery = Arc::new(AtomicU64::new(0));
    let roots_during_outage = Arc::new(AtomicU64::new(0));
    let calls_during_export: Arc<Vec<AtomicU64>> =
        Arc::new((0..4).map(|_| AtomicU64::new(0)).collect());

    let before = PipelineStats::read();
    let rss_before = rss_bytes();
    let pipeline = Pipeline::builder()
        .with_exporter(Flaky(Arc::clone(&state)))
        .with_scheduled_delay(Duration::from_millis(100))
        .install()
        .unwrap();

    let load = {
        let state = Arc::clone(&state);
        let recovered = Arc::clone(&recovered);
        let produced_after_recovery = Arc::clone(&produced_after_recovery);
        let roots_during_outage = Arc::clone(&roots_during_outage);
        let calls_during_export = Arc::clone(&calls_during_export);
        Load::start(4, Duration::from_millis(1), move |thread, _| {
            if recovered.load(Ordering::SeqCst) {
                request_after_recovery(payload);
                produced_after_recovery.fetch_add(1, Ordering::Relaxed);
            } else {
                request(payload);
                roots_during_outage.fetch_add(1, Ordering::Relaxed);
                if state.exporting.load(Ordering::SeqCst) {
                    // This call ended while the collector thread was held
                    // by a failing export.
                    calls_during_export[thread].fetch_add(1, Ordering::Relaxed);
                }
            }
            3
        })
    };

    let mut rss_peak = rss_before.unwrap_or(0);
    let mut sample_until = |until: Instant| {
        while Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
            rss_peak = rss_peak.max(rss_bytes().unwrap_or(0));
        }
    };
    let start = Instant::now();
    sample_until(start + outage);
    state.down.store(false, Ordering::SeqCst);
    // The recovery is seen once a flush asked for now has completed: the
    // export in progress (failing) has returned and the backlog of the
    // outage has been exported.
    let came_back = Instant::now();
    assert!(
        pipeline.flush(Duration::from_secs(20)),
        "the backlog drains"
    );
    recovered.store(true, Ordering::SeqCst);
    let recovery = Instant::now();
    let seen_after = recovery - came_back;
    let rss_at_recovery = rss_bytes();
    sample_until(recovery + AFTER_RECOVERY);
    let figures = load.stop();
    let shutdown_start = Instant::now();
    drop(pipeline);
    let shutdown = shutdown_start.elapsed();
    let rss_after = rss_bytes();
    let after = PipelineStats::read();

    let ended = after.ended - before.ended;
    let exported = after.exported - before.exported;
    let dropped = after.dropped - before.dropped;
    let failed_exports = after.failed_exports - before.failed_exports;
    let unbounded = roots_during_outage.load(Ordering::Relaxed) * PAYLOAD as u64;
    let calls_during_export: Vec<u64> = calls_during_export
        .iter()
        .map(|n| n.load(Ordering::Relaxed))
        .collect();
    println!(
        "outage {outage:?} then {AFTER_RECOVERY:?} up, 4 threads: {figures}; \
         calls completed during a failing export, per thread: {calls_during_export:?}"
    );
    match (rss_before, rss_at_recovery, rss_after) {
        (Some(b), Some(r), Some(a)) => println!(
            "outage: RSS before {:.1} MiB, peak during outage {:.1} MiB, at recovery {:.1} MiB, \
             after shutdown {:.1} MiB; an unbounded queue would have held {:.1} MiB of payload",
            mib(b),
            mib(rss_peak),
            mib(r),
            mib(a),
            mib(unbounded)
        ),
        _ => println!("outage: no /proc/self/statm, RSS not measured"),
    }
    println!(
        "outage: ended {ended}, exported {exported}, dropped {dropped}, failed exports \
         {failed_exports}; backlog flushed {seen_after:?} after the exporter came back; traces after it {} \
         produced, {} exported; shutdown {shutdown:?}",
        produced_after_recovery.load(Ordering::Relaxed),
        state.exported_after_recovery.load(Ordering::Relaxed),
    );

    assert!(
        calls_during_export.iter().all(|&n| n > 0),
        "every thread completes calls while an export is stuck: {calls_during_export:?}"
    );
    if let Some(before) = rss_before {
        assert!(
            rss_peak.saturating_sub(before) < RSS_GROWTH_LIMIT,
            "RSS grew by {:.1} MiB during the outage",
            mib(rss_peak - before)
        );
    }
    assert_eq!(ended, figures.spans, "every span ended was handed off");
    assert_eq!(exported + dropped, ended, "every span accounted for");
    assert_eq!(exported, state.exported.load(Ordering::Relaxed));
    assert!(dropped > 0, "the outage lost spans");
    assert_eq!(failed_exports, state.failed_calls.load(Ordering::Relaxed));
    assert!(failed_exports > 0);
    assert!(produced_after_recovery.load(Ordering::Relaxed) > 0);
    assert_eq!(
        state.exported_after_recovery.load(Ordering::Relaxed),
        produced_after_recovery.load(Ordering::Relaxed),
        "every trace started after recovery is exported"
    );
}
