//! The workload every comparison runs, once per variant: one parent call
//! and [`CHILDREN`] flat child calls of `fn(x) -> black_box(x) + 1`
//! (`#[inline(never)]`), so the time of one parent call divided by
//! [`CHILDREN`] is the cost of one child span. Shared by `child_spans.rs`
//! (criterion, one variant after the other) and `interleaved.rs` (all
//! variants in alternating rounds).

use std::hint::black_box;
use std::time::Duration;

use trace_benches::{CHILDREN, VoidExporter};

pub(crate) mod bare {
    use super::*;

    #[inline(never)]
    pub(crate) fn child(x: u64) -> u64 {
        black_box(x) + 1
    }

    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        let mut sum = 0;
        for i in 0..CHILDREN {
            sum += child(i);
        }
        sum
    }
}

pub(crate) mod traced {
    use super::*;
    use trace_runtime::traced;

    #[traced]
    #[inline(never)]
    pub(crate) fn child(x: u64) -> u64 {
        black_box(x) + 1
    }

    #[traced]
    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        let mut sum = 0;
        for i in 0..CHILDREN {
            sum += child(i);
        }
        sum
    }
}

/// Issue 4's variant: one `i64` argument and one `&str` attribute per span.
pub(crate) mod traced_args {
    use super::*;
    use trace_runtime::traced;

    #[traced(args(x), attrs(peer = label))]
    #[inline(never)]
    pub(crate) fn child(x: i64, label: &str) -> i64 {
        black_box(x) + 1
    }

    #[traced]
    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        let mut sum = 0;
        for i in 0..CHILDREN {
            sum += child(i.cast_signed(), "db-1").cast_unsigned();
        }
        sum
    }
}

pub(crate) mod fastrace_spans {
    use super::*;
    use fastrace::collector::{SpanContext, SpanRecord};
    use fastrace::{Span, trace};

    #[trace]
    #[inline(never)]
    pub(crate) fn child(x: u64) -> u64 {
        black_box(x) + 1
    }

    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        let root = Span::root("parent", SpanContext::random());
        let _parent = root.set_local_parent();
        let mut sum = 0;
        for i in 0..CHILDREN {
            sum += child(i);
        }
        sum
    }

    /// A fastrace reporter that discards every batch, counting spans.
    pub(crate) struct NoopReporter(pub(crate) std::sync::Arc<std::sync::atomic::AtomicU64>);

    impl fastrace::collector::Reporter for NoopReporter {
        fn report(&mut self, spans: Vec<SpanRecord>) {
            self.0
                .fetch_add(spans.len() as u64, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

pub(crate) mod sdk {
    use super::*;
    use trace_runtime::otel::Context;
    use trace_runtime::otel::trace::{Tracer as _, TracerProvider as _};
    use trace_runtime::otel_sdk::Resource;
    use trace_runtime::otel_sdk::error::OTelSdkResult;
    use trace_runtime::otel_sdk::trace::{
        BatchSpanProcessor, SdkTracer, SdkTracerProvider, Span, SpanData, SpanProcessor,
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

    pub(crate) fn tracer(provider: &SdkTracerProvider) -> SdkTracer {
        provider.tracer("trace-benches")
    }

    #[inline(never)]
    pub(crate) fn child(tracer: &SdkTracer, x: u64) -> u64 {
        tracer.in_span("child", |_cx| black_box(x) + 1)
    }

    #[inline(never)]
    pub(crate) fn parent(tracer: &SdkTracer) -> u64 {
        tracer.in_span("parent", |_cx| {
            let mut sum = 0;
            for i in 0..CHILDREN {
                sum += child(tracer, i);
            }
            sum
        })
    }
}

pub(crate) mod tracing_otel {
    use super::*;
    use tracing::instrument;
    use tracing_subscriber::layer::SubscriberExt as _;

    /// `tracing`'s registry with the OpenTelemetry layer over `tracer`.
    pub(crate) fn subscriber(
        tracer: trace_runtime::otel_sdk::trace::SdkTracer,
    ) -> impl tracing::Subscriber + Send + Sync {
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer))
    }

    // `skip_all`: no variant records the argument, as `#[traced]` does not
    // unless asked to.
    #[instrument(skip_all)]
    #[inline(never)]
    pub(crate) fn child(x: u64) -> u64 {
        black_box(x) + 1
    }

    #[instrument(skip_all)]
    #[inline(never)]
    pub(crate) fn parent() -> u64 {
        let mut sum = 0;
        for i in 0..CHILDREN {
            sum += child(i);
        }
        sum
    }
}
