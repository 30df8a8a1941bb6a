//! OTLP over HTTP/protobuf, with `opentelemetry-otlp`'s blocking `reqwest` client.

use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};

use super::{OtlpSettings, build_error};
use crate::collector::ErasedExporter;
use crate::error::PipelineError;

pub(super) fn build(
    settings: &OtlpSettings,
    url: String,
) -> Result<Box<dyn ErasedExporter>, PipelineError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(url)
        .with_timeout(settings.timeout)
        .with_headers(settings.headers.iter().cloned().collect())
        .build()
        .map_err(|error| build_error(settings, error))?;
    Ok(Box::new(exporter))
}
