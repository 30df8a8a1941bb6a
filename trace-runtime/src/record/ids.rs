//! Trace and span id generation.
//!
//! Ids come from `fastrand`'s per-thread generator: no lock, no syscall, and
//! uniformly random, so trace ids satisfy the W3C Trace Context level 2
//! "random" flag. All-zero ids are invalid in OpenTelemetry and are never
//! produced.

/// A new, non-zero 128-bit trace id.
#[inline]
pub(crate) fn new_trace_id() -> u128 {
    non_zero(|| fastrand::u128(..))
}

/// A new, non-zero 64-bit span id.
#[inline]
pub(crate) fn new_span_id() -> u64 {
    non_zero(|| fastrand::u64(..))
}

/// Draws until `draw` gives a non-zero id: zero is OpenTelemetry's invalid
/// id (a draw is zero once in 2^64, so this loops once in practice).
#[inline(always)] // on the hot path: it must compile to the bare loop
fn non_zero<T: Default + PartialEq>(mut draw: impl FnMut() -> T) -> T {
    loop {
        let id = draw();
        if id != T::default() {
            return id;
        }
    }
}

/// A span id generator owned by one thread's state: the hot path already
/// holds that state, so taking ids from it saves `fastrand`'s own
/// thread-local look-up per span. Seeded from `fastrand` on first use, so
/// every thread draws from its own random sequence.
#[derive(Debug)]
pub(crate) struct SpanIdGenerator {
    rng: fastrand::Rng,
    seeded: bool,
}

impl SpanIdGenerator {
    pub(crate) const fn new() -> SpanIdGenerator {
        SpanIdGenerator {
            rng: fastrand::Rng::with_seed(0),
            seeded: false,
        }
    }

    /// A new, non-zero 64-bit span id.
    #[inline]
    pub(crate) fn next(&mut self) -> u64 {
        if !self.seeded {
            self.rng.seed(fastrand::u64(..));
            self.seeded = true;
        }
        non_zero(|| self.rng.u64(..))
    }
}

/// The identity of one span, as children and carriers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SpanIds {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    pub(crate) sampled: bool,
    /// The span lives in another process (its context came from a carrier).
    pub(crate) remote: bool,
    /// The trace id is random (W3C Trace Context level 2 `random` flag).
    pub(crate) random: bool,
}

impl SpanIds {
    /// The W3C `trace-flags` byte.
    pub(crate) fn flags(self) -> u8 {
        u8::from(self.sampled) | (u8::from(self.random) << 1)
    }
}
