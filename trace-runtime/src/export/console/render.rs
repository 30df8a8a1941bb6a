//! The line format: one block of rows as text, with or without colour.

use std::borrow::Cow;
use std::fmt::{self, Write as _};
use std::time::Duration;

use opentelemetry::trace::{SpanKind, Status, TraceId};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

use super::tree::{Header, Partial, Row, Top};

/// Durations line up after the widest tree-and-name, up to this many columns.
const NAME_COLUMN_MAX: usize = 48;

#[derive(Clone, Copy)]
pub(super) enum Style {
    Bold,
    Dim,
    Red,
    BoldRed,
}

impl Style {
    pub(super) fn ansi(self) -> &'static str {
        match self {
            Style::Bold => "1",
            Style::Dim => "2",
            Style::Red => "31",
            Style::BoldRed => "1;31",
        }
    }
}

/// The text of one write, with or without ANSI colour.
pub(super) struct Canvas<'a> {
    pub(super) text: String,
    pub(super) colour: bool,
    pub(super) service: Option<&'a str>,
}

impl<'a> Canvas<'a> {
    pub(super) fn new(colour: bool, service: Option<&'a str>) -> Self {
        Canvas {
            text: String::new(),
            colour,
            service,
        }
    }

    pub(super) fn paint(&mut self, style: Style, text: impl fmt::Display) -> fmt::Result {
        if self.colour {
            write!(self.text, "\x1b[{}m{text}\x1b[0m", style.ansi())
        } else {
            write!(self.text, "{text}")
        }
    }
}

/// Formatting into a `String` cannot fail; the `fmt::Result`s are only
/// there so `?` reads well.
pub(super) fn render_block(
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

pub(super) fn render_span(
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
    render_dropped(canvas, &gutter, "•", "events", span.events.dropped_count)?;
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
    render_dropped(canvas, &gutter, "→", "links", span.links.dropped_count)
}

/// The dimmed row that ends a span's events or links when the span limits
/// dropped some: `• (3 more events dropped)`; nothing when none were.
fn render_dropped(
    canvas: &mut Canvas<'_>,
    gutter: &str,
    bullet: &str,
    what: &str,
    dropped: u32,
) -> fmt::Result {
    if dropped == 0 {
        return Ok(());
    }
    canvas.paint(Style::Dim, gutter)?;
    canvas.paint(
        Style::Dim,
        format_args!("{bullet} ({dropped} more {what} dropped)"),
    )?;
    canvas.text.push('\n');
    Ok(())
}

pub(super) fn kind_label(kind: &SpanKind) -> Option<&'static str> {
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
pub(super) fn render_attributes(
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
pub(super) fn write_value(out: &mut String, value: &Value) -> fmt::Result {
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

pub(super) fn write_list<T>(
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
pub(super) fn clean(text: &str) -> Cow<'_, str> {
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
pub(super) fn human_duration(d: Duration) -> String {
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
