//! The per-trace buffer: spans wait here until their trace's local root
//! arrives, and the printed ones are remembered so that a late child is
//! recognised as such.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SpanData;

/// Spans waiting for their trace's root, oldest trace first.
pub(super) struct TraceBuffer {
    pub(super) traces: HashMap<TraceId, PendingTrace>,
    /// Arrival order of the traces in `traces`, for evicting the oldest.
    pub(super) arrival: BTreeMap<u64, TraceId>,
    pub(super) next_seq: u64,
    /// Spans across all traces.
    pub(super) len: usize,
    pub(super) capacity: usize,
}

pub(super) struct PendingTrace {
    pub(super) seq: u64,
    pub(super) spans: Vec<SpanData>,
}

impl TraceBuffer {
    pub(super) fn new(capacity: usize) -> Self {
        TraceBuffer {
            traces: HashMap::new(),
            arrival: BTreeMap::new(),
            next_seq: 0,
            len: 0,
            capacity,
        }
    }

    /// Buffers the batch; returns the traces it touched, in first-seen order.
    pub(super) fn insert(&mut self, batch: Vec<SpanData>) -> Vec<TraceId> {
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

    pub(super) fn pop_oldest(&mut self) -> Option<(TraceId, Vec<SpanData>)> {
        let (_, trace_id) = self.arrival.pop_first()?;
        let trace = self.traces.remove(&trace_id)?;
        self.len = self.len.saturating_sub(trace.spans.len());
        Some((trace_id, trace.spans))
    }

    /// Drops the spans flagged in `taken` (same order as the trace's spans).
    pub(super) fn remove_taken(&mut self, trace_id: TraceId, taken: &[bool]) {
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
pub(super) struct PrintedSpans {
    pub(super) set: HashSet<(TraceId, SpanId)>,
    pub(super) order: VecDeque<(TraceId, SpanId)>,
    pub(super) capacity: usize,
}

impl PrintedSpans {
    pub(super) fn new(capacity: usize) -> Self {
        PrintedSpans {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    pub(super) fn contains(&self, trace_id: TraceId, span_id: SpanId) -> bool {
        self.set.contains(&(trace_id, span_id))
    }

    pub(super) fn remember(&mut self, trace_id: TraceId, span_id: SpanId) {
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
