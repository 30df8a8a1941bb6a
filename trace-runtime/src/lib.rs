//! Bounded OpenTelemetry spans for Rust services.
//!
//! Annotate a function with [`#[traced]`](traced) and every call becomes
//! one span: opened on entry, ended exactly once on every exit path
//! (return, `?`, panic, a future dropped before it finishes), with its parent
//! taken from the current context and its status set from `Err` or a panic.
//!
//! ```
//! use trace_runtime::traced;
//!
//! #[derive(Debug)]
//! struct NotFound;
//! impl std::fmt::Display for NotFound {
//!     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("not found") }
//! }
//!
//! #[traced(kind = client)]
//! fn load_user(id: u64) -> Result<String, NotFound> {
//!     if id == 0 { Err(NotFound) } else { Ok(format!("user {id}")) }
//! }
//!
//! let _pipeline = trace_runtime::Pipeline::builder()
//!     .with_exporter(trace_runtime::ConsoleExporter::new())
//!     .install()
//!     .unwrap();
//! let _ = load_user(0); // a span named "load_user", status Error("not found")
//! ```
//!
//! # Where things live
//! | module | owns |
//! |---|---|
//! | `span` | the span record and the guard that ends it |
//! | `context` | the per-thread current context and span stack |
//! | `future` | the instrumented future for async spans |
//! | [`attributes`] | attribute values ([`AttributeValue`]) and the limits |
//! | `current_span` | [`add_attribute`], [`record_event`], [`record_error`], [`with_span`], ids |
//! | `status` | `Err`, panic and cancellation → span status ([`CANCELLED_ATTRIBUTE`]) |
//! | `collect` | hand-off of ended spans to the collector thread, conversion to `SpanData` |
//! | [`propagation`] | hand-off across threads, tasks ([`thread`], `tokio`) and processes (W3C carriers) |
//! | [`identity`] | attributes stamped on every span of a scope (components) |
//! | [`hooks`] | [`SpanHook`](hooks::SpanHook): code run as spans start and end |
//! | `interop` | the OpenTelemetry API's context, both ways |
//! | `export` | [`Pipeline`]: exporters, sampler, resource, shutdown |
//! | `config` | the `OTEL_*` environment read into settings ([`init`], [`TracesExporter`]) |
//! | `resource` | the Resource: `service.name`, [`process_nonce`] as `service.instance.id`, host, pid |
//! | `otlp` | OTLP over HTTP/protobuf (feature `otlp-http`, default) and gRPC (`otlp-grpc`) ([`OtlpProtocol`]) |
//! | `limits` | [`SpanLimits`] from the environment or code, handed to `attributes` at install |
//! | `console` | [`ConsoleExporter`]: traces as trees on the terminal |
//! | `tracing_layer` | `tracing` spans and events in our traces, our ids in its logs (feature `tracing`) |
//! | [`testing`] | span capture for tests (feature `testing`) |

#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod attributes;
mod batch;
mod callsite;
mod clock;
mod collect;
mod config;
mod console;
mod context;
mod current_span;
mod details;
mod export;
mod future;
pub mod hooks;
pub mod identity;
mod ids;
mod inline;
mod interop;
mod limits;
mod otlp;
mod resource;
mod sampler;
mod span;
mod status;

pub mod propagation;
pub mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "tracing")]
pub mod tracing_layer;

#[doc(hidden)]
pub mod __private;

pub use trace_macros::traced;

pub use attributes::AttributeValue;
pub use config::TracesExporter;
pub use console::ConsoleExporter;
pub use current_span::{
    add_attribute, add_attributes, current_span_id, current_trace_id, in_span, record_error,
    record_event, set_status, with_span,
};
pub use export::init;
pub use export::{Pipeline, PipelineBuilder, PipelineError, PipelineStats};
pub use identity::{current_identity, with_identity, with_identity_replaced};
pub use interop::current_otel_context;
pub use limits::SpanLimits;
pub use otlp::OtlpProtocol;
pub use propagation::{
    PropagatedContext, extract, inject, inject_context, propagate_context, with_propagated_context,
};
pub use resource::process_nonce;
pub use sampler::Sampler;
pub use status::CANCELLED_ATTRIBUTE;
#[cfg(feature = "tracing")]
pub use tracing_layer::{TracingLayer, WithTraceIds};

/// The `opentelemetry` API crate, at the version this crate is built with.
pub use opentelemetry as otel;
/// The `opentelemetry_sdk` crate, at the version this crate is built with.
pub use opentelemetry_sdk as otel_sdk;
