//! OTLP over HTTP (protobuf or JSON bodies), with a blocking `reqwest` client.
//!
//! The client is built here rather than by `opentelemetry-otlp`, so that it
//! gets the TLS configuration of `tls.rs` (with `otlp-tls`: reqwest is
//! compiled without a crypto provider of its own and is always given a
//! rustls configuration with `ring`).

use std::time::Duration;

use opentelemetry_otlp::{Protocol, WithExportConfig as _, WithHttpConfig as _};

use super::{OtlpCompression, OtlpSettings, build_error};
use crate::collector::ErasedExporter;
use crate::error::PipelineError;

pub(super) fn build(
    settings: &OtlpSettings,
    url: String,
) -> Result<Box<dyn ErasedExporter>, PipelineError> {
    let client = client(settings, &url)?;
    let protocol = match settings.protocol {
        #[cfg(feature = "otlp-http-json")]
        super::OtlpProtocol::HttpJson => Protocol::HttpJson,
        _ => Protocol::HttpBinary,
    };
    let mut builder = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_http_client(client)
        .with_protocol(protocol)
        .with_endpoint(url)
        .with_timeout(settings.timeout)
        .with_headers(settings.headers.iter().cloned().collect());
    if settings.compression == OtlpCompression::Gzip {
        builder = builder.with_compression(opentelemetry_otlp::Compression::Gzip);
    }
    let exporter = builder
        .build()
        .map_err(|error| build_error(settings, error))?;
    Ok(Box::new(exporter))
}

/// The blocking client, built on a thread of its own: building (and
/// dropping) it inside an async runtime would panic, and `install` may be
/// called inside one.
fn client(settings: &OtlpSettings, url: &str) -> Result<reqwest::blocking::Client, PipelineError> {
    let timeout: Duration = settings.timeout;
    #[cfg(feature = "otlp-tls")]
    let tls = if super::is_https(url) {
        super::tls::TlsMaterial::load(settings)?.client_config(settings)?
    } else {
        // Never used for `http://`, but reqwest needs a provider to build.
        rustls::ClientConfig::builder_with_provider(rustls::crypto::ring::default_provider().into())
            .with_safe_default_protocol_versions()
            .map_err(|e| build_error(settings, e))?
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth()
    };
    #[cfg(not(feature = "otlp-tls"))]
    let _ = url;
    std::thread::Builder::new()
        .name("trace-runtime-http-client".into())
        .spawn(move || {
            let builder = reqwest::blocking::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout);
            #[cfg(feature = "otlp-tls")]
            let builder = builder.tls_backend_preconfigured(tls);
            builder.build()
        })
        .map_err(|e| build_error(settings, format!("cannot start a thread: {e}")))?
        .join()
        .map_err(|_| build_error(settings, "building the HTTP client panicked"))?
        .map_err(|e| build_error(settings, format!("cannot build the HTTP client: {e}")))
}
