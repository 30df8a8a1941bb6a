//! The ratios of `child_spans`, measured in alternating rounds.
//!
//! On a shared machine the speed of the whole machine drifts over seconds:
//! criterion measures one variant for 4 s, then the next, so a drift between
//! two variants' turns lands in their ratio (in one session, `traced` over
//! fastrace read 1.34x, 1.69x and 1.49x in three runs of the same build).
//! Here every round times one block of parent calls of each variant, one
//! right after the other, and a ratio is taken within each round: drift
//! slower than a round (a few ms) cancels out. The report is the median
//! over all rounds of each variant's ns per child span and of each ratio.
//!
//! Same workloads, pipeline and clock (calling thread's CPU time unless
//! `BENCH_CLOCK=wall`) as `child_spans.rs`; the `#[traced]` queue is
//! drained, untimed, after every block, so the collector keeps up.
//! `INTERLEAVED_ROUNDS` sets the number of rounds (default 300).
//! `INTERLEAVED_ONLY=traced,bare` runs only the variants named (ids as in
//! the table): one variant per process is how instruction counts are
//! taken under callgrind (BENCHMARKS.md, "Reproducing the profile").

use std::hint::black_box;

use common::Clock;
use trace_benches::{CHILDREN, VoidExporter};
use trace_runtime::Pipeline;

// The criterion benches use all of `common` and `workloads`; this file
// uses the clock and most workloads.
#[allow(dead_code)]
mod common;
#[allow(dead_code)]
mod workloads;

use workloads::{
    arg_types, at_start, bare, fastrace_spans, sdk, traced, traced_args, tracing_otel,
};

/// Parent calls per variant per round: the same block as `child_spans`.
const BLOCK: u32 = 32;

/// One measured variant: how to run one parent call.
struct Variant {
    id: &'static str,
    run: Box<dyn Fn() -> u64>,
    /// Set while the variant runs (the `tracing` subscriber is its own).
    dispatch: Option<tracing::Dispatch>,
    ns_per_child: Vec<f64>,
}

fn main() {
    let clock = Clock::from_env();
    let rounds: usize = std::env::var("INTERLEAVED_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);

    let exporter = VoidExporter::new();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_max_queue_size(8_192)
        .install()
        .expect("no other trace-runtime pipeline in this process");
    let sdk_provider = sdk::noop_provider();
    let sdk_tracer = sdk::tracer(&sdk_provider);
    let tracing_provider = sdk::noop_provider();
    let tracing_dispatch =
        tracing::Dispatch::new(tracing_otel::subscriber(sdk::tracer(&tracing_provider)));

    let mut variants = vec![
        variant("bare", bare::parent),
        variant("traced", traced::parent),
        variant("traced_args", traced_args::parent),
        variant("fastrace_no_reporter", fastrace_spans::parent),
        Variant {
            id: "sdk_in_span_noop",
            run: Box::new(move || sdk::parent(&sdk_tracer)),
            dispatch: None,
            ns_per_child: Vec::new(),
        },
        Variant {
            dispatch: Some(tracing_dispatch),
            ..variant("tracing_otel", tracing_otel::parent)
        },
    ];
    // One argument of each primitive type (`INTERLEAVED_ARG_TYPES=0` leaves them out).
    if std::env::var("INTERLEAVED_ARG_TYPES").as_deref() != Ok("0") {
        variants.extend(
            arg_types::PARENTS
                .iter()
                .map(|&(id, parent)| variant(id, parent)),
        );
        // The same arguments recorded as the span starts (hand-written
        // expansion, see `workloads::at_start`).
        variants.extend(
            at_start::PARENTS
                .iter()
                .map(|&(id, parent)| variant(id, parent)),
        );
        variants.push(variant("start_args_two", at_start::two::parent));
        variants.push(variant(
            "hand_written_arg_i64",
            at_start::hand_written_after_start::parent,
        ));
    }
    if let Ok(only) = std::env::var("INTERLEAVED_ONLY") {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        variants.retain(|v| only.contains(&v.id));
    }
    let drain = || trace_benches::drain_spinning(&pipeline);

    // Warm-up: one round, not kept.
    for round in 0..=rounds {
        // Rotate the order so no variant always runs after the same one.
        let count = variants.len();
        for offset in 0..count {
            let variant = &mut variants[(round + offset) % count];
            let _subscriber = variant
                .dispatch
                .as_ref()
                .map(tracing::dispatcher::set_default);
            let start = clock.now();
            for _ in 0..BLOCK {
                black_box((variant.run)());
            }
            let spent = clock.now().saturating_sub(start);
            drain();
            if round > 0 {
                let children = f64::from(BLOCK) * CHILDREN as f64;
                variant
                    .ns_per_child
                    .push(spent.as_nanos() as f64 / children);
            }
        }
    }
    let stats = pipeline.stats();
    drop(pipeline);
    let _ = sdk_provider.shutdown();
    let _ = tracing_provider.shutdown();

    report(&variants, rounds, clock);
    eprintln!(
        "traced pipeline: {} spans ended, {} exported, {} dropped",
        stats.ended, stats.exported, stats.dropped
    );
}

fn variant(id: &'static str, parent: fn() -> u64) -> Variant {
    Variant {
        id,
        run: Box::new(parent),
        dispatch: None,
        ns_per_child: Vec::new(),
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median over rounds of `op(a, b)`, each taken within one round.
fn median_per_round(a: &Variant, b: &Variant, op: fn(f64, f64) -> f64) -> f64 {
    median(
        a.ns_per_child
            .iter()
            .zip(&b.ns_per_child)
            .map(|(a, b)| op(*a, *b))
            .collect(),
    )
}

fn median_ratio(a: &Variant, b: &Variant) -> f64 {
    median_per_round(a, b, |a, b| a / b)
}

fn median_difference(a: &Variant, b: &Variant) -> f64 {
    median_per_round(a, b, |a, b| a - b)
}

fn report(variants: &[Variant], rounds: usize, clock: Clock) {
    let find = |id: &str| variants.iter().find(|v| v.id == id);
    println!(
        "\ninterleaved: median over {rounds} rounds of {BLOCK} parent calls each, ns per child \
         span, {}; ratios taken within each round",
        clock.name()
    );
    println!("| variant | ns/child | vs fastrace_no_reporter | vs traced |");
    println!("|---|---:|---:|---:|");
    let (Some(fastrace), Some(traced)) = (find("fastrace_no_reporter"), find("traced")) else {
        return;
    };
    for variant in variants {
        println!(
            "| {} | {:.1} | {:.2}x | {:.2}x |",
            variant.id,
            median(variant.ns_per_child.clone()),
            median_ratio(variant, fastrace),
            median_ratio(variant, traced),
        );
    }
    if let Some(bare) = find("bare") {
        let extra = median_difference(traced, bare);
        println!("\ntraced over bare: +{extra:.1} ns per child span");
    }
    if let Some(args) = find("traced_args") {
        let extra = median_difference(args, traced);
        println!(
            "traced_args over traced: +{extra:.1} ns per child span (one i64 argument, one &str attribute)"
        );
    }
    let per_type: Vec<&Variant> = variants
        .iter()
        .filter(|v| v.id.starts_with("traced_arg_"))
        .collect();
    if !per_type.is_empty() {
        println!(
            "
one argument per child span, over traced (median of per-round differences):"
        );
        println!(
            "| argument type | recorded after the start (`traced_arg_*`, today's macro) | \
             recorded at start (`start_arg_*`, hand-written) |"
        );
        println!("|---|---:|---:|");
        for variant in per_type {
            let extra = median_difference(variant, traced);
            let name = variant.id.trim_start_matches("traced_arg_");
            let at_start = find(&format!("start_arg_{name}"))
                .map(|v| format!("+{:.1}", median_difference(v, traced)))
                .unwrap_or_default();
            println!("| {name} | +{extra:.1} | {at_start} |");
        }
        if let Some(two) = find("start_args_two") {
            println!(
                "\nstart_args_two over traced: +{:.1} ns (an i64 and a &str recorded at start; \
                 traced_args records the same after the start)",
                median_difference(two, traced)
            );
        }
        if let Some(hand) = find("hand_written_arg_i64") {
            println!(
                "hand_written_arg_i64 over traced: +{:.1} ns (today's expansion written by hand, \
                 next to traced_arg_i64)",
                median_difference(hand, traced)
            );
        }
    }
}
