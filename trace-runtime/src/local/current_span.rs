//! Working with the current span from plain code: attributes, events,
//! errors, status, ids, and spans whose name is known only at run time.
//!
//! "Current" is the innermost span open on this thread (or in this task,
//! for async code), the one a `#[traced]` call would be a child of. Errors
//! and events land on the span that is active at the call site. Outside any span, or
//! when the span is not sampled, every function here is a cheap no-op (one
//! relaxed load when no pipeline is installed) and never panics.
//!
//! Inside a hook's `on_start` "current" is the span that is starting: the
//! thread's state is borrowed then, and the functions here record into the
//! hooks' starting-span buffer instead (see `crate::hooks`). They look for
//! it only when the state could not be borrowed, so plain code never does.

use std::borrow::Cow;
use std::time::SystemTime;

use opentelemetry::trace::{Event, SpanKind, Status};
use opentelemetry::{Key, KeyValue};

use super::future::{Instrumented, PendingSpan};
use super::guard::SpanGuard;
use super::{gate, outcome, state};
use crate::attributes::AttributeValue;
use crate::hooks;
use crate::record::{Callsite, SpanRecord};

/// Runs `f` on the current span's record, if there is a recorded one: the
/// span that is starting while its `on_start` hooks run (the state is
/// borrowed then; see `crate::hooks`).
#[inline]
pub(crate) fn on_current(f: impl FnOnce(&mut SpanRecord)) {
    if !gate::is_open() {
        return;
    }
    let mut f = Some(f);
    let borrowed = state::with_local(|local| {
        if let Some(record) = local.current_record().filter(|r| r.sampled)
            && let Some(f) = f.take()
        {
            f(record);
        }
    })
    .is_none();
    if borrowed && let Some(f) = f {
        hooks::with_starting(f);
    }
}

/// Sets an attribute on the current span (replacing one with the same key).
///
/// ```
/// use trace_runtime::{add_attribute, traced};
/// #[traced]
/// fn load(id: u64) {
///     add_attribute("user.id", id);
///     add_attribute("cache.hit", false);
/// }
/// # load(1);
/// ```
pub fn add_attribute(key: impl Into<Key>, value: impl AttributeValue) {
    on_current(|record| record.record(key.into(), &value));
}

/// `#[traced(attrs(..), args(..), ret)]`: a static key, no `Key` allocation.
#[inline]
pub(crate) fn record_static_key<V: AttributeValue + ?Sized>(key: &'static &'static str, value: &V) {
    on_current(|record| record.record_static(key, value));
}

/// Sets several attributes on the current span.
///
/// ```
/// use trace_runtime::{add_attributes, otel::KeyValue};
/// add_attributes([KeyValue::new("db.system", "postgres"), KeyValue::new("db.rows", 3)]);
/// ```
pub fn add_attributes(pairs: impl IntoIterator<Item = KeyValue>) {
    on_current(|record| {
        for kv in pairs {
            record.set_attribute(kv.key, kv.value);
        }
    });
}

/// Records a named event, with attributes, on the current span.
///
/// ```
/// use trace_runtime::{otel::KeyValue, record_event};
/// record_event("cache.miss", [KeyValue::new("cache.key", "user:7")]);
/// ```
pub fn record_event(
    name: impl Into<Cow<'static, str>>,
    attributes: impl IntoIterator<Item = KeyValue>,
) {
    on_current(|record| {
        let event = Event::new(name, SystemTime::now(), attributes.into_iter().collect(), 0);
        record.details().add_event(event);
    });
}

/// Records `error` on the current span: status Error with its message, and
/// an `exception` event with `exception.type`, `exception.message` and the
/// `source()` chain.
///
/// ```
/// use trace_runtime::{record_error, traced};
/// #[traced]
/// fn best_effort_cleanup() {
///     if let Err(e) = std::fs::remove_file("/nonexistent/lock") {
///         record_error(&e); // recorded, and the function carries on
///     }
/// }
/// # best_effort_cleanup();
/// ```
pub fn record_error<E: std::error::Error + ?Sized>(error: &E) {
    if !gate::is_open() {
        return;
    }
    let type_name = std::any::type_name::<E>();
    // `record_std_error` does not say whether it reached the thread's
    // state, so a hook's buffer is looked for first: only with hooks
    // installed, and this is an error path, not a hot one.
    let in_hook = hooks::active()
        && hooks::with_starting(|record| {
            outcome::record_error_on(record, type_name, error);
        })
        .is_some();
    if !in_hook {
        outcome::record_std_error(type_name, error);
    }
}

/// Sets the current span's status. `Status::Ok` overrides an earlier error
/// (as the OpenTelemetry specification allows); instrumentation should
/// normally leave successful spans Unset.
///
/// ```
/// use trace_runtime::{otel::trace::Status, set_status};
/// set_status(Status::error("upstream returned 503"));
/// ```
pub fn set_status(status: Status) {
    on_current(|record| {
        let details = record.details();
        if *details.status() != Status::Ok {
            details.set_status(status);
        }
    });
}

/// The current trace id as 32 lowercase hex digits, `None` outside a span.
///
/// A traced call that the sampler left out is still in a trace: it has a
/// trace id (made when first asked for), and [`inject`](crate::inject)
/// propagates it with the `sampled` flag off, so the services downstream
/// follow this one's decision.
///
/// ```
/// assert_eq!(trace_runtime::current_trace_id(), None);
/// ```
pub fn current_trace_id() -> Option<String> {
    current_ids().map(|(trace, _)| format!("{trace:032x}"))
}

/// The current span id as 16 lowercase hex digits, `None` outside a span.
///
/// ```
/// assert_eq!(trace_runtime::current_span_id(), None);
/// ```
pub fn current_span_id() -> Option<String> {
    current_ids().map(|(_, span)| format!("{span:016x}"))
}

fn current_ids() -> Option<(u128, u64)> {
    if !gate::is_open() {
        return None;
    }
    match state::with_local(|local| {
        local
            .current_context()
            .span
            .map(|s| (s.trace_id, s.span_id))
    }) {
        Some(ids) => ids,
        // Borrowed: inside `on_start`, the span that is starting.
        None => hooks::with_starting(|record| (record.trace_id, record.span_id)),
    }
}

/// Spans started through [`with_span`] and [`in_span`]: the name is the run-time one.
static RUNTIME_CALLSITE: Callsite = Callsite::new("", SpanKind::Internal, "", "", 0);

/// Runs `f` inside a span named `name` (for names known only at run time),
/// with `attributes`, as a child of the current context.
///
/// ```
/// use trace_runtime::{otel::KeyValue, with_span};
/// let table = "users";
/// let rows = with_span(format!("scan {table}"), [KeyValue::new("db.table", table)], || 3);
/// assert_eq!(rows, 3);
/// ```
pub fn with_span<R>(
    name: impl Into<Cow<'static, str>>,
    attributes: impl IntoIterator<Item = KeyValue>,
    f: impl FnOnce() -> R,
) -> R {
    let _guard = SpanGuard::enter_named(&RUNTIME_CALLSITE, name.into());
    add_attributes(attributes);
    f()
}

/// Runs `future` inside a span named `name`, entered on each poll: the async
/// form of [`with_span`].
///
/// ```
/// use trace_runtime::{in_span, otel::KeyValue};
/// let answer = futures_executor::block_on(in_span("compute", [KeyValue::new("n", 6)], async { 6 * 7 }));
/// assert_eq!(answer, 42);
/// ```
pub fn in_span<F: std::future::Future>(
    name: impl Into<Cow<'static, str>>,
    attributes: impl IntoIterator<Item = KeyValue>,
    future: F,
) -> Instrumented<F> {
    let mut span = PendingSpan::new(&RUNTIME_CALLSITE);
    span.rename(name.into());
    for kv in attributes {
        span.set(kv.key, kv.value);
    }
    Instrumented::new(span, future)
}
