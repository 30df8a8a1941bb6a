//! The errors a user of this crate handles: [`PipelineError`].
//!
//! Every variant says what went wrong and what to do about it. Problems
//! with a setting are errors only for a `strict` builder; otherwise they
//! are reported on stderr and the documented default is used.

/// Why a pipeline could not be installed.
///
/// ```
/// use trace_runtime::{Pipeline, PipelineError};
///
/// let installed = Pipeline::builder()
///     .from_env_with(|name| (name == "OTEL_BSP_MAX_QUEUE_SIZE").then(|| "lots".to_owned()))
///     .strict()
///     .install();
/// match installed {
///     Err(PipelineError::InvalidSetting { variable, value, .. }) => {
///         assert_eq!((variable.as_str(), value.as_str()), ("OTEL_BSP_MAX_QUEUE_SIZE", "lots"));
///     }
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipelineError {
    /// Another pipeline is installed in this process. Drop its
    /// [`Pipeline`](crate::Pipeline) guard first; tests should use
    /// `trace_runtime::testing::capture`, which needs no pipeline.
    AlreadyInstalled,
    /// The collector thread could not be started (the OS refused a thread).
    /// The message is the OS error.
    CollectorThread(String),
    /// A setting has a value that cannot be used. `variable` names it (an
    /// `OTEL_*` environment variable, or the builder method that set it),
    /// `value` is what it was, `reason` what was expected. Fix or unset the
    /// variable. Returned only by a [`strict`](crate::PipelineBuilder::strict)
    /// builder; otherwise it is printed and the default is used.
    InvalidSetting {
        /// The environment variable or builder method.
        variable: String,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration asks for something this build does not include:
    /// rebuild with trace-runtime's cargo feature `feature` enabled, or
    /// choose another exporter or protocol. Returned only by a
    /// [`strict`](crate::PipelineBuilder::strict) builder; otherwise it is printed
    /// and traces go to the console instead.
    MissingFeature {
        /// What was asked for, e.g. "OTLP over grpc".
        what: String,
        /// The cargo feature that provides it.
        feature: &'static str,
    },
    /// An exporter could not be built from its settings (for OTLP, an
    /// endpoint or header the transport refuses). Check the endpoint and
    /// headers named in the message. Returned only by a
    /// [`strict`](crate::PipelineBuilder::strict) builder; otherwise it is printed
    /// and traces go to the console instead.
    ExporterBuild {
        /// The exporter, with its protocol and endpoint.
        exporter: String,
        /// Why it could not be built.
        reason: String,
    },
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::AlreadyInstalled => {
                f.write_str("a trace pipeline is already installed in this process")
            }
            PipelineError::CollectorThread(error) => {
                write!(f, "could not start the trace collector thread: {error}")
            }
            PipelineError::InvalidSetting {
                variable,
                value,
                reason,
            } => write!(f, "invalid {variable}={value:?}: {reason}"),
            PipelineError::MissingFeature { what, feature } => write!(
                f,
                "{what} is not compiled in: enable trace-runtime's cargo feature `{feature}`"
            ),
            PipelineError::ExporterBuild { exporter, reason } => {
                write!(f, "could not build the {exporter} exporter: {reason}")
            }
        }
    }
}

impl std::error::Error for PipelineError {}
