//! Head sampling rules: the public [`Sampler`] and its compiled form, [`Decider`].
//!
//! The decision is taken once per trace, at its root, and inherited by every
//! span below it (and across process boundaries through the W3C `sampled`
//! flag). A [`Decider`] is a `Copy` value: the process-wide one lives in two
//! atomics (see `crate::local`, where it is read on the hot path), and a
//! scope may carry its own (a test capture's), which is why the rule is
//! record data rather than part of the calling thread's machinery.

/// Which traces are recorded, with the standard OpenTelemetry sampler names
/// (`OTEL_TRACES_SAMPLER`: `always_on`, `always_off`, `traceidratio`,
/// `parentbased_always_on`, `parentbased_always_off`,
/// `parentbased_traceidratio`).
///
/// A trace that is not recorded is still propagated: `inject` inside it
/// writes a `traceparent` with the `sampled` flag off (`-00`), as the
/// OpenTelemetry SDKs do, so a parent-based service downstream does not
/// sample what this one dropped.
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
    pub(crate) parent_based: bool,
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

    /// True when no new root is ever recorded. The hot path asks the
    /// installed mode instead (`local::sampler::GlobalMode`); the tests check
    /// that both answer alike.
    #[cfg(test)]
    pub(crate) fn roots_never_sampled(self) -> bool {
        self.root == RootRule::Never
    }

    pub(crate) fn encode(self) -> (u8, u64) {
        let pb = u8::from(self.parent_based) << 2;
        match self.root {
            RootRule::Always => (pb, 0),
            RootRule::Never => (pb | 1, 0),
            RootRule::Below(bound) => (pb | 2, bound),
        }
    }

    pub(crate) fn decode(mode: u8, bound: u64) -> Decider {
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
