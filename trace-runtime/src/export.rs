//! Installing a pipeline: exporters, sampler, resource, and shutdown that flushes.
//!
//! [`Pipeline::builder`] configures the process-wide pipeline in code;
//! [`PipelineBuilder::install`] starts the collector thread and returns the
//! [`Pipeline`] guard. Dropping the guard stops accepting spans, exports
//! everything that ended before, shuts the exporters down and joins the
//! collector: a span that ended before shutdown is exported or counted as
//! dropped in [`PipelineStats`], never silently lost.
//!
//! Exporters are any `opentelemetry_sdk` [`SpanExporter`]; several can be
//! installed at once (each receives every batch). The SDK trait returns
//! `impl Future` and so cannot be boxed directly; [`ErasedExporter`] is the
//! object-safe view the collector drives them through.

use std::fmt::Debug;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::collect::{self, BatchConfig, COUNTERS};
use crate::sampler::{self, Decider, Sampler};

/// The object-safe form of a [`SpanExporter`], as the collector drives it.
pub(crate) trait ErasedExporter: Send + Sync + Debug {
    fn export_blocking(&self, batch: Vec<SpanData>) -> OTelSdkResult;
    fn force_flush(&self) -> OTelSdkResult;
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult;
    fn set_resource(&mut self, resource: &Resource);
}

impl<E: SpanExporter + 'static> ErasedExporter for E {
    fn export_blocking(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        futures_executor::block_on(SpanExporter::export(self, batch))
    }
    fn force_flush(&self) -> OTelSdkResult {
        SpanExporter::force_flush(self)
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        SpanExporter::shutdown_with_timeout(self, timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        SpanExporter::set_resource(self, resource);
    }
}

/// Why a pipeline could not be installed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PipelineError {
    /// Another pipeline is installed in this process. Drop its [`Pipeline`]
    /// guard first; tests should use `trace_runtime::testing::capture`,
    /// which needs no pipeline.
    AlreadyInstalled,
    /// The collector thread could not be started (the OS refused a thread).
    /// The message is the OS error.
    CollectorThread(String),
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
        }
    }
}

impl std::error::Error for PipelineError {}

/// Configures the process-wide span pipeline.
///
/// ```
/// use trace_runtime::{ConsoleExporter, Pipeline, Sampler};
///
/// let pipeline = Pipeline::builder()
///     .with_exporter(ConsoleExporter::new())
///     .with_sampler(Sampler::AlwaysOn)
///     .install()
///     .expect("no other pipeline is installed");
/// drop(pipeline); // flushes and shuts down
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `install` is called"]
pub struct PipelineBuilder {
    exporters: Vec<Box<dyn ErasedExporter>>,
    sampler: Sampler,
    resource: Option<Resource>,
    batch: BatchConfig,
}

impl PipelineBuilder {
    /// Adds an exporter; every exporter added receives every span.
    pub fn with_exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.exporters.push(Box::new(exporter));
        self
    }

    /// Sets the sampler for new traces (default: `ParentBased(AlwaysOn)`).
    pub fn with_sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = sampler;
        self
    }

    /// Sets the resource describing this process (service name and so on).
    /// Exporters added before or after both receive it.
    pub fn with_resource(mut self, resource: Resource) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Bounds the queue between instrumented threads and the collector, in
    /// spans (default 2048). Spans that do not fit are dropped and counted.
    pub fn with_max_queue_size(mut self, spans: usize) -> Self {
        self.batch.max_queue_size = spans;
        self
    }

    /// Sets the most spans handed to an exporter at once (default 512).
    pub fn with_max_export_batch_size(mut self, spans: usize) -> Self {
        self.batch.max_export_batch_size = spans;
        self
    }

    /// Sets the longest a span waits in the queue before export (default 5 s).
    pub fn with_scheduled_delay(mut self, delay: Duration) -> Self {
        self.batch.scheduled_delay = delay;
        self
    }

    /// Starts the collector and makes this the process-wide pipeline.
    ///
    /// # Errors
    /// [`PipelineError::AlreadyInstalled`] when a pipeline is installed;
    /// [`PipelineError::CollectorThread`] when no thread can be started.
    pub fn install(self) -> Result<Pipeline, PipelineError> {
        let PipelineBuilder {
            mut exporters,
            sampler,
            resource,
            batch,
        } = self;
        let resource = resource.unwrap_or_else(|| Resource::builder().build());
        for exporter in &mut exporters {
            exporter.set_resource(&resource);
        }
        if !collect::start_accepting(&batch) {
            return Err(PipelineError::AlreadyInstalled);
        }
        sampler::install(Decider::from_sampler(&sampler));
        let config = batch.clone();
        let collector = std::thread::Builder::new()
            .name("trace-runtime-collector".into())
            .spawn(move || collect::run_collector(&exporters, &config));
        match collector {
            Ok(handle) => {
                collect::open_gate();
                Ok(Pipeline {
                    collector: Some(handle),
                })
            }
            Err(error) => {
                collect::request_shutdown();
                Err(PipelineError::CollectorThread(error.to_string()))
            }
        }
    }
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
    collector: Option<JoinHandle<()>>,
}

impl Pipeline {
    /// Starts configuring a pipeline.
    pub fn builder() -> PipelineBuilder {
        PipelineBuilder::default()
    }

    /// Exports every span that has ended so far (on this thread, and on
    /// threads with no span open) and waits for the exporters, at most
    /// `timeout`. Returns whether it completed in time.
    pub fn flush(&self, timeout: Duration) -> bool {
        collect::flush(timeout)
    }

    /// Counts of what the pipeline did since the process started.
    pub fn stats(&self) -> PipelineStats {
        PipelineStats::read()
    }

    /// Flushes, shuts the exporters down and stops the collector. Spans that
    /// end afterwards are not exported.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        collect::close_gate();
        collect::request_shutdown();
        if let Some(collector) = self.collector.take() {
            let _ = collector.join();
        }
        let stats = PipelineStats::read();
        if stats.dropped > 0 {
            eprintln!("trace-runtime: shut down; {stats}");
        }
    }
}

/// Counts kept by the pipeline since the process started.
///
/// ```
/// let stats = trace_runtime::PipelineStats::read();
/// assert!(stats.exported <= stats.ended);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipelineStats {
    /// Recorded (sampled) spans started in this process, counted when their
    /// thread hands its spans to the collector.
    pub started: u64,
    /// Spans that ended and were handed to the pipeline.
    pub ended: u64,
    /// Spans that reached every exporter successfully.
    pub exported: u64,
    /// Spans lost: the queue was full, or an export failed.
    pub dropped: u64,
    /// Export calls that failed (an exporter returned an error or panicked).
    pub failed_exports: u64,
}

impl PipelineStats {
    /// Reads the current counts.
    pub fn read() -> PipelineStats {
        PipelineStats {
            started: COUNTERS.started.load(Ordering::Relaxed),
            ended: COUNTERS.ended.load(Ordering::Relaxed),
            exported: COUNTERS.exported.load(Ordering::Relaxed),
            dropped: COUNTERS.dropped.load(Ordering::Relaxed),
            failed_exports: COUNTERS.failed_exports.load(Ordering::Relaxed),
        }
    }
}

impl std::fmt::Display for PipelineStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "spans started: {}, ended: {}, exported: {}, dropped: {}, failed exports: {}",
            self.started, self.ended, self.exported, self.dropped, self.failed_exports
        )
    }
}
