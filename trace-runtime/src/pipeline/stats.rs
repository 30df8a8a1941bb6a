//! [`PipelineStats`]: what the pipeline did, counted.

use std::sync::atomic::Ordering;

use crate::collector::COUNTERS;

/// Counts kept by the pipeline since the process started.
///
/// ```
/// let stats = trace_runtime::PipelineStats::read();
/// assert!(stats.exported <= stats.ended);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipelineStats {
    /// Recorded (sampled) spans started in this process, counted when their
    /// thread hands its spans to the collector.
    pub started: u64,
    /// Spans that ended and were handed to the pipeline.
    pub ended: u64,
    /// Spans that reached every exporter successfully.
    pub exported: u64,
    /// Spans lost: the queue was full, or an export failed.
    pub dropped: u64,
    /// Export calls that failed (an exporter returned an error or panicked).
    pub failed_exports: u64,
}

impl PipelineStats {
    /// Reads the current counts.
    pub fn read() -> PipelineStats {
        PipelineStats {
            started: COUNTERS.started.load(Ordering::Relaxed),
            ended: COUNTERS.ended.load(Ordering::Relaxed),
            exported: COUNTERS.exported.load(Ordering::Relaxed),
            dropped: COUNTERS.dropped.load(Ordering::Relaxed),
            failed_exports: COUNTERS.failed_exports.load(Ordering::Relaxed),
        }
    }
}

impl std::fmt::Display for PipelineStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "spans started: {}, ended: {}, exported: {}, dropped: {}, failed exports: {}",
            self.started, self.ended, self.exported, self.dropped, self.failed_exports
        )
    }
}
