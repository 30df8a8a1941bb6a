//! What a span is on the calling thread: its record, ids, clock, callsite,
//! inline attributes and details.
//!
//! A span is a plain [`SpanRecord`] kept by whoever keeps it open: the
//! thread's record buffer for a synchronous call, the instrumented future
//! for an async one (see `crate::local`). Ending a span stamps the end time
//! on the record where it is; it becomes an OpenTelemetry `SpanData` only on
//! the collector thread (see `crate::collector`). This is why the hot path
//! does not go through the `opentelemetry_sdk` tracer: building SDK spans
//! costs ~370 ns per span, recording this way tens of ns (`BENCHMARKS.md`).
//!
//! This module is data, not behaviour: it imports nothing of the crate but
//! [`crate::attributes`] (and the poison-tolerant lock helper), so the
//! calling thread (`local`) and the collector thread (`collector`) can both
//! depend on it without depending on each other.
//!
//! | file | owns |
//! |---|---|
//! | `mod.rs` | [`SpanRecord`]: one span as the calling thread records it |
//! | `ids.rs` | trace and span ids, [`SpanIds`] (a span as children and carriers see it) |
//! | `clock.rs` | the span clock: raw timestamps, turned into wall time by the collector |
//! | `callsite.rs` | [`Callsite`]: the static metadata of one instrumented function |
//! | `inline.rs` | the first scalar attributes, kept in the record itself |
//! | `details.rs` | what most spans never have (name, status, events, links), in recycled boxes |
//! | `exception.rs` | an `exception` event kept as text in the details box until the collector builds it |
//! | `scope.rs` | [`Scope`]: the settings children inherit (identity, sink, sampler, tracestate, baggage) |
//! | `sampling.rs` | [`Decider`]: a sampling rule as a value a scope can carry |
//! | `sink.rs` | [`Sink`]: where a test capture receives its records |
//! | `sent_parents.rs` | span ids this process sent out as a parent, so a span coming back with one is drawn under it |

pub(crate) mod callsite;
pub(crate) mod clock;
pub(crate) mod details;
mod exception;
pub(crate) mod ids;
pub(crate) mod inline;
mod sampling;
mod scope;
pub(crate) mod sent_parents;
mod sink;

use std::sync::Arc;

use opentelemetry::Key;
use opentelemetry::trace::Status;

use crate::attributes::{AttributeValue, Scalar};

pub use callsite::{Callsite, StaticAttribute, StaticValue};
pub(crate) use clock::Timestamp;
pub(crate) use details::Details;
pub(crate) use ids::SpanIds;
pub(crate) use inline::{InlineAttributes, Placed};
pub(crate) use sampling::Decider;
pub use sampling::Sampler;
pub(crate) use scope::Scope;
pub(crate) use sink::Sink;

/// One span as the calling thread records it.
#[derive(Debug)]
pub(crate) struct SpanRecord {
    pub(crate) trace_id: u128,
    pub(crate) span_id: u64,
    /// Zero when the span is a root.
    pub(crate) parent_span_id: u64,
    pub(crate) sampled: bool,
    /// The parent was sampled (false for a root): with the parent's other
    /// ids, which the record keeps anyway, it lets the context that was
    /// current before the span be restored from the record alone.
    pub(crate) parent_sampled: bool,
    pub(crate) parent_remote: bool,
    /// The trace id is random (W3C level 2), which all ids this crate makes are.
    pub(crate) trace_random: bool,
    pub(crate) callsite: &'static Callsite,
    pub(crate) start: Timestamp,
    pub(crate) end: Timestamp,
    /// Where the span is delivered when it is not the global pipeline, and
    /// what its children inherit.
    pub(crate) scope: Option<Arc<Scope>>,
    /// Name, status, attributes, events, links: attached (from a recycled
    /// pool) when the span first gets one (see `details.rs`).
    pub(crate) details: Option<Box<Details>>,
    /// The first attributes with a static key and a scalar value (see `inline.rs`).
    pub(crate) inline: InlineAttributes,
}

impl SpanRecord {
    /// The span's details, attached now if it had none.
    #[inline]
    pub(crate) fn details(&mut self) -> &mut Details {
        self.details.get_or_insert_with(details::fresh)
    }

    /// The span's name.
    pub(crate) fn name(&self) -> &str {
        self.details
            .as_ref()
            .and_then(|d| d.name.as_deref())
            .unwrap_or(self.callsite.name)
    }

    /// The span's status.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn status(&self) -> &Status {
        const UNSET: &Status = &Status::Unset;
        self.details.as_ref().map_or(UNSET, |d| d.status())
    }

    /// Records an attribute with a static key: inline in the record when
    /// the value is a scalar that fits, else in the details box.
    #[inline]
    pub(crate) fn record_static<V: AttributeValue + ?Sized>(
        &mut self,
        key: &'static &'static str,
        value: &V,
    ) {
        match value.scalar() {
            Some(scalar) => self.record_scalar(key, scalar),
            None => {
                let inline = self.inline.len();
                self.details()
                    .record(Key::from_static_str(key), value, inline);
            }
        }
    }

    /// [`record_static`](Self::record_static) for a value already made a scalar.
    /// Always inlined: on a record that has just been made (the macro's
    /// attributes written as the span starts, `local/start.rs`) the compiler
    /// then sees the empty slots and the absent box, and what is left is
    /// the store into the slot and the attribute-count check.
    #[inline(always)]
    pub(crate) fn record_scalar(&mut self, key: &'static &'static str, scalar: Scalar<'_>) {
        let (in_details, boxed) = self
            .details
            .as_ref()
            .map_or((false, 0), |d| (d.has(key), d.attribute_count()));
        if self.inline.set(key, scalar, in_details, boxed) != Placed::Inline {
            let inline = self.inline.len();
            self.details()
                .record(Key::from_static_str(key), &scalar, inline);
        }
    }

    /// Records an attribute from a Rust value (text without an allocation).
    #[inline]
    pub(crate) fn record<V: AttributeValue + ?Sized>(&mut self, key: Key, value: &V) {
        self.inline.remove(key.as_str());
        let inline = self.inline.len();
        self.details().record(key, value, inline);
    }

    /// Adds an attribute whose key is set nowhere on the span yet, without
    /// looking for it (see [`Details::append`]).
    #[cfg_attr(not(feature = "tower"), allow(dead_code))] // the tower layer's
    pub(crate) fn append<V: AttributeValue + ?Sized>(&mut self, key: Key, value: &V) {
        let inline = self.inline.len();
        self.details().append(key, value, inline);
    }

    /// Whether the span has no attribute at all.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn has_no_attributes(&self) -> bool {
        self.inline.is_empty()
            && self
                .details
                .as_ref()
                .is_none_or(|d| d.attribute_count() == 0)
    }

    /// Adds (or replaces) an attribute, within the limits.
    pub(crate) fn set_attribute(&mut self, key: Key, value: opentelemetry::Value) {
        self.inline.remove(key.as_str());
        let inline = self.inline.len();
        self.details().set(key, value, inline);
    }

    /// Whether an attribute with this key is set.
    pub(crate) fn has_attribute(&self, key: &str) -> bool {
        self.inline.has(key) || self.details.as_ref().is_some_and(|d| d.has(key))
    }

    /// The ids of the span's parent, as they were current when it started
    /// (`None` for a root).
    #[inline]
    pub(crate) fn parent_ids(&self) -> Option<SpanIds> {
        (self.parent_span_id != 0).then_some(SpanIds {
            trace_id: self.trace_id,
            span_id: self.parent_span_id,
            sampled: self.parent_sampled,
            remote: self.parent_remote,
            random: self.trace_random,
        })
    }

    /// The span's own ids, as its children see them.
    #[inline] // read by every push: `local` is another codegen unit
    pub(crate) fn ids(&self) -> SpanIds {
        SpanIds {
            trace_id: self.trace_id,
            span_id: self.span_id,
            sampled: self.sampled,
            remote: false,
            random: self.trace_random,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_fits_in_two_cache_lines() {
        // Every span writes its record into the thread's buffer and the
        // collector reads it on another core: its size is paid per span.
        assert!(
            std::mem::size_of::<SpanRecord>() <= 128,
            "{}",
            std::mem::size_of::<SpanRecord>()
        );
    }
}
