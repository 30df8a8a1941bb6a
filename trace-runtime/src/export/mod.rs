//! Exporters: where the collector sends finished spans.
//!
//! Both are `opentelemetry_sdk` `SpanExporter`s, driven by the collector
//! thread like any exporter a user installs: this module depends on the
//! collector's exporter view and on the crate's error type, and on nothing
//! that runs on the calling thread.
//!
//! | module | owns |
//! |---|---|
//! | `otlp/` | OTLP over HTTP/protobuf (feature `otlp-http`, default), HTTP/JSON (`otlp-http-json`) and gRPC (`otlp-grpc`), gzip, TLS with rustls (`otlp-tls`) ([`OtlpProtocol`], [`OtlpCompression`]) |
//! | `console/` | [`ConsoleExporter`]: traces as trees on the terminal |

pub(crate) mod console;
pub(crate) mod otlp;

pub use console::ConsoleExporter;
pub use otlp::{OtlpCompression, OtlpProtocol};
