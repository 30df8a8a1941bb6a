//! Starting a span: deciding its trace, parent and sampling, and writing
//! its record where it will live.
//!
//! A synchronous span is pushed straight onto this thread's stack
//! ([`push_under`]): its record is written once into the thread's buffer
//! (see `state.rs`), together with the attributes the caller records at
//! start. An async span or a bridged `tracing` span is opened off
//! the stack ([`open_under`]) and kept by its owner as an [`OpenSpan`]
//! between polls.

use std::sync::Arc;

use super::state::{Current, LocalState};
use super::{interop, sampler, unsampled};
use crate::record::{Callsite, InlineAttributes, Scope, SpanRecord, clock, ids};

/// A span that has been decided and timed but is not (or no longer) on the
/// stack: an async span between polls, a bridged `tracing` span while idle.
/// Its record's scope is the scope its children inherit.
#[derive(Debug)]
pub(crate) struct OpenSpan {
    pub(crate) record: SpanRecord,
}

/// What a new span takes from its parent, decided before anything is written.
#[derive(Clone, Copy, Debug)]
struct Decision {
    trace_id: u128,
    parent_span_id: u64,
    parent_sampled: bool,
    parent_remote: bool,
    trace_random: bool,
    sampled: bool,
}

/// Whether a span with no parent span of ours becomes a child of the
/// sampled-out root open on this thread (see `unsampled.rs`): yes when it
/// starts under the current context, no when its caller chose its parent
/// (an explicit parent that turned out empty, or `root`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Under {
    Current,
    Chosen,
}

/// Decides a new span under `parent` (a span, or none for a new root):
/// its trace, its parent and whether it is sampled. A root that is sampled
/// out is still decided (an unsampled span with a trace of its own), so
/// that its context propagates with the `sampled` flag off.
#[inline(always)]
fn decide(parent: &Current, under: Under) -> Decision {
    if parent.scope.is_none() {
        let global = sampler::global_mode();
        match parent.span {
            // The common case, a child under the default sampler: inherit.
            Some(p) if global.follows_parent() => {
                return Decision {
                    trace_id: p.trace_id,
                    parent_span_id: p.span_id,
                    parent_sampled: p.sampled,
                    parent_remote: p.remote,
                    trace_random: p.random,
                    sampled: p.sampled,
                };
            }
            _ => {}
        }
    }
    decide_by_sampler(parent, under)
}

/// [`decide`] for roots, scoped samplers and samplers that do not follow the parent.
#[inline(never)]
fn decide_by_sampler(parent: &Current, under: Under) -> Decision {
    let decider = parent
        .scope
        .as_ref()
        .and_then(|s| s.sampler)
        .unwrap_or_else(sampler::global);
    let parent_ids = match parent.span {
        Some(ids) => Some(ids),
        // Under a sampled-out root, its (lazily made) context is the parent.
        None => (under == Under::Current)
            .then(unsampled::current_ids)
            .flatten()
            // A span started through the OpenTelemetry API is a parent too.
            .or_else(interop::active_otel_span),
    };
    match parent_ids {
        Some(p) => Decision {
            trace_id: p.trace_id,
            parent_span_id: p.span_id,
            parent_sampled: p.sampled,
            parent_remote: p.remote,
            trace_random: p.random,
            sampled: decider.sample(Some(p.sampled), p.trace_id),
        },
        None => {
            let trace_id = ids::new_trace_id();
            Decision {
                trace_id,
                parent_span_id: 0,
                parent_sampled: false,
                parent_remote: false,
                trace_random: true,
                sampled: decider.sample(None, trace_id),
            }
        }
    }
}

/// A span starting now, as `decision` places it, inheriting `scope`.
#[inline(always)] // built in place by `LocalState::push`
fn start_record(
    decision: Decision,
    callsite: &'static Callsite,
    scope: Option<Arc<Scope>>,
    span_id: u64,
) -> SpanRecord {
    let start = clock::now();
    SpanRecord {
        trace_id: decision.trace_id,
        span_id,
        parent_span_id: decision.parent_span_id,
        sampled: decision.sampled,
        parent_sampled: decision.parent_sampled,
        parent_remote: decision.parent_remote,
        trace_random: decision.trace_random,
        callsite,
        start,
        end: start,
        scope,
        details: None,
        inline: InlineAttributes::EMPTY,
    }
}

/// Starts a span under the current context of `local`, off the stack (see
/// [`open_under`]).
#[inline]
pub(crate) fn open(local: &mut LocalState, callsite: &'static Callsite) -> OpenSpan {
    let span = open_under(&local.current, Under::Current, callsite);
    local.started += u64::from(span.record.sampled);
    span
}

/// Starts a span as a child of `parent`, off the stack: for an async span
/// or a bridged `tracing` span, whose record lives with its owner.
pub(crate) fn open_under(parent: &Current, under: Under, callsite: &'static Callsite) -> OpenSpan {
    let decision = decide(parent, under);
    let span_id = ids::new_span_id();
    let mut record = start_record(decision, callsite, parent.scope.clone(), span_id);
    crate::hooks::on_start(&mut record);
    OpenSpan { record }
}

/// Starts a span under `parent` on this thread's stack and makes it current:
/// the synchronous path, where the record is written straight into the
/// thread's buffer. `write` fills in what the caller records at start (the
/// macro's attributes) on a sampled record before it is pushed, while the
/// record is still a value the compiler sees whole: its empty inline slots
/// and absent details box are known, so the checks a later write would
/// make fold away, and the span is never looked up again. Returns the
/// depth that identifies it.
#[inline(always)] // saves its prologue: 318 -> 297 instructions per span (callgrind)
pub(crate) fn push_under(
    local: &mut LocalState,
    parent: Option<&Current>,
    callsite: &'static Callsite,
    write: impl FnOnce(&mut SpanRecord),
) -> usize {
    // `saved`: `None` when the caller chose the parent, so whether the
    // current context is the span's parent context must be looked at.
    let (decision, scope, saved) = match parent {
        None => {
            let decision = decide(&local.current, Under::Current);
            // Started under the current context, which is its parent
            // context, unless the parent came from the OpenTelemetry API.
            let saved = local.current.span.is_none() && decision.parent_span_id != 0;
            (decision, local.current.scope.clone(), Some(saved))
        }
        Some(parent) => (decide(parent, Under::Chosen), parent.scope.clone(), None),
    };
    local.started += u64::from(decision.sampled);
    let span_id = local.span_ids.next();
    let mut record = start_record(decision, callsite, scope, span_id);
    if decision.sampled {
        write(&mut record);
    }
    let depth = match saved {
        Some(saved) => local.push_frame(record, saved),
        None => local.push(record),
    };
    let sampled = decision.sampled;
    if crate::hooks::active()
        && sampled
        && let Some(record) = local.top_record()
    {
        crate::hooks::run_on_start(record);
    }
    depth
}
