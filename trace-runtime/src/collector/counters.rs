//! The process-wide span counts behind `PipelineStats`.
//!
//! Every span that ends is exported or counted as dropped: the calling
//! threads count what they start (at hand-off), the hub what it accepts or
//! refuses, the worker what the exporters took or lost.

use std::sync::atomic::AtomicU64;

/// Process-wide pipeline counters (read by `PipelineStats`).
///
/// Aligned so that no other static shares their cache lines: the collector
/// writes them on every export, and the flags every span reads (the gate,
/// the sampler's mode) must not miss the cache because of it. 128 bytes,
/// not 64: the adjacent-line prefetcher fetches lines in pairs.
#[derive(Debug)]
#[repr(align(128))]
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
