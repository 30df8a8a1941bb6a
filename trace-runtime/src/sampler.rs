//! Head sampling: which new traces are recorded.
//!
//! The decision is taken once per trace, at its root, and inherited by every
//! span below it (and across process boundaries through the W3C `sampled`
//! flag). The installed sampler lives in two atomics, so a root decision
//! costs a load and, for ratios, a comparison against the trace id; nothing
//! on the hot path takes a lock.

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// Which traces are recorded, with the standard OpenTelemetry sampler names
/// (`OTEL_TRACES_SAMPLER`: `always_on`, `always_off`, `traceidratio`,
/// `parentbased_always_on`, `parentbased_always_off`,
/// `parentbased_traceidratio`).
///
/// ```
/// use trace_runtime::Sampler;
/// let one_in_ten = Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.1)));
/// # let _ = one_in_ten;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Sampler {
    /// Record every span.
    AlwaysOn,
    /// Record nothing. Instrumented calls then cost about as much as bare calls.
    AlwaysOff,
    /// Record this fraction of traces (0.0 to 1.0), decided on the trace id so
    /// every service in the trace makes the same decision.
    TraceIdRatioBased(f64),
    /// Follow the parent's decision when there is a parent; use the inner
    /// sampler for new roots. The default is `ParentBased(AlwaysOn)`.
    ParentBased(Box<Sampler>),
}

impl Default for Sampler {
    fn default() -> Self {
        Sampler::ParentBased(Box::new(Sampler::AlwaysOn))
    }
}

/// A sampler in the compact form the hot path reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decider {
    root: RootRule,
    parent_based: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RootRule {
    Always,
    Never,
    /// Sampled when the low 64 bits of the trace id are below this bound.
    Below(u64),
}

impl Decider {
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) const ALWAYS_ON: Decider = Decider {
        root: RootRule::Always,
        parent_based: true,
    };

    pub(crate) fn from_sampler(sampler: &Sampler) -> Decider {
        match sampler {
            Sampler::AlwaysOn => Decider {
                root: RootRule::Always,
                parent_based: false,
            },
            Sampler::AlwaysOff => Decider {
                root: RootRule::Never,
                parent_based: false,
            },
            Sampler::TraceIdRatioBased(ratio) => Decider {
                root: ratio_rule(*ratio),
                parent_based: false,
            },
            Sampler::ParentBased(inner) => Decider {
                parent_based: true,
                ..Decider::from_sampler(inner)
            },
        }
    }

    /// Whether a span with this parent decision (`None`: no parent) and trace id is recorded.
    #[inline]
    pub(crate) fn sample(self, parent_sampled: Option<bool>, trace_id: u128) -> bool {
        match parent_sampled {
            Some(sampled) if self.parent_based => sampled,
            _ => match self.root {
                RootRule::Always => true,
                RootRule::Never => false,
                RootRule::Below(bound) => (trace_id as u64) < bound,
            },
        }
    }

    /// True when no new root is ever recorded, so a call with no parent can
    /// skip all work.
    #[inline]
    pub(crate) fn roots_never_sampled(self) -> bool {
        self.root == RootRule::Never
    }

    fn encode(self) -> (u8, u64) {
        let pb = u8::from(self.parent_based) << 2;
        match self.root {
            RootRule::Always => (pb, 0),
            RootRule::Never => (pb | 1, 0),
            RootRule::Below(bound) => (pb | 2, bound),
        }
    }

    fn decode(mode: u8, bound: u64) -> Decider {
        let root = match mode & 3 {
            0 => RootRule::Always,
            1 => RootRule::Never,
            _ => RootRule::Below(bound),
        };
        Decider {
            root,
            parent_based: mode & 4 != 0,
        }
    }
}

fn ratio_rule(ratio: f64) -> RootRule {
    if ratio.is_nan() || ratio <= 0.0 {
        RootRule::Never
    } else if ratio >= 1.0 {
        RootRule::Always
    } else {
        // Precision loss is irrelevant at this scale: it moves the bound by < 2^-52.
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        RootRule::Below((ratio * u64::MAX as f64) as u64)
    }
}

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

    #[test]
    fn parent_based_follows_the_parent() {
        let d = Decider::from_sampler(&Sampler::ParentBased(Box::new(Sampler::AlwaysOff)));
        assert!(d.sample(Some(true), 1));
        assert!(!d.sample(Some(false), 1));
        assert!(!d.sample(None, 1));
    }

    #[test]
    fn ratio_decides_on_the_trace_id() {
        let d = Decider::from_sampler(&Sampler::TraceIdRatioBased(0.5));
        assert!(d.sample(None, 1));
        assert!(!d.sample(None, u128::from(u64::MAX)));
        let sampled = (0..10_000u128)
            .filter(|i| {
                d.sample(
                    None,
                    i.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835),
                )
            })
            .count();
        assert!((4_000..6_000).contains(&sampled), "{sampled}");
    }

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

    #[test]
    fn encoding_round_trips() {
        for s in [
            Sampler::AlwaysOn,
            Sampler::AlwaysOff,
            Sampler::TraceIdRatioBased(0.25),
            Sampler::default(),
            Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.5))),
        ] {
            let d = Decider::from_sampler(&s);
            let (m, b) = d.encode();
            assert_eq!(Decider::decode(m, b), d, "{s:?}");
        }
    }
}
