//! What the span filter costs per call, next to a bare call.
//!
//! Same workload as `child_spans` (one parent + 100 flat children of
//! `fn(x) -> black_box(x) + 1`; criterion's time per iteration / 100 is the
//! cost per child call). A filter is installed with the pipeline, so each
//! pair below is two pipelines installed one after the other in this one
//! process; the filter installed is `<this bench>::silenced=off`, which
//! the `recorded` functions do not match:
//!
//! | bench id | what |
//! |---|---|
//! | `bare` | plain functions |
//! | `always_off_no_filter` | `#[traced]`, `Sampler::AlwaysOff`, no filter: the cheapest path through a pipeline |
//! | `always_off_filter_installed` | the same with a filter that does not match: its check alone (one load more) |
//! | `recorded_no_filter` | `#[traced]`, every span recorded, no filter |
//! | `recorded_filter_installed` | the same with a filter that does not match |
//! | `filtered_out` | `#[traced]` functions the filter skips (parent and children) |
//!
//! The recorded variants drain the queue, untimed, after every block of 32
//! parent calls, so the collector keeps up (as `child_spans`' `traced`).
//! The clock is the calling thread's CPU time unless `BENCH_CLOCK=wall`
//! (see `common/mod.rs`).

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use common::Clock;
use criterion::Throughput;
use trace_benches::{CHILDREN, Variant, VoidExporter, print_summary};
use trace_runtime::{Pipeline, PipelineBuilder, Sampler};

mod common;

const GROUP: &str = "filter";
/// Parent calls between two drains of the queue (see `child_spans.rs`).
const FLUSH_EVERY: u64 = 32;
/// A queue that holds a whole block.
const KEEP_UP_QUEUE: usize = 8_192;

mod bare {
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

/// The same workload, `#[traced]`, in a module of its own so that a
/// directive can name it.
macro_rules! traced_workload {
    ($module:ident) => {
        mod $module {
            use super::*;

            #[trace_runtime::traced]
            #[inline(never)]
            pub(crate) fn child(x: u64) -> u64 {
                black_box(x) + 1
            }

            #[trace_runtime::traced]
            #[inline(never)]
            pub(crate) fn parent() -> u64 {
                let mut sum = 0;
                for i in 0..CHILDREN {
                    sum += child(i);
                }
                sum
            }
        }
    };
}

traced_workload!(recorded);
traced_workload!(silenced);

const VARIANTS: &[Variant] = &[
    Variant {
        id: "bare",
        what: "plain fn",
        comparable: true,
    },
    Variant {
        id: "always_off_no_filter",
        what: "#[traced], Sampler::AlwaysOff, no filter",
        comparable: true,
    },
    Variant {
        id: "always_off_filter_installed",
        what: "#[traced], Sampler::AlwaysOff, a filter not matching",
        comparable: true,
    },
    Variant {
        id: "recorded_no_filter",
        what: "#[traced], recorded, no filter",
        comparable: true,
    },
    Variant {
        id: "recorded_filter_installed",
        what: "#[traced], recorded, a filter not matching",
        comparable: true,
    },
    Variant {
        id: "filtered_out",
        what: "#[traced], skipped by the filter",
        comparable: true,
    },
];

/// The filter of the `*_filter_installed` and `filtered_out` benches.
fn filter() -> String {
    format!("{}::silenced=off", module_path!())
}

fn install(builder: PipelineBuilder, exporter: &VoidExporter) -> Pipeline {
    builder
        .with_exporter(exporter.clone())
        .with_max_queue_size(KEEP_UP_QUEUE)
        .install()
        .expect("no other trace-runtime pipeline in this process")
}

/// For `iter_custom`: `iters` calls of `parent` in blocks of
/// [`FLUSH_EVERY`], only the blocks timed, the queue drained after each.
fn timed_blocks(parent: fn() -> u64, clock: Clock, iters: u64, pipeline: &Pipeline) -> Duration {
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = FLUSH_EVERY.min(iters - done);
        let start = clock.now();
        for _ in 0..n {
            black_box(parent());
        }
        timed += clock.now().saturating_sub(start);
        done += n;
        trace_benches::drain_spinning(pipeline);
    }
    timed
}

/// Exports of a pipeline that should have exported nothing, on stderr.
fn expect_nothing_exported(id: &str, pipeline: &Pipeline, exporter: &VoidExporter) {
    pipeline.flush(Duration::from_secs(5));
    if exporter.spans() != 0 {
        eprintln!(
            "WARNING: `{id}` exported {} spans: it recorded spans",
            exporter.spans()
        );
    }
}

fn main() {
    let started = SystemTime::now();
    let clock = Clock::from_env();
    let mut criterion = common::criterion(clock);
    let mut group = criterion.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(CHILDREN));

    group.bench_function("bare", |b| b.iter(bare::parent));

    for (id, filtered) in [
        ("always_off_no_filter", false),
        ("always_off_filter_installed", true),
    ] {
        let exporter = VoidExporter::new();
        let mut builder = Pipeline::builder().with_sampler(Sampler::AlwaysOff);
        if filtered {
            builder = builder.with_filter(filter());
        }
        let pipeline = install(builder, &exporter);
        group.bench_function(id, |b| b.iter(recorded::parent));
        expect_nothing_exported(id, &pipeline, &exporter);
    }

    for (id, filtered) in [
        ("recorded_no_filter", false),
        ("recorded_filter_installed", true),
    ] {
        let exporter = VoidExporter::new();
        let mut builder = Pipeline::builder();
        if filtered {
            builder = builder.with_filter(filter());
        }
        let pipeline = install(builder, &exporter);
        group.bench_function(id, |b| {
            b.iter_custom(|iters| timed_blocks(recorded::parent, clock, iters, &pipeline))
        });
        pipeline.flush(Duration::from_secs(30));
        eprintln!("{id}: pipeline: {}", pipeline.stats());
        if filtered {
            // The filtered-out calls, under the same pipeline.
            let before = exporter.spans();
            group.bench_function("filtered_out", |b| b.iter(silenced::parent));
            pipeline.flush(Duration::from_secs(5));
            if exporter.spans() != before {
                eprintln!("WARNING: `filtered_out` recorded spans");
            }
        }
    }

    group.finish();
    criterion.final_summary();
    print_summary(GROUP, clock.name(), VARIANTS, "bare", &[], started);
}
