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
//! # Turning tracing off at compile time
//!
//! Built with `RUSTFLAGS="--cfg traced_off"`, `#[traced]` leaves every
//! function exactly as written (its arguments are not even parsed, so a
//! misuse is reported only in normal builds), and every part of the span
//! API here is a no-op that still compiles: no span is recorded, captured
//! or exported, `current_trace_id()` is `None`, `inject` writes baggage
//! only. A pipeline still installs, and exports nothing. It is a `cfg`, not
//! a cargo feature, because features are additive: a dependency enabling an
//! "off" feature would turn tracing off for the whole build.
//!
//! # Where things live
//!
//! The crate rests on two threads. The **calling thread** records: it opens
//! a span, makes it current, stamps its end and, when no span is open any
//! more, hands the finished records off in one batch. The **collector
//! thread** builds OpenTelemetry `SpanData` from them and exports. The
//! folders follow that split, and dependencies point one way: `record` is
//! data both threads share, `local` never waits for `collector`, and
//! `collector` never imports `local` or `pipeline`.
//!
//! ```text
//!            pipeline ─────────────────────────┐   (installs and stops everything)
//!               │                              │
//!  propagation, identity, tracing_layer,       │
//!  testing, __private (the API around)         │
//!               │                              ▼
//!             local ──── outbox ────►      collector ───► export (otlp, console)
//!  (calling thread)                    (collector thread)
//!               │                              │
//!               └──────────► record ◄──────────┘
//!                              │
//!                          attributes
//! ```
//!
//! | module | owns |
//! |---|---|
//! | `record/` | what a span is on the calling thread: record, ids, clock, callsite, inline attributes, details, scope |
//! | `local/` | the calling thread: context and span stack, sync guard, instrumented future, `Err`/panic/cancel, the current-span API ([`add_attribute`], [`record_event`], [`with_span`], ...), sampling decision, [`PropagatedContext`], the outbox |
//! | `collector/` | the collector thread: batches, the hub, the worker loop, conversion to `SpanData`, the erased exporter |
//! | `export/` | exporters: OTLP ([`OtlpProtocol`], [`OtlpCompression`]) and [`ConsoleExporter`] |
//! | `pipeline/` | [`Pipeline`], [`PipelineBuilder`], [`init`], settings from code and the `OTEL_*` environment, Resource, [`SpanLimits`], [`SpanFilter`], [`PipelineStats`] |
//! | [`attributes`] | attribute values ([`AttributeValue`]) and the limits in force |
//! | [`propagation`] | carriers: W3C `traceparent`/`tracestate`, baggage, [`inject`]/[`extract`] |
//! | [`thread`], `tokio` | spawning with the current context |
//! | [`identity`] | attributes stamped on every span of a scope (components) |
//! | [`hooks`] | [`SpanHook`](hooks::SpanHook): code run as spans start and end |
//! | `tower` | server and client spans for tower services: axum, hyper, tonic (feature `tower`) |
//! | `reqwest` | client spans for reqwest through reqwest-middleware (feature `reqwest`) |
//! | `tracing_layer` | `tracing` spans and events in our traces, our ids in its logs (feature `tracing`) |
//! | [`testing`] | span capture for tests (feature `testing`) |
//! | `error` | [`PipelineError`], the error users handle |
//! | `__private` | what `#[traced]` expands to (not a public API) |

#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

pub mod attributes;
mod collector;
mod error;
mod export;
pub mod hooks;
pub mod identity;
mod local;
mod lock;
mod pipeline;
pub mod propagation;
mod record;
pub mod thread;
#[cfg(feature = "tokio")]
pub mod tokio;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(feature = "tracing")]
pub mod tracing_layer;

#[cfg(feature = "tower")]
pub mod tower;

#[cfg(feature = "reqwest")]
pub mod reqwest;

#[doc(hidden)]
pub mod __private;

pub use trace_macros::traced;

pub use attributes::AttributeValue;
pub use error::PipelineError;
pub use export::{ConsoleExporter, OtlpCompression, OtlpProtocol};
pub use identity::{current_identity, with_identity, with_identity_replaced};
pub use local::{
    CANCELLED_ATTRIBUTE, PropagatedContext, add_attribute, add_attributes, current_otel_context,
    current_span_id, current_trace_id, in_span, propagate_context, record_error, record_event,
    set_status, with_propagated_context, with_span,
};
pub use pipeline::{
    Pipeline, PipelineBuilder, PipelineStats, SpanFilter, SpanLimits, TracesExporter, init,
    process_nonce,
};
pub use propagation::{extract, inject, inject_context};
pub use record::Sampler;
#[cfg(feature = "tracing")]
pub use tracing_layer::{TracingLayer, WithTraceIds};

/// The `opentelemetry` API crate, at the version this crate is built with.
pub use opentelemetry as otel;
/// The `opentelemetry_sdk` crate, at the version this crate is built with.
pub use opentelemetry_sdk as otel_sdk;

// The README's Rust blocks, compiled and run as doctests of this crate.
//
// Some blocks use optional features (`tokio` for `trace_runtime::tokio::spawn`,
// `http` for `http::HeaderMap` as a carrier, `tower` and `reqwest` for the
// layers), and a crate cannot turn on its
// own features for its doctests: they see the library as this build compiled
// it, plus the `[dev-dependencies]` (where the blocks' other crates, such as
// axum and reqwest, come from). So the README is included only when those
// features are on, which is the case in
//
// * `cargo test --workspace`: features are unified across the workspace, and
//   `trace-tests` enables them;
// * `cargo test -p trace-runtime --doc --all-features` (or `--features tokio,http,testing,tower,reqwest`).
//
// `cargo test -p trace-runtime --doc` with the default features skips it.
#[cfg(all(
    doctest,
    feature = "tokio",
    feature = "http",
    feature = "testing",
    feature = "tower",
    feature = "reqwest"
))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
