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
//! # Shutdown within a deadline
//!
//! Shutdown takes at most [`PipelineBuilder::with_shutdown_timeout`]
//! (default 5 s, as the OpenTelemetry SDK's), whatever the exporters do: an
//! orchestrator kills a process that takes longer to stop, and telemetry
//! must not be why. The exporters run on the collector thread and an export
//! cannot be interrupted, so the guard does not join that thread without
//! bound: it tells the hub the deadline and waits for the collector's
//! completion on a condvar (`collector::shutdown`). The collector gives the
//! exporters only the time left (it calls none after the deadline, and
//! their `shutdown_with_timeout` gets what remains). When the deadline
//! passes first, the spans not exported are counted as dropped, a line on
//! stderr says so, and the collector thread is left behind, detached, so
//! the process can exit; should it ever come back from its exporter, it
//! counts nothing twice (the hub owns the accounting, see `collector/hub.rs`).
//! The hub is released by the guard, not by the stuck thread, so a new
//! pipeline can be installed right away.
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
//! | `variables.rs` | the names of the `OTEL_*` variables read (and `TRACE_RUNTIME_FILTER`) |
//! | `filter.rs` | [`SpanFilter`]: its directives parsed, for the gate to install |
//! | `traces_exporter.rs` | [`TracesExporter`]: the exporters `OTEL_TRACES_EXPORTER` names |
//! | `resource.rs` | the Resource: `service.name`, [`process_nonce`] as `service.instance.id`, host, pid |
//! | `limits.rs` | [`SpanLimits`], handed to the recording path at install |
//! | `stats.rs` | [`PipelineStats`] |

mod builder;
mod env;
mod filter;
mod install;
mod limits;
mod problem;
mod resource;
mod stats;
mod traces_exporter;
pub(crate) mod variables;

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;

pub use builder::PipelineBuilder;
pub use filter::SpanFilter;
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
    collector: Option<Collector>,
    resource: Resource,
    span_limits: SpanLimits,
}

/// The collector thread of an installed pipeline, and how to stop it.
#[derive(Debug)]
struct Collector {
    thread: JoinHandle<()>,
    generation: collector::Generation,
    /// The most shutdown may take ([`PipelineBuilder::with_shutdown_timeout`]).
    shutdown_timeout: Duration,
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
    /// `timeout`. Returns whether it completed in time; when it did not
    /// (an exporter is slow or stuck), the export goes on in the background
    /// and the spans are counted when it ends, or at shutdown.
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

    /// Flushes, shuts the exporters down and stops the collector, within the
    /// [shutdown timeout](PipelineBuilder::with_shutdown_timeout). Spans that
    /// end afterwards, or are not exported by then, are counted as dropped.
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
        let deadline = deadline_after(collector.shutdown_timeout);
        local::gate::close();
        local::hand_off_this_thread();
        match collector::shutdown(collector.generation, deadline) {
            collector::Stopped::Finished => {
                let _ = collector.thread.join();
            }
            collector::Stopped::Abandoned { unexported } => {
                // The thread is detached by dropping its handle.
                eprintln!(
                    "trace-runtime: the exporters did not finish within the shutdown timeout \
                     ({:?}); {unexported} span(s) not exported counted as dropped, \
                     the collector thread left behind",
                    collector.shutdown_timeout
                );
            }
        }
        limits::install(SpanLimits::default());
        crate::hooks::install(Vec::new());
        local::gate::install_filter(None);
        let stats = PipelineStats::read();
        if stats.dropped > 0 {
            eprintln!("trace-runtime: shut down; {stats}");
        }
    }
}

/// `timeout` from now; a timeout too long to represent waits a century.
fn deadline_after(timeout: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
    Instant::now() + timeout.min(CENTURY)
}
