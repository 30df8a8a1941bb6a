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

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt::{self, Write as _};
use std::io::{self, IsTerminal as _, Write};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use opentelemetry::{Array, Key, KeyValue, Value};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use crate::lock::lock;

/// Spans held while their trace's root has not arrived. Past this, the
/// oldest trace is printed as partial.
const MAX_BUFFERED_SPANS: usize = 10_000;

/// Printed spans remembered (trace id, span id), so that a child arriving
/// after its parent was printed is recognised as late, not as an orphan.
const REMEMBERED_SPANS: usize = 10_000;

/// Durations line up after the widest tree-and-name, up to this many columns.
const NAME_COLUMN_MAX: usize = 48;

/// Nesting deeper than this is drawn at this depth, so a pathological chain
/// of spans cannot make the output quadratic in its length.
const MAX_DRAWN_DEPTH: usize = 32;

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

/// Spans waiting for their trace's root, oldest trace first.
struct TraceBuffer {
    traces: HashMap<TraceId, PendingTrace>,
    /// Arrival order of the traces in `traces`, for evicting the oldest.
    arrival: BTreeMap<u64, TraceId>,
    next_seq: u64,
    /// Spans across all traces.
    len: usize,
    capacity: usize,
}

struct PendingTrace {
    seq: u64,
    spans: Vec<SpanData>,
}

impl TraceBuffer {
    fn new(capacity: usize) -> Self {
        TraceBuffer {
            traces: HashMap::new(),
            arrival: BTreeMap::new(),
            next_seq: 0,
            len: 0,
            capacity,
        }
    }

    /// Buffers the batch; returns the traces it touched, in first-seen order.
    fn insert(&mut self, batch: Vec<SpanData>) -> Vec<TraceId> {
        let mut touched = Vec::new();
        let mut seen = HashSet::new();
        for span in batch {
            let trace_id = span.span_context.trace_id();
            if seen.insert(trace_id) {
                touched.push(trace_id);
            }
            let trace = self.traces.entry(trace_id).or_insert_with(|| {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.arrival.insert(seq, trace_id);
                PendingTrace {
                    seq,
                    spans: Vec::new(),
                }
            });
            trace.spans.push(span);
            self.len += 1;
        }
        touched
    }

    fn pop_oldest(&mut self) -> Option<(TraceId, Vec<SpanData>)> {
        let (_, trace_id) = self.arrival.pop_first()?;
        let trace = self.traces.remove(&trace_id)?;
        self.len = self.len.saturating_sub(trace.spans.len());
        Some((trace_id, trace.spans))
    }

    /// Drops the spans flagged in `taken` (same order as the trace's spans).
    fn remove_taken(&mut self, trace_id: TraceId, taken: &[bool]) {
        let Some(trace) = self.traces.get_mut(&trace_id) else {
            return;
        };
        let before = trace.spans.len();
        let mut flags = taken.iter();
        trace
            .spans
            .retain(|_| !flags.next().copied().unwrap_or(false));
        self.len = self.len.saturating_sub(before - trace.spans.len());
        if trace.spans.is_empty() {
            let seq = trace.seq;
            self.traces.remove(&trace_id);
            self.arrival.remove(&seq);
        }
    }
}

/// The most recently printed spans, bounded, oldest forgotten first.
struct PrintedSpans {
    set: HashSet<(TraceId, SpanId)>,
    order: VecDeque<(TraceId, SpanId)>,
    capacity: usize,
}

impl PrintedSpans {
    fn new(capacity: usize) -> Self {
        PrintedSpans {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    fn contains(&self, trace_id: TraceId, span_id: SpanId) -> bool {
        self.set.contains(&(trace_id, span_id))
    }

    fn remember(&mut self, trace_id: TraceId, span_id: SpanId) {
        if self.capacity == 0 || !self.set.insert((trace_id, span_id)) {
            return;
        }
        self.order.push_back((trace_id, span_id));
        if self.order.len() > self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.set.remove(&oldest);
        }
    }
}

/// Parent links of one trace's buffered spans.
struct TraceIndex {
    ids: HashSet<SpanId>,
    /// Children of each span id, by start time (then arrival).
    children: HashMap<SpanId, Vec<usize>>,
}

impl TraceIndex {
    fn new(spans: &[SpanData]) -> Self {
        let mut ids = HashSet::with_capacity(spans.len());
        let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
        for (i, span) in spans.iter().enumerate() {
            ids.insert(span.span_context.span_id());
            if has_parent(span) {
                children.entry(span.parent_span_id).or_default().push(i);
            }
        }
        for kids in children.values_mut() {
            kids.sort_by(|&a, &b| by_start(&spans[a], &spans[b]));
        }
        TraceIndex { ids, children }
    }

    fn children_of(&self, span: &SpanData) -> &[usize] {
        self.children
            .get(&span.span_context.span_id())
            .map_or(&[], Vec::as_slice)
    }
}

fn has_parent(span: &SpanData) -> bool {
    let parent = span.parent_span_id;
    parent != SpanId::INVALID && parent != span.span_context.span_id()
}

fn by_start(a: &SpanData, b: &SpanData) -> Ordering {
    a.start_time
        .cmp(&b.start_time)
        .then(a.end_time.cmp(&b.end_time))
}

/// How a span drawn at the top of a block relates to what is not drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Top {
    /// Not at the top: drawn under its parent.
    Child,
    /// No parent: the trace's root.
    Root,
    /// The parent is in another process.
    RemoteParent(SpanId),
    /// The parent was printed earlier.
    Late(SpanId),
    /// The parent never arrived (only when flushing).
    Orphan(SpanId),
    /// The parent chain loops back to this span (malformed input).
    Cycle(SpanId),
}

impl Top {
    fn marker(self) -> &'static str {
        match self {
            Top::Late(_) | Top::Orphan(_) | Top::Cycle(_) => "┄ ",
            Top::Child | Top::Root | Top::RemoteParent(_) => "",
        }
    }
}

/// Whether `span` can head a block, and how: `None` while its parent is
/// buffered. `Orphan` means "not yet": only a flush draws orphans.
fn top_of(
    span: &SpanData,
    trace_id: TraceId,
    index: &TraceIndex,
    printed: &PrintedSpans,
) -> Option<Top> {
    let parent = span.parent_span_id;
    if !has_parent(span) {
        Some(Top::Root)
    } else if index.ids.contains(&parent) {
        None
    } else if span.parent_span_is_remote {
        Some(Top::RemoteParent(parent))
    } else if printed.contains(trace_id, parent) {
        Some(Top::Late(parent))
    } else {
        Some(Top::Orphan(parent))
    }
}

/// Prints every complete subtree of one trace (headed by a root, a span with
/// a remote parent, or a late span) and drops it from the buffer.
fn print_ready(
    canvas: &mut Canvas<'_>,
    buffer: &mut TraceBuffer,
    printed: &mut PrintedSpans,
    trace_id: TraceId,
) {
    let Some(trace) = buffer.traces.get(&trace_id) else {
        return;
    };
    let spans = &trace.spans;
    let index = TraceIndex::new(spans);
    let mut taken = vec![false; spans.len()];
    let mut rows = Vec::new();
    let mut any = false;
    for (i, span) in spans.iter().enumerate() {
        if taken[i] {
            continue;
        }
        let (top, header) = match top_of(span, trace_id, &index, printed) {
            Some(top @ (Top::Root | Top::RemoteParent(_))) => (top, Header::Complete),
            Some(top @ Top::Late(_)) => (top, Header::Continued),
            // Orphans wait: their parent may still arrive.
            _ => continue,
        };
        rows.clear();
        layout(spans, &index, &mut taken, &[(i, top)], &mut rows);
        let _ = render_block(canvas, trace_id, header, spans, &rows);
        for row in &rows {
            printed.remember(trace_id, spans[row.idx].span_context.span_id());
        }
        any = true;
    }
    if any {
        buffer.remove_taken(trace_id, &taken);
    }
}

/// Prints all of a trace's buffered spans as one partial block.
fn print_partial(
    canvas: &mut Canvas<'_>,
    printed: &mut PrintedSpans,
    trace_id: TraceId,
    spans: &[SpanData],
    reason: Partial,
) {
    let index = TraceIndex::new(spans);
    let mut tops: Vec<(usize, Top)> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, span)| top_of(span, trace_id, &index, printed).map(|top| (i, top)))
        .collect();
    tops.sort_by(|a, b| by_start(&spans[a.0], &spans[b.0]));
    let mut taken = vec![false; spans.len()];
    let mut rows = Vec::new();
    layout(spans, &index, &mut taken, &tops, &mut rows);
    // Spans whose parent chain is a loop are reachable from no top.
    let mut looped: Vec<usize> = (0..spans.len()).filter(|&i| !taken[i]).collect();
    looped.sort_by(|&a, &b| by_start(&spans[a], &spans[b]));
    for i in looped {
        let top = Top::Cycle(spans[i].parent_span_id);
        layout(spans, &index, &mut taken, &[(i, top)], &mut rows);
    }
    let _ = render_block(canvas, trace_id, Header::Partial(reason), spans, &rows);
    for row in &rows {
        printed.remember(trace_id, spans[row.idx].span_context.span_id());
    }
}

/// One line of a tree, before formatting.
struct Row {
    idx: usize,
    top: Top,
    /// Glyphs before the name: ancestors' rails and this span's connector.
    lead: String,
    /// Rails continuing below this span, for its events and children.
    below: String,
    has_children: bool,
}

/// Lays out the subtrees under `tops` depth-first (children by start time),
/// claiming each span in `taken` so no span is drawn twice. Iterative, so a
/// deep chain cannot overflow the stack.
fn layout(
    spans: &[SpanData],
    index: &TraceIndex,
    taken: &mut [bool],
    tops: &[(usize, Top)],
    rows: &mut Vec<Row>,
) {
    for &(top_idx, top) in tops {
        if taken[top_idx] {
            continue;
        }
        taken[top_idx] = true;
        let lead = top.marker().to_owned();
        let below = " ".repeat(lead.chars().count());
        let mut stack = vec![(top_idx, top, lead, below, 0_usize)];
        while let Some((idx, top, lead, below, depth)) = stack.pop() {
            let kids: Vec<usize> = index
                .children_of(&spans[idx])
                .iter()
                .copied()
                .filter(|&k| !taken[k])
                .collect();
            for &k in &kids {
                taken[k] = true;
            }
            for (pos, &kid) in kids.iter().enumerate().rev() {
                let last = pos + 1 == kids.len();
                let kid_lead = format!("{below}{}", if last { "└─ " } else { "├─ " });
                let kid_below = if depth < MAX_DRAWN_DEPTH {
                    format!("{below}{}", if last { "   " } else { "│  " })
                } else {
                    below.clone()
                };
                stack.push((kid, Top::Child, kid_lead, kid_below, depth + 1));
            }
            rows.push(Row {
                idx,
                top,
                lead,
                below,
                has_children: !kids.is_empty(),
            });
        }
    }
}

/// Why a block is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Header {
    Complete,
    Continued,
    Partial(Partial),
}

/// Why a block is printed before its root arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Partial {
    Flushed,
    BufferFull,
}

#[derive(Clone, Copy)]
enum Style {
    Bold,
    Dim,
    Red,
    BoldRed,
}

impl Style {
    fn ansi(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::BoldRed => "1;31",
        }
    }
}

/// The text of one write, with or without ANSI colour.
struct Canvas<'a> {
    text: String,
    colour: bool,
    service: Option<&'a str>,
}

impl<'a> Canvas<'a> {
    fn new(colour: bool, service: Option<&'a str>) -> Self {
        Canvas {
            text: String::new(),
            colour,
            service,
        }
    }

    fn paint(&mut self, style: Style, text: impl fmt::Display) -> fmt::Result {
        if self.colour {
            write!(self.text, "\x1b[{}m{text}\x1b[0m", style.ansi())
        } else {
            write!(self.text, "{text}")
        }
    }
}

/// Formatting into a `String` cannot fail; the `fmt::Result`s are only
/// there so `?` reads well.
fn render_block(
    canvas: &mut Canvas<'_>,
    trace_id: TraceId,
    header: Header,
    spans: &[SpanData],
    rows: &[Row],
) -> fmt::Result {
    if rows.is_empty() {
        return Ok(());
    }
    canvas.paint(Style::Bold, format_args!("trace {trace_id}"))?;
    if let Some(service) = canvas.service {
        write!(canvas.text, " · {}", clean(service))?;
    }
    match header {
        Header::Complete => {}
        Header::Continued => canvas.paint(Style::Dim, "  (continued)")?,
        Header::Partial(Partial::Flushed) => {
            canvas.paint(Style::Dim, "  (partial: flushed before its root ended)")?;
        }
        Header::Partial(Partial::BufferFull) => {
            canvas.paint(Style::Dim, "  (partial: buffer full)")?
        }
    }
    canvas.text.push('\n');

    let names: Vec<Cow<'_, str>> = rows.iter().map(|row| clean(&spans[row.idx].name)).collect();
    let width = rows
        .iter()
        .zip(&names)
        .map(|(row, name)| row.lead.chars().count() + name.chars().count())
        .max()
        .unwrap_or(0)
        .min(NAME_COLUMN_MAX);
    for (row, name) in rows.iter().zip(&names) {
        render_span(canvas, &spans[row.idx], row, name, width)?;
    }
    canvas.text.push('\n');
    Ok(())
}

fn render_span(
    canvas: &mut Canvas<'_>,
    span: &SpanData,
    row: &Row,
    name: &str,
    width: usize,
) -> fmt::Result {
    let is_error = matches!(span.status, Status::Error { .. });
    if !row.lead.is_empty() {
        canvas.paint(Style::Dim, &row.lead)?;
    }
    let name_style = if is_error {
        Style::BoldRed
    } else {
        Style::Bold
    };
    canvas.paint(name_style, name)?;
    let pad = width.saturating_sub(row.lead.chars().count() + name.chars().count());
    write!(canvas.text, "{:pad$}  ", "")?;
    let elapsed = span
        .end_time
        .duration_since(span.start_time)
        .map_or_else(|_| "?".to_owned(), human_duration);
    canvas.paint(Style::Dim, format_args!("{elapsed:>6}"))?;
    if let Some(kind) = kind_label(&span.span_kind) {
        write!(canvas.text, "  {kind}")?;
    }
    if let Status::Error { description } = &span.status {
        if description.is_empty() {
            canvas.paint(Style::Red, "  error")?;
        } else {
            canvas.paint(Style::Red, format_args!("  error: {}", clean(description)))?;
        }
    }
    render_attributes(canvas, &span.attributes, span.dropped_attributes_count)?;
    match row.top {
        Top::Child | Top::Root => {}
        Top::RemoteParent(parent) => {
            canvas.paint(Style::Dim, format_args!("  (remote parent {parent})"))?
        }
        Top::Late(parent) => canvas.paint(
            Style::Dim,
            format_args!("  (parent {parent} printed above)"),
        )?,
        Top::Orphan(parent) => {
            canvas.paint(Style::Dim, format_args!("  (parent {parent} not received)"))?
        }
        Top::Cycle(parent) => {
            canvas.paint(Style::Dim, format_args!("  (parent {parent} loops back)"))?
        }
    }
    canvas.text.push('\n');

    let gutter = format!(
        "{}{}",
        row.below,
        if row.has_children { "│ " } else { "  " }
    );
    for event in span.events.iter() {
        canvas.paint(Style::Dim, &gutter)?;
        let bullet_style = if event.name == "exception" {
            Style::Red
        } else {
            Style::Bold
        };
        canvas.paint(bullet_style, format_args!("• {}", clean(&event.name)))?;
        if let Ok(offset) = event.timestamp.duration_since(span.start_time) {
            canvas.paint(Style::Dim, format_args!("  +{}", human_duration(offset)))?;
        }
        render_attributes(canvas, &event.attributes, event.dropped_attributes_count)?;
        canvas.text.push('\n');
    }
    if span.events.dropped_count > 0 {
        canvas.paint(Style::Dim, &gutter)?;
        canvas.paint(
            Style::Dim,
            format_args!("• ({} more events dropped)", span.events.dropped_count),
        )?;
        canvas.text.push('\n');
    }
    for link in span.links.iter() {
        canvas.paint(Style::Dim, &gutter)?;
        write!(
            canvas.text,
            "→ link trace={} span={}",
            link.span_context.trace_id(),
            link.span_context.span_id()
        )?;
        render_attributes(canvas, &link.attributes, link.dropped_attributes_count)?;
        canvas.text.push('\n');
    }
    if span.links.dropped_count > 0 {
        canvas.paint(Style::Dim, &gutter)?;
        canvas.paint(
            Style::Dim,
            format_args!("→ ({} more links dropped)", span.links.dropped_count),
        )?;
        canvas.text.push('\n');
    }
    Ok(())
}

fn kind_label(kind: &SpanKind) -> Option<&'static str> {
    match kind {
        SpanKind::Internal => None,
        SpanKind::Server => Some("server"),
        SpanKind::Client => Some("client"),
        SpanKind::Producer => Some("producer"),
        SpanKind::Consumer => Some("consumer"),
    }
}

/// `  k=v k=v` (nothing when empty), a dropped count, and `  at file:line`
/// from the `code.*` attributes, which are otherwise left out.
fn render_attributes(
    canvas: &mut Canvas<'_>,
    attributes: &[KeyValue],
    dropped: u32,
) -> fmt::Result {
    let mut file = None;
    let mut line = None;
    let mut first = true;
    for kv in attributes {
        let key = kv.key.as_str();
        if let Some(code_key) = key.strip_prefix("code.") {
            match code_key {
                "file.path" | "filepath" => file = Some(&kv.value),
                "line.number" | "lineno" => line = Some(&kv.value),
                _ => {}
            }
            continue;
        }
        canvas.text.push_str(if first { "  " } else { " " });
        first = false;
        write!(canvas.text, "{}=", clean(key))?;
        write_value(&mut canvas.text, &kv.value)?;
    }
    if dropped > 0 {
        canvas.paint(Style::Dim, format_args!("  (+{dropped} dropped)"))?;
    }
    if let Some(file) = file {
        let at = match line {
            Some(line) => format!("at {}:{}", clean(&file.as_str()), clean(&line.as_str())),
            None => format!("at {}", clean(&file.as_str())),
        };
        canvas.paint(Style::Dim, format_args!("  {at}"))?;
    }
    Ok(())
}

/// Strings quoted and escaped, floats always with a point, arrays in brackets.
fn write_value(out: &mut String, value: &Value) -> fmt::Result {
    match value {
        Value::Bool(v) => write!(out, "{v}"),
        Value::I64(v) => write!(out, "{v}"),
        Value::F64(v) => write!(out, "{v:?}"),
        Value::String(v) => write!(out, "{:?}", v.as_str()),
        Value::Array(Array::Bool(vs)) => write_list(out, vs, |out, v| write!(out, "{v}")),
        Value::Array(Array::I64(vs)) => write_list(out, vs, |out, v| write!(out, "{v}")),
        Value::Array(Array::F64(vs)) => write_list(out, vs, |out, v| write!(out, "{v:?}")),
        Value::Array(Array::String(vs)) => {
            write_list(out, vs, |out, v| write!(out, "{:?}", v.as_str()))
        }
        // Variants added to the non-exhaustive enums later.
        other => write!(out, "{}", clean(&other.as_str())),
    }
}

fn write_list<T>(
    out: &mut String,
    values: &[T],
    mut item: impl FnMut(&mut String, &T) -> fmt::Result,
) -> fmt::Result {
    out.push('[');
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, value)?;
    }
    out.push(']');
    Ok(())
}

/// `text` with control characters escaped (`\n`, `\u{1b}`), so names cannot
/// break lines or send escape sequences to the terminal.
fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

/// Three significant digits in the largest unit that keeps the number at
/// least 1: `850ns`, `1.20µs`, `12.3ms`, `120s` (whole seconds past 999).
fn human_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    #[allow(clippy::cast_precision_loss)] // three digits are shown
    let nanos = nanos as f64;
    for (scale, unit) in [(1e3, "µs"), (1e6, "ms")] {
        let value = nanos / scale;
        if value < 9.995 {
            return format!("{value:.2}{unit}");
        }
        if value < 99.95 {
            return format!("{value:.1}{unit}");
        }
        if value < 999.5 {
            return format!("{value:.0}{unit}");
        }
    }
    let secs = nanos / 1e9;
    if secs < 9.995 {
        format!("{secs:.2}s")
    } else if secs < 99.95 {
        format!("{secs:.1}s")
    } else {
        format!("{secs:.0}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_executor::block_on;
    use opentelemetry::InstrumentationScope;
    use opentelemetry::trace::{Event, Link, SpanContext, TraceFlags, TraceState};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use std::sync::Arc;
    use std::time::{SystemTime, UNIX_EPOCH};

    const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;

    /// A writer the test can read back after the exporter has written to it.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        fn exporter(&self) -> ConsoleExporter {
            ConsoleExporter::with_writer(Box::new(self.clone()))
        }

        fn take(&self) -> String {
            let mut bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            String::from_utf8(std::mem::take(&mut *bytes)).expect("utf-8")
        }
    }

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(buf);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn at(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_micros(micros)
    }

    fn span_in(
        trace: u128,
        id: u64,
        parent: u64,
        name: &'static str,
        start_us: u64,
        end_us: u64,
    ) -> SpanData {
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(trace),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::NONE,
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.into(),
            start_time: at(start_us),
            end_time: at(end_us),
            attributes: Vec::new(),
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::default(),
        }
    }

    fn span(id: u64, parent: u64, name: &'static str, start_us: u64, end_us: u64) -> SpanData {
        span_in(TRACE, id, parent, name, start_us, end_us)
    }

    fn export(exporter: &ConsoleExporter, batch: Vec<SpanData>) -> OTelSdkResult {
        block_on(exporter.export(batch))
    }

    /// checkout ─┬─ load_cart ── db.query
    ///           └─ render (error)
    fn shop_trace() -> (Vec<SpanData>, Vec<SpanData>) {
        let mut checkout = span(1, 0, "checkout", 0, 12_300);
        checkout.span_kind = SpanKind::Server;
        checkout.attributes = vec![
            KeyValue::new("http.request.method", "GET"),
            KeyValue::new("code.function.name", "shop::checkout"),
            KeyValue::new("code.file.path", "src/shop.rs"),
            KeyValue::new("code.line.number", 42_i64),
            KeyValue::new("cart.items", 3_i64),
        ];
        let mut load_cart = span(2, 1, "load_cart", 200, 1_400);
        load_cart.attributes = vec![KeyValue::new("user.id", 7_i64)];
        let mut query = span(4, 2, "db.query", 400, 1_230);
        query.span_kind = SpanKind::Client;
        query.attributes = vec![KeyValue::new("db.system", "postgres")];
        query.events.events.push(Event::new(
            "rows",
            at(900),
            vec![KeyValue::new("count", 2_i64)],
            0,
        ));
        let mut render = span(3, 1, "render", 2_000, 12_000);
        render.status = Status::error("template missing");
        render.events.events.push(Event::new(
            "exception",
            at(11_900),
            vec![
                KeyValue::new("exception.type", "TemplateError"),
                KeyValue::new("exception.message", "template missing"),
            ],
            0,
        ));
        // Spans arrive as they end: `render` before `load_cart`, although it
        // started later.
        (vec![query, render], vec![load_cart, checkout])
    }

    const SHOP_TREE: &str = "\
trace 4bf92f3577b34da6a3ce929d0e0e4736
checkout        12.3ms  server  http.request.method=\"GET\" cart.items=3  at src/shop.rs:42
├─ load_cart    1.20ms  user.id=7
│  └─ db.query   830µs  client  db.system=\"postgres\"
│       • rows  +500µs  count=2
└─ render       10.0ms  error: template missing
     • exception  +9.90ms  exception.type=\"TemplateError\" exception.message=\"template missing\"

";

    #[test]
    fn tree_is_printed_when_its_root_arrives_across_batches() {
        let out = Captured::default();
        let exporter = out.exporter();
        let (first, second) = shop_trace();

        assert!(export(&exporter, first).is_ok());
        assert_eq!(out.take(), "", "nothing is printed before the root ends");

        assert!(export(&exporter, second).is_ok());
        assert_eq!(out.take(), SHOP_TREE);
        assert_eq!(exporter.lock().buffer.len, 0);
    }

    #[test]
    fn root_may_come_before_its_children_within_a_batch() {
        let out = Captured::default();
        let exporter = out.exporter();
        let (first, second) = shop_trace();
        let batch: Vec<SpanData> = second.into_iter().rev().chain(first).collect();

        assert!(export(&exporter, batch).is_ok());
        assert_eq!(out.take(), SHOP_TREE);
    }

    #[test]
    fn service_name_from_the_resource_is_in_the_header() {
        let out = Captured::default();
        let mut exporter = out.exporter();
        exporter.set_resource(&Resource::builder_empty().with_service_name("shop").build());

        assert!(export(&exporter, vec![span(1, 0, "checkout", 0, 5)]).is_ok());
        assert_eq!(
            out.take(),
            "trace 4bf92f3577b34da6a3ce929d0e0e4736 · shop\ncheckout  5.00µs\n\n"
        );
    }

    #[test]
    fn force_flush_prints_orphans_as_a_partial_tree() {
        let out = Captured::default();
        let exporter = out.exporter();
        // The root (id 1) is still running; 2 is its child, 3 a grandchild,
        // 9 a span whose parent (8) never arrives.
        let batch = vec![
            span(3, 2, "parse", 20, 30),
            span(2, 1, "handle", 10, 40),
            span(9, 8, "detached", 5, 50),
        ];
        assert!(export(&exporter, batch).is_ok());
        assert_eq!(out.take(), "");

        assert!(exporter.force_flush().is_ok());
        assert_eq!(
            out.take(),
            "\
trace 4bf92f3577b34da6a3ce929d0e0e4736  (partial: flushed before its root ended)
┄ detached  45.0µs  (parent 0000000000000008 not received)
┄ handle    30.0µs  (parent 0000000000000001 not received)
  └─ parse  10.0µs

"
        );
        assert_eq!(exporter.lock().buffer.len, 0);
    }

    #[test]
    fn late_child_is_printed_as_a_continuation() {
        let out = Captured::default();
        let exporter = out.exporter();
        assert!(export(&exporter, vec![span(1, 0, "request", 0, 100)]).is_ok());
        out.take();

        // A task spawned by `request` ends after it.
        let batch = vec![
            span(3, 2, "write", 150, 180),
            span(2, 1, "background", 120, 200),
        ];
        assert!(export(&exporter, batch).is_ok());
        assert_eq!(
            out.take(),
            "\
trace 4bf92f3577b34da6a3ce929d0e0e4736  (continued)
┄ background  80.0µs  (parent 0000000000000001 printed above)
  └─ write    30.0µs

"
        );
    }

    #[test]
    fn span_with_remote_parent_is_a_local_root() {
        let out = Captured::default();
        let exporter = out.exporter();
        let mut server = span(5, 0xabc, "GET /users", 0, 2_000);
        server.parent_span_is_remote = true;
        server.span_kind = SpanKind::Server;

        assert!(export(&exporter, vec![span(6, 5, "load", 100, 900), server]).is_ok());
        assert_eq!(
            out.take(),
            "\
trace 4bf92f3577b34da6a3ce929d0e0e4736
GET /users  2.00ms  server  (remote parent 0000000000000abc)
└─ load      800µs

"
        );
    }

    #[test]
    fn remote_parent_in_the_same_process_joins_the_tree() {
        let out = Captured::default();
        let exporter = out.exporter();
        // Client and server on loopback: the server's remote parent is the
        // client span, which ends later.
        let mut server = span(5, 4, "server", 100, 800);
        server.parent_span_is_remote = true;
        let batch = vec![server, span(4, 0, "client", 0, 1_000)];

        assert!(export(&exporter, batch).is_ok());
        assert_eq!(
            out.take(),
            "trace 4bf92f3577b34da6a3ce929d0e0e4736\nclient     1.00ms\n└─ server   700µs\n\n"
        );
    }

    #[test]
    fn links_and_dropped_counts_are_shown_under_the_span() {
        let out = Captured::default();
        let exporter = out.exporter();
        let mut consume = span(1, 0, "consume", 0, 1_000);
        consume.span_kind = SpanKind::Consumer;
        consume.dropped_attributes_count = 2;
        consume.links.links.push(Link::new(
            SpanContext::new(
                TraceId::from(0xaa_u128),
                SpanId::from(0xbb_u64),
                TraceFlags::SAMPLED,
                true,
                TraceState::NONE,
            ),
            vec![KeyValue::new("messaging.operation", "publish")],
            0,
        ));
        consume.events.dropped_count = 3;

        assert!(export(&exporter, vec![consume]).is_ok());
        assert_eq!(
            out.take(),
            "\
trace 4bf92f3577b34da6a3ce929d0e0e4736
consume  1.00ms  consumer  (+2 dropped)
  • (3 more events dropped)
  → link trace=000000000000000000000000000000aa span=00000000000000bb  messaging.operation=\"publish\"

"
        );
    }

    #[test]
    fn values_keep_their_types_and_control_characters_are_escaped() {
        let out = Captured::default();
        let exporter = out.exporter();
        let mut s = span(1, 0, "evil\n\u{1b}[31mname", 0, 1);
        s.attributes = vec![
            KeyValue::new("s", "a \"q\"\nb"),
            KeyValue::new("f", 1.0_f64),
            KeyValue::new("b", true),
            KeyValue::new("ints", Value::Array(Array::I64(vec![1, 2]))),
            KeyValue::new(
                "strs",
                Value::Array(Array::String(vec!["x".into(), "y".into()])),
            ),
        ];

        assert!(export(&exporter, vec![s]).is_ok());
        assert_eq!(
            out.take(),
            "trace 4bf92f3577b34da6a3ce929d0e0e4736\n\
             evil\\n\\u{1b}[31mname  1.00µs  s=\"a \\\"q\\\"\\nb\" f=1.0 b=true ints=[1,2] strs=[\"x\",\"y\"]\n\n"
        );
    }

    #[test]
    fn buffer_stays_bounded_with_a_huge_number_of_unfinished_traces() {
        let out = Captured::default();
        let exporter = out.exporter();
        let traces: u64 = 25_000;
        // One span per trace, each waiting for a root that never comes.
        let batch: Vec<SpanData> = (1..=traces)
            .map(|t| span_in(u128::from(t), 2, 1, "work", 0, 10))
            .collect();

        assert!(export(&exporter, batch).is_ok());
        assert_eq!(exporter.lock().buffer.len, MAX_BUFFERED_SPANS);
        assert_eq!(exporter.lock().buffer.traces.len(), MAX_BUFFERED_SPANS);
        let evicted = out.take();
        assert_eq!(evicted.matches("(partial: buffer full)").count(), 15_000);
        assert!(
            evicted.starts_with("trace 00000000000000000000000000000001  (partial: buffer full)\n"),
            "the oldest trace goes first"
        );

        assert!(exporter.force_flush().is_ok());
        assert_eq!(
            out.take().matches("(partial: flushed").count(),
            10_000,
            "nothing is lost"
        );
        assert_eq!(exporter.lock().buffer.len, 0);
        assert!(exporter.lock().printed.set.len() <= REMEMBERED_SPANS);
    }

    #[test]
    fn a_trace_that_never_ends_is_printed_in_bounded_pieces() {
        let out = Captured::default();
        let exporter = ConsoleExporter::from_output(
            Output {
                writer: Box::new(out.clone()),
                colour: false,
                report_errors: true,
            },
            100,
        );
        for batch in 0..10_u64 {
            let spans = (0..50)
                .map(|i| span(2 + batch * 50 + i, 1, "tick", 0, 1))
                .collect();
            assert!(export(&exporter, spans).is_ok());
            assert!(exporter.lock().buffer.len <= 100);
        }
        // Every third batch pushes the trace past 100 spans and prints it.
        let text = out.take();
        assert_eq!(text.matches("(partial: buffer full)").count(), 3);
        assert_eq!(text.matches("tick").count(), 450);
        assert!(exporter.force_flush().is_ok());
        assert_eq!(out.take().matches("tick").count(), 50);
    }

    #[test]
    fn parent_cycles_and_deep_chains_do_not_hang_or_overflow() {
        let out = Captured::default();
        let exporter = out.exporter();
        let mut batch = vec![span(2, 3, "a", 0, 1), span(3, 2, "b", 0, 1)];
        batch.extend((10..5_010).map(|id| span(id + 1, id, "deep", 0, 1)));
        assert!(export(&exporter, batch).is_ok());
        assert!(exporter.force_flush().is_ok());

        let text = out.take();
        assert!(text.contains("┄ a  "), "{text}");
        assert!(text.contains("(parent 0000000000000003 loops back)"));
        assert_eq!(text.matches("deep").count(), 5_000);
        assert!(text.lines().all(|line| line.chars().count() < 200));
    }

    #[test]
    fn shutdown_flushes_then_rejects_exports() {
        let out = Captured::default();
        let exporter = out.exporter();
        assert!(export(&exporter, vec![span(2, 1, "pending", 0, 1)]).is_ok());

        assert!(exporter.shutdown().is_ok());
        assert!(out.take().contains("┄ pending"));
        assert!(matches!(
            export(&exporter, vec![span(1, 0, "late", 0, 1)]),
            Err(OTelSdkError::AlreadyShutdown)
        ));
        assert!(matches!(
            exporter.shutdown(),
            Err(OTelSdkError::AlreadyShutdown)
        ));
        assert_eq!(out.take(), "");
    }

    #[test]
    fn write_errors_are_returned() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let exporter = ConsoleExporter::with_writer(Box::new(Broken));
        let result = export(&exporter, vec![span(1, 0, "root", 0, 1)]);
        assert!(matches!(result, Err(OTelSdkError::InternalFailure(m)) if m.contains("disk full")));
    }

    #[test]
    fn a_panicking_writer_does_not_break_the_exporter() {
        struct PanicsOnce(bool, Captured);
        impl Write for PanicsOnce {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                if !self.0 {
                    self.0 = true;
                    panic!("writer bug");
                }
                self.1.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let out = Captured::default();
        let exporter = ConsoleExporter::with_writer(Box::new(PanicsOnce(false, out.clone())));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            export(&exporter, vec![span(1, 0, "first", 0, 1)])
        }));
        assert!(panicked.is_err());

        assert!(export(&exporter, vec![span(2, 0, "second", 0, 1)]).is_ok());
        assert!(out.take().contains("second  1.00µs"));
        assert!(format!("{exporter:?}").starts_with("ConsoleExporter { colour: false"));
    }

    #[test]
    fn colour_marks_names_durations_and_errors() {
        let out = Captured::default();
        let exporter = ConsoleExporter::from_output(
            Output {
                writer: Box::new(out.clone()),
                colour: true,
                report_errors: true,
            },
            MAX_BUFFERED_SPANS,
        );
        let mut failed = span(1, 0, "root", 0, 1);
        failed.status = Status::error("boom");
        assert!(export(&exporter, vec![failed]).is_ok());
        assert_eq!(
            out.take(),
            "\x1b[1mtrace 4bf92f3577b34da6a3ce929d0e0e4736\x1b[0m\n\
             \x1b[1;31mroot\x1b[0m  \x1b[2m1.00µs\x1b[0m\x1b[31m  error: boom\x1b[0m\n\n"
        );
    }

    #[test]
    fn durations_have_three_significant_digits() {
        let cases = [
            (0, "0ns"),
            (999, "999ns"),
            (1_000, "1.00µs"),
            (12_345, "12.3µs"),
            (999_499, "999µs"),
            (999_999, "1.00ms"),
            (830_000, "830µs"),
            (12_300_000, "12.3ms"),
            (1_500_000_000, "1.50s"),
            (3_600_000_000_000, "3600s"),
        ];
        for (nanos, expected) in cases {
            assert_eq!(
                human_duration(Duration::from_nanos(nanos)),
                expected,
                "{nanos}ns"
            );
        }
    }
}
