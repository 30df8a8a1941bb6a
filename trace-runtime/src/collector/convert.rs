//! Conversion of a recorded span into OpenTelemetry's `SpanData`, on the
//! collector thread.

use std::borrow::Cow;

use opentelemetry::trace::{SpanContext, SpanId, Status, TraceFlags, TraceId};
use opentelemetry::{InstrumentationScope, Key, KeyValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use opentelemetry_semantic_conventions::attribute::{
    CODE_FILE_PATH, CODE_FUNCTION_NAME, CODE_LINE_NUMBER,
};

use crate::record::{Details, SpanRecord, StaticAttribute, clock};

/// The instrumentation scope of every span this crate records.
pub(crate) fn instrumentation_scope() -> &'static InstrumentationScope {
    static SCOPE: std::sync::OnceLock<InstrumentationScope> = std::sync::OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder("trace-runtime")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}

/// Builds the OpenTelemetry form of a recorded span. Its emptied details
/// box goes to `recycled`, for the calling threads to reuse.
///
/// This runs once per span on the collector thread, whose cost per span
/// bounds how many spans per second one collector exports. The one
/// allocation is the span's attribute `Vec`, which the exporter owns
/// afterwards. The `code.*` and literal attributes are made anew for every
/// span from the callsite's `&'static str`s (no allocation): cloning
/// `KeyValue`s built once per callsite was tried and cost more (1,752
/// against 1,467 instructions per span under callgrind), because a clone
/// matches on the key's and the value's variants where `from_static_str`
/// just stores a pointer.
#[allow(clippy::vec_box)] // boxes are recycled whole, see `record::details`
#[inline]
pub(crate) fn to_span_data(
    mut record: SpanRecord,
    scope: &InstrumentationScope,
    recycled: &mut Vec<Box<Details>>,
) -> SpanData {
    let callsite = record.callsite;
    let mut details = record.details.take();
    let flags = TraceFlags::new(record.ids().flags());
    let identity = record
        .scope
        .as_ref()
        .and_then(|s| s.identity.as_deref())
        .unwrap_or(&[]);
    let mut attributes = Vec::with_capacity(
        identity.len()
            + callsite.attributes.len()
            + record.inline.len()
            + details.as_ref().map_or(0, |d| d.attribute_count())
            + 3,
    );
    // Identity first: limits drop from the end, never the component's identity.
    let identity_len = identity.len();
    attributes.extend(identity.iter().cloned());
    attributes.extend(
        callsite
            .attributes
            .iter()
            .map(StaticAttribute::to_key_value),
    );
    if !record.inline.is_empty() {
        record.inline.export_into(&mut attributes);
    }
    if let Some(details) = &mut details {
        details.drain_attributes_into(&mut attributes);
    }
    let function = callsite.function_name();
    if !function.is_empty() {
        attributes.push(KeyValue::new(
            Key::from_static_str(CODE_FUNCTION_NAME),
            Value::from(function),
        ));
    }
    if !callsite.file.is_empty() {
        attributes.push(KeyValue::new(
            Key::from_static_str(CODE_FILE_PATH),
            Value::from(callsite.file),
        ));
        attributes.push(KeyValue::new(
            Key::from_static_str(CODE_LINE_NUMBER),
            Value::I64(i64::from(callsite.line)),
        ));
    }
    // The limit covers identity and code attributes too; what does not fit
    // is dropped from the end (never the identity) and counted.
    let limit = crate::attributes::attribute_count_limit().max(identity_len);
    let mut dropped_attributes = details.as_ref().map_or(0, |d| d.dropped_attributes);
    if attributes.len() > limit {
        let excess = attributes.len() - limit;
        attributes.truncate(limit);
        dropped_attributes =
            dropped_attributes.saturating_add(u32::try_from(excess).unwrap_or(u32::MAX));
    }
    let mut events = SpanEvents::default();
    let mut links = SpanLinks::default();
    let mut name = Cow::Borrowed(callsite.name);
    let mut status = Status::Unset;
    if let Some(mut details) = details {
        events.events = details.take_events();
        events.dropped_count = details.dropped_events;
        links.links = std::mem::take(&mut details.links);
        name = details.name.take().unwrap_or(name);
        status = details.take_status();
        recycled.extend(details.recycle());
    }
    let trace_state = record
        .scope
        .as_ref()
        .map(|scope| scope.otel_trace_state())
        .unwrap_or_default();
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(record.trace_id),
            SpanId::from(record.span_id),
            flags,
            false,
            trace_state,
        ),
        parent_span_id: SpanId::from(record.parent_span_id),
        parent_span_is_remote: record.parent_remote,
        span_kind: callsite.kind.clone(),
        name,
        start_time: clock::to_system_time(record.start),
        end_time: clock::to_system_time(record.end),
        attributes,
        dropped_attributes_count: dropped_attributes,
        events,
        links,
        status,
        instrumentation_scope: scope.clone(),
    }
}
