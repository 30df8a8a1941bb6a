//! What `#[traced]` costs when nothing is recorded, next to a bare call.
//!
//! DESIGN.md section 7 asks that a call with no active trace, and a call
//! whose trace is sampled out, stay within 2 ns of a bare call. Same
//! workload as `child_spans` (one parent + 100 flat children of
//! `fn(x) -> black_box(x) + 1`; criterion's time per iteration / 100 is the
//! cost per child call), three variants in this one process:
//!
//! | bench id | what |
//! |---|---|
//! | `bare` | plain functions |
//! | `traced_no_pipeline` | `#[traced]`, no pipeline installed: the "no active trace" path |
//! | `traced_always_off` | `#[traced]`, a pipeline installed with `Sampler::AlwaysOff`: every root sampled out |
//!
//! The clock is the calling thread's CPU time unless `BENCH_CLOCK=wall`
//! (see `common/mod.rs`).
//!
//! This is a separate binary from `child_spans` because it needs a process
//! in which no pipeline has been installed yet (the first two benches) and
//! then one with a different sampler (the last). The AlwaysOff bench checks
//! (on stderr) that it exported nothing.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use common::Clock;
use criterion::Throughput;
use trace_benches::{CHILDREN, Variant, VoidExporter, print_summary};
use trace_runtime::{Pipeline, Sampler, traced};

mod common;

const GROUP: &str = "unsampled";

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

#[traced]
#[inline(never)]
fn child(x: u64) -> u64 {
    black_box(x) + 1
}

#[traced]
#[inline(never)]
fn parent() -> u64 {
    let mut sum = 0;
    for i in 0..CHILDREN {
        sum += child(i);
    }
    sum
}

const VARIANTS: &[Variant] = &[
    Variant {
        id: "bare",
        what: "plain fn",
        comparable: true,
    },
    Variant {
        id: "traced_no_pipeline",
        what: "#[traced], no pipeline installed (no active trace)",
        comparable: true,
    },
    Variant {
        id: "traced_always_off",
        what: "#[traced], pipeline with Sampler::AlwaysOff",
        comparable: true,
    },
];

fn main() {
    let started = SystemTime::now();
    let clock = Clock::from_env();
    let mut criterion = common::criterion(clock);
    let mut group = criterion.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(CHILDREN));

    group.bench_function("bare", |b| b.iter(bare::parent));
    group.bench_function("traced_no_pipeline", |b| b.iter(parent));

    {
        let exporter = VoidExporter::new();
        let pipeline = Pipeline::builder()
            .with_exporter(exporter.clone())
            .with_sampler(Sampler::AlwaysOff)
            .install()
            .expect("no other trace-runtime pipeline in this process");
        group.bench_function("traced_always_off", |b| b.iter(parent));
        pipeline.flush(Duration::from_secs(5));
        if exporter.spans() != 0 {
            eprintln!(
                "WARNING: AlwaysOff exported {} spans: `traced_always_off` recorded spans",
                exporter.spans()
            );
        }
        eprintln!("traced_always_off: pipeline: {}", pipeline.stats());
    }

    group.finish();
    criterion.final_summary();
    print_summary(GROUP, clock.name(), VARIANTS, "bare", &[], started);
}
