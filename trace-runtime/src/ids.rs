//! Trace and span id generation.
//!
//! Ids come from `fastrand`'s per-thread generator: no lock, no syscall, and
//! uniformly random, so trace ids satisfy the W3C Trace Context level 2
//! "random" flag. All-zero ids are invalid in OpenTelemetry and are never
//! produced.

/// A new, non-zero 128-bit trace id.
#[inline]
pub(crate) fn new_trace_id() -> u128 {
    loop {
        let id = fastrand::u128(..);
        if id != 0 {
            return id;
        }
    }
}

/// A new, non-zero 64-bit span id.
#[inline]
pub(crate) fn new_span_id() -> u64 {
    loop {
        let id = fastrand::u64(..);
        if id != 0 {
            return id;
        }
    }
}
