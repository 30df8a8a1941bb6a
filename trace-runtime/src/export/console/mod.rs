//! The console exporter: finished traces drawn as indented trees on the
//! terminal, the framework's output when no collector is configured.
//!
//! This module owns the per-trace buffer, the tree layout and the line
//! format. It is an ordinary [`SpanExporter`], so it sits at the end of the
//! same pipeline as OTLP and knows nothing about how spans were recorded.
//!
//! # Why it buffers per trace
//!
//! An exporter receives spans as they end: children before their parents,
//! in batches, and one trace may be spread over several batches. A tree can
//! only be drawn once its top is known, so spans wait in a buffer keyed by
//! trace id until the trace's *local root* arrives: a span without a parent,
//! or whose parent lives in another process (`parent_span_is_remote`) and is
//! not buffered here. The root and everything below it are then printed in
//! one write, so the trees of concurrent requests never interleave line by
//! line.
//!
//! A remote parent may still be in this process: a service that calls
//! itself, or a client and server on loopback in an example or a test. The
//! server span's parent then came from a header this process wrote. Span
//! ids written into carriers are remembered (lossily, see
//! `record/sent_parents.rs`), and a span whose remote parent is one of
//! them waits for it like any child, so the whole trace, every hop,
//! prints as one tree when the outermost span ends. This is why the
//! exporter reads that table from `record`: the only thing it takes from
//! the rest of the crate.
//!
//! Nothing is dropped silently:
//! - a span that arrives after its parent was printed (a detached task that
//!   outlived its caller) is printed at once under a `(continued)` header;
//! - `force_flush` and `shutdown` print whatever is still waiting as
//!   `(partial)` trees, spans whose parent never arrived drawn at the top
//!   with a `┄` marker and a note naming the missing parent;
//! - the buffer holds at most 10 000 spans; past that the oldest trace is
//!   printed as partial, so a trace that never ends cannot grow memory
//!   forever.
//!
//! # In the pipeline
//!
//! Installed in the pipeline (the default exporter, `OTEL_TRACES_EXPORTER=console`,
//! `TracesExporter::Console`, or a `ConsoleExporter` given to `with_exporter`),
//! it does not wait for the batch schedule: the collector exports to it as
//! soon as a thread hands its spans off, which a thread does when its last
//! open span ends. So each trace prints as its local root ends, and a late
//! span as it ends, while OTLP exporters installed beside it still receive
//! full batches. How that works is the collector's business (its
//! `exporter.rs`, `hub.rs` and `delivery.rs`); this exporter only prints
//! what it receives.
//!
//! # What a trace looks like
//!
//! ```text
//! trace 4bf92f3577b34da6a3ce929d0e0e4736 · shop
//! checkout        12.3ms  server  http.request.method="GET" cart.items=3  at src/shop.rs:42
//! ├─ load_cart    1.20ms  user.id=7
//! │  └─ db.query   830µs  client  db.system="postgres"
//! │       • rows  +500µs  count=2
//! └─ render       10.0ms  error: template missing
//!      • exception  +9.90ms  exception.type="TemplateError" exception.message="template missing"
//! ```
//!
//! Durations have three significant digits and line up in a column. The
//! kind is shown when it is not internal, the status when it is an error.
//! `code.*` attributes collapse into the `at file:line` suffix (the function
//! name is left out: it is the span name in almost every case). Strings are
//! quoted and escaped, and control characters in names are escaped, so a
//! hostile attribute value cannot break the tree or drive the terminal.
//! Colour (bold names, dim durations, red errors) is used only when stdout
//! is a terminal and `NO_COLOR` is unset or empty.

use std::fmt::{self};
use std::io::{self, IsTerminal as _, Write};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use opentelemetry::Key;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

mod buffer;
mod render;
mod tree;

use buffer::{PrintedSpans, TraceBuffer};
use render::Canvas;
use tree::{Partial, print_partial, print_ready};

use crate::lock::lock;

/// Spans held while their trace's root has not arrived. Past this, the
/// oldest trace is printed as partial.
const MAX_BUFFERED_SPANS: usize = 10_000;

/// Printed spans remembered (trace id, span id), so that a child arriving
/// after its parent was printed is recognised as late, not as an orphan.
const REMEMBERED_SPANS: usize = 10_000;

/// A [`SpanExporter`] that prints each finished trace as an indented tree.
///
/// It is the default exporter when no collector is configured. Spans arrive
/// as they end, children first, so they are buffered per trace until the
/// trace's local root arrives (a span with no parent, or whose parent is in
/// another process), then the whole tree is written at once. A span arriving
/// after its parent was printed is printed right away as a continuation.
/// [`force_flush`](SpanExporter::force_flush) and
/// [`shutdown`](SpanExporter::shutdown) print what is still buffered as
/// partial trees, and at most 10 000 spans are held: past that the oldest
/// trace is printed as partial.
///
/// ```text
/// trace 4bf92f3577b34da6a3ce929d0e0e4736 · shop
/// checkout        12.3ms  server  http.request.method="GET"  at src/shop.rs:42
/// ├─ load_cart    1.20ms  user.id=7
/// │  └─ db.query   830µs  client  db.system="postgres"
/// └─ render       10.0ms  error: template missing
///      • exception  +9.90ms  exception.type="TemplateError"
/// ```
///
/// ```
/// use trace_runtime::ConsoleExporter;
/// use trace_runtime::otel::trace::{Tracer as _, TracerProvider as _};
/// use trace_runtime::otel_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(ConsoleExporter::new())
///     .build();
/// let tracer = provider.tracer("example");
/// tracer.in_span("checkout", |_| tracer.in_span("load_cart", |_| {}));
/// // Prints:
/// // trace 5f0c…
/// // checkout      41.2µs
/// // └─ load_cart  3.10µs
/// provider.shutdown()?;
/// # Ok::<(), trace_runtime::otel_sdk::error::OTelSdkError>(())
/// ```
pub struct ConsoleExporter {
    state: Mutex<State>,
}

impl ConsoleExporter {
    /// Prints to standard output, in colour when stdout is a terminal and the
    /// `NO_COLOR` environment variable is unset or empty (and `TERM` is not
    /// `dumb`). Errors writing to the terminal, such as a closed pipe, are
    /// ignored: losing the console must not fail the export pipeline.
    ///
    /// ```
    /// use trace_runtime::ConsoleExporter;
    /// use trace_runtime::otel_sdk::trace::SdkTracerProvider;
    ///
    /// let provider = SdkTracerProvider::builder()
    ///     .with_batch_exporter(ConsoleExporter::new())
    ///     .build();
    /// # let _ = provider.shutdown();
    /// ```
    pub fn new() -> Self {
        let colour = io::stdout().is_terminal() && colour_allowed_by_env();
        Self::from_output(
            Output {
                writer: Box::new(io::stdout()),
                colour,
                report_errors: false,
            },
            MAX_BUFFERED_SPANS,
        )
    }

    /// Prints to `writer`, never in colour. A failed write is returned from
    /// the export (or flush) as [`OTelSdkError::InternalFailure`].
    ///
    /// ```
    /// use trace_runtime::ConsoleExporter;
    /// use trace_runtime::otel_sdk::trace::SdkTracerProvider;
    ///
    /// // Trees on stderr, leaving stdout to the program.
    /// let exporter = ConsoleExporter::with_writer(Box::new(std::io::stderr()));
    /// let provider = SdkTracerProvider::builder()
    ///     .with_simple_exporter(exporter)
    ///     .build();
    /// # let _ = provider.shutdown();
    /// ```
    pub fn with_writer(writer: Box<dyn Write + Send>) -> Self {
        Self::from_output(
            Output {
                writer,
                colour: false,
                report_errors: true,
            },
            MAX_BUFFERED_SPANS,
        )
    }

    fn from_output(out: Output, capacity: usize) -> Self {
        ConsoleExporter {
            state: Mutex::new(State {
                out,
                service: None,
                buffer: TraceBuffer::new(capacity),
                printed: PrintedSpans::new(REMEMBERED_SPANS),
                shut_down: false,
            }),
        }
    }

    /// The state, recovered if a writer panicked while it was held: the
    /// buffer is only changed before writing, so it is consistent.
    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Default for ConsoleExporter {
    /// Same as [`ConsoleExporter::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ConsoleExporter");
        // Never block: Debug may be called while another thread exports.
        let state = match self.state.try_lock() {
            Ok(state) => Some(state),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        };
        if let Some(state) = state {
            d.field("colour", &state.out.colour)
                .field("service", &state.service)
                .field("buffered_traces", &state.buffer.traces.len())
                .field("buffered_spans", &state.buffer.len)
                .field("shut_down", &state.shut_down);
        }
        d.finish_non_exhaustive()
    }
}

impl SpanExporter for ConsoleExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        let result = self.lock().export(batch);
        std::future::ready(result)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.lock().flush(Partial::Flushed)
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let mut state = self.lock();
        if state.shut_down {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        state.shut_down = true;
        state.flush(Partial::Flushed)
    }

    fn set_resource(&mut self, resource: &Resource) {
        let state = self.state.get_mut().unwrap_or_else(PoisonError::into_inner);
        state.service = service_name(resource);
    }
}

/// `service.name` from the resource, unless it is the SDK's
/// `unknown_service` fallback, which would only repeat noise on every tree.
fn service_name(resource: &Resource) -> Option<String> {
    let name = resource.get(&Key::from_static_str("service.name"))?;
    let name = name.as_str();
    (!name.is_empty() && !name.starts_with("unknown_service")).then(|| name.into_owned())
}

/// `NO_COLOR` (<https://no-color.org>: set and not empty) and `TERM=dumb`
/// turn colour off.
fn colour_allowed_by_env() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
    !no_color && !dumb
}

/// Everything behind the exporter's lock.
struct State {
    out: Output,
    service: Option<String>,
    buffer: TraceBuffer,
    printed: PrintedSpans,
    shut_down: bool,
}

impl State {
    fn export(&mut self, batch: Vec<SpanData>) -> OTelSdkResult {
        if self.shut_down {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let mut canvas = Canvas::new(self.out.colour, self.service.as_deref());
        // The whole batch goes in first: a root may come before its children
        // within one batch.
        for trace_id in self.buffer.insert(batch) {
            print_ready(&mut canvas, &mut self.buffer, &mut self.printed, trace_id);
        }
        while self.buffer.len > self.buffer.capacity {
            let Some((trace_id, spans)) = self.buffer.pop_oldest() else {
                break;
            };
            print_partial(
                &mut canvas,
                &mut self.printed,
                trace_id,
                &spans,
                Partial::BufferFull,
            );
        }
        let text = canvas.text;
        self.out.write(&text)
    }

    fn flush(&mut self, reason: Partial) -> OTelSdkResult {
        let mut canvas = Canvas::new(self.out.colour, self.service.as_deref());
        while let Some((trace_id, spans)) = self.buffer.pop_oldest() {
            print_partial(&mut canvas, &mut self.printed, trace_id, &spans, reason);
        }
        let text = canvas.text;
        self.out.write(&text)
    }
}

/// Where trees go.
struct Output {
    writer: Box<dyn Write + Send>,
    colour: bool,
    /// False for the terminal: a closed stdout must not fail the pipeline.
    report_errors: bool,
}

impl Output {
    fn write(&mut self, text: &str) -> OTelSdkResult {
        if text.is_empty() {
            return Ok(());
        }
        let written = self
            .writer
            .write_all(text.as_bytes())
            .and_then(|()| self.writer.flush());
        match written {
            Ok(()) => Ok(()),
            Err(_) if !self.report_errors => Ok(()),
            Err(e) => Err(OTelSdkError::InternalFailure(format!(
                "console exporter could not write: {e}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
