//! OTLP exporters: spans to an OpenTelemetry Collector, Jaeger, Tempo or any
//! OTLP receiver, over HTTP/protobuf (cargo feature `otlp-http`, default),
//! HTTP/JSON (`otlp-http-json`) or gRPC (`otlp-grpc`).
//!
//! Both wrap `opentelemetry-otlp`'s `SpanExporter`; this module only decides
//! how each is driven from the collector thread, which calls exporters with
//! `futures_executor::block_on` and owns no async runtime:
//!
//! - **HTTP** uses the blocking `reqwest` client, which runs its own small
//!   runtime on a thread of its own; it is created (here, with the TLS
//!   configuration) on a fresh thread, so it works even when `init()` is
//!   called inside a tokio runtime. It is dropped on the collector thread,
//!   never inside one.
//! - **gRPC** (tonic) needs a tokio reactor, so [`GrpcExporter`] owns a
//!   current-thread tokio runtime and `block_on`s each export in it. The
//!   runtime runs only while an export is in flight; it starts no threads.
//!
//! Every export is bounded: `opentelemetry-otlp` retries a failed request
//! with backoff only within its timeout, which is set to the smaller of
//! `OTEL_EXPORTER_OTLP_TIMEOUT` and `OTEL_BSP_EXPORT_TIMEOUT`, and the gRPC
//! adapter also cuts the call off at that timeout. A collector that is down
//! (or whose certificate does not verify) therefore costs the collector
//! thread at most that long per batch, and the instrumented threads nothing.
//!
//! `OTEL_EXPORTER_OTLP_COMPRESSION=gzip` compresses request bodies on both
//! transports. `https://` endpoints need the cargo feature `otlp-tls`
//! (rustls with the `ring` provider, see `tls.rs`); without it they are
//! reported when the pipeline is installed, naming the feature.

#[cfg(feature = "otlp-grpc")]
mod grpc;
#[cfg(feature = "otlp-http")]
mod http;
#[cfg(all(
    feature = "otlp-tls",
    any(feature = "otlp-http", feature = "otlp-grpc")
))]
pub(crate) mod tls;

use std::path::PathBuf;
use std::time::Duration;

use crate::collector::ErasedExporter;
use crate::error::PipelineError;

/// The OTLP transport: the values of `OTEL_EXPORTER_OTLP_PROTOCOL`.
///
/// ```
/// use trace_runtime::{OtlpProtocol, Pipeline};
///
/// let builder = Pipeline::builder()
///     .with_otlp_endpoint("http://localhost:4317")
///     .with_otlp_protocol(OtlpProtocol::Grpc);
/// # drop(builder);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtlpProtocol {
    /// OTLP/gRPC (`grpc`), usually on port 4317. Needs the cargo feature `otlp-grpc`.
    Grpc,
    /// OTLP/HTTP with protobuf bodies (`http/protobuf`), usually on port
    /// 4318, at the path `/v1/traces`. Needs the cargo feature `otlp-http`
    /// (on by default).
    HttpProtobuf,
    /// OTLP/HTTP with JSON bodies (`http/json`), at the same port and path
    /// as `http/protobuf`. Needs the cargo feature `otlp-http-json`.
    HttpJson,
}

impl OtlpProtocol {
    /// The name used in `OTEL_EXPORTER_OTLP_PROTOCOL`.
    ///
    /// ```
    /// use trace_runtime::OtlpProtocol;
    /// assert_eq!(OtlpProtocol::HttpProtobuf.name(), "http/protobuf");
    /// assert_eq!(OtlpProtocol::Grpc.to_string(), "grpc");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            OtlpProtocol::Grpc => "grpc",
            OtlpProtocol::HttpProtobuf => "http/protobuf",
            OtlpProtocol::HttpJson => "http/json",
        }
    }

    /// The cargo feature of trace-runtime that compiles this transport in.
    pub(crate) fn feature(self) -> &'static str {
        match self {
            OtlpProtocol::Grpc => "otlp-grpc",
            OtlpProtocol::HttpProtobuf => "otlp-http",
            OtlpProtocol::HttpJson => "otlp-http-json",
        }
    }

    /// Whether this build has the transport.
    pub(crate) fn compiled(self) -> bool {
        match self {
            OtlpProtocol::Grpc => cfg!(feature = "otlp-grpc"),
            OtlpProtocol::HttpProtobuf => cfg!(feature = "otlp-http"),
            OtlpProtocol::HttpJson => cfg!(feature = "otlp-http-json"),
        }
    }

    /// The protocol used when none is configured: `http/protobuf` (the
    /// specification's default) when compiled in, else `grpc` when it is.
    pub(crate) fn default_for_build() -> OtlpProtocol {
        if !OtlpProtocol::HttpProtobuf.compiled() && OtlpProtocol::Grpc.compiled() {
            OtlpProtocol::Grpc
        } else {
            OtlpProtocol::HttpProtobuf
        }
    }

    fn default_endpoint(self) -> &'static str {
        match self {
            OtlpProtocol::Grpc => "http://localhost:4317",
            OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => "http://localhost:4318",
        }
    }
}

impl std::fmt::Display for OtlpProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An OTLP endpoint and whether it names the traces path itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub(crate) url: String,
    /// From `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: used as-is. Otherwise it is
    /// the collector's base URL, and HTTP appends `/v1/traces`.
    pub(crate) per_signal: bool,
}

/// How OTLP request bodies are compressed: the values of
/// `OTEL_EXPORTER_OTLP_COMPRESSION`. Both transports support each.
///
/// ```
/// use trace_runtime::{OtlpCompression, Pipeline};
///
/// let builder = Pipeline::builder()
///     .with_otlp_endpoint("http://localhost:4318")
///     .with_otlp_compression(OtlpCompression::Gzip);
/// # drop(builder);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OtlpCompression {
    /// `none`: bodies are sent as they are (the default).
    #[default]
    None,
    /// `gzip`.
    Gzip,
}

/// A PEM file named by a variable such as `OTEL_EXPORTER_OTLP_CERTIFICATE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PemFile {
    pub(crate) path: PathBuf,
    /// Where the path came from, for messages.
    pub(crate) variable: &'static str,
}

/// The files of TLS: whom to trust and who we are. Used only for
/// `https://` endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TlsFiles {
    /// CA certificates the server's chain must lead to (PEM); `None`: the
    /// platform's roots.
    pub(crate) certificate: Option<PemFile>,
    /// The client's certificate chain and private key (PEM), for mutual
    /// TLS: both or neither (the environment reader makes sure).
    pub(crate) client: Option<(PemFile, PemFile)>,
}

/// Everything an OTLP exporter is built from, after code and environment
/// have been resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OtlpSettings {
    pub(crate) protocol: OtlpProtocol,
    /// `None`: the protocol's default.
    pub(crate) endpoint: Option<Endpoint>,
    pub(crate) headers: Vec<(String, String)>,
    /// The most one export call may take, retries included.
    pub(crate) timeout: Duration,
    pub(crate) compression: OtlpCompression,
    pub(crate) tls: TlsFiles,
}

impl OtlpSettings {
    /// The URL requests go to: for HTTP, a base URL gets `/v1/traces`.
    pub(crate) fn url(&self) -> String {
        let (url, per_signal) = match &self.endpoint {
            Some(endpoint) => (endpoint.url.as_str(), endpoint.per_signal),
            None => (self.protocol.default_endpoint(), false),
        };
        match self.protocol {
            OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson if !per_signal => {
                format!("{}/v1/traces", url.trim_end_matches('/'))
            }
            _ => url.to_owned(),
        }
    }
}

/// Builds the exporter `settings` describe.
///
/// # Errors
/// [`PipelineError::MissingFeature`] when the transport, or TLS for an
/// `https://` endpoint, is not compiled in; [`PipelineError::InvalidSetting`]
/// when a certificate or key file cannot be read or parsed;
/// [`PipelineError::ExporterBuild`] when `opentelemetry-otlp` refuses the
/// settings (a header it cannot send, no root certificates on the machine).
pub(crate) fn build(settings: &OtlpSettings) -> Result<Box<dyn ErasedExporter>, PipelineError> {
    if !settings.protocol.compiled() {
        return Err(PipelineError::MissingFeature {
            what: format!("OTLP over {}", settings.protocol),
            feature: settings.protocol.feature(),
        });
    }
    let url = settings.url();
    if is_https(&url) && !cfg!(feature = "otlp-tls") {
        return Err(PipelineError::MissingFeature {
            what: format!("TLS (for the endpoint {url})"),
            feature: "otlp-tls",
        });
    }
    match settings.protocol {
        #[cfg(feature = "otlp-http")]
        OtlpProtocol::HttpProtobuf | OtlpProtocol::HttpJson => http::build(settings, url),
        #[cfg(feature = "otlp-grpc")]
        OtlpProtocol::Grpc => grpc::build(settings, url),
        #[allow(unreachable_patterns)] // when both features are on
        _ => unreachable!("checked by `compiled` above"),
    }
}

/// Whether `url` asks for TLS.
fn is_https(url: &str) -> bool {
    url.get(..8)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
}

#[cfg_attr(
    not(any(feature = "otlp-http", feature = "otlp-grpc")),
    allow(dead_code)
)]
fn build_error(settings: &OtlpSettings, reason: impl std::fmt::Display) -> PipelineError {
    PipelineError::ExporterBuild {
        exporter: format!("otlp ({}, {})", settings.protocol, settings.url()),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(protocol: OtlpProtocol, endpoint: Option<(&str, bool)>) -> OtlpSettings {
        OtlpSettings {
            protocol,
            endpoint: endpoint.map(|(url, per_signal)| Endpoint {
                url: url.to_owned(),
                per_signal,
            }),
            headers: Vec::new(),
            timeout: Duration::from_secs(1),
            compression: OtlpCompression::None,
            tls: TlsFiles::default(),
        }
    }

    #[test]
    fn http_appends_the_traces_path_to_a_base_url() {
        let base = settings(OtlpProtocol::HttpProtobuf, Some(("http://c:4318/", false)));
        assert_eq!(base.url(), "http://c:4318/v1/traces");
        let exact = settings(OtlpProtocol::HttpProtobuf, Some(("http://c:4318/in", true)));
        assert_eq!(exact.url(), "http://c:4318/in");
        assert_eq!(
            settings(OtlpProtocol::HttpProtobuf, None).url(),
            "http://localhost:4318/v1/traces"
        );
    }

    #[test]
    fn grpc_uses_the_endpoint_as_is() {
        let base = settings(OtlpProtocol::Grpc, Some(("http://c:4317", false)));
        assert_eq!(base.url(), "http://c:4317");
        assert_eq!(
            settings(OtlpProtocol::Grpc, None).url(),
            "http://localhost:4317"
        );
    }

    #[test]
    fn json_goes_to_the_same_path_as_protobuf() {
        let base = settings(OtlpProtocol::HttpJson, Some(("http://c:4318", false)));
        assert_eq!(base.url(), "http://c:4318/v1/traces");
        assert_eq!(OtlpProtocol::HttpJson.name(), "http/json");
        assert_eq!(OtlpProtocol::HttpJson.feature(), "otlp-http-json");
    }

    #[cfg(not(feature = "otlp-tls"))]
    #[test]
    fn https_endpoints_without_tls_name_the_feature() {
        let secure = settings(OtlpProtocol::HttpProtobuf, Some(("HTTPS://c", false)));
        match build(&secure) {
            Err(PipelineError::MissingFeature { feature, what }) => {
                assert!(feature == "otlp-tls" || feature == "otlp-http", "{feature}");
                if feature == "otlp-tls" {
                    assert!(what.contains("HTTPS://c/v1/traces"), "{what}");
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[cfg(all(feature = "otlp-tls", feature = "otlp-http"))]
    #[test]
    fn an_https_exporter_builds_without_connecting() {
        let exporter = build(&settings(
            OtlpProtocol::HttpProtobuf,
            Some(("https://127.0.0.1:9", false)),
        ));
        // Without root certificates on the machine, that is said instead.
        if let Err(error) = &exporter {
            assert!(error.to_string().contains("root certificates"), "{error}");
        }
    }

    #[cfg(all(feature = "otlp-tls", feature = "otlp-grpc"))]
    #[test]
    fn an_https_grpc_exporter_builds_without_connecting() {
        let exporter = build(&settings(
            OtlpProtocol::Grpc,
            Some(("https://127.0.0.1:9", false)),
        ));
        if let Err(error) = &exporter {
            assert!(error.to_string().contains("root certificates"), "{error}");
        }
    }

    #[cfg(feature = "otlp-http")]
    #[test]
    fn an_http_exporter_builds_without_connecting() {
        let exporter = build(&settings(
            OtlpProtocol::HttpProtobuf,
            Some(("http://127.0.0.1:9", false)),
        ));
        assert!(exporter.is_ok(), "{exporter:?}");
    }

    #[cfg(feature = "otlp-grpc")]
    #[test]
    fn a_grpc_exporter_builds_without_connecting_and_fails_fast_when_nothing_listens() {
        let mut s = settings(OtlpProtocol::Grpc, Some(("http://127.0.0.1:9", false)));
        s.timeout = Duration::from_millis(300);
        s.headers = vec![("X-Api-Key".to_owned(), "secret".to_owned())];
        let exporter = build(&s).unwrap();
        let started = std::time::Instant::now();
        assert!(exporter.export_blocking(Vec::new()).is_err());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[cfg(not(feature = "otlp-grpc"))]
    #[test]
    fn grpc_without_its_feature_names_the_feature() {
        match build(&settings(OtlpProtocol::Grpc, None)) {
            Err(PipelineError::MissingFeature { feature, .. }) => assert_eq!(feature, "otlp-grpc"),
            other => panic!("unexpected {other:?}"),
        }
    }
}
