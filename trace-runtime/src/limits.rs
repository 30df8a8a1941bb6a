//! Span limits: how many attributes a span keeps and how long their values may be.
//!
//! This module owns the configuration only: [`SpanLimits`] is parsed from
//! `OTEL_ATTRIBUTE_COUNT_LIMIT` / `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` (and
//! their `OTEL_SPAN_*` forms) or set with
//! [`PipelineBuilder::with_span_limits`](crate::PipelineBuilder::with_span_limits),
//! validated, and published here when a pipeline is installed.
//! **Enforcement is not wired yet**: the recording path does not consult
//! these limits today (that is tracked separately and will read
//! [`installed`]). Until then a span keeps every attribute it is given.
//!
//! The limits live in two atomics rather than behind a lock so that the
//! recording path, once it enforces them, pays one relaxed load per check.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Limits on the attributes of one span (the OpenTelemetry `SpanLimits`).
///
/// Read from `OTEL_ATTRIBUTE_COUNT_LIMIT` (default 128) and
/// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` (default: no limit);
/// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` and
/// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` take precedence when set.
///
/// **Not enforced yet.** The pipeline validates and stores these limits
/// ([`Pipeline::span_limits`](crate::Pipeline::span_limits)), but the
/// recording path does not apply them yet; that lands separately. When it
/// does, attributes past the count are dropped and counted and longer string
/// values are truncated, never a panic.
///
/// ```
/// use trace_runtime::SpanLimits;
///
/// let limits = SpanLimits::default()
///     .with_attribute_count(64)
///     .with_attribute_value_length(Some(1024));
/// assert_eq!(limits.attribute_count, 64);
/// assert_eq!(SpanLimits::default().attribute_count, 128);
/// assert_eq!(SpanLimits::default().attribute_value_length, None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanLimits {
    /// The most attributes a span keeps (`OTEL_ATTRIBUTE_COUNT_LIMIT`, default 128).
    pub attribute_count: usize,
    /// The longest a string attribute value may be, in characters
    /// (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`); `None`, the default, means no limit.
    pub attribute_value_length: Option<usize>,
}

impl SpanLimits {
    /// The OpenTelemetry default attribute count limit.
    pub const DEFAULT_ATTRIBUTE_COUNT: usize = 128;

    /// Sets the most attributes a span keeps.
    #[must_use]
    pub fn with_attribute_count(mut self, count: usize) -> SpanLimits {
        self.attribute_count = count;
        self
    }

    /// Sets the longest string attribute value, in characters (`None`: no limit).
    #[must_use]
    pub fn with_attribute_value_length(mut self, length: Option<usize>) -> SpanLimits {
        self.attribute_value_length = length;
        self
    }
}

impl Default for SpanLimits {
    fn default() -> SpanLimits {
        SpanLimits {
            attribute_count: SpanLimits::DEFAULT_ATTRIBUTE_COUNT,
            attribute_value_length: None,
        }
    }
}

/// `usize::MAX` encodes "no value length limit".
static ATTRIBUTE_COUNT: AtomicUsize = AtomicUsize::new(SpanLimits::DEFAULT_ATTRIBUTE_COUNT);
static ATTRIBUTE_VALUE_LENGTH: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Publishes the limits of a pipeline being installed.
pub(crate) fn install(limits: SpanLimits) {
    ATTRIBUTE_COUNT.store(limits.attribute_count, Ordering::Relaxed);
    ATTRIBUTE_VALUE_LENGTH.store(
        limits.attribute_value_length.unwrap_or(usize::MAX),
        Ordering::Relaxed,
    );
}

/// The limits of the installed pipeline (the defaults when none is), for the
/// recording path to enforce.
#[allow(dead_code)] // read by the recording path once it enforces limits
pub(crate) fn installed() -> SpanLimits {
    let length = ATTRIBUTE_VALUE_LENGTH.load(Ordering::Relaxed);
    SpanLimits {
        attribute_count: ATTRIBUTE_COUNT.load(Ordering::Relaxed),
        attribute_value_length: (length != usize::MAX).then_some(length),
    }
}
