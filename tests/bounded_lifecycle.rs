//! A long-running consumer stays bounded: 60,000 messages give 60,000
//! separate traces, none deeper than the handler's own nesting, each with
//! the component's identity and a link to its producer; the runtime's memory
//! does not grow with the number of messages and no span stays open after it.
//!
//! The loop runs through the process-wide pipeline (a capture would keep
//! every span in memory by design), with an exporter that checks each span
//! and keeps only counts, and a counting allocator measures live bytes.
//! That allocator is the whole process's, so this test is a binary of its
//! own: the growth it measures must not include other tests' allocations.

// Specifies recording: nothing to run with `--cfg traced_off` (it counts recorded traces).
#![cfg(not(traced_off))]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use trace_runtime::identity::Identity;
use trace_runtime::otel::KeyValue;
use trace_runtime::otel::trace::{SpanId, TraceId};
use trace_runtime::otel_sdk::error::OTelSdkResult;
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::{Pipeline, extract, inject, traced};

/// Counts bytes currently allocated by the whole process.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What the exporter saw, as counts only (so it does not grow with the loop).
#[derive(Debug, Default)]
struct Seen {
    handlers: usize,
    children: usize,
    producers: usize,
    handler_roots: usize,
    handler_links_to_other_trace: usize,
    with_identity: usize,
    children_under_handler: usize,
    /// Children whose handler has not been exported yet (the order of spans
    /// in and across batches is not a contract): parent span id -> trace id.
    waiting_children: HashMap<SpanId, TraceId>,
    /// Handlers whose child has not been exported yet: span id -> trace id.
    waiting_handlers: HashMap<SpanId, TraceId>,
}

#[derive(Debug, Clone, Default)]
struct Checking(Arc<Mutex<Seen>>);

impl SpanExporter for Checking {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut seen = self.0.lock().unwrap();
        for span in &batch {
            let identity =
                span.attributes.first() == Some(&KeyValue::new("component.name", "orders"));
            match span.name.as_ref() {
                "publish" => seen.producers += 1,
                "handle" => {
                    seen.handlers += 1;
                    seen.with_identity += usize::from(identity);
                    seen.handler_roots += usize::from(span.parent_span_id == SpanId::INVALID);
                    let linked = span.links.len() == 1
                        && span.links[0].span_context.trace_id() != span.span_context.trace_id();
                    seen.handler_links_to_other_trace += usize::from(linked);
                    let (id, trace) = (span.span_context.span_id(), span.span_context.trace_id());
                    match seen.waiting_children.remove(&id) {
                        Some(child_trace) => {
                            seen.children_under_handler += usize::from(child_trace == trace);
                        }
                        None => _ = seen.waiting_handlers.insert(id, trace),
                    }
                }
                "decode" => {
                    seen.children += 1;
                    seen.with_identity += usize::from(identity);
                    let (parent, trace) = (span.parent_span_id, span.span_context.trace_id());
                    match seen.waiting_handlers.remove(&parent) {
                        Some(handler_trace) => {
                            seen.children_under_handler += usize::from(handler_trace == trace);
                        }
                        None => _ = seen.waiting_children.insert(parent, trace),
                    }
                }
                other => panic!("unexpected span {other}"),
            }
        }
        Ok(())
    }
}

#[traced(kind = producer)]
fn publish() -> Vec<(String, String)> {
    let mut metadata = Vec::new();
    inject(&mut metadata);
    metadata
}

#[traced]
fn decode(metadata: &[(String, String)]) -> usize {
    metadata.len()
}

#[traced(kind = consumer, root, link = extract(metadata))]
fn handle(metadata: &[(String, String)]) -> usize {
    decode(metadata)
}

fn run(messages: usize) {
    for _ in 0..messages {
        let metadata = publish();
        handle(&metadata);
    }
}

/// Messages run before memory is measured, and in all.
const WARM_UP: usize = 1_000;
const MESSAGES: usize = 60_000;

#[test]
fn every_message_makes_one_bounded_trace_and_memory_does_not_grow_with_messages() {
    let seen = Checking::default();
    let pipeline = Pipeline::builder()
        .with_exporter(seen.clone())
        .with_max_queue_size(1 << 16)
        .with_scheduled_delay(Duration::from_millis(50))
        .install()
        .unwrap();
    let orders = Identity::new([KeyValue::new("component.name", "orders")]);

    // Warm up: buffers, the collector's pools and the exporter reach their size.
    orders.run(|| run(WARM_UP));
    assert!(pipeline.flush(Duration::from_secs(30)));
    let warm = LIVE.load(Ordering::Relaxed);

    orders.run(|| run(MESSAGES - WARM_UP));
    assert!(pipeline.flush(Duration::from_secs(30)));
    let after = LIVE.load(Ordering::Relaxed);

    assert_eq!(
        trace_runtime::testing::open_spans(),
        0,
        "no span stays open after the loop"
    );
    drop(pipeline);

    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.producers, MESSAGES);
    assert_eq!(seen.handlers, MESSAGES);
    assert_eq!(
        seen.handler_roots, MESSAGES,
        "every message is its own trace"
    );
    assert_eq!(
        seen.handler_links_to_other_trace, MESSAGES,
        "each linked to its producer"
    );
    assert_eq!(seen.children, MESSAGES);
    assert_eq!(
        seen.children_under_handler, MESSAGES,
        "no trace deeper than the handler's nesting"
    );
    assert!(seen.waiting_children.is_empty() && seen.waiting_handlers.is_empty());
    assert_eq!(
        seen.with_identity,
        2 * MESSAGES,
        "identity on every consumer span, first"
    );

    let growth = after - warm;
    println!(
        "live bytes after {WARM_UP} messages: {warm}; after {MESSAGES}: {after}; growth: {growth}"
    );
    // Not exactly flat: if the collector falls behind during the loop (a
    // loaded machine), more span-detail boxes and batch buffers are in
    // flight at once, and the recycling pools keep them afterwards, up to
    // their fixed bounds (2,048 boxes in the hub and 128 per thread, about
    // 1.5 MB here, and 64 spare batch buffers, up to about 1.5 MB more).
    // What must not happen is growth with the number of messages: 100
    // bytes kept per message would be 5.9 MB over this loop.
    assert!(
        growth < 4 * 1024 * 1024,
        "runtime memory grew by {growth} bytes over {} messages",
        MESSAGES - WARM_UP
    );
}
