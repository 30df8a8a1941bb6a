//! Span limits: how many attributes and events a span keeps and how long
//! attribute values may be.
//!
//! This module owns the configuration: [`SpanLimits`] is read from
//! `OTEL_[SPAN_]ATTRIBUTE_COUNT_LIMIT`, `OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT`
//! and `OTEL_SPAN_EVENT_COUNT_LIMIT` or set with
//! [`PipelineBuilder::with_span_limits`](crate::PipelineBuilder::with_span_limits),
//! validated, and handed to the recording path when a pipeline is installed
//! ([`install`]). Enforcement lives where attributes are added
//! (`attributes`), with counted drops.

/// Limits on what one span holds (the OpenTelemetry `SpanLimits`).
///
/// Read from `OTEL_ATTRIBUTE_COUNT_LIMIT` (default 128),
/// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` (default: no limit) and
/// `OTEL_SPAN_EVENT_COUNT_LIMIT` (default 128);
/// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT` and
/// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` take precedence when set.
///
/// The installed pipeline applies them where attributes and events are
/// added: attributes and events past the count are dropped and counted on
/// the span (`dropped_attributes_count`), and longer string values are cut
/// to the limit in bytes, at a character boundary. Never a panic.
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
    /// The longest a string attribute value may be, in bytes
    /// (`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`); `None`, the default, means no limit.
    pub attribute_value_length: Option<usize>,
    /// The most events a span keeps (`OTEL_SPAN_EVENT_COUNT_LIMIT`, default 128).
    pub event_count: usize,
}

impl SpanLimits {
    /// The OpenTelemetry default attribute count limit.
    ///
    /// ```
    /// # use trace_runtime::SpanLimits;
    /// assert_eq!(SpanLimits::default().attribute_count, SpanLimits::DEFAULT_ATTRIBUTE_COUNT);
    /// ```
    pub const DEFAULT_ATTRIBUTE_COUNT: usize = crate::attributes::DEFAULT_ATTRIBUTE_COUNT;
    /// The OpenTelemetry default event count limit.
    ///
    /// ```
    /// # use trace_runtime::SpanLimits;
    /// assert_eq!(SpanLimits::default().event_count, SpanLimits::DEFAULT_EVENT_COUNT);
    /// ```
    pub const DEFAULT_EVENT_COUNT: usize = crate::attributes::DEFAULT_EVENT_COUNT;

    /// Sets the most attributes a span keeps.
    ///
    /// ```
    /// # use trace_runtime::SpanLimits;
    /// assert_eq!(SpanLimits::default().with_attribute_count(8).attribute_count, 8);
    /// ```
    #[must_use]
    pub fn with_attribute_count(mut self, count: usize) -> SpanLimits {
        self.attribute_count = count;
        self
    }

    /// Sets the longest string attribute value, in bytes (`None`: no limit).
    ///
    /// ```
    /// # use trace_runtime::SpanLimits;
    /// let limits = SpanLimits::default().with_attribute_value_length(Some(256));
    /// assert_eq!(limits.attribute_value_length, Some(256));
    /// ```
    #[must_use]
    pub fn with_attribute_value_length(mut self, length: Option<usize>) -> SpanLimits {
        self.attribute_value_length = length;
        self
    }

    /// Sets the most events a span keeps.
    ///
    /// ```
    /// # use trace_runtime::SpanLimits;
    /// assert_eq!(SpanLimits::default().with_event_count(16).event_count, 16);
    /// ```
    #[must_use]
    pub fn with_event_count(mut self, count: usize) -> SpanLimits {
        self.event_count = count;
        self
    }
}

impl Default for SpanLimits {
    fn default() -> SpanLimits {
        SpanLimits {
            attribute_count: SpanLimits::DEFAULT_ATTRIBUTE_COUNT,
            attribute_value_length: None,
            event_count: SpanLimits::DEFAULT_EVENT_COUNT,
        }
    }
}

/// Hands the limits of a pipeline being installed (or the defaults, when it
/// shuts down) to the recording path.
pub(crate) fn install(limits: SpanLimits) {
    crate::attributes::install_limits(
        limits.attribute_count,
        limits.event_count,
        limits.attribute_value_length,
    );
}
