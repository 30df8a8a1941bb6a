//! The names of the `OTEL_*` environment variables the pipeline reads, as
//! the OpenTelemetry specification defines them: one definition each, used
//! by the reader (`env.rs`) and in the messages that name a variable.
//! One is this crate's own: [`TRACE_RUNTIME_FILTER`].

/// `OTEL_ATTRIBUTE_COUNT_LIMIT`: Attributes a span keeps.
pub(crate) const OTEL_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_ATTRIBUTE_COUNT_LIMIT";

/// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: Bytes an attribute value keeps.
pub(crate) const OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str = "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT";

/// `OTEL_BSP_EXPORT_TIMEOUT`: Milliseconds an export (and the exporters' shutdown) may take.
pub(crate) const OTEL_BSP_EXPORT_TIMEOUT: &str = "OTEL_BSP_EXPORT_TIMEOUT";

/// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`: Spans per export call.
pub(crate) const OTEL_BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";

/// `OTEL_BSP_MAX_QUEUE_SIZE`: Spans the queue holds.
pub(crate) const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";

/// `OTEL_BSP_SCHEDULE_DELAY`: Milliseconds between two exports of a partial batch.
pub(crate) const OTEL_BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";

/// `OTEL_EXPORTER_OTLP_CERTIFICATE`: A PEM bundle of the CA certificates to trust (instead of the platform's).
pub(crate) const OTEL_EXPORTER_OTLP_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";

/// `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`: The client's PEM certificate chain, for mutual TLS.
pub(crate) const OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";

/// `OTEL_EXPORTER_OTLP_CLIENT_KEY`: The client's PEM private key, for mutual TLS.
pub(crate) const OTEL_EXPORTER_OTLP_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";

/// `OTEL_EXPORTER_OTLP_COMPRESSION`: `gzip` or `none`.
pub(crate) const OTEL_EXPORTER_OTLP_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";

/// `OTEL_EXPORTER_OTLP_ENDPOINT`: The collector's base URL (HTTP appends `/v1/traces`).
pub(crate) const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// `OTEL_EXPORTER_OTLP_HEADERS`: `key=value,...` sent with every export.
pub(crate) const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";

/// `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf`, `http/json` or `grpc`.
pub(crate) const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";

/// `OTEL_EXPORTER_OTLP_TIMEOUT`: Milliseconds one export may take.
pub(crate) const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";

/// `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE`: The traces form of [`OTEL_EXPORTER_OTLP_CERTIFICATE`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE";

/// `OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE`: The traces form of [`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE";

/// `OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY`: The traces form of [`OTEL_EXPORTER_OTLP_CLIENT_KEY`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: &str =
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY";

/// `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`: The traces form of [`OTEL_EXPORTER_OTLP_COMPRESSION`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: &str =
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";

/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: The full traces URL, used as-is.
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

/// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`: The traces form of [`OTEL_EXPORTER_OTLP_HEADERS`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";

/// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`: The traces form of [`OTEL_EXPORTER_OTLP_PROTOCOL`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";

/// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`: The traces form of [`OTEL_EXPORTER_OTLP_TIMEOUT`].
pub(crate) const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";

/// `OTEL_RESOURCE_ATTRIBUTES`: `key=value,...` added to the Resource.
pub(crate) const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";

/// `OTEL_SDK_DISABLED`: `true` installs nothing.
pub(crate) const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";

/// `OTEL_SERVICE_NAME`: The `service.name` of the Resource.
pub(crate) const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";

/// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`: The span form of [`OTEL_ATTRIBUTE_COUNT_LIMIT`], which it overrides.
pub(crate) const OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: &str = "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT";

/// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`: The span form of [`OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`], which it overrides.
pub(crate) const OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: &str =
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT";

/// `OTEL_SPAN_EVENT_COUNT_LIMIT`: Events a span keeps.
pub(crate) const OTEL_SPAN_EVENT_COUNT_LIMIT: &str = "OTEL_SPAN_EVENT_COUNT_LIMIT";

/// `OTEL_TRACES_EXPORTER`: `otlp`, `console`, `none`, comma-separated.
pub(crate) const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";

/// `OTEL_TRACES_SAMPLER`: The sampler's name.
pub(crate) const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";

/// `OTEL_TRACES_SAMPLER_ARG`: The ratio of the ratio samplers.
pub(crate) const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";

/// `TRACE_RUNTIME_FILTER`: The span filter's directives (`my_crate::db=off,...`, see `filter.rs`).
pub(crate) const TRACE_RUNTIME_FILTER: &str = "TRACE_RUNTIME_FILTER";
