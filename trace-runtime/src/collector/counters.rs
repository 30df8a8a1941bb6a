//! The process-wide span counts behind `PipelineStats`.
//!
//! Every span that ends is exported or counted as dropped: the calling
//! threads count what they start (at hand-off), the hub what it accepts or
//! refuses, the worker what the exporters took or lost.

use std::sync::atomic::AtomicU64;

/// Process-wide pipeline counters (read by `PipelineStats`).
#[derive(Debug)]
pub(crate) struct Counters {
    pub(crate) started: AtomicU64,
    pub(crate) ended: AtomicU64,
    pub(crate) dropped: AtomicU64,
    pub(crate) exported: AtomicU64,
    pub(crate) failed_exports: AtomicU64,
}

pub(crate) static COUNTERS: Counters = Counters {
    started: AtomicU64::new(0),
    ended: AtomicU64::new(0),
    dropped: AtomicU64::new(0),
    exported: AtomicU64::new(0),
    failed_exports: AtomicU64::new(0),
};
