//! Installing a pipeline: configuration from code and the OpenTelemetry
//! environment, exporters, sampler, resource, and shutdown that flushes.
//!
//! [`init`] is the one-line set-up: it reads the `OTEL_*` environment
//! ([`PipelineBuilder::from_env`]) and installs. [`Pipeline::builder`]
//! configures the same in code; every setting made in code overrides the
//! environment, whatever the order of the calls. [`PipelineBuilder::install`]
//! resolves the settings (code, else environment, else the documented
//! default), builds the exporters, starts the collector thread and returns
//! the [`Pipeline`] guard. Dropping the guard stops accepting spans, exports
//! everything that ended before, shuts the exporters down and joins the
//! collector: a span that ended before shutdown is exported or counted as
//! dropped in [`PipelineStats`], never silently lost.
//!
//! A setting that cannot be used (an invalid value, a transport not
//! compiled in, an exporter that cannot be built) is printed once on stderr,
//! naming the variable and the value, and the documented default is used:
//! telemetry must not stop a service from starting. [`PipelineBuilder::strict`]
//! turns the first such problem into a [`PipelineError`] instead.
//!
//! This module may import every other: it is where the parts meet. Nothing
//! below it imports it.
//!
//! | file | owns |
//! |---|---|
//! | `mod.rs` | [`init`], [`Pipeline`] (the guard) and its shutdown |
//! | `builder.rs` | [`PipelineBuilder`]: settings given in code |
//! | `install.rs` | resolving settings, building exporters, starting the collector |
//! | `env.rs` | the `OTEL_*` environment read into settings, with problems reported |
//! | `variables.rs` | the names of the `OTEL_*` variables read |
//! | `traces_exporter.rs` | [`TracesExporter`]: the exporters `OTEL_TRACES_EXPORTER` names |
//! | `resource.rs` | the Resource: `service.name`, [`process_nonce`] as `service.instance.id`, host, pid |
//! | `limits.rs` | [`SpanLimits`], handed to the recording path at install |
//! | `stats.rs` | [`PipelineStats`] |

mod builder;
mod env;
mod install;
mod limits;
mod problem;
mod resource;
mod stats;
mod traces_exporter;
pub(crate) mod variables;

use std::thread::JoinHandle;
use std::time::Duration;

use opentelemetry_sdk::Resource;

pub use builder::PipelineBuilder;
pub use limits::SpanLimits;
pub use resource::process_nonce;
pub use stats::PipelineStats;
pub use traces_exporter::TracesExporter;

use crate::error::PipelineError;
use crate::{collector, local};

/// Installs the process-wide pipeline as the `OTEL_*` environment says.
///
/// The same as `Pipeline::builder().from_env().install()`; keep the
/// returned guard alive for as long as spans should be exported, and drop it
/// (or let `main` end) to flush. It prints one line on stderr with the
/// service name and [`process_nonce`](crate::process_nonce) (the
/// `service.instance.id` of every span), so logs can be matched to traces.
///
/// With nothing configured, traces are printed as trees on the terminal.
/// The variables read are listed on [`PipelineBuilder::from_env`].
///
/// ```
/// fn main() -> Result<(), trace_runtime::PipelineError> {
///     let _telemetry = trace_runtime::init()?; // flushes when dropped
///     // ... the service ...
///     Ok(())
/// }
/// ```
///
/// # Errors
/// [`PipelineError::AlreadyInstalled`] when a pipeline is installed;
/// [`PipelineError::CollectorThread`] when no thread can be started. An
/// invalid setting is not an error here (it is reported and the default
/// used); use the builder with [`strict`](PipelineBuilder::strict) for that.
pub fn init() -> Result<Pipeline, PipelineError> {
    Pipeline::builder().from_env().install()
}

/// The installed pipeline. Dropping it flushes and shuts down.
///
/// ```
/// # use trace_runtime::{ConsoleExporter, Pipeline};
/// let pipeline = Pipeline::builder()
///     .with_exporter(ConsoleExporter::new())
///     .install()
///     .unwrap();
/// println!("{:?}", pipeline.stats());
/// pipeline.shutdown(); // same as dropping it, explicitly
/// ```
#[derive(Debug)]
#[must_use = "dropping the pipeline shuts it down at once"]
pub struct Pipeline {
    /// `None` when disabled (`OTEL_SDK_DISABLED`): nothing to shut down.
    collector: Option<JoinHandle<()>>,
    resource: Resource,
    span_limits: SpanLimits,
}

impl Pipeline {
    /// Starts configuring a pipeline.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder();
    /// # drop(builder);
    /// ```
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder::default()
    }

    /// Exports every span that has ended so far (on this thread, and on
    /// threads with no span open) and waits for the exporters, at most
    /// `timeout`. Returns whether it completed in time.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use trace_runtime::{ConsoleExporter, Pipeline};
    /// let pipeline = Pipeline::builder().with_exporter(ConsoleExporter::new()).install().unwrap();
    /// assert!(pipeline.flush(Duration::from_secs(5)));
    /// ```
    pub fn flush(&self, timeout: Duration) -> bool {
        local::hand_off_this_thread();
        collector::flush(timeout)
    }

    /// Counts of what the pipeline did since the process started.
    ///
    /// ```
    /// # use trace_runtime::{ConsoleExporter, Pipeline};
    /// let pipeline = Pipeline::builder().with_exporter(ConsoleExporter::new()).install().unwrap();
    /// let stats = pipeline.stats();
    /// assert!(stats.exported <= stats.ended);
    /// ```
    pub fn stats(&self) -> PipelineStats {
        PipelineStats::read()
    }

    /// Whether spans are being recorded: `false` when disabled by
    /// `OTEL_SDK_DISABLED=true` or [`PipelineBuilder::with_disabled`].
    ///
    /// ```
    /// # use trace_runtime::{ConsoleExporter, Pipeline};
    /// let pipeline = Pipeline::builder().with_exporter(ConsoleExporter::new()).install().unwrap();
    /// assert!(pipeline.is_enabled());
    /// ```
    pub fn is_enabled(&self) -> bool {
        self.collector.is_some()
    }

    /// The Resource every exported span carries.
    ///
    /// ```
    /// # use trace_runtime::{ConsoleExporter, Pipeline};
    /// use trace_runtime::otel::Key;
    /// let pipeline = Pipeline::builder()
    ///     .with_exporter(ConsoleExporter::new())
    ///     .with_service_name("checkout")
    ///     .install()
    ///     .unwrap();
    /// let name = pipeline.resource().get(&Key::from_static_str("service.name"));
    /// assert_eq!(name.unwrap().as_str(), "checkout");
    /// ```
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The span limits in force (see [`SpanLimits`]).
    ///
    /// ```
    /// # use trace_runtime::{ConsoleExporter, Pipeline, SpanLimits};
    /// let pipeline = Pipeline::builder().with_exporter(ConsoleExporter::new()).install().unwrap();
    /// assert_eq!(pipeline.span_limits(), SpanLimits::default());
    /// ```
    pub fn span_limits(&self) -> SpanLimits {
        self.span_limits
    }

    /// Flushes, shuts the exporters down and stops the collector. Spans that
    /// end afterwards are not exported.
    ///
    /// ```
    /// # use trace_runtime::{ConsoleExporter, Pipeline};
    /// let pipeline = Pipeline::builder().with_exporter(ConsoleExporter::new()).install().unwrap();
    /// pipeline.shutdown();
    /// ```
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let Some(collector) = self.collector.take() else {
            return; // disabled: nothing was installed
        };
        local::gate::close();
        local::hand_off_this_thread();
        collector::request_shutdown();
        let _ = collector.join();
        limits::install(SpanLimits::default());
        crate::hooks::install(Vec::new());
        let stats = PipelineStats::read();
        if stats.dropped > 0 {
            eprintln!("trace-runtime: shut down; {stats}");
        }
    }
}
