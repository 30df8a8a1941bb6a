//! [`PipelineBuilder`]: the pipeline's settings, given in code.
//!
//! Every setting made here overrides the environment read by
//! [`from_env`](PipelineBuilder::from_env), whatever the order of the calls;
//! `install.rs` resolves them.

use std::any::TypeId;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SpanExporter;

use super::env::EnvSettings;
use super::filter::SpanFilter;
use super::limits::SpanLimits;
use super::traces_exporter::TracesExporter;
use crate::collector::{ErasedExporter, Prompt};
use crate::export::{ConsoleExporter, OtlpCompression, OtlpProtocol};
use crate::hooks::SpanHook;
use crate::record::Sampler;

/// Settings given in code for the batch processor; `None`: not given.
#[derive(Clone, Debug, Default)]
pub(super) struct BatchOverrides {
    pub(super) max_queue_size: Option<usize>,
    pub(super) max_export_batch_size: Option<usize>,
    pub(super) scheduled_delay: Option<Duration>,
    pub(super) export_timeout: Option<Duration>,
}

/// Settings given in code for OTLP; `None`: not given.
#[derive(Clone, Debug, Default)]
pub(super) struct OtlpOverrides {
    pub(super) endpoint: Option<String>,
    pub(super) protocol: Option<OtlpProtocol>,
    pub(super) headers: Option<Vec<(String, String)>>,
    pub(super) timeout: Option<Duration>,
    pub(super) compression: Option<OtlpCompression>,
    pub(super) certificate: Option<PathBuf>,
    /// The client's certificate chain and its key.
    pub(super) client_certificate: Option<(PathBuf, PathBuf)>,
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
    pub(super) exporters: Vec<Box<dyn ErasedExporter>>,
    pub(super) kinds: Vec<TracesExporter>,
    pub(super) sampler: Option<Sampler>,
    pub(super) resource: Option<Resource>,
    pub(super) resource_attributes: Vec<KeyValue>,
    pub(super) service_name: Option<String>,
    pub(super) service_version: Option<String>,
    pub(super) batch: BatchOverrides,
    pub(super) otlp: OtlpOverrides,
    pub(super) span_limits: Option<SpanLimits>,
    pub(super) disabled: Option<bool>,
    pub(super) env: Option<EnvSettings>,
    pub(super) strict: bool,
    pub(super) hooks: Vec<Arc<dyn SpanHook>>,
    pub(super) shutdown_timeout: Option<Duration>,
    pub(super) filter: Option<SpanFilter>,
}

/// How long shutdown may take when not set in code: the OpenTelemetry
/// SDK's default for a tracer provider's shutdown.
pub(super) const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

impl PipelineBuilder {
    /// Reads the OpenTelemetry environment of this process; settings made in
    /// code still win. [`init`](crate::init) is
    /// `Pipeline::builder().from_env().install()`.
    ///
    /// | variable | meaning | default |
    /// |---|---|---|
    /// | `OTEL_SDK_DISABLED` | `true`: install nothing, instrumented calls cost a load | `false` |
    /// | `OTEL_SERVICE_NAME` | `service.name` | the binary's name |
    /// | `OTEL_RESOURCE_ATTRIBUTES` | `key=value,...` (percent-encoded) added to the Resource | |
    /// | `OTEL_TRACES_EXPORTER` | `otlp`, `console`, `none`, comma-separated | `otlp` when an OTLP endpoint is set, else `console` |
    /// | `OTEL_EXPORTER_OTLP_ENDPOINT` | collector base URL (HTTP appends `/v1/traces`) | `http://localhost:4318` (HTTP), `http://localhost:4317` (gRPC) |
    /// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | the full traces URL, used as-is | |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL` | `http/protobuf`, `http/json` (feature `otlp-http-json`) or `grpc` | `http/protobuf` (`grpc` when only `otlp-grpc` is compiled) |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_HEADERS` | `key=value,...` sent with every export | |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT` | ms one export may take, retries included | 10000 |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_COMPRESSION` | `gzip` or `none` | `none` |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE` | PEM CA bundle an `https://` server must chain to (feature `otlp-tls`) | the platform's roots |
    /// | `OTEL_EXPORTER_OTLP[_TRACES]_CLIENT_CERTIFICATE`, `..._CLIENT_KEY` | PEM client certificate chain and key, for mutual TLS | none |
    /// | `OTEL_TRACES_SAMPLER` | `always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio` | `parentbased_always_on` |
    /// | `OTEL_TRACES_SAMPLER_ARG` | the ratio for the ratio samplers, 0.0 to 1.0 | 1.0 |
    /// | `OTEL_BSP_MAX_QUEUE_SIZE` | spans waiting for export; past it they are dropped and counted | 2048 |
    /// | `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` | spans per export call | 512 |
    /// | `OTEL_BSP_SCHEDULE_DELAY` | ms a span waits at most before export | 5000 |
    /// | `OTEL_BSP_EXPORT_TIMEOUT` | ms an export or the exporters' shutdown may take | 30000 |
    /// | `OTEL_[SPAN_]ATTRIBUTE_COUNT_LIMIT` | [`SpanLimits::attribute_count`] | 128 |
    /// | `OTEL_[SPAN_]ATTRIBUTE_VALUE_LENGTH_LIMIT` | [`SpanLimits::attribute_value_length`], bytes | none |
    /// | `OTEL_SPAN_EVENT_COUNT_LIMIT` | [`SpanLimits::event_count`] | 128 |
    /// | `TRACE_RUNTIME_FILTER` | [`SpanFilter`] directives: `my_crate::db=off,[health]=off` (not an `OTEL_*` variable: the specification has none) | every span recorded |
    ///
    /// Empty values count as unset. The default exporter is the console tree
    /// rather than the specification's `otlp`, so a program run by hand
    /// shows its traces; setting an OTLP endpoint is enough to switch to
    /// OTLP. Where both are set, the `_TRACES_` form of a variable wins over
    /// the generic one. The `OTEL_BSP_*` settings
    /// batch every exporter but the console's, which prints each trace as
    /// soon as its root ends.
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
    /// ([`InvalidSetting`](crate::PipelineError::InvalidSetting),
    /// [`MissingFeature`](crate::PipelineError::MissingFeature),
    /// [`ExporterBuild`](crate::PipelineError::ExporterBuild)) instead of
    /// printing it and using the default. For deployments where a typo in the
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
    /// A [`ConsoleExporter`] added here prints each trace as soon as its
    /// root ends, like the standard console exporter, whatever the batch
    /// settings; any other exporter receives spans in batches
    /// ([`with_max_export_batch_size`](Self::with_max_export_batch_size),
    /// [`with_scheduled_delay`](Self::with_scheduled_delay)). A
    /// `ConsoleExporter` wrapped in an exporter of your own is batched too.
    ///
    /// ```
    /// use trace_runtime::{ConsoleExporter, Pipeline};
    /// let builder = Pipeline::builder().with_exporter(ConsoleExporter::new());
    /// # drop(builder);
    /// ```
    pub fn with_exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        self.exporters.push(erase(exporter));
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

    /// Sets how OTLP request bodies are compressed (like
    /// `OTEL_EXPORTER_OTLP_COMPRESSION`; default none), on either transport.
    ///
    /// ```
    /// use trace_runtime::{OtlpCompression, Pipeline};
    /// let builder = Pipeline::builder().with_otlp_compression(OtlpCompression::Gzip);
    /// # drop(builder);
    /// ```
    pub fn with_otlp_compression(mut self, compression: OtlpCompression) -> Self {
        self.otlp.compression = Some(compression);
        self
    }

    /// Trusts the CA certificates in the PEM file at `path` for an
    /// `https://` OTLP endpoint, instead of the platform's roots (like
    /// `OTEL_EXPORTER_OTLP_CERTIFICATE`). Needs the cargo feature
    /// `otlp-tls`; the file is read when the pipeline is installed, and
    /// a file that cannot be read or holds no certificate is an
    /// [`InvalidSetting`](crate::PipelineError::InvalidSetting) error then.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder()
    ///     .with_otlp_endpoint("https://otlp.example.com:4318")
    ///     .with_otlp_certificate("/etc/ssl/otlp-ca.pem");
    /// # drop(builder);
    /// ```
    pub fn with_otlp_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        self.otlp.certificate = Some(path.into());
        self
    }

    /// Presents the certificate chain in the PEM file `certificate`, with
    /// the private key in the PEM file `key`, to an `https://` OTLP
    /// endpoint that asks for one: mutual TLS (like
    /// `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `_CLIENT_KEY`, which these
    /// replace together). Needs the cargo feature `otlp-tls`; the files are
    /// read when the pipeline is installed.
    ///
    /// ```
    /// let builder = trace_runtime::Pipeline::builder()
    ///     .with_otlp_endpoint("https://otlp.internal:4317")
    ///     .with_otlp_client_certificate("/etc/otlp/client.pem", "/etc/otlp/client.key");
    /// # drop(builder);
    /// ```
    pub fn with_otlp_client_certificate(
        mut self,
        certificate: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Self {
        self.otlp.client_certificate = Some((certificate.into(), key.into()));
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
    /// (like `OTEL_BSP_EXPORT_TIMEOUT`; default 30 s). At shutdown the
    /// [shutdown timeout](Self::with_shutdown_timeout) bounds both too.
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

    /// Sets the most dropping the [`Pipeline`](crate::Pipeline) (or
    /// [`Pipeline::shutdown`](crate::Pipeline::shutdown)) may take: exporting
    /// what is left and shutting the exporters down, whatever they do
    /// (default 5 s, the OpenTelemetry SDK's shutdown default; no `OTEL_*`
    /// variable sets it).
    ///
    /// Keep it below the grace period the process gets to stop (30 s on
    /// Kubernetes). An export still running at the deadline is not waited
    /// for: its spans and those not exported yet are counted as dropped
    /// ([`PipelineStats`](crate::PipelineStats)) and reported on stderr, and
    /// an exporter that never returns is left behind on its thread, so the
    /// process can exit. A new pipeline can be installed right after.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trace_runtime::{ConsoleExporter, Pipeline};
    ///
    /// let pipeline = Pipeline::builder()
    ///     .with_exporter(ConsoleExporter::new())
    ///     .with_shutdown_timeout(Duration::from_secs(2))
    ///     .install()
    ///     .unwrap();
    /// drop(pipeline); // returns within 2 s
    /// ```
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// The shutdown timeout this builder would install: code, else 5 s.
    pub(super) fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT)
    }

    /// Skips the spans of the `#[traced]` functions that `filter` leaves
    /// out, by module path and span name (like `TRACE_RUNTIME_FILTER`,
    /// which this replaces); see [`SpanFilter`] for the directives.
    ///
    /// Takes the directives as text (`&str`, `String`: parsed leniently, an
    /// invalid directive is reported at install like any invalid setting,
    /// or fails a [`strict`](Self::strict) install) or a parsed
    /// [`SpanFilter`]. A filtered-out call records nothing, and the spans
    /// started inside it attach to the nearest recorded ancestor: the trace
    /// stays one tree. With a filter installed, each instrumented call
    /// costs one load more (its callsite's cached decision); without one,
    /// nothing.
    ///
    /// ```
    /// use trace_runtime::{ConsoleExporter, Pipeline, SpanFilter};
    ///
    /// let pipeline = Pipeline::builder()
    ///     .with_exporter(ConsoleExporter::new())
    ///     // The `db` module is silent, except its `migrate` span.
    ///     .with_filter("my_crate::db=off, my_crate::db[migrate]=on")
    ///     .install()
    ///     .unwrap();
    /// # drop(pipeline);
    ///
    /// let parsed: SpanFilter = "[health_check]=off".parse().unwrap();
    /// let builder = Pipeline::builder().with_filter(parsed);
    /// # drop(builder);
    /// ```
    pub fn with_filter(mut self, filter: impl Into<SpanFilter>) -> Self {
        self.filter = Some(filter.into());
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
    pub fn with_hook(mut self, hook: impl SpanHook) -> Self {
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
}

/// `exporter` as the collector drives it: prompt delivery for the console
/// exporter, batches for every other. Decided here, where the concrete type
/// is known; the collector only asks the erased exporter.
pub(super) fn erase<E: SpanExporter + 'static>(exporter: E) -> Box<dyn ErasedExporter> {
    if TypeId::of::<E>() == TypeId::of::<ConsoleExporter>() {
        Box::new(Prompt(exporter))
    } else {
        Box::new(exporter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shutdown_takes_at_most_five_seconds_unless_set_in_code() {
        let builder = PipelineBuilder::default();
        assert_eq!(builder.shutdown_timeout(), Duration::from_secs(5));
        let from_env = PipelineBuilder::default()
            .from_env_with(|_| Some("1".to_owned()))
            .shutdown_timeout();
        assert_eq!(from_env, Duration::from_secs(5));
        let builder = builder.with_shutdown_timeout(Duration::from_millis(250));
        assert_eq!(builder.shutdown_timeout(), Duration::from_millis(250));
    }
}
