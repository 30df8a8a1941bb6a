//! The `tracing` ecosystem in our traces, and our ids in its logs (feature `tracing`).
//!
//! Most Rust libraries (hyper, tower-http, sqlx, reqwest middleware) emit
//! `tracing` spans and events, and most services log through
//! `tracing-subscriber`. [`TracingLayer`] is a `tracing_subscriber::Layer`
//! that records all of it in the same traces as `#[traced]`:
//!
//! * a `tracing` **span** becomes a span of ours, a child of the current
//!   context (or of its explicit `parent:`), named after the `tracing` span,
//!   with its fields as typed attributes (and fields `record()`ed later);
//!   while it is entered it is the current span, so `#[traced]` calls inside
//!   it are its children. A `tracing::Instrument`ed future enters it on each
//!   poll, on whatever thread polls, and leaves it after;
//! * a `tracing` **event** becomes a span event on the current span (or its
//!   explicit parent): named after its message, with its fields as typed
//!   attributes plus `level` (`"INFO"`, ...), `target`, and by default its
//!   `code.file.path` / `code.line.number`. With
//!   [`with_error_status(true)`](TracingLayer::with_error_status) an ERROR
//!   event also sets the span's status to Error with the message (off by
//!   default: a logged error is not always a failed operation);
//! * `follows_from` becomes a span link.
//!
//! `otel.name`, `otel.kind` (`server`, `client`, `producer`, `consumer`),
//! `otel.status_code` (`ok`, `error`) and `otel.status_description` fields
//! are read as tracing-opentelemetry reads them, so libraries instrumented
//! for it come out the same.
//!
//! [`WithTraceIds`] is the other direction: an event formatter for
//! `tracing-subscriber`'s fmt layer that starts every log line with
//! `trace_id=… span_id=…`, so a log line leads to its trace.
//!
//! ```
//! # #[cfg(feature = "testing")] {
//! use tracing_subscriber::layer::SubscriberExt as _;
//! use trace_runtime::tracing_layer::{TracingLayer, WithTraceIds};
//! use trace_runtime::{testing, traced};
//!
//! #[tracing::instrument]
//! fn query(table: &str) {
//!     tracing::info!(rows = 3, "scanned");
//! }
//!
//! #[traced]
//! fn handler() {
//!     query("users");
//! }
//!
//! let format = WithTraceIds::new(tracing_subscriber::fmt::format());
//! let subscriber = tracing_subscriber::registry()
//!     .with(TracingLayer::new())
//!     .with(tracing_subscriber::fmt::layer().event_format(format));
//! // In `main`: tracing::subscriber::set_global_default(subscriber). Here, for a test:
//! let spans = tracing::subscriber::with_default(subscriber, || testing::capture(handler));
//!
//! let query = spans.named("query");
//! spans.assert_parent(query, spans.named("handler"));
//! assert_eq!(query.events.events[0].name, "scanned");
//! # }
//! ```
//!
//! # Why it is shaped this way
//! The layer does not go through an OpenTelemetry tracer (as
//! tracing-opentelemetry does, building an SDK span per `tracing` span): a
//! `tracing` span opens one of our span records, the same compact record
//! `#[traced]` uses, kept in the span's extensions and pushed on the
//! thread's span stack while entered (see `bridged.rs` for how it follows
//! enters, exits, threads and re-entries). It ends in the thread's buffer
//! and becomes `SpanData` on the collector thread. With no pipeline
//! installed and no capture running, every callback returns after one
//! relaxed load: nothing is recorded.
//!
//! What a bridged span costs is mostly the registry's: each callback that
//! needs the span's state looks it up (`ctx.span`, two atomic updates of
//! its reference count) and locks its extensions (two more), and the state
//! itself is a boxed extension, allocated when the span opens and freed
//! when it closes. So the layer touches the registry as few times as it
//! can: on `on_new_span` (to insert the state), `on_enter` and `on_exit`
//! (to move the record onto this thread's stack and back), and not on
//! `on_close`: the span ends when the registry drops its state right after
//! (`bridged.rs`). Finding the callsite (`callsites.rs`) takes no lock and
//! no hashing.
//!
//! A `tracing` span opened before a pipeline was installed stays
//! unrecorded, and its children parent to the nearest recorded span. Spans
//! the layer's filter (a per-layer `EnvFilter`, say) disables are skipped
//! the same way: their children and events go to the nearest enabled span.

mod bridged;
mod callsites;
mod closing;
mod correlation;
mod fields;

use std::time::SystemTime;

use opentelemetry::trace::{Event as OtelEvent, Link, Status};
use opentelemetry::{Key, KeyValue, Value};
use opentelemetry_semantic_conventions::attribute::{CODE_FILE_PATH, CODE_LINE_NUMBER};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::{LookupSpan, SpanRef};

use crate::local::start as span;
use crate::local::state as context;
use crate::local::{Current, LocalState};
use crate::record::SpanRecord;

use bridged::Bridged;
use fields::{EventFields, SpanFields};

pub use correlation::WithTraceIds;

/// A `tracing_subscriber::Layer` recording `tracing` spans and events in
/// our traces (see the [module docs](self)).
///
/// ```
/// use tracing_subscriber::layer::SubscriberExt as _;
/// use trace_runtime::tracing_layer::TracingLayer;
///
/// let subscriber = tracing_subscriber::registry()
///     .with(TracingLayer::new().with_error_status(true));
/// tracing::subscriber::with_default(subscriber, || {
///     let _span = tracing::info_span!("work").entered();
///     tracing::error!("failed"); // with a pipeline installed: status Error on "work"
/// });
/// ```
#[derive(Clone, Debug)]
pub struct TracingLayer {
    error_status: bool,
    event_location: bool,
}

impl Default for TracingLayer {
    fn default() -> TracingLayer {
        TracingLayer::new()
    }
}

impl TracingLayer {
    /// A layer with the defaults: ERROR events do not set status, events
    /// carry their source location.
    pub fn new() -> TracingLayer {
        TracingLayer {
            error_status: false,
            event_location: true,
        }
    }

    /// Whether an ERROR-level event sets its span's status to Error, with
    /// the event's message as the description (default: no). A span whose
    /// status is Ok keeps it.
    ///
    /// ```
    /// let layer = trace_runtime::tracing_layer::TracingLayer::new().with_error_status(true);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_error_status(mut self, enabled: bool) -> TracingLayer {
        self.error_status = enabled;
        self
    }

    /// Whether events carry `code.file.path` and `code.line.number`
    /// (default: yes; both are static, they cost no allocation).
    ///
    /// ```
    /// let layer = trace_runtime::tracing_layer::TracingLayer::new().with_event_location(false);
    /// # let _ = layer;
    /// ```
    #[must_use]
    pub fn with_event_location(mut self, enabled: bool) -> TracingLayer {
        self.event_location = enabled;
        self
    }

    /// Turns `event` into a span event on `record`.
    fn record_event(&self, record: &mut SpanRecord, event: &Event<'_>) {
        let metadata = event.metadata();
        let mut fields = EventFields::default();
        fields.attributes.reserve(event.fields().count() + 4);
        event.record(&mut fields);
        fields.attributes.push(KeyValue::new(
            Key::from_static_str("level"),
            Value::from(metadata.level().as_str()),
        ));
        fields.attributes.push(KeyValue::new(
            Key::from_static_str("target"),
            Value::from(metadata.target()),
        ));
        if self.event_location {
            if let Some(file) = metadata.file() {
                fields.attributes.push(KeyValue::new(
                    Key::from_static_str(CODE_FILE_PATH),
                    Value::from(file),
                ));
            }
            if let Some(line) = metadata.line() {
                fields.attributes.push(KeyValue::new(
                    Key::from_static_str(CODE_LINE_NUMBER),
                    Value::I64(i64::from(line)),
                ));
            }
        }
        let name = fields
            .message
            .map_or(std::borrow::Cow::Borrowed(metadata.name()), Into::into);
        let details = record.details();
        if self.error_status && *metadata.level() == Level::ERROR && *details.status() != Status::Ok
        {
            details.set_status(Status::error(name.clone()));
        }
        let event = OtelEvent::new(name, SystemTime::now(), fields.attributes, 0);
        details.add_event(event);
    }
}

/// The nearest span at or above `span` that this layer records.
fn nearest_bridged<'a, S>(span: SpanRef<'a, S>) -> Option<SpanRef<'a, S>>
where
    S: for<'l> LookupSpan<'l>,
{
    span.scope()
        .find(|ancestor| ancestor.extensions().get::<Bridged>().is_some())
}

/// The context an explicit `parent:` names: its nearest recorded ancestor,
/// or `None` for a new root.
///
/// Looked up before this thread's state is borrowed: the span references a
/// look-up holds can be the last ones to a span another thread just closed,
/// and releasing them then drops its state here (see `bridged.rs`), which
/// needs this thread's state to end the span.
fn explicit_parent<S>(parent: Option<&Id>, ctx: &Context<'_, S>) -> Option<Current>
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    parent
        .and_then(|id| ctx.span(id))
        .and_then(nearest_bridged)
        .and_then(|span| span.extensions().get::<Bridged>().map(Bridged::context))
}

/// Whether a `tracing` span under `parent` is skipped: a sampler that never
/// records new roots, and no span or scope to inherit from. A `#[traced]`
/// call there costs about a bare call (see `local/unsampled.rs`); a bridged
/// span would cost a span for nothing, so it is not made.
fn nothing_to_record(parent: &Current) -> bool {
    parent.span.is_none()
        && parent.scope.is_none()
        && crate::local::sampler::global_mode().roots_never_sampled()
}

impl<S> tracing_subscriber::Layer<S> for TracingLayer
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if !crate::local::gate::is_open() {
            return;
        }
        let Some(span) = ctx.span(id) else { return };
        let kinds = callsites::kinds(attrs.metadata());
        let explicit = if attrs.is_contextual() {
            None
        } else {
            Some(explicit_parent(attrs.parent(), &ctx))
        };
        // All in one go on the thread's state: the record is moved as few
        // times as possible on its way into the extensions.
        context::with_local(|local| {
            let opened = match explicit {
                None => {
                    if nothing_to_record(&local.current) {
                        return;
                    }
                    span::open(local, kinds.internal())
                }
                Some(parent) => {
                    let parent = parent.unwrap_or_else(|| Current {
                        span: None,
                        scope: local.current.scope.clone(),
                    });
                    if nothing_to_record(&parent) {
                        return;
                    }
                    let opened = span::open_under(&parent, span::Under::Chosen, kinds.internal());
                    local.started += u64::from(opened.record.sampled);
                    opened
                }
            };
            let mut bridged = Bridged::new(id.into_u64(), opened, kinds);
            if !attrs.fields().is_empty()
                && let Some(record) = bridged.record_mut(local)
            {
                let mut fields = SpanFields::new(record, kinds);
                attrs.record(&mut fields);
                fields.finish();
            }
            span.extensions_mut().insert(bridged);
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(bridged) = extensions.get_mut::<Bridged>() else {
            return;
        };
        let kinds = bridged.kinds;
        context::with_local(|local| {
            if let Some(record) = bridged.record_mut(local) {
                let mut fields = SpanFields::new(record, kinds);
                values.record(&mut fields);
                fields.finish();
            }
        });
    }

    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let Some(target) = ctx
            .span(follows)
            .and_then(nearest_bridged)
            .and_then(|span| span.extensions().get::<Bridged>().map(Bridged::context))
        else {
            return;
        };
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        let Some(bridged) = extensions.get_mut::<Bridged>() else {
            return;
        };
        context::with_local(|local| {
            if let Some(record) = bridged.record_mut(local) {
                let context =
                    crate::local::handle::span_context_of(target.span, target.scope.as_deref());
                record.details().links.push(Link::with_context(context));
            }
        });
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if !crate::local::gate::is_open() {
            return;
        }
        if event.is_contextual() {
            context::with_local(|local| {
                if let Some(record) = local.current_record().filter(|r| r.sampled) {
                    self.record_event(record, event);
                }
            });
        } else if let Some(span) = event
            .parent()
            .and_then(|id| ctx.span(id))
            .and_then(nearest_bridged)
        {
            let mut extensions = span.extensions_mut();
            if let Some(bridged) = extensions.get_mut::<Bridged>() {
                context::with_local(|local| {
                    if let Some(record) = bridged.record_mut(local) {
                        self.record_event(record, event);
                    }
                });
            }
        }
    }

    fn on_enter(&self, id: &Id, ctx: Context<'_, S>) {
        // Nothing installed: no span of this layer's is recorded (an exit
        // still looks, for a record entered before the pipeline went away).
        if !crate::local::gate::is_open() {
            return;
        }
        with_bridged(id, &ctx, Bridged::enter);
    }

    fn on_exit(&self, id: &Id, ctx: Context<'_, S>) {
        with_bridged(id, &ctx, Bridged::exit);
    }

    /// Only notes the time: the span ends when the registry drops its
    /// state, right after this (see `bridged.rs`).
    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        if crate::local::gate::is_open() {
            closing::note(id.into_u64());
        }
    }
}

/// Runs `f` on span `id`'s state and this thread's, when the span is recorded.
fn with_bridged<S>(id: &Id, ctx: &Context<'_, S>, f: impl FnOnce(&mut Bridged, &mut LocalState))
where
    S: Subscriber + for<'l> LookupSpan<'l>,
{
    let Some(span) = ctx.span(id) else { return };
    let mut extensions = span.extensions_mut();
    if let Some(bridged) = extensions.get_mut::<Bridged>() {
        context::with_local(|local| f(bridged, local));
    }
}
