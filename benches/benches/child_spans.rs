//! Recording a span: `#[traced]` side by side with a bare call and its peers.
//!
//! Every variant runs the same workload, one parent call and 100 flat child
//! calls of `fn(x) -> black_box(x) + 1`, so criterion's time per iteration
//! divided by 100 is the cost of one child span (the parent is amortised).
//! All variants run in this one process, one after the other, so their
//! ratios are measured on the same machine state; on a shared machine the
//! ratios are what to quote, not the absolute times (`BENCHMARKS.md`). The
//! clock is the calling thread's CPU time unless `BENCH_CLOCK=wall` (see
//! `common/mod.rs` for why).
//!
//! | bench id | what |
//! |---|---|
//! | `bare` | plain functions, no tracing |
//! | `traced` | `#[traced]`, a pipeline installed (default sampler, every span sampled) exporting to a void exporter; the queue (8,192 spans) is drained, untimed, after every block of 32 calls, so the collector keeps up and nothing is dropped |
//! | `traced_arg_<type>` | `#[traced(args(x))]`, one argument of one primitive type per span (`i8` to `usize`, `u64` above `i64::MAX`, `f64`, `bool`, a 12-byte `&str`), same pipeline as `traced` |
//! | `traced_saturated` | the same with the default queue (2,048 spans), called back to back: the collector falls behind, the queue fills and hand-offs are dropped (the drop share is printed) |
//! | `fastrace_no_reporter` | fastrace `#[trace]`, root `Span` + `set_local_parent`, no reporter: the calling thread's cost only |
//! | `sdk_in_span_noop` | `opentelemetry_sdk` tracer `in_span`, a span processor whose `on_end` does nothing |
//! | `sdk_in_span_batch` | the same with the SDK's `BatchSpanProcessor` into a void exporter |
//! | `tracing_otel` | `tracing` `#[instrument(skip_all)]` with `tracing-opentelemetry` over the SDK (no-op processor) |
//! | `fastrace_noop_reporter` | fastrace with a reporter that discards batches |
//! | `traced_cpu_all_threads` | like `traced`, but criterion is handed the CPU time of the whole process (collector and exporter threads, flushes) instead of the calling thread's: the end-to-end cost (DESIGN.md section 7: at most 250 ns per span) |
//! | `sdk_in_span_batch_cpu_all_threads` | the same measurement for the SDK tracer with its batch processor |
//!
//! Why the order matters: the settings that are process-wide are scoped to
//! their own bench. The trace-runtime pipeline is installed just for the
//! `traced*` benches (one pipeline for those that keep up, one with the
//! default queue for the saturated one) and dropped (flushed, uninstalled)
//! after them; the SDK providers are plain values used through their
//! tracers, not installed globally; the `tracing` subscriber is a scoped
//! default (`with_default`) around its bench only. fastrace's reporter cannot be uninstalled, so the bench that needs
//! one runs last. Every variant that exports checks (on stderr) that its
//! spans really arrived, so a variant that silently records nothing cannot
//! pass for a fast one.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use common::Clock;
use criterion::Throughput;
use trace_benches::{CHILDREN, Variant, VoidExporter, print_summary, process_cpu_for};
use trace_runtime::{Pipeline, PipelineStats};

mod common;
mod workloads;

use workloads::{
    arg_types, at_start, bare, fastrace_spans, sdk, traced, traced_args, tracing_otel,
};

const GROUP: &str = "child_spans";
/// Spans recorded by one call of a `parent`.
const SPANS_PER_CALL: u64 = CHILDREN + 1;
/// Parent calls between two (untimed) flushes when the collector must keep
/// up: 3,232 spans, long enough that reading the clock around a block costs
/// nothing, short enough that the collector hands emptied buffers back
/// before the calling thread runs out of them (the runtime keeps 64).
const FLUSH_EVERY: u64 = 32;
/// The queue of the pipeline that must keep up: a whole block fits.
const KEEP_UP_QUEUE: usize = 8_192;
/// The runtime's default queue, for the saturated case.
const DEFAULT_QUEUE: usize = 2_048;

/// Prints what the pipeline did between two readings of its counters.
fn report_pipeline(what: &str, before: PipelineStats, after: PipelineStats) {
    let ended = after.ended - before.ended;
    let dropped = after.dropped - before.dropped;
    eprintln!(
        "{what}: {ended} spans ended, {} exported, {dropped} dropped ({:.1}%)",
        after.exported - before.exported,
        if ended == 0 {
            0.0
        } else {
            100.0 * dropped as f64 / ended as f64
        }
    );
}

const VARIANTS: &[Variant] = &[
    Variant {
        id: "bare",
        what: "plain fn",
        comparable: true,
    },
    Variant {
        id: "traced",
        what: "#[traced], pipeline installed, sampled, void exporter; collector keeps up",
        comparable: true,
    },
    Variant {
        id: "traced_args",
        what: "#[traced(args(x), attrs(peer = label))]: one i64 argument and one &str attribute per span",
        comparable: true,
    },
    Variant {
        id: "traced_saturated",
        what: "the same, back to back: collector saturated, queue full, hand-offs dropped",
        comparable: true,
    },
    Variant {
        id: "fastrace_no_reporter",
        what: "fastrace #[trace], no reporter (calling thread only)",
        comparable: true,
    },
    Variant {
        id: "fastrace_noop_reporter",
        what: "fastrace #[trace], no-op reporter",
        comparable: true,
    },
    Variant {
        id: "sdk_in_span_noop",
        what: "opentelemetry_sdk in_span, no-op processor",
        comparable: true,
    },
    Variant {
        id: "sdk_in_span_batch",
        what: "opentelemetry_sdk in_span, BatchSpanProcessor + void exporter",
        comparable: true,
    },
    Variant {
        id: "tracing_otel",
        what: "tracing #[instrument] + tracing-opentelemetry + SDK (no-op processor)",
        comparable: true,
    },
    Variant {
        id: "traced_cpu_all_threads",
        what: "CPU time, all threads: #[traced] end to end (record, collect, export)",
        comparable: false,
    },
    Variant {
        id: "sdk_in_span_batch_cpu_all_threads",
        what: "CPU time, all threads: SDK in_span + BatchSpanProcessor end to end",
        comparable: false,
    },
];

/// For `iter_custom`: `iters` calls of `traced::parent` in blocks of
/// `block`, only the blocks timed, `flush` (untimed) after each.
fn timed_blocks(clock: Clock, iters: u64, block: u64, flush: impl Fn()) -> Duration {
    timed_blocks_of(traced::parent, clock, iters, block, flush)
}

/// [`timed_blocks`] for any parent function.
fn timed_blocks_of(
    parent: fn() -> u64,
    clock: Clock,
    iters: u64,
    block: u64,
    flush: impl Fn(),
) -> Duration {
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = block.min(iters - done);
        let start = clock.now();
        for _ in 0..n {
            black_box(parent());
        }
        timed += clock.now().saturating_sub(start);
        done += n;
        flush();
    }
    timed
}

/// Installs a pipeline exporting to `exporter`, queue bounded at `queue` spans.
fn install(exporter: &VoidExporter, queue: usize) -> Pipeline {
    Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_max_queue_size(queue)
        .install()
        .expect("no other trace-runtime pipeline in this process")
}

fn main() {
    let started = SystemTime::now();
    let clock = Clock::from_env();
    let mut criterion = common::criterion(clock);
    let mut group = criterion.benchmark_group(GROUP);
    // Criterion also reports elements/s: one element is one child span.
    group.throughput(Throughput::Elements(CHILDREN));

    group.bench_function("bare", |b| b.iter(bare::parent));

    {
        // A queue that holds a whole block of calls, so draining it after
        // every block (untimed) means no span is ever dropped.
        let exporter = VoidExporter::new();
        let pipeline = install(&exporter, KEEP_UP_QUEUE);
        let flush = || {
            pipeline.flush(Duration::from_secs(30));
        };
        // Between the blocks of the calling-thread benches: the same drain
        // without sleeping (see `drain_spinning` for why).
        let drain = || trace_benches::drain_spinning(&pipeline);
        black_box(traced::parent());
        flush();
        if exporter.spans() != SPANS_PER_CALL {
            eprintln!(
                "WARNING: one traced::parent() call exported {} spans, expected {SPANS_PER_CALL}: \
                 `traced` is not measuring what it claims (is #[traced] expanding?)",
                exporter.spans()
            );
        }

        // The collector keeps up: the calling thread pays for recording and
        // handing off, the collector converts and exports meanwhile.
        let before = PipelineStats::read();
        group.bench_function("traced", |b| {
            b.iter_custom(|iters| timed_blocks(clock, iters, FLUSH_EVERY, drain))
        });
        report_pipeline("traced", before, PipelineStats::read());

        // The same with one i64 argument and one &str attribute per span.
        group.bench_function("traced_args", |b| {
            b.iter_custom(|iters| {
                timed_blocks_of(traced_args::parent, clock, iters, FLUSH_EVERY, drain)
            })
        });

        // One argument of each primitive type, against `traced` (filter
        // them out with a criterion regex when only the peers matter).
        // The same recorded as the span starts (`workloads::at_start`).
        for &(id, parent) in arg_types::PARENTS.iter().chain(at_start::PARENTS).chain(&[
            ("start_args_two", at_start::two::parent as fn() -> u64),
            (
                "hand_written_arg_i64",
                at_start::hand_written_after_start::parent,
            ),
        ]) {
            group.bench_function(id, |b| {
                b.iter_custom(|iters| timed_blocks_of(parent, clock, iters, FLUSH_EVERY, drain))
            });
        }

        // CPU time of the whole process (collector thread and export
        // included), the collector keeping up.
        let before = PipelineStats::read();
        group.bench_function("traced_cpu_all_threads", |b| {
            b.iter_custom(|iters| {
                process_cpu_for(
                    iters,
                    FLUSH_EVERY,
                    || {
                        black_box(traced::parent());
                    },
                    flush,
                )
            })
        });
        report_pipeline("traced_cpu_all_threads", before, PipelineStats::read());
    }

    {
        // The default queue (2,048 spans), called back to back: on this
        // workload the collector falls behind, the queue fills and whole
        // hand-offs are dropped (counted).
        let exporter = VoidExporter::new();
        let pipeline = install(&exporter, DEFAULT_QUEUE);
        let before = PipelineStats::read();
        group.bench_function("traced_saturated", |b| b.iter(traced::parent));
        pipeline.flush(Duration::from_secs(30));
        report_pipeline("traced_saturated", before, PipelineStats::read());
    }

    group.bench_function("fastrace_no_reporter", |b| b.iter(fastrace_spans::parent));

    {
        let provider = sdk::noop_provider();
        let tracer = sdk::tracer(&provider);
        group.bench_function("sdk_in_span_noop", |b| b.iter(|| sdk::parent(&tracer)));
        let _ = provider.shutdown();
    }

    {
        let exporter = VoidExporter::new();
        let provider = sdk::batch_provider(exporter.clone());
        let tracer = sdk::tracer(&provider);
        group.bench_function("sdk_in_span_batch", |b| b.iter(|| sdk::parent(&tracer)));
        let _ = provider.force_flush();
        group.bench_function("sdk_in_span_batch_cpu_all_threads", |b| {
            b.iter_custom(|iters| {
                process_cpu_for(
                    iters,
                    FLUSH_EVERY,
                    || {
                        black_box(sdk::parent(&tracer));
                    },
                    || {
                        let _ = provider.force_flush();
                    },
                )
            })
        });
        let _ = provider.shutdown();
        eprintln!(
            "sdk_in_span_batch: void exporter got {} spans in {} batches",
            exporter.spans(),
            exporter.batches()
        );
    }

    {
        let provider = sdk::noop_provider();
        let subscriber = tracing_otel::subscriber(sdk::tracer(&provider));
        tracing::subscriber::with_default(subscriber, || {
            group.bench_function("tracing_otel", |b| b.iter(tracing_otel::parent));
        });
        let _ = provider.shutdown();
    }

    // Last: a fastrace reporter stays installed for the rest of the process.
    {
        let reported = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        fastrace::set_reporter(
            fastrace_spans::NoopReporter(reported.clone()),
            fastrace::collector::Config::default(),
        );
        group.bench_function("fastrace_noop_reporter", |b| b.iter(fastrace_spans::parent));
        fastrace::flush();
        eprintln!(
            "fastrace_noop_reporter: reporter got {} spans",
            reported.load(std::sync::atomic::Ordering::Relaxed)
        );
    }

    group.finish();
    criterion.final_summary();
    let variants: Vec<Variant> = VARIANTS
        .iter()
        .copied()
        .chain(arg_types::PARENTS.iter().map(|&(id, _)| Variant {
            id,
            what: "#[traced(args(x))]: one argument of the named type per span",
            comparable: true,
        }))
        .chain(at_start::PARENTS.iter().map(|&(id, _)| Variant {
            id,
            what: "the same argument recorded as the span starts (hand-written expansion)",
            comparable: true,
        }))
        .chain([
            Variant {
                id: "start_args_two",
                what: "an i64 and a &str recorded as the span starts (hand-written expansion)",
                comparable: true,
            },
            Variant {
                id: "hand_written_arg_i64",
                what: "traced_arg_i64's expansion written by hand (argument recorded after the start)",
                comparable: true,
            },
        ])
        .collect();
    print_summary(
        GROUP,
        clock.name(),
        &variants,
        "bare",
        &["fastrace_no_reporter", "fastrace_noop_reporter", "traced"],
        started,
    );
}
