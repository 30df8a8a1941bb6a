//! The process-wide sampling rule, as the hot path reads it.
//!
//! The installed [`Decider`] lives in two atomics, so a root decision costs
//! a load and, for ratios, a comparison against the trace id; nothing on the
//! hot path takes a lock. A child of a local span under a `ParentBased`
//! sampler needs only [`global_mode`]: one load.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use crate::record::Decider;

// The process-wide sampler, installed with the pipeline. Defaults to ParentBased(AlwaysOn).
static MODE: AtomicU8 = AtomicU8::new(4);
static BOUND: AtomicU64 = AtomicU64::new(0);

pub(crate) fn install(decider: Decider) {
    let (mode, bound) = decider.encode();
    BOUND.store(bound, Ordering::Relaxed);
    MODE.store(mode, Ordering::Relaxed);
}

/// The process-wide sampler's mode, read once for the hot path's two
/// questions, without decoding the whole sampler.
#[derive(Clone, Copy)]
pub(crate) struct GlobalMode(u8);

impl GlobalMode {
    /// It follows a parent's decision (the `ParentBased` samplers): then a
    /// child of a local span needs no more.
    #[inline]
    pub(crate) fn follows_parent(self) -> bool {
        self.0 & 4 != 0
    }

    /// It never records a new root (`AlwaysOff`, a ratio of 0).
    #[inline]
    pub(crate) fn roots_never_sampled(self) -> bool {
        self.0 & 3 == 1
    }
}

#[inline]
pub(crate) fn global_mode() -> GlobalMode {
    GlobalMode(MODE.load(Ordering::Relaxed))
}

#[inline]
pub(crate) fn global() -> Decider {
    let mode = MODE.load(Ordering::Relaxed);
    let bound = if mode & 3 == 2 {
        BOUND.load(Ordering::Relaxed)
    } else {
        0
    };
    Decider::decode(mode, bound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Sampler;

    #[test]
    fn the_global_mode_answers_like_the_decoded_sampler() {
        for s in [
            Sampler::AlwaysOn,
            Sampler::AlwaysOff,
            Sampler::TraceIdRatioBased(0.25),
            Sampler::TraceIdRatioBased(0.0),
            Sampler::default(),
            Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
        ] {
            let d = Decider::from_sampler(&s);
            let mode = GlobalMode(d.encode().0);
            assert_eq!(mode.follows_parent(), d.parent_based, "{s:?}");
            assert_eq!(mode.roots_never_sampled(), d.roots_never_sampled(), "{s:?}");
        }
    }
}
