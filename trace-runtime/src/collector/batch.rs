//! A batch of ended spans in the compact form they travel to the collector in.
//!
//! Handing spans to the collector means writing them into memory the
//! collector's core reads next, and on the calling thread that write costs
//! in proportion to its size, not its instruction count: the destination
//! lines are not in this core's cache (see `local/outbox.rs`, "Why records
//! are copied at hand-off"). A [`SpanRecord`] is laid out for the calling
//! thread (128 bytes, with inline attribute slots, scope and details that
//! most spans leave empty); what crosses is only what every span has, 48
//! bytes, plus the parts a span actually uses:
//!
//! - `sent`: ids, times, callsite and flags of each span, in order;
//! - `traces`: a trace id each time it differs from the previous span's
//!   (a local tree shares one), so the 16-byte id is written once per tree;
//! - `inline`: the inline attributes (48 bytes), for the spans that have
//!   any: the common case of a span with attributes, `#[traced(args(..))]`;
//! - `rest`: scope and details, for the spans that have either.
//!
//! The collector reads the three back in order ([`Batch::drain`]) and gets
//! the same records that were pushed.

use std::sync::Arc;

use crate::record::{Callsite, Details, InlineAttributes, Scope, SpanRecord, Timestamp, details};

/// What every span sends: 48 bytes.
#[derive(Debug)]
struct Sent {
    span_id: u64,
    parent_span_id: u64,
    start: Timestamp,
    end: Timestamp,
    callsite: &'static Callsite,
    flags: u8,
}

/// The span's trace id is the next entry of `traces`.
const NEW_TRACE: u8 = 1;
/// The span's scope and details are the next entry of `rest`.
const HAS_REST: u8 = 1 << 1;
/// The span's inline attributes are the next entry of `inline`.
const HAS_INLINE: u8 = 1 << 6;
const SAMPLED: u8 = 1 << 2;
const PARENT_REMOTE: u8 = 1 << 3;
const TRACE_RANDOM: u8 = 1 << 4;
const PARENT_SAMPLED: u8 = 1 << 5;

/// `flag` if `set`, else nothing.
#[inline]
fn bit(set: bool, flag: u8) -> u8 {
    if set { flag } else { 0 }
}

/// The parts of a record that most spans leave empty.
#[derive(Debug)]
struct Rest {
    scope: Option<Arc<Scope>>,
    details: Option<Box<Details>>,
}

/// Ended spans on their way to the collector.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    sent: Vec<Sent>,
    traces: Vec<u128>,
    inline: Vec<InlineAttributes>,
    rest: Vec<Rest>,
}

impl Batch {
    pub(crate) const fn new() -> Batch {
        Batch {
            sent: Vec::new(),
            traces: Vec::new(),
            inline: Vec::new(),
            rest: Vec::new(),
        }
    }

    /// How many spans the batch holds.
    pub(crate) fn len(&self) -> usize {
        self.sent.len()
    }

    /// Drops every span, keeping the capacity.
    pub(crate) fn clear(&mut self) {
        self.sent.clear();
        self.traces.clear();
        self.inline.clear();
        self.rest.clear();
    }

    /// Drops every span, keeping the capacity, and gives their details
    /// boxes back to this thread's pool: a thread whose spans are dropped
    /// because the queue is full then does not allocate new boxes for its
    /// next spans (and free them, on its own core, when they are dropped).
    pub(crate) fn clear_recycling(&mut self) {
        for rest in self.rest.drain(..) {
            if let Some(boxed) = rest.details.and_then(Details::recycle) {
                details::give_back(boxed);
            }
        }
        self.clear();
    }

    /// Moves all of `records` into the batch, leaving it empty with its capacity.
    pub(crate) fn take_all(&mut self, records: &mut Vec<SpanRecord>) {
        let Batch {
            sent,
            traces,
            inline,
            rest,
        } = self;
        let mut last_trace = traces.last().copied();
        // One pass, written as `extend` over a slice so that `sent` is
        // reserved once and written without a capacity check per span.
        sent.extend(records.iter_mut().map(|record| {
            let mut flags = bit(record.sampled, SAMPLED)
                | bit(record.parent_sampled, PARENT_SAMPLED)
                | bit(record.parent_remote, PARENT_REMOTE)
                | bit(record.trace_random, TRACE_RANDOM);
            if last_trace != Some(record.trace_id) {
                last_trace = Some(record.trace_id);
                traces.push(record.trace_id);
                flags |= NEW_TRACE;
            }
            if !record.inline.is_empty() {
                inline.push(record.inline);
                flags |= HAS_INLINE;
            }
            if record.scope.is_some() || record.details.is_some() {
                rest.push(Rest {
                    scope: record.scope.take(),
                    details: record.details.take(),
                });
                flags |= HAS_REST;
            }
            Sent {
                span_id: record.span_id,
                parent_span_id: record.parent_span_id,
                start: record.start,
                end: record.end,
                callsite: record.callsite,
                flags,
            }
        }));
        // What the records owned has moved to `rest`: this only forgets them.
        records.clear();
    }

    /// Takes the spans out, in the order they were pushed.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = SpanRecord> + '_ {
        let mut traces = self.traces.drain(..);
        let mut inline = self.inline.drain(..);
        let mut rest = self.rest.drain(..);
        let mut trace_id = 0;
        self.sent.drain(..).map(move |sent| {
            if sent.flags & NEW_TRACE != 0 {
                trace_id = traces.next().unwrap_or_default();
            }
            let rest = if sent.flags & HAS_REST != 0 {
                rest.next()
            } else {
                None
            };
            let (scope, details) = match rest {
                Some(rest) => (rest.scope, rest.details),
                None => (None, None),
            };
            let inline = if sent.flags & HAS_INLINE != 0 {
                inline.next().unwrap_or(InlineAttributes::EMPTY)
            } else {
                InlineAttributes::EMPTY
            };
            SpanRecord {
                trace_id,
                span_id: sent.span_id,
                parent_span_id: sent.parent_span_id,
                sampled: sent.flags & SAMPLED != 0,
                parent_sampled: sent.flags & PARENT_SAMPLED != 0,
                parent_remote: sent.flags & PARENT_REMOTE != 0,
                trace_random: sent.flags & TRACE_RANDOM != 0,
                callsite: sent.callsite,
                start: sent.start,
                end: sent.end,
                scope,
                details,
                inline,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::SpanKind;

    static CALLSITE: Callsite = Callsite::new("batch", SpanKind::Internal, "", "", 0);

    fn record(trace_id: u128, span_id: u64) -> SpanRecord {
        let now = crate::record::clock::now();
        SpanRecord {
            trace_id,
            span_id,
            parent_span_id: span_id.wrapping_sub(1),
            sampled: true,
            parent_sampled: true,
            parent_remote: false,
            trace_random: true,
            callsite: &CALLSITE,
            start: now,
            end: now,
            scope: None,
            details: None,
            inline: InlineAttributes::EMPTY,
        }
    }

    #[test]
    fn what_every_span_sends_is_48_bytes() {
        assert!(
            std::mem::size_of::<Sent>() <= 48,
            "{}",
            std::mem::size_of::<Sent>()
        );
    }

    #[test]
    fn spans_come_out_as_they_went_in() {
        let mut first = record(7, 1);
        first.parent_remote = true;
        let mut second = record(7, 2);
        second.trace_random = false;
        second.parent_sampled = false;
        second
            .details()
            .set_status(opentelemetry::trace::Status::error("boom"));
        let mut third = record(9, 3);
        third.record_static(&"n", &5_i64);
        third.scope = Some(Arc::new(Scope::default()));
        let fourth = record(7, 4);
        // Inline attributes and nothing else: they travel on their own.
        let mut fifth = record(7, 5);
        fifth.record_static(&"only", &true);
        let mut records = vec![first, second, third, fourth, fifth];
        let mut batch = Batch::new();
        batch.take_all(&mut records);
        assert!(records.is_empty());
        assert_eq!(batch.len(), 5);

        let out: Vec<SpanRecord> = batch.drain().collect();
        assert_eq!(batch.len(), 0);
        let ids: Vec<(u128, u64, u64)> = out
            .iter()
            .map(|r| (r.trace_id, r.span_id, r.parent_span_id))
            .collect();
        assert_eq!(ids, [(7, 1, 0), (7, 2, 1), (9, 3, 2), (7, 4, 3), (7, 5, 4)]);
        assert!(out[0].parent_remote && out[0].trace_random && out[0].sampled);
        assert!(out[0].parent_sampled);
        assert!(!out[1].parent_remote && !out[1].trace_random && !out[1].parent_sampled);
        assert_eq!(
            *out[1].status(),
            opentelemetry::trace::Status::error("boom")
        );
        assert!(out[0].details.is_none() && out[3].details.is_none());
        assert!(out[2].has_attribute("n") && out[2].scope.is_some());
        assert!(!out[3].has_attribute("n") && out[3].scope.is_none());
        assert!(out[4].has_attribute("only") && !out[4].has_attribute("n"));
        assert!(out[4].scope.is_none() && out[4].details.is_none());
        assert!(!out[2].has_attribute("only"));
    }
}
