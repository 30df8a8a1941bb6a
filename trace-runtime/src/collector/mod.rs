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
//! # Prompt and batching exporters
//!
//! Exporters receive spans in batches: a full `max_export_batch_size`, or
//! whatever waited the schedule delay (`OTEL_BSP_SCHEDULE_DELAY`), a flush
//! or shutdown. A *prompt* exporter (the console, which a person reads as
//! the program runs) instead receives spans as soon as the collector has
//! them. A thread hands its spans off when its span stack empties, that is
//! when a local root has ended (or a late span of a trace already handed
//! off), so with a prompt exporter installed the hub wakes the collector on
//! every hand-off and the console prints each trace as its root ends. The
//! batching exporters installed beside it still get full batches, from a
//! pending buffer of their own (`delivery.rs`). The calling thread's cost
//! is a flag read under the lock the hand-off takes anyway, plus one
//! wake-up when the collector sleeps (`hub.rs`); spans are converted and
//! printed on the collector thread, as always.
//!
//! | file | owns |
//! |---|---|
//! | `batch.rs` | [`Batch`]: ended spans in the compact form they travel in |
//! | `hub.rs` | the bounded queue, flush tickets, shutdown within its deadline, the span accounting |
//! | `batch_config.rs` | [`BatchConfig`]: the `OTEL_BSP_*` settings |
//! | `counters.rs` | [`COUNTERS`]: every span started, ended, exported or dropped |
//! | `worker.rs` | the collector thread's loop |
//! | `delivery.rs` | [`Delivery`](delivery::Delivery): prompt and batching exporters, export counting and error reporting |
//! | `convert.rs` | a record made an OpenTelemetry `SpanData` |
//! | `exporter.rs` | [`ErasedExporter`]: the object-safe view of a `SpanExporter`; [`Prompt`] |

mod batch;
mod batch_config;
mod convert;
mod counters;
mod delivery;
mod exporter;
mod hub;
mod worker;

pub(crate) use batch::Batch;
pub(crate) use batch_config::BatchConfig;
#[cfg_attr(not(feature = "testing"), allow(unused_imports))]
pub(crate) use convert::{instrumentation_scope, to_span_data};
pub(crate) use counters::COUNTERS;
pub(crate) use exporter::{ErasedExporter, Prompt};
pub(crate) use hub::{Generation, Stopped, flush, shutdown, start_accepting, submit};
pub(crate) use worker::run_collector;
