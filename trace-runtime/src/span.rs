//! The live span: its record, and the guard that ends it.
//!
//! A span is a plain [`SpanRecord`] kept by whoever keeps it open: the
//! thread's record buffer for a synchronous call (written there once; its
//! [`SpanGuard`] only holds the stack depth, see [`crate::context`]) or the
//! instrumented future for an async one (see [`crate::future`]). Ending a
//! span stamps the end time on the record where it is; it becomes an
//! OpenTelemetry `SpanData` only in the collector, off the calling thread. This is why the
//! hot path does not go through the `opentelemetry_sdk` tracer: building SDK
//! spans costs ~370 ns per span, recording this way ~tens of ns
//! (`BENCHMARKS.md`).
//!
//! Every end goes through `Drop`, so a span ends exactly once on every exit:
//! return, `?`, early `return`, a panic unwinding through the call, or a
//! future dropped before it completes.

use std::borrow::Cow;
use std::marker::PhantomData;
use std::sync::Arc;

use opentelemetry::Key;
use opentelemetry::trace::{Link, Status};

use crate::attributes::Scalar;
use crate::callsite::Callsite;
use crate::clock::{self, Timestamp};
use crate::context::{self, Current, LocalState, Scope, SpanIds};
use crate::details::Details;
use crate::ids;
use crate::inline::{InlineAttributes, Placed};

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
    /// pool) when the span first gets one (see [`crate::details`]).
    pub(crate) details: Option<Box<Details>>,
    /// The first attributes with a static key and a scalar value (see [`crate::inline`]).
    pub(crate) inline: InlineAttributes,
}

impl SpanRecord {
    /// The span's details, attached now if it had none.
    #[inline]
    pub(crate) fn details(&mut self) -> &mut Details {
        self.details.get_or_insert_with(crate::details::fresh)
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
        self.details.as_ref().map_or(UNSET, |d| &d.status)
    }

    /// Records an attribute with a static key: inline in the record when
    /// the value is a scalar that fits, else in the details box.
    #[inline]
    pub(crate) fn record_static<V: crate::AttributeValue + ?Sized>(
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
    #[inline]
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
    pub(crate) fn record<V: crate::AttributeValue + ?Sized>(&mut self, key: Key, value: &V) {
        self.inline.remove(key.as_str());
        let inline = self.inline.len();
        self.details().record(key, value, inline);
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

/// Decides a new span under `parent` (a span, or none for a new root):
/// its trace, its parent and whether it is sampled. `None` when nothing
/// needs recording or propagating (no parent and the sampler never records
/// new roots).
#[inline(always)]
fn decide(parent: &Current) -> Option<Decision> {
    if parent.scope.is_none() {
        let global = crate::sampler::global_mode();
        match parent.span {
            // The common case, a child under the default sampler: inherit.
            Some(p) if global.follows_parent() => {
                return Some(Decision {
                    trace_id: p.trace_id,
                    parent_span_id: p.span_id,
                    parent_sampled: p.sampled,
                    parent_remote: p.remote,
                    trace_random: p.random,
                    sampled: p.sampled,
                });
            }
            // `AlwaysOff` and nothing current: nothing to record or propagate.
            None if global.roots_never_sampled() => return None,
            _ => {}
        }
    }
    decide_by_sampler(parent)
}

/// [`decide`] for roots, scoped samplers and samplers that do not follow the parent.
#[inline(never)]
fn decide_by_sampler(parent: &Current) -> Option<Decision> {
    let decider = parent
        .scope
        .as_ref()
        .and_then(|s| s.sampler)
        .unwrap_or_else(crate::sampler::global);
    let parent_ids = match parent.span {
        Some(ids) => Some(ids),
        None if decider.roots_never_sampled() => return None,
        // A span started through the OpenTelemetry API is a parent too.
        None => crate::interop::active_otel_span(),
    };
    Some(match parent_ids {
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
    })
}

impl SpanRecord {
    /// A span starting now, as `decision` places it, inheriting `scope`.
    #[inline(always)] // built in place by `LocalState::push`
    fn start(
        decision: Decision,
        callsite: &'static Callsite,
        scope: Option<Arc<Scope>>,
        span_id: u64,
    ) -> Self {
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
}

/// Starts a span under the current context of `local`, off the stack (see
/// [`open_under`]).
#[inline]
pub(crate) fn open(local: &mut LocalState, callsite: &'static Callsite) -> Option<OpenSpan> {
    let span = open_under(&local.current, callsite)?;
    local.started += u64::from(span.record.sampled);
    Some(span)
}

/// Starts a span as a child of `parent`, off the stack: for an async span
/// or a bridged `tracing` span, whose record lives with its owner.
pub(crate) fn open_under(parent: &Current, callsite: &'static Callsite) -> Option<OpenSpan> {
    let decision = decide(parent)?;
    let span_id = ids::new_span_id();
    let mut record = SpanRecord::start(decision, callsite, parent.scope.clone(), span_id);
    crate::hooks::on_start(&mut record);
    Some(OpenSpan { record })
}

/// Starts a span under `parent` on this thread's stack and makes it current:
/// the synchronous path, where the record is written straight into the
/// thread's buffer. Returns the depth that identifies it.
#[inline(always)] // saves its prologue: 318 -> 297 instructions per span (callgrind)
fn push_under(
    local: &mut LocalState,
    parent: Option<&Current>,
    callsite: &'static Callsite,
) -> Option<usize> {
    // `saved`: `None` when the caller chose the parent, so whether the
    // current context is the span's parent context must be looked at.
    let (decision, scope, saved) = match parent {
        None => {
            let decision = decide(&local.current)?;
            // Started under the current context, which is its parent
            // context, unless the parent came from the OpenTelemetry API.
            let saved = local.current.span.is_none() && decision.parent_span_id != 0;
            (decision, local.current.scope.clone(), Some(saved))
        }
        Some(parent) => (decide(parent)?, parent.scope.clone(), None),
    };
    local.started += u64::from(decision.sampled);
    let span_id = local.span_ids.next();
    let record = SpanRecord::start(decision, callsite, scope, span_id);
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
    Some(depth)
}

/// How a span chooses its parent and links, from `#[traced(parent = .., root, link = ..)]`.
#[derive(Debug, Default)]
pub struct StartOptions {
    parent: Option<crate::PropagatedContext>,
    root: bool,
    links: Vec<Link>,
}

impl StartOptions {
    /// The default: child of the current context, no links.
    pub fn new() -> StartOptions {
        StartOptions::default()
    }

    /// Makes the span a child of `parent` instead of the current context.
    /// `None` (for example a failed extraction wrapped in an `Option`) keeps
    /// the current context.
    #[must_use]
    pub fn parent(mut self, parent: impl Into<Option<crate::PropagatedContext>>) -> StartOptions {
        self.parent = parent.into();
        self
    }

    /// Starts a new trace even under an active span.
    #[must_use]
    pub fn root(mut self) -> StartOptions {
        self.root = true;
        self
    }

    /// Adds a link to `target`'s span, when it has one.
    #[must_use]
    pub fn link(mut self, target: impl crate::propagation::IntoLink) -> StartOptions {
        if let Some(link) = target.into_link() {
            self.links.push(link);
        }
        self
    }

    /// The context the span starts under: the current one unless the
    /// options choose another parent (or none).
    fn parent_context(&mut self, local: &LocalState) -> Option<Current> {
        if self.root {
            Some(Current {
                span: None,
                scope: local.current.scope.clone(),
            })
        } else {
            let parent = self.parent.take()?;
            Some(parent.effective(local.current.scope.as_ref()))
        }
    }

    /// Opens the span these options describe, off the stack.
    fn open(mut self, local: &mut LocalState, callsite: &'static Callsite) -> Option<OpenSpan> {
        let mut span = match self.parent_context(local) {
            Some(parent) => open_under(&parent, callsite),
            None => open_under(&local.current, callsite),
        }?;
        local.started += u64::from(span.record.sampled);
        if !self.links.is_empty() {
            span.record.details().links = self.links;
        }
        Some(span)
    }

    /// Opens the span these options describe on this thread's stack.
    fn push(mut self, local: &mut LocalState, callsite: &'static Callsite) -> Option<usize> {
        let parent = self.parent_context(local);
        let depth = push_under(local, parent.as_ref(), callsite)?;
        if !self.links.is_empty()
            && let Some(record) = local.top_record()
        {
            record.details().links = self.links;
        }
        Some(depth)
    }
}

const INERT: usize = usize::MAX;

/// Keeps a synchronous span open; dropping it ends the span.
///
/// Created by `#[traced]` on a non-async function. It is `!Send`: the span
/// lives on this thread's stack and must end here.
#[derive(Debug)]
#[must_use = "the span ends when the guard is dropped"]
pub struct SpanGuard {
    depth: usize,
    _not_send: PhantomData<*const ()>,
}

impl SpanGuard {
    /// Opens a span for `callsite` as a child of the current context and makes it current.
    #[inline]
    pub fn enter(callsite: &'static Callsite) -> SpanGuard {
        if !crate::collect::gate_open()
            || (crate::sampler::global_mode().roots_never_sampled() && context::nothing_current())
        {
            return SpanGuard::inert();
        }
        Self::enter_recording(callsite)
    }

    #[inline(never)]
    fn enter_recording(callsite: &'static Callsite) -> SpanGuard {
        SpanGuard::pushed(context::with_local(|local| {
            push_under(local, None, callsite)
        }))
    }

    /// Opens a span whose parent and links `options` choose, and makes it current.
    pub fn enter_with(callsite: &'static Callsite, options: StartOptions) -> SpanGuard {
        if !crate::collect::gate_open() {
            return SpanGuard::inert();
        }
        SpanGuard::pushed(context::with_local(|local| options.push(local, callsite)))
    }

    /// Opens a span with a name chosen at run time.
    pub(crate) fn enter_named(callsite: &'static Callsite, name: Cow<'static, str>) -> SpanGuard {
        if !crate::collect::gate_open() {
            return SpanGuard::inert();
        }
        SpanGuard::pushed(context::with_local(|local| {
            let depth = push_under(local, None, callsite)?;
            if let Some(record) = local.top_record() {
                record.details().name = Some(name);
            }
            Some(depth)
        }))
    }

    /// The guard of the span pushed at `depth`, if one was.
    #[inline]
    fn pushed(depth: Option<Option<usize>>) -> SpanGuard {
        SpanGuard {
            depth: depth.flatten().unwrap_or(INERT),
            _not_send: PhantomData,
        }
    }

    const fn inert() -> SpanGuard {
        SpanGuard {
            depth: INERT,
            _not_send: PhantomData,
        }
    }
}

impl Drop for SpanGuard {
    #[inline]
    fn drop(&mut self) {
        if self.depth != INERT {
            close(self.depth);
        }
    }
}

/// Ends the span at `depth` of this thread's stack.
#[inline(never)]
fn close(depth: usize) {
    context::with_local(|local| local.close(depth, std::thread::panicking()));
}

/// An async span: opened (parent, id and start time taken) when the call
/// starts, entered each time its future is polled.
///
/// Created by `#[traced]` on an async function and handed to
/// [`Instrumented::new`](crate::__private::Instrumented::new).
#[derive(Debug)]
#[must_use = "a pending span records nothing until it is instrumenting a future"]
pub struct PendingSpan(pub(crate) Option<OpenSpan>);

impl PendingSpan {
    /// Opens a span for `callsite` as a child of the current context.
    #[inline]
    pub fn new(callsite: &'static Callsite) -> PendingSpan {
        if !crate::collect::gate_open() {
            return PendingSpan(None);
        }
        PendingSpan(context::with_local(|local| open(local, callsite)).flatten())
    }

    pub(crate) fn set(&mut self, key: Key, value: opentelemetry::Value) {
        if let Some(span) = self.0.as_mut().filter(|s| s.record.sampled) {
            span.record.set_attribute(key, value);
        }
    }

    pub(crate) fn rename(&mut self, name: Cow<'static, str>) {
        if let Some(span) = &mut self.0 {
            span.record.details().name = Some(name);
        }
    }

    /// Opens a span whose parent and links `options` choose.
    pub fn new_with(callsite: &'static Callsite, options: StartOptions) -> PendingSpan {
        if !crate::collect::gate_open() {
            return PendingSpan(None);
        }
        PendingSpan(context::with_local(|local| options.open(local, callsite)).flatten())
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
