//! OTLP over gRPC (tonic), driven from the collector thread by a runtime of its own.

use std::fmt;
use std::time::Duration;

use opentelemetry_otlp::{WithExportConfig as _, WithTonicConfig as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};

use super::{OtlpCompression, OtlpSettings, build_error};
use crate::collector::ErasedExporter;
use crate::error::PipelineError;

pub(super) fn build(
    settings: &OtlpSettings,
    url: String,
) -> Result<Box<dyn ErasedExporter>, PipelineError> {
    let mut metadata = MetadataMap::new();
    for (key, value) in &settings.headers {
        let key = MetadataKey::from_bytes(key.to_ascii_lowercase().as_bytes())
            .map_err(|e| build_error(settings, format!("header `{key}`: {e}")))?;
        let value = MetadataValue::try_from(value.as_str())
            .map_err(|e| build_error(settings, format!("header `{key}`: {e}")))?;
        metadata.insert(key, value);
    }
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("trace-runtime-otlp-grpc")
        .build()
        .map_err(|e| build_error(settings, format!("could not start a tokio runtime: {e}")))?;
    // tonic's lazily connecting channel spawns its worker on the runtime.
    let inner = {
        let _entered = runtime.enter();
        let mut builder = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(url.clone())
            .with_timeout(settings.timeout)
            .with_metadata(metadata);
        if settings.compression == OtlpCompression::Gzip {
            builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
        }
        #[cfg(feature = "otlp-tls")]
        if super::is_https(&url) {
            builder = builder.with_channel(tls_channel(settings, url)?);
        }
        builder
            .build()
            .map_err(|error| build_error(settings, error))?
    };
    Ok(Box::new(GrpcExporter {
        runtime: Some(runtime),
        inner,
        timeout: settings.timeout,
    }))
}

/// A lazily connecting channel with the TLS configuration of `tls.rs`.
///
/// Built here rather than by `opentelemetry-otlp`, whose TLS features would
/// compile tonic into builds without gRPC; the timeout is the one
/// `opentelemetry-otlp` would set, and it bounds the handshake too.
#[cfg(feature = "otlp-tls")]
fn tls_channel(
    settings: &OtlpSettings,
    url: String,
) -> Result<tonic::transport::Channel, PipelineError> {
    let tls = super::tls::TlsMaterial::load(settings)?.tonic_config(settings)?;
    let channel = tonic::transport::Endpoint::from_shared(url)
        .map_err(|e| build_error(settings, e))?
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .tls_config(tls.timeout(settings.timeout))
        .map_err(|e| build_error(settings, e))?
        .connect_lazy();
    Ok(channel)
}

/// The tonic exporter with the tokio runtime it must run in.
///
/// Only the collector thread drives it (through `futures_executor`), so
/// `export` can `block_on` its own runtime: it is never polled inside
/// another one.
pub(super) struct GrpcExporter {
    /// `Some` until dropped; taken to shut down without blocking.
    runtime: Option<::tokio::runtime::Runtime>,
    inner: opentelemetry_otlp::SpanExporter,
    timeout: Duration,
}

impl fmt::Debug for GrpcExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcExporter")
            .field("inner", &self.inner)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SpanExporter for GrpcExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let Some(runtime) = &self.runtime else {
            return Err(OTelSdkError::AlreadyShutdown);
        };
        runtime.block_on(async {
            ::tokio::time::timeout(self.timeout, SpanExporter::export(&self.inner, batch))
                .await
                .unwrap_or(Err(OTelSdkError::Timeout(self.timeout)))
        })
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        match &self.runtime {
            Some(runtime) => {
                let _entered = runtime.enter();
                SpanExporter::shutdown_with_timeout(&self.inner, timeout)
            }
            None => Ok(()),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        SpanExporter::force_flush(&self.inner)
    }

    fn set_resource(&mut self, resource: &Resource) {
        SpanExporter::set_resource(&mut self.inner, resource);
    }
}

impl Drop for GrpcExporter {
    fn drop(&mut self) {
        // Never blocks, so dropping is safe even inside another runtime
        // (when installing fails and the caller is async).
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
