//! The tree layout: which buffered spans head a block, and their subtrees
//! as rows, depth-first, children by start time.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SpanData;

use super::buffer::{PrintedSpans, TraceBuffer};
use super::render::{Canvas, render_block};
use crate::record::sent_parents;

/// Nesting deeper than this is drawn at this depth, so a pathological chain
/// of spans cannot make the output quadratic in its length.
pub(super) const MAX_DRAWN_DEPTH: usize = 32;

/// Parent links of one trace's buffered spans.
pub(super) struct TraceIndex {
    pub(super) ids: HashSet<SpanId>,
    /// Children of each span id, by start time (then arrival).
    pub(super) children: HashMap<SpanId, Vec<usize>>,
}

impl TraceIndex {
    pub(super) fn new(spans: &[SpanData]) -> Self {
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

    pub(super) fn children_of(&self, span: &SpanData) -> &[usize] {
        self.children
            .get(&span.span_context.span_id())
            .map_or(&[], Vec::as_slice)
    }
}

pub(super) fn has_parent(span: &SpanData) -> bool {
    let parent = span.parent_span_id;
    parent != SpanId::INVALID && parent != span.span_context.span_id()
}

pub(super) fn by_start(a: &SpanData, b: &SpanData) -> Ordering {
    a.start_time
        .cmp(&b.start_time)
        .then(a.end_time.cmp(&b.end_time))
}

/// How a span drawn at the top of a block relates to what is not drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Top {
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
    pub(super) fn marker(self) -> &'static str {
        match self {
            Top::Late(_) | Top::Orphan(_) | Top::Cycle(_) => "┄ ",
            Top::Child | Top::Root | Top::RemoteParent(_) => "",
        }
    }
}

/// Whether `span` can head a block, and how: `None` while its parent is
/// buffered. `Orphan` means "not yet": only a flush draws orphans.
///
/// A remote parent that this process sent out itself (a client span of
/// this process whose request came back to one of its servers, see
/// `record/sent_parents.rs`) is not remote for drawing: the span waits
/// for it as for a local parent, and the trace prints as one tree.
pub(super) fn top_of(
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
    } else if span.parent_span_is_remote && !sent_parents::was_sent(span_id_u64(parent)) {
        Some(Top::RemoteParent(parent))
    } else if printed.contains(trace_id, parent) {
        Some(Top::Late(parent))
    } else {
        Some(Top::Orphan(parent))
    }
}

/// Prints every complete subtree of one trace (headed by a root, a span with
/// a remote parent, or a late span) and drops it from the buffer.
pub(super) fn print_ready(
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
pub(super) fn print_partial(
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
pub(super) struct Row {
    pub(super) idx: usize,
    pub(super) top: Top,
    /// Glyphs before the name: ancestors' rails and this span's connector.
    pub(super) lead: String,
    /// Rails continuing below this span, for its events and children.
    pub(super) below: String,
    pub(super) has_children: bool,
}

/// Lays out the subtrees under `tops` depth-first (children by start time),
/// claiming each span in `taken` so no span is drawn twice. Iterative, so a
/// deep chain cannot overflow the stack.
pub(super) fn layout(
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
pub(super) enum Header {
    Complete,
    Continued,
    Partial(Partial),
}

/// Why a block is printed before its root arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Partial {
    Flushed,
    BufferFull,
}

fn span_id_u64(id: SpanId) -> u64 {
    u64::from_be_bytes(id.to_bytes())
}
