//! [`TracesExporter`]: the exporters `OTEL_TRACES_EXPORTER` can name.

/// Which exporters receive the spans: the values of `OTEL_TRACES_EXPORTER`.
///
/// ```
/// use trace_runtime::{Pipeline, TracesExporter};
///
/// // Print traces on the terminal whatever OTEL_TRACES_EXPORTER says.
/// let builder = Pipeline::builder()
///     .from_env()
///     .with_traces_exporter(TracesExporter::Console);
/// # drop(builder);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TracesExporter {
    /// OTLP to a collector (`otlp`), over gRPC or HTTP/protobuf as
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` says. Needs the cargo feature
    /// `otlp-http` (default) or `otlp-grpc`.
    Otlp,
    /// Traces as trees on the terminal (`console`): the
    /// [`ConsoleExporter`](crate::ConsoleExporter).
    Console,
    /// No exporter (`none`): spans are still recorded, so context and
    /// sampling decisions propagate, but they are sent nowhere.
    None,
}

impl TracesExporter {
    /// The name used in `OTEL_TRACES_EXPORTER`.
    ///
    /// ```
    /// assert_eq!(trace_runtime::TracesExporter::Otlp.name(), "otlp");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            TracesExporter::Otlp => "otlp",
            TracesExporter::Console => "console",
            TracesExporter::None => "none",
        }
    }
}
