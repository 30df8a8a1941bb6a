//! A `tracing` span through `trace_runtime::TracingLayer`, side by side with
//! tracing-opentelemetry over the `opentelemetry_sdk` tracer.
//!
//! Every variant runs one parent call and 100 flat child calls of
//! `fn(x) -> black_box(x) + 1`, each instrumented with `tracing`'s
//! `#[instrument(skip_all)]` (the `*_events` variants: one parent span and
//! 100 `info!` events with one field), so criterion's time per iteration
//! divided by 100 is the cost of one child span (or event). Only the
//! subscriber changes; each is scoped to its benches with
//! `tracing::subscriber::with_default`, so no variant sees another's. The
//! clock is the calling thread's CPU time unless `BENCH_CLOCK=wall` (see
//! `common/mod.rs`), as in the other bench binaries.
//!
//! | bench id | what |
//! |---|---|
//! | `bare` | plain functions, no tracing |
//! | `registry_only` | `#[instrument]` into a `tracing_subscriber::registry()` with no layer: what `tracing` itself costs, the floor for any layer |
//! | `trace_layer` | `registry().with(TracingLayer::new())`, a trace-runtime pipeline installed exporting to a void exporter; the queue is drained (untimed) every 10 calls so nothing is dropped |
//! | `tracing_otel` | `registry().with(tracing_opentelemetry::layer())` over an SDK tracer whose span processor does nothing |
//! | `tracing_otel_batch` | the same with the SDK's `BatchSpanProcessor` into a void exporter, what a service would run |
//! | `trace_layer_events` | one span, 100 `info!(n, "step")` events on it, through `TracingLayer` |
//! | `tracing_otel_events` | the same through tracing-opentelemetry (no-op processor) |
//!
//! The goal: `trace_layer`'s added cost over `registry_only` at least 5x
//! smaller than `tracing_otel`'s.
//! Every exporting variant checks (on stderr) that its spans arrived, so a
//! variant that silently records nothing cannot pass for a fast one.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use common::Clock;
use criterion::Throughput;
use trace_benches::{CHILDREN, Variant, VoidExporter, print_summary};
use trace_runtime::TracingLayer;
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

mod common;

const GROUP: &str = "tracing_layer";
/// Spans one `spans::parent()` call records.
const SPANS_PER_CALL: u64 = CHILDREN + 1;
/// Parent calls between two (untimed) flushes of the trace-runtime pipeline.
const FLUSH_EVERY: u64 = 10;

mod bare {
    use super::*;

    #[inline(never)]
    pub(crate) fn child(x: u64) -> u64 {
        black_box(x) + 1
    }

    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        (0..CHILDREN).map(child).sum()
    }
}

/// The instrumented workload, the same for every subscriber.
mod spans {
    use super::*;

    #[tracing::instrument(skip_all)]
    #[inline(never)]
    pub(crate) fn child(x: u64) -> u64 {
        black_box(x) + 1
    }

    #[tracing::instrument(skip_all)]
    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        (0..CHILDREN).map(child).sum()
    }

    /// One span, `CHILDREN` events with one field each.
    #[tracing::instrument(skip_all)]
    #[inline(never)]
    pub(crate) fn logging_parent() -> u64 {
        let mut sum = 0;
        for n in 0..CHILDREN {
            tracing::info!(n, "step");
            sum += black_box(n);
        }
        sum
    }
}

mod sdk {
    use super::*;
    use trace_runtime::otel::Context;
    use trace_runtime::otel::trace::TracerProvider as _;
    use trace_runtime::otel_sdk::Resource;
    use trace_runtime::otel_sdk::error::OTelSdkResult;
    use trace_runtime::otel_sdk::trace::{
        BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanProcessor,
    };

    /// A span processor that does nothing: the SDK's own span-building cost only.
    #[derive(Debug)]
    pub(crate) struct NoopProcessor;

    impl SpanProcessor for NoopProcessor {
        fn on_start(&self, _span: &mut Span, _cx: &Context) {}
        fn on_end(&self, _span: SpanData) {}
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
            Ok(())
        }
        fn set_resource(&mut self, _resource: &Resource) {}
    }

    pub(crate) fn noop_provider() -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_span_processor(NoopProcessor)
            .build()
    }

    pub(crate) fn batch_provider(exporter: VoidExporter) -> SdkTracerProvider {
        SdkTracerProvider::builder()
            .with_span_processor(BatchSpanProcessor::builder(exporter).build())
            .build()
    }

    /// `tracing`'s registry with tracing-opentelemetry over `provider`'s tracer.
    pub(crate) fn subscriber(provider: &SdkTracerProvider) -> Dispatch {
        let tracer = provider.tracer("trace-benches");
        Dispatch::new(
            tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer)),
        )
    }
}

const VARIANTS: &[Variant] = &[
    Variant {
        id: "bare",
        what: "plain fn",
        comparable: true,
    },
    Variant {
        id: "registry_only",
        what: "tracing #[instrument], registry with no layer (tracing's own cost)",
        comparable: true,
    },
    Variant {
        id: "trace_layer",
        what: "tracing #[instrument] + TracingLayer, pipeline to a void exporter",
        comparable: true,
    },
    Variant {
        id: "tracing_otel",
        what: "tracing #[instrument] + tracing-opentelemetry + SDK (no-op processor)",
        comparable: true,
    },
    Variant {
        id: "tracing_otel_batch",
        what: "tracing #[instrument] + tracing-opentelemetry + SDK batch processor, void exporter",
        comparable: true,
    },
    Variant {
        id: "trace_layer_events",
        what: "info! events on a span, TracingLayer (per event)",
        comparable: true,
    },
    Variant {
        id: "tracing_otel_events",
        what: "info! events on a span, tracing-opentelemetry + SDK (per event)",
        comparable: true,
    },
];

fn main() {
    let started = SystemTime::now();
    let clock = Clock::from_env();
    let mut criterion = common::criterion(clock);
    let mut group = criterion.benchmark_group(GROUP);
    // One element is one child span (or one event).
    group.throughput(Throughput::Elements(CHILDREN));

    group.bench_function("bare", |b| b.iter(bare::parent));

    let registry = Dispatch::new(tracing_subscriber::registry());
    tracing::dispatcher::with_default(&registry, || {
        group.bench_function("registry_only", |b| b.iter(spans::parent));
    });

    {
        let exporter = VoidExporter::new();
        let pipeline = trace_runtime::Pipeline::builder()
            .with_exporter(exporter.clone())
            .install()
            .expect("no other trace-runtime pipeline in this process");
        let flush = || {
            pipeline.flush(Duration::from_secs(30));
        };
        let bridged = Dispatch::new(tracing_subscriber::registry().with(TracingLayer::new()));
        tracing::dispatcher::with_default(&bridged, || {
            black_box(spans::parent());
            flush();
            if exporter.spans() != SPANS_PER_CALL {
                eprintln!(
                    "WARNING: one spans::parent() call exported {} spans, expected \
                     {SPANS_PER_CALL}: `trace_layer` is not measuring what it claims",
                    exporter.spans()
                );
            }
            // Drained after every block of calls: the calling thread pays for
            // recording and handing off, and nothing is dropped.
            let recorded = |work: fn() -> u64| {
                move |iters: u64| {
                    let mut timed = Duration::ZERO;
                    let mut done = 0;
                    while done < iters {
                        let block = FLUSH_EVERY.min(iters - done);
                        let start = clock.now();
                        for _ in 0..block {
                            black_box(work());
                        }
                        timed += clock.now().saturating_sub(start);
                        done += block;
                        flush();
                    }
                    timed
                }
            };
            group.bench_function("trace_layer", |b| {
                b.iter_custom(recorded(spans::parent));
            });
            group.bench_function("trace_layer_events", |b| {
                b.iter_custom(recorded(spans::logging_parent));
            });
        });
        drop(pipeline);
        let stats = trace_runtime::PipelineStats::read();
        eprintln!(
            "trace_layer: void exporter got {} spans in {} batches ({} dropped)",
            exporter.spans(),
            exporter.batches(),
            stats.dropped
        );
    }

    {
        let provider = sdk::noop_provider();
        tracing::dispatcher::with_default(&sdk::subscriber(&provider), || {
            group.bench_function("tracing_otel", |b| b.iter(spans::parent));
            group.bench_function("tracing_otel_events", |b| b.iter(spans::logging_parent));
        });
        let _ = provider.shutdown();
    }

    {
        let exporter = VoidExporter::new();
        let provider = sdk::batch_provider(exporter.clone());
        tracing::dispatcher::with_default(&sdk::subscriber(&provider), || {
            group.bench_function("tracing_otel_batch", |b| b.iter(spans::parent));
        });
        let _ = provider.shutdown();
        eprintln!(
            "tracing_otel_batch: void exporter got {} spans in {} batches",
            exporter.spans(),
            exporter.batches()
        );
    }

    group.finish();
    criterion.final_summary();
    print_summary(
        GROUP,
        clock.name(),
        VARIANTS,
        "bare",
        &["tracing_otel", "tracing_otel_batch", "registry_only"],
        started,
    );
}
