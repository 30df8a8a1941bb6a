//! The span clock.
//!
//! Spans are timed with [`fastant`], which reads the CPU's time-stamp counter
//! (a few nanoseconds) where it is reliable and falls back to the monotonic
//! clock elsewhere. `Instant::now` alone costs a good part of a span's whole
//! budget on the calling thread (`BENCHMARKS.md`), so the calling thread only stores raw counter
//! values; the collector turns them into wall-clock [`SystemTime`]s, off the
//! hot path, against one anchor taken per process.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

/// A raw, monotonic timestamp taken on the calling thread.
pub(crate) type Timestamp = fastant::Instant;

/// Reads the clock. Cheap enough to call twice per span.
#[inline]
pub(crate) fn now() -> Timestamp {
    fastant::Instant::now()
}

/// Converts a raw timestamp into wall-clock time.
pub(crate) fn to_system_time(at: Timestamp) -> SystemTime {
    static ANCHOR: OnceLock<fastant::Anchor> = OnceLock::new();
    let anchor = ANCHOR.get_or_init(fastant::Anchor::new);
    SystemTime::UNIX_EPOCH + Duration::from_nanos(at.as_unix_nanos(anchor))
}
