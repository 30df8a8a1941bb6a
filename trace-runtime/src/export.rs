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
//! Exporters are any `opentelemetry_sdk` [`SpanExporter`]; several can be
//! installed at once (each receives every batch). The SDK trait returns
//! `impl Future` and so cannot be boxed directly; [`ErasedExporter`] is the
//! object-safe view the collector drives them through.

use std::fmt::Debug;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use opentelemetry::{Key, KeyValue};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::collect::{self, BatchConfig, COUNTERS};
use crate::config::{self, Endpoint, EnvSettings, Problem, TracesExporter};
use crate::console::ConsoleExporter;
use crate::limits::{self, SpanLimits};
use crate::otlp::{self, OtlpProtocol, OtlpSettings};
use crate::resource::{self, ResourceLayers};
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
    /// Another pipeline is installed in this process. Drop its [`Pipeline`]
    /// guard first; tests should use `trace_runtime::testing::capture`,
    /// which needs no pipeline.
    AlreadyInstalled,
    /// The collector thread could not be started (the OS refused a thread).
    /// The message is the OS error.
    CollectorThread(String),
    /// A setting has a value that cannot be used. `variable` names it (an
    /// `OTEL_*` environment variable, or the builder method that set it),
    /// `value` is what it was, `reason` what was expected. Fix or unset the
    /// variable. Returned only by a [`strict`](PipelineBuilder::strict)
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
    /// [`strict`](PipelineBuilder::strict) builder; otherwise it is printed
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
    /// [`strict`](PipelineBuilder::strict) builder; otherwise it is printed
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

/// Settings given in code for the batch processor; `None`: not given.
#[derive(Clone, Debug, Default)]
struct BatchOverrides {
    max_queue_size: Option<usize>,
    max_export_batch_size: Option<usize>,
    scheduled_delay: Option<Duration>,
    export_timeout: Option<Duration>,
}

/// Settings given in code for OTLP; `None`: not given.
#[derive(Clone, Debug, Default)]
struct OtlpOverrides {
    endpoint: Option<String>,
    protocol: Option<OtlpProtocol>,
    headers: Option<Vec<(String, String)>>,
    timeout: Option<Duration>,
}

/// Configures the process-wide span pipeline.
///
/// Settings made here override the environment read by
/// [`from_env`](Self::from_env), in whatever order the calls are made.
///
/// ```
/// use std::time::Duration;
/// use trace_runtime::{ConsoleExporter, Pipeline, Sampler};
///
/// let pipeline = Pipeline::builder()
///     .with_exporter(ConsoleExporter::new())
///     .with_sampler(Sampler::AlwaysOn)
///     .with_service_name("checkout")
///     .with_scheduled_delay(Duration::from_millis(500))
///     .install()
///     .expect("no other pipeline is installed");
/// drop(pipeline); // flushes and shuts down
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until `install` is called"]
pub struct PipelineBuilder {
    exporters: Vec<Box<dyn ErasedExporter>>,
    kinds: Vec<TracesExporter>,
    sampler: Option<Sampler>,
    resource: Option<Resource>,
    resource_attributes: Vec<KeyValue>,
    service_name: Option<String>,
    service_version: Option<String>,
    batch: BatchOverrides,
    otlp: OtlpOverrides,
    span_limits: Option<SpanLimits>,
    disabled: Option<bool>,
    env: Option<EnvSettings>,
    strict: bool,
    hooks: Vec<std::sync::Arc<dyn crate::hooks::SpanHook>>,
}

impl PipelineBuilder {
    /// Reads the OpenTelemetry environment of this process; settings made in
    /// code still win. [`init`] is `Pipeline::builder().from_env().install()`.
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `OTEL_SDK_DISABLED` | `true`: install nothing, instrumented calls cost a load | `false` |
    /// | `OTEL_SERVICE_NAME` | `service.name` | the binary's name |
    /// | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,...` (percent-encoded) added to the Resource | |
    /// | `OTEL_TRACES_EXPORTER` | `otlp`, `console`, `none`, comma-separated | `otlp` when an OTLP endpoint is set, else `console` |
    /// | `OTEL_EXPORTER_OTLP_ENDPOINT` | collector base URL (HTTP appends `/v1/traces`) | `http://localhost:4318` (HTTP), `http://localhost:4317` (gRPC) |
    /// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the full traces URL, used as-is | |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL` | `http/protobuf` or `grpc` | `http/protobuf` (`grpc` when only `otlp-grpc` is compiled) |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_HEADERS` | `key=value,...` sent with every export | |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT` | ms one export may take, retries included | 10000 |
    /// | `OTEL_TRACES_SAMPLER` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio` | `parentbased_always_on` |
    /// | `OTEL_TRACES_SAMPLER_ARG` | the ratio for the ratio samplers, 0.0 to 1.0 | 1.0 |
    /// | `OTEL_BSP_MAX_QUEUE_SIZE` | spans waiting for export; past it they are dropped and counted | 2048 |
    /// | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | spans per export call | 512 |
    /// | `OTEL_BSP_SCHEDULE_DELAY` | ms a span waits at most before export | 5000 |
    /// | `OTEL_BSP_EXPORT_TIMEOUT` | ms an export or the exporters' shutdown may take | 30000 |
    /// | `OTEL_[SPAN_]ATTRIBUTE_COUNT_LIMIT` | [`SpanLimits::attribute_count`] | 128 |
    /// | `OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT` | [`SpanLimits::attribute_value_length`], bytes | none |
    /// | `OTEL_SPAN_EVENT_COUNT_LIMIT` | [`SpanLimits::event_count`] | 128 |
    ///
    /// Empty values count as unset. The default exporter is the console tree
    /// rather than the specification's `otlp`, so a program run by hand
    /// shows its traces; setting an OTLP endpoint is enough to switch to
    /// OTLP. Other OTLP settings (`OTEL_EXPORTER_OTLP_COMPRESSION`, ...)
    /// are read by `opentelemetry-otlp` itself.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder().from_env();
    /// # drop(builder);
    /// ```
    #[allow(
        clippy::wrong_self_convention,
        reason = "reads as configuration: `builder().from_env()`"
    )]
    pub fn from_env(mut self) -> Self {
        self.env = Some(EnvSettings::from_process());
        self
    }

    /// Like [`from_env`](Self::from_env), but reads variables through
    /// `lookup` (`None`: unset) instead of the process environment, e.g. for
    /// tests that must not change the environment of other threads.
    ///
    /// ```
    /// use trace_runtime::{Pipeline, SpanLimits};
    ///
    /// let builder = Pipeline::builder().from_env_with(|name| match name {
    ///     "OTEL_SERVICE_NAME" => Some("checkout".to_owned()),
    ///     "OTEL_ATTRIBUTE_COUNT_LIMIT" => Some("64".to_owned()),
    ///     _ => None,
    /// });
    /// assert_eq!(builder.span_limits(), SpanLimits::default().with_attribute_count(64));
    /// ```
    #[allow(
        clippy::wrong_self_convention,
        reason = "reads as configuration: `builder().from_env_with(..)`"
    )]
    pub fn from_env_with(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        self.env = Some(EnvSettings::read(&lookup));
        self
    }

    /// Makes [`install`](Self::install) fail with the first unusable setting
    /// ([`PipelineError::InvalidSetting`], [`MissingFeature`](PipelineError::MissingFeature),
    /// [`ExporterBuild`](PipelineError::ExporterBuild)) instead of printing
    /// it and using the default. For deployments where a typo in the
    /// environment should stop the rollout.
    ///
    /// ```
    /// use trace_runtime::{Pipeline, PipelineError};
    ///
    /// let result = Pipeline::builder()
    ///     .from_env_with(|name| (name == "OTEL_TRACES_SAMPLER").then(|| "sometimes".to_owned()))
    ///     .strict()
    ///     .install();
    /// assert!(matches!(result, Err(PipelineError::InvalidSetting { .. })));
    /// ```
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// Installs nothing when `true` (like `OTEL_SDK_DISABLED=true`): the
    /// guard is returned, spans are not recorded and instrumented calls cost
    /// about as much as bare calls.
    ///
    /// ```
    /// let pipeline = trace_runtime::Pipeline::builder().with_disabled(true).install().unwrap();
    /// assert!(!pipeline.is_enabled());
    /// ```
    pub fn with_disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Adds an exporter; every exporter added receives every span. Adding
    /// one in code replaces the exporters `OTEL_TRACES_EXPORTER` would
    /// choose (add [`with_traces_exporter`](Self::with_traces_exporter) too
    /// to keep a standard one).
    ///
    /// ```
    /// use trace_runtime::{ConsoleExporter, Pipeline};
    /// let builder = Pipeline::builder().with_exporter(ConsoleExporter::new());
    /// # drop(builder);
    /// ```
    pub fn with_exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.exporters.push(Box::new(exporter));
        self
    }

    /// Adds one of the standard exporters, as `OTEL_TRACES_EXPORTER` names
    /// them; choosing any in code replaces that variable.
    ///
    /// ```
    /// use trace_runtime::{Pipeline, TracesExporter};
    /// let builder = Pipeline::builder()
    ///     .with_traces_exporter(TracesExporter::Otlp)
    ///     .with_traces_exporter(TracesExporter::Console);
    /// # drop(builder);
    /// ```
    pub fn with_traces_exporter(mut self, exporter: TracesExporter) -> Self {
        if !self.kinds.contains(&exporter) {
            self.kinds.push(exporter);
        }
        self
    }

    /// Sets the OTLP collector's base URL (like `OTEL_EXPORTER_OTLP_ENDPOINT`:
    /// for HTTP, `/v1/traces` is appended). When no exporter is chosen, an
    /// endpoint selects OTLP.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder().with_otlp_endpoint("http://localhost:4318");
    /// # drop(builder);
    /// ```
    pub fn with_otlp_endpoint(mut self, url: impl Into<String>) -> Self {
        self.otlp.endpoint = Some(url.into());
        self
    }

    /// Sets the OTLP transport (like `OTEL_EXPORTER_OTLP_PROTOCOL`).
    ///
    /// ```
    /// use trace_runtime::{OtlpProtocol, Pipeline};
    /// let builder = Pipeline::builder().with_otlp_protocol(OtlpProtocol::HttpProtobuf);
    /// # drop(builder);
    /// ```
    pub fn with_otlp_protocol(mut self, protocol: OtlpProtocol) -> Self {
        self.otlp.protocol = Some(protocol);
        self
    }

    /// Sets the headers (gRPC metadata) sent with every OTLP export, e.g. an
    /// API key (like `OTEL_EXPORTER_OTLP_HEADERS`, which these replace).
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder()
    ///     .with_otlp_headers([("x-api-key", "secret")]);
    /// # drop(builder);
    /// ```
    pub fn with_otlp_headers<K, V>(mut self, headers: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.otlp.headers = Some(
            headers
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Sets the most one OTLP export may take, retries included (like
    /// `OTEL_EXPORTER_OTLP_TIMEOUT`; default 10 s, and never more than the
    /// [export timeout](Self::with_export_timeout)).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = trace_runtime::Pipeline::builder().with_otlp_timeout(Duration::from_secs(2));
    /// # drop(builder);
    /// ```
    pub fn with_otlp_timeout(mut self, timeout: Duration) -> Self {
        self.otlp.timeout = Some(timeout);
        self
    }

    /// Sets the sampler for new traces (like `OTEL_TRACES_SAMPLER`; default
    /// `ParentBased(AlwaysOn)`).
    ///
    /// ```
    /// use trace_runtime::{Pipeline, Sampler};
    /// let builder = Pipeline::builder().with_sampler(Sampler::TraceIdRatioBased(0.1));
    /// # drop(builder);
    /// ```
    pub fn with_sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// Adds the attributes of `resource` to the Resource describing this
    /// process, over the detected ones and the environment's.
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// use trace_runtime::otel_sdk::Resource;
    ///
    /// let resource = Resource::builder_empty()
    ///     .with_attribute(KeyValue::new("deployment.environment", "prod"))
    ///     .build();
    /// let builder = trace_runtime::Pipeline::builder().with_resource(resource);
    /// # drop(builder);
    /// ```
    pub fn with_resource(mut self, resource: Resource) -> Self {
        self.resource = Some(resource);
        self
    }

    /// Adds attributes to the Resource, over the detected ones and the
    /// environment's (`OTEL_RESOURCE_ATTRIBUTES`).
    ///
    /// ```
    /// use trace_runtime::otel::KeyValue;
    /// let builder = trace_runtime::Pipeline::builder()
    ///     .with_resource_attributes([KeyValue::new("deployment.environment", "prod")]);
    /// # drop(builder);
    /// ```
    pub fn with_resource_attributes(
        mut self,
        attributes: impl IntoIterator<Item = KeyValue>,
    ) -> Self {
        self.resource_attributes.extend(attributes);
        self
    }

    /// Sets `service.name` (like `OTEL_SERVICE_NAME`; default: the binary's name).
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder().with_service_name("checkout");
    /// # drop(builder);
    /// ```
    pub fn with_service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Sets `service.version`, typically `env!("CARGO_PKG_VERSION")`.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder()
    ///     .with_service_version(env!("CARGO_PKG_VERSION"));
    /// # drop(builder);
    /// ```
    pub fn with_service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(version.into());
        self
    }

    /// Bounds the queue between instrumented threads and the collector, in
    /// spans (like `OTEL_BSP_MAX_QUEUE_SIZE`; default 2048). Spans that do
    /// not fit are dropped and counted.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder().with_max_queue_size(8192);
    /// # drop(builder);
    /// ```
    pub fn with_max_queue_size(mut self, spans: usize) -> Self {
        self.batch.max_queue_size = Some(spans);
        self
    }

    /// Sets the most spans handed to an exporter at once (like
    /// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`; default 512).
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder().with_max_export_batch_size(256);
    /// # drop(builder);
    /// ```
    pub fn with_max_export_batch_size(mut self, spans: usize) -> Self {
        self.batch.max_export_batch_size = Some(spans);
        self
    }

    /// Sets the longest a span waits in the queue before export (like
    /// `OTEL_BSP_SCHEDULE_DELAY`; default 5 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = trace_runtime::Pipeline::builder().with_scheduled_delay(Duration::from_secs(1));
    /// # drop(builder);
    /// ```
    pub fn with_scheduled_delay(mut self, delay: Duration) -> Self {
        self.batch.scheduled_delay = Some(delay);
        self
    }

    /// Sets the most an export call or the exporters' shutdown may take
    /// (like `OTEL_BSP_EXPORT_TIMEOUT`; default 30 s).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let builder = trace_runtime::Pipeline::builder().with_export_timeout(Duration::from_secs(5));
    /// # drop(builder);
    /// ```
    pub fn with_export_timeout(mut self, timeout: Duration) -> Self {
        self.batch.export_timeout = Some(timeout);
        self
    }

    /// Registers a [`SpanHook`](crate::hooks::SpanHook): `on_start` runs as
    /// each recorded span starts, `on_end` with each finished span before
    /// export. A hook that panics is contained and counted
    /// ([`hooks::hook_panics`](crate::hooks::hook_panics)).
    ///
    /// ```
    /// use trace_runtime::hooks::{SpanHook, StartingSpan};
    /// use trace_runtime::{otel::KeyValue, ConsoleExporter, Pipeline};
    ///
    /// #[derive(Debug)]
    /// struct Tenant;
    /// impl SpanHook for Tenant {
    ///     fn on_start(&self, span: &mut StartingSpan<'_>) {
    ///         span.set_attribute(KeyValue::new("tenant", "acme"));
    ///     }
    /// }
    ///
    /// let pipeline = Pipeline::builder()
    ///     .with_exporter(ConsoleExporter::new())
    ///     .with_hook(Tenant)
    ///     .install()
    ///     .unwrap();
    /// # drop(pipeline);
    /// ```
    pub fn with_hook(mut self, hook: impl crate::hooks::SpanHook) -> Self {
        self.hooks.push(std::sync::Arc::new(hook));
        self
    }

    /// Sets the limits on attributes and events per span (like
    /// `OTEL_ATTRIBUTE_COUNT_LIMIT`, `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` and
    /// `OTEL_SPAN_EVENT_COUNT_LIMIT`); see [`SpanLimits`].
    ///
    /// ```
    /// use trace_runtime::{Pipeline, SpanLimits};
    /// let builder = Pipeline::builder().with_span_limits(SpanLimits::default().with_attribute_count(32));
    /// assert_eq!(builder.span_limits().attribute_count, 32);
    /// ```
    pub fn with_span_limits(mut self, limits: SpanLimits) -> Self {
        self.span_limits = Some(limits);
        self
    }

    /// The span limits this builder would install: code, else environment,
    /// else the defaults.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder();
    /// assert_eq!(builder.span_limits(), trace_runtime::SpanLimits::default());
    /// ```
    pub fn span_limits(&self) -> SpanLimits {
        if let Some(limits) = self.span_limits {
            return limits;
        }
        let mut limits = SpanLimits::default();
        if let Some(env) = &self.env {
            if let Some(count) = env.attribute_count_limit {
                limits.attribute_count = count;
            }
            if let Some(length) = env.attribute_value_length_limit {
                limits.attribute_value_length = Some(length);
            }
            if let Some(count) = env.event_count_limit {
                limits.event_count = count;
            }
        }
        limits
    }

    /// Starts the collector and makes this the process-wide pipeline.
    ///
    /// Settings are resolved first: code, else environment, else default.
    /// Unusable ones are printed on stderr (once each) and replaced by the
    /// default, unless the builder is [`strict`](Self::strict).
    ///
    /// ```
    /// use trace_runtime::{ConsoleExporter, Pipeline};
    ///
    /// let pipeline = Pipeline::builder()
    ///     .with_exporter(ConsoleExporter::new())
    ///     .install()
    ///     .expect("no other pipeline is installed");
    /// # drop(pipeline);
    /// ```
    ///
    /// # Errors
    /// [`PipelineError::AlreadyInstalled`] when a pipeline is installed;
    /// [`PipelineError::CollectorThread`] when no thread can be started;
    /// when [`strict`](Self::strict), the first of
    /// [`PipelineError::InvalidSetting`], [`PipelineError::MissingFeature`]
    /// and [`PipelineError::ExporterBuild`] found.
    pub fn install(mut self) -> Result<Pipeline, PipelineError> {
        let hooks = std::mem::take(&mut self.hooks);
        let strict = self.strict;
        let plan = self.resolve();
        if strict && let Some(problem) = plan.problems.first() {
            let error = problem.error.clone();
            drop_off_thread(plan.exporters);
            return Err(error);
        }
        for problem in &plan.problems {
            eprintln!("trace-runtime: {problem}");
        }
        let Plan {
            disabled,
            mut exporters,
            destination,
            sampler,
            resource,
            batch,
            span_limits,
            announce,
            problems: _,
            otlp: _,
        } = plan;
        if disabled {
            if announce {
                announce_once(&resource, "nowhere: tracing is disabled");
            }
            return Ok(Pipeline {
                collector: None,
                resource,
                span_limits,
            });
        }
        for exporter in &mut exporters {
            exporter.set_resource(&resource);
        }
        if !collect::start_accepting(&batch) {
            drop_off_thread(exporters);
            return Err(PipelineError::AlreadyInstalled);
        }
        sampler::install(Decider::from_sampler(&sampler));
        limits::install(span_limits);
        crate::hooks::install(hooks);
        let config = batch.clone();
        let collector = std::thread::Builder::new()
            .name("trace-runtime-collector".into())
            .spawn(move || collect::run_collector(&exporters, &config));
        match collector {
            Ok(handle) => {
                collect::open_gate();
                if announce {
                    announce_once(&resource, &destination);
                }
                Ok(Pipeline {
                    collector: Some(handle),
                    resource,
                    span_limits,
                })
            }
            Err(error) => {
                collect::request_shutdown();
                Err(PipelineError::CollectorThread(error.to_string()))
            }
        }
    }

    /// Resolves every setting and builds the exporters, collecting problems.
    fn resolve(self) -> Plan {
        let span_limits = self.span_limits();
        // The start-up line is printed when configured from the environment
        // (`init`), the usual way a service starts, not by every test that
        // installs a pipeline in code.
        let announce = self.env.is_some();
        let env = self.env.unwrap_or_default();
        let mut problems = env.problems.clone();

        let disabled = self.disabled.or(env.sdk_disabled).unwrap_or(false);
        let sampler = self.sampler.or(env.sampler.clone()).unwrap_or_default();

        let defaults = BatchConfig::default();
        let max_queue_size = self
            .batch
            .max_queue_size
            .or(env.max_queue_size)
            .unwrap_or(defaults.max_queue_size);
        let mut max_export_batch_size = self
            .batch
            .max_export_batch_size
            .or(env.max_export_batch_size)
            .unwrap_or(defaults.max_export_batch_size);
        if max_export_batch_size > max_queue_size {
            let variable = if self.batch.max_export_batch_size.is_some() {
                "PipelineBuilder::with_max_export_batch_size"
            } else {
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"
            };
            problems.push(Problem::invalid(
                variable,
                &max_export_batch_size.to_string(),
                format!("a batch cannot be larger than the queue ({max_queue_size} spans)"),
                max_queue_size.to_string(),
            ));
            max_export_batch_size = max_queue_size;
        }
        let batch = BatchConfig {
            max_queue_size,
            max_export_batch_size,
            scheduled_delay: self
                .batch
                .scheduled_delay
                .or(env.scheduled_delay)
                .unwrap_or(defaults.scheduled_delay),
            export_timeout: self
                .batch
                .export_timeout
                .or(env.export_timeout)
                .unwrap_or(defaults.export_timeout),
        };

        let resource = resource::build(&ResourceLayers {
            env_attributes: &env.resource_attributes,
            env_service_name: env.service_name.as_deref(),
            code_resource: self.resource.as_ref(),
            code_attributes: &self.resource_attributes,
            code_service_name: self.service_name.as_deref(),
            code_service_version: self.service_version.as_deref(),
        });

        let code_endpoint = match self.otlp.endpoint {
            Some(url) => match config::check_url(&url) {
                Ok(()) => Some(Endpoint {
                    url,
                    per_signal: false,
                }),
                Err(reason) => {
                    problems.push(Problem::invalid(
                        "PipelineBuilder::with_otlp_endpoint",
                        &url,
                        reason,
                        "the environment's endpoint, or the default",
                    ));
                    None
                }
            },
            None => None,
        };
        let endpoint = code_endpoint.or(env.otlp_endpoint);
        let otlp = OtlpSettings {
            protocol: self
                .otlp
                .protocol
                .or(env.otlp_protocol)
                .unwrap_or_else(OtlpProtocol::default_for_build),
            headers: self.otlp.headers.or(env.otlp_headers).unwrap_or_default(),
            timeout: self
                .otlp
                .timeout
                .or(env.otlp_timeout)
                .unwrap_or(DEFAULT_OTLP_TIMEOUT)
                .min(batch.export_timeout),
            endpoint,
        };

        let mut exporters = self.exporters;
        let kinds = if !self.kinds.is_empty() {
            self.kinds
        } else if !exporters.is_empty() {
            Vec::new()
        } else if let Some(kinds) = env.exporters {
            kinds
        } else if otlp.endpoint.is_some() {
            vec![TracesExporter::Otlp]
        } else {
            vec![TracesExporter::Console]
        };
        let mut destinations: Vec<String> = Vec::new();
        if !exporters.is_empty() {
            destinations.push(format!("{} exporter(s) set in code", exporters.len()));
        }
        if !disabled {
            for kind in &kinds {
                match kind {
                    TracesExporter::Console => {
                        exporters.push(Box::new(ConsoleExporter::new()));
                        destinations.push("the console".to_owned());
                    }
                    TracesExporter::None => {}
                    TracesExporter::Otlp => match otlp::build(&otlp) {
                        Ok(exporter) => {
                            exporters.push(exporter);
                            destinations.push(format!("otlp {} {}", otlp.protocol, otlp.url()));
                        }
                        Err(error) => {
                            if !kinds.contains(&TracesExporter::Console) {
                                exporters.push(Box::new(ConsoleExporter::new()));
                                destinations.push("the console".to_owned());
                            }
                            problems.push(Problem {
                                error,
                                fallback: "the console exporter".to_owned(),
                            });
                        }
                    },
                }
            }
        }
        let destination = if destinations.is_empty() {
            "nowhere (OTEL_TRACES_EXPORTER=none)".to_owned()
        } else {
            destinations.join(" and ")
        };
        Plan {
            disabled,
            exporters,
            destination,
            sampler,
            resource,
            batch,
            span_limits,
            announce,
            problems,
            otlp,
        }
    }
}

/// The OTLP exporter timeout when none is configured (the specification's).
const DEFAULT_OTLP_TIMEOUT: Duration = Duration::from_secs(10);

/// A builder, resolved: what `install` needs.
struct Plan {
    disabled: bool,
    exporters: Vec<Box<dyn ErasedExporter>>,
    /// Where spans go, for the start-up line.
    destination: String,
    sampler: Sampler,
    resource: Resource,
    batch: BatchConfig,
    span_limits: SpanLimits,
    announce: bool,
    problems: Vec<Problem>,
    /// The OTLP settings resolved (used only when OTLP is chosen).
    #[cfg_attr(not(test), allow(dead_code))]
    otlp: OtlpSettings,
}

/// Drops exporters on a thread of their own: a blocking HTTP client must not
/// be dropped inside an async runtime, and `install` may be called in one.
fn drop_off_thread(exporters: Vec<Box<dyn ErasedExporter>>) {
    if exporters.is_empty() {
        return;
    }
    let dropper = std::thread::Builder::new()
        .name("trace-runtime-drop".into())
        .spawn(move || drop(exporters));
    if let Ok(handle) = dropper {
        let _ = handle.join();
    }
}

/// Prints the start-up line once per process: the service and the
/// `service.instance.id` that logs and traces share.
fn announce_once(resource: &Resource, destination: &str) {
    static ANNOUNCED: AtomicBool = AtomicBool::new(false);
    if ANNOUNCED.swap(true, Ordering::Relaxed) {
        return;
    }
    let get = |key: &'static str| {
        resource
            .get(&Key::from_static_str(key))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    eprintln!(
        "trace-runtime: service.name={} service.instance.id={} exporting to {destination}",
        get("service.name"),
        get("service.instance.id"),
    );
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
        collect::flush(timeout)
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
        collect::close_gate();
        collect::request_shutdown();
        let _ = collector.join();
        limits::install(SpanLimits::default());
        crate::hooks::install(Vec::new());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> PipelineBuilder {
        Pipeline::builder().from_env_with(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    fn variables(plan: &Plan) -> Vec<String> {
        plan.problems
            .iter()
            .map(|p| match &p.error {
                PipelineError::InvalidSetting { variable, .. } => variable.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    #[test]
    fn with_nothing_configured_traces_go_to_the_console() {
        let plan = env(&[]).resolve();
        assert_eq!(plan.destination, "the console");
        assert_eq!(plan.exporters.len(), 1);
        assert!(plan.problems.is_empty());
        assert!(!plan.disabled);
        assert_eq!(plan.sampler, Sampler::default());
        assert!(plan.announce);
        assert!(!Pipeline::builder().resolve().announce);
    }

    #[cfg(feature = "otlp-http")]
    #[test]
    fn an_otlp_endpoint_alone_selects_otlp_over_http() {
        let plan = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")]).resolve();
        assert_eq!(
            plan.destination,
            "otlp http/protobuf http://127.0.0.1:9/v1/traces"
        );
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    }

    #[cfg(feature = "otlp-grpc")]
    #[test]
    fn the_protocol_variable_selects_grpc() {
        let plan = env(&[
            ("OTEL_TRACES_EXPORTER", "otlp,console"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ])
        .resolve();
        assert_eq!(
            plan.destination,
            "otlp grpc http://127.0.0.1:9 and the console"
        );
        assert_eq!(plan.exporters.len(), 2);
    }

    #[cfg(not(feature = "otlp-grpc"))]
    #[test]
    fn grpc_without_its_feature_is_reported_and_the_console_used() {
        let plan = env(&[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .resolve();
        assert_eq!(plan.destination, "the console");
        assert!(matches!(
            plan.problems[0].error,
            PipelineError::MissingFeature {
                feature: "otlp-grpc",
                ..
            }
        ));
    }

    #[test]
    fn none_installs_no_exporter() {
        let plan = env(&[("OTEL_TRACES_EXPORTER", "none")]).resolve();
        assert!(plan.exporters.is_empty());
        assert_eq!(plan.destination, "nowhere (OTEL_TRACES_EXPORTER=none)");
    }

    #[test]
    fn sdk_disabled_builds_no_exporter() {
        let plan = env(&[
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_TRACES_EXPORTER", "console"),
        ])
        .resolve();
        assert!(plan.disabled);
        assert!(plan.exporters.is_empty());
        let plan = env(&[("OTEL_SDK_DISABLED", "true")])
            .with_disabled(false)
            .resolve();
        assert!(!plan.disabled);
    }

    #[test]
    fn code_overrides_the_environment_in_any_order() {
        let plan = Pipeline::builder()
            .with_sampler(Sampler::AlwaysOff)
            .with_service_name("from-code")
            .with_scheduled_delay(Duration::from_millis(7))
            .with_traces_exporter(TracesExporter::None)
            .from_env_with(|name| {
                Some(
                    match name {
                        "OTEL_TRACES_SAMPLER" => "always_on",
                        "OTEL_SERVICE_NAME" => "from-env",
                        "OTEL_BSP_SCHEDULE_DELAY" => "9000",
                        "OTEL_BSP_MAX_QUEUE_SIZE" => "100",
                        "OTEL_TRACES_EXPORTER" => "console",
                        _ => return None,
                    }
                    .to_owned(),
                )
            })
            .resolve();
        assert_eq!(plan.sampler, Sampler::AlwaysOff);
        assert_eq!(
            plan.resource
                .get(&Key::from_static_str("service.name"))
                .map(|v| v.to_string())
                .as_deref(),
            Some("from-code")
        );
        assert_eq!(plan.batch.scheduled_delay, Duration::from_millis(7));
        assert_eq!(plan.batch.max_queue_size, 100);
        assert_eq!(plan.batch.max_export_batch_size, 100);
        assert!(plan.exporters.is_empty());
    }

    #[test]
    fn an_exporter_added_in_code_replaces_the_environments_choice() {
        let plan = env(&[("OTEL_TRACES_EXPORTER", "otlp")])
            .with_exporter(ConsoleExporter::new())
            .resolve();
        assert_eq!(plan.exporters.len(), 1);
        assert_eq!(plan.destination, "1 exporter(s) set in code");
    }

    #[test]
    fn a_batch_larger_than_the_queue_is_reported_and_clamped() {
        let plan = env(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "128"),
        ])
        .resolve();
        assert_eq!(plan.batch.max_export_batch_size, 64);
        assert_eq!(variables(&plan), ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"]);
    }

    #[test]
    fn the_export_timeout_caps_the_otlp_timeout() {
        let plan = env(&[
            ("OTEL_BSP_EXPORT_TIMEOUT", "200"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000"),
        ])
        .resolve();
        assert_eq!(plan.batch.export_timeout, Duration::from_millis(200));
        assert_eq!(plan.otlp.timeout, Duration::from_millis(200));
        let plan = env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "1500")]).resolve();
        assert_eq!(plan.otlp.timeout, Duration::from_millis(1500));
        assert_eq!(
            Pipeline::builder().resolve().otlp.timeout,
            DEFAULT_OTLP_TIMEOUT
        );
    }

    #[test]
    fn an_invalid_endpoint_in_code_is_reported() {
        let plan = Pipeline::builder()
            .with_otlp_endpoint("localhost:4317")
            .resolve();
        assert_eq!(variables(&plan), ["PipelineBuilder::with_otlp_endpoint"]);
        assert_eq!(plan.destination, "the console");
    }

    #[test]
    fn span_limits_come_from_code_else_environment() {
        let builder = env(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "10"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20"),
        ]);
        assert_eq!(
            builder.span_limits(),
            SpanLimits::default()
                .with_attribute_count(10)
                .with_attribute_value_length(Some(20))
        );
        let builder = builder.with_span_limits(SpanLimits::default());
        assert_eq!(builder.resolve().span_limits, SpanLimits::default());
    }

    #[test]
    fn strict_installs_nothing_when_a_setting_is_invalid() {
        let result = env(&[("OTEL_BSP_SCHEDULE_DELAY", "soon")])
            .strict()
            .install();
        match result {
            Err(PipelineError::InvalidSetting {
                variable, value, ..
            }) => {
                assert_eq!(variable, "OTEL_BSP_SCHEDULE_DELAY");
                assert_eq!(value, "soon");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let missing = PipelineError::MissingFeature {
            what: "OTLP over grpc".to_owned(),
            feature: "otlp-grpc",
        };
        assert_eq!(
            missing.to_string(),
            "OTLP over grpc is not compiled in: enable trace-runtime's cargo feature `otlp-grpc`"
        );
        let invalid = PipelineError::InvalidSetting {
            variable: "OTEL_TRACES_SAMPLER".to_owned(),
            value: "sometimes".to_owned(),
            reason: "expected always_on, ...".to_owned(),
        };
        assert_eq!(
            invalid.to_string(),
            "invalid OTEL_TRACES_SAMPLER=\"sometimes\": expected always_on, ..."
        );
    }
}
