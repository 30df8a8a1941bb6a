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

/// For each argument type the per-type variants cover, a module `$type`
/// with `$child!(type)` (a `child(x: type) -> u64` traced some way) and a
/// `#[traced]` parent calling it, and `PARENTS`: `(bench id, parent)` of
/// every type, the ids `$prefix` followed by the module's name.
/// `u64_above_i64` records values above `i64::MAX`, which OpenTelemetry
/// has no integer for (they are exported as their decimal text); `str`
/// records a 12-byte text, within the inline limit.
macro_rules! per_arg_type {
    ($child:ident, $prefix:literal) => {
        per_arg_type! {
            @ $child, $prefix,
            i8: i8 = |i| i as i8;
            i16: i16 = |i| i as i16;
            i32: i32 = |i| i as i32;
            i64: i64 = |i| i as i64;
            isize: isize = |i| i as isize;
            u8: u8 = |i| i as u8;
            u16: u16 = |i| i as u16;
            u32: u32 = |i| i as u32;
            u64: u64 = |i| i;
            usize: usize = |i| i as usize;
            u64_above_i64: u64 = |i| u64::MAX - i;
            f64: f64 = |i| i as f64 * 0.5;
            bool: bool = |i| i % 2 == 0;
            str: &str = |i| if i % 2 == 0 { "db-primary-1" } else { "db-replica-2" };
        }
    };
    (@ $child:ident, $prefix:literal, $($module:ident: $t:ty = |$i:ident| $value:expr;)*) => {
        $(pub(crate) mod $module {
            use super::*;

            $child!($t);

            #[traced]
            #[inline(never)]
            pub(crate) fn parent() -> u64 {
                let mut sum = 0;
                for $i in 0..CHILDREN {
                    sum += child($value);
                }
                sum
            }
        })*

        /// `(bench id, parent)` of every argument type.
        pub(crate) const PARENTS: &[(&str, fn() -> u64)] = &[
            $((concat!($prefix, stringify!($module)), $module::parent),)*
        ];
    };
}

/// One argument of one primitive type per child span, `#[traced(args(x))]`:
/// `arg_types::PARENTS` lists a parent per type (`traced_arg_<type>`), so
/// the cost of an argument can be read per type against plain `traced`.
pub(crate) mod arg_types {
    use super::*;
    use trace_runtime::traced;

    macro_rules! child_with_arg {
        ($t:ty) => {
            #[traced(args(x))]
            #[inline(never)]
            pub(crate) fn child(x: $t) -> u64 {
                black_box(&x);
                1
            }
        };
    }

    per_arg_type!(child_with_arg, "traced_arg_");
}

/// The same argument types as [`arg_types`], with the child written out
/// by hand the way `#[traced(args(x))]` would expand if it recorded the
/// argument as the span starts (`__private::Attributes::enter`: one
/// look-up of the thread's state for the start and the argument), so that
/// the runtime side is measured before the macro emits it. `at_start::PARENTS`
/// lists them as `start_arg_<type>`; `hand_written_after_start` is the
/// expansion of today's macro written out the same way, to show that the
/// hand-written code and the macro's cost the same.
pub(crate) mod at_start {
    use super::*;
    use trace_runtime::traced;

    /// The callsite `#[traced]` declares first thing in a function named
    /// `child` (`__TRACED_CALLSITE`), as the macro writes it.
    macro_rules! child_callsite {
        () => {
            fn __traced_here() -> &'static str {
                ::core::any::type_name_of_val(&__traced_here)
            }
            static __TRACED_CALLSITE: ::trace_runtime::__private::Callsite =
                ::trace_runtime::__private::Callsite::new(
                    "child",
                    ::trace_runtime::__private::SpanKind::Internal,
                    ::core::concat!(::core::module_path!(), "::", "child"),
                    ::core::file!(),
                    ::core::line!(),
                )
                .with_qualified_name(__traced_here);
        };
    }

    /// `fn child(x: $t) -> u64 { black_box(&x); 1 }` as `#[traced(args(x))]`
    /// would expand it with the argument recorded at start (the callsite
    /// and the return observation are the macro's own).
    macro_rules! child_at_start {
        ($t:ty) => {
            #[inline(never)]
            pub(crate) fn child(x: $t) -> u64 {
                child_callsite!();
                let __traced_guard = ::trace_runtime::__private::Attributes::new()
                    .with(&"x", &x)
                    .enter(&__TRACED_CALLSITE);
                let __traced_ret: u64 = {
                    black_box(&x);
                    1
                };
                {
                    ::trace_runtime::__private::observe!(&__traced_ret);
                }
                __traced_ret
            }
        };
    }

    per_arg_type!(child_at_start, "start_arg_");

    /// Two arguments recorded at start (an `i64` and a 12-byte `&str`):
    /// the shape of `traced_args`, whose `&str` is an `attrs(..)` value.
    pub(crate) mod two {
        use super::*;

        #[inline(never)]
        pub(crate) fn child(x: i64, label: &str) -> i64 {
            child_callsite!();
            let __traced_guard = ::trace_runtime::__private::Attributes::new()
                .with(&"x", &x)
                .with(&"peer", &label)
                .enter(&__TRACED_CALLSITE);
            let __traced_ret: i64 = { black_box(x) + 1 };
            {
                ::trace_runtime::__private::observe!(&__traced_ret);
            }
            __traced_ret
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

    /// Today's expansion of `#[traced(args(x))]` on an `i64`, written out:
    /// `traced_arg_i64` with the macro, this by hand.
    pub(crate) mod hand_written_after_start {
        use super::*;

        #[inline(never)]
        pub(crate) fn child(x: i64) -> u64 {
            child_callsite!();
            let __traced_guard = ::trace_runtime::__private::SpanGuard::enter(&__TRACED_CALLSITE);
            ::trace_runtime::__private::Attributes::new()
                .with(&"x", &x)
                .record();
            let __traced_ret: u64 = {
                black_box(&x);
                1
            };
            {
                ::trace_runtime::__private::observe!(&__traced_ret);
            }
            __traced_ret
        }

        #[traced]
        #[inline(never)]
        pub(crate) fn parent() -> u64 {
            let mut sum = 0;
            for i in 0..CHILDREN {
                sum += child(i as i64);
            }
            sum
        }
    }
}
