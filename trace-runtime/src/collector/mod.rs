//! The collector thread: from handed-off spans to the exporters.
//!
//! ```text
//!  calling thread (crate::local)       │ collector thread (this module)
//!  ─────────────────────────────       │ ──────────────────────────────
//!  span ends → thread-local buffer     │
//!  stack empty → outbox ──────────► hub: bounded queue ──► SpanData ──► SpanExporter::export
//!            (one lock per batch)      │  (full: counted as dropped)         (in batches)
//! ```
//!
//! The calling threads hand their ended spans over in batches, in the
//! compact form of [`Batch`], through the hub's bounded queue; the queue
//! never blocks them, and what does not fit is dropped and counted.
//! Conversion to `opentelemetry_sdk` `SpanData` happens here, off the
//! calling thread, and so does everything the exporters do. This module
//! never imports `crate::local` or `crate::pipeline`: the calling side
//! reaches it only through its outbox, and the pipeline starts and stops it.
//!
//! | file | owns |
//! |---|---|
//! | `batch.rs` | [`Batch`]: ended spans in the compact form they travel in |
//! | `hub.rs` | the bounded queue, flush tickets, shutdown |
//! | `batch_config.rs` | [`BatchConfig`]: the `OTEL_BSP_*` settings |
//! | `counters.rs` | [`COUNTERS`]: every span started, ended, exported or dropped |
//! | `worker.rs` | the collector thread's loop and export error reporting |
//! | `convert.rs` | a record made an OpenTelemetry `SpanData` |
//! | `exporter.rs` | [`ErasedExporter`]: the object-safe view of a `SpanExporter` |

mod batch;
mod batch_config;
mod convert;
mod counters;
mod exporter;
mod hub;
mod worker;

pub(crate) use batch::Batch;
pub(crate) use batch_config::BatchConfig;
#[cfg_attr(not(feature = "testing"), allow(unused_imports))]
pub(crate) use convert::{instrumentation_scope, to_span_data};
pub(crate) use counters::COUNTERS;
pub(crate) use exporter::ErasedExporter;
pub(crate) use hub::{flush, request_shutdown, start_accepting, submit};
pub(crate) use worker::run_collector;
