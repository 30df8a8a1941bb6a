//! Shared pieces of the benchmarks in `benches/benches/` (see `BENCHMARKS.md`).
//!
//! - [`VoidExporter`]: an `opentelemetry_sdk` `SpanExporter` that discards
//!   every batch and only counts it, so export cost stays out of the numbers
//!   while the benches can still check that spans really arrived.
//! - [`CHILDREN`]: every workload is one parent call and this many flat child calls.
//! - [`print_summary`]: after a criterion run, reads criterion's median
//!   estimates and prints ns per child span and the ratios between variants,
//!   all from the same run.
//! - [`process_cpu_for`]: a criterion `iter_custom` measurement of the CPU
//!   time of the whole process, for costs that include background threads.
//! - [`drain_spinning`]: waits for the pipeline's collector without
//!   letting the measuring thread's core go idle.

use std::fmt::Write as _;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use trace_runtime::otel_sdk::error::OTelSdkResult;
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};

/// Child calls under the one parent call of every benchmark iteration.
pub const CHILDREN: u64 = 100;

/// A span exporter that drops every batch, counting batches and spans.
///
/// Clones share their counts, so a clone kept by the benchmark sees what the
/// one installed in a pipeline received.
#[derive(Clone, Debug, Default)]
pub struct VoidExporter {
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    batches: AtomicU64,
    spans: AtomicU64,
}

impl VoidExporter {
    /// A new exporter with zero counts.
    pub fn new() -> VoidExporter {
        VoidExporter::default()
    }

    /// Batches received so far (by this exporter and its clones).
    pub fn batches(&self) -> u64 {
        self.counts.batches.load(Ordering::Relaxed)
    }

    /// Spans received so far (by this exporter and its clones).
    pub fn spans(&self) -> u64 {
        self.counts.spans.load(Ordering::Relaxed)
    }
}

impl SpanExporter for VoidExporter {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.counts.batches.fetch_add(1, Ordering::Relaxed);
        self.counts
            .spans
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        std::future::ready(Ok(()))
    }
}

/// CPU time consumed so far by this process, all threads together
/// (`CLOCK_PROCESS_CPUTIME_ID`), or `None` where that clock is missing.
pub fn process_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let result = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    (result == 0).then(|| Duration::new(now.tv_sec as u64, now.tv_nsec as u32))
}

/// For `Bencher::iter_custom`: runs `work` `iters` times in blocks of
/// `block`, calling `flush` after every block (and at the end, so the
/// background threads finish the work this sample started), and returns the
/// CPU time the whole process used meanwhile: the calling thread, collector
/// and exporter threads, and the flushes, rather than wall time.
pub fn process_cpu_for(
    iters: u64,
    block: u64,
    mut work: impl FnMut(),
    mut flush: impl FnMut(),
) -> Duration {
    flush();
    let before = process_cpu_time().unwrap_or_default();
    let mut done = 0;
    while done < iters {
        let n = block.min(iters - done);
        for _ in 0..n {
            work();
        }
        flush();
        done += n;
    }
    process_cpu_time()
        .unwrap_or_default()
        .saturating_sub(before)
}

/// Where criterion keeps its results, found the way criterion finds it
/// (`CRITERION_HOME`, then `CARGO_TARGET_DIR/criterion`, then the
/// workspace's `target/criterion`).
fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("criterion")
}

/// The median time of one iteration of `group/bench` in ns, as criterion
/// estimated it in the run that just finished (`None` when it did not run,
/// e.g. filtered out or under `--profile-time`).
pub fn median_ns(group: &str, bench: &str) -> Option<f64> {
    let path = criterion_home()
        .join(group)
        .join(bench)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    estimates["median"]["point_estimate"].as_f64()
}

/// [`median_ns`], only if criterion wrote it at or after `since`: a
/// result of this run, never a stale one from an earlier run.
pub fn fresh_median_ns(group: &str, bench: &str, since: std::time::SystemTime) -> Option<f64> {
    let path = criterion_home()
        .join(group)
        .join(bench)
        .join("new")
        .join("estimates.json");
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    if modified < since {
        return None;
    }
    median_ns(group, bench)
}

/// One row of a summary: a criterion bench id and what it measures.
#[derive(Clone, Copy, Debug)]
pub struct Variant {
    /// The bench id inside the group.
    pub id: &'static str,
    /// What it is, for the table.
    pub what: &'static str,
    /// Whether ratios to the other variants make sense (false for a
    /// different kind of measurement, e.g. CPU time of all threads: the row
    /// then shows its own figure only).
    pub comparable: bool,
}

/// Prints ns per child span (median iteration time / [`CHILDREN`]) for the
/// variants of `group` that ran in this process, with ratios to `bare` and
/// to each reference, and returns the table. `clock` names what was
/// measured (e.g. "CPU time of the calling thread") in the header.
///
/// Only results written after `since` count, so a stale estimate from an
/// earlier run never mixes into this run's ratios.
pub fn print_summary(
    group: &str,
    clock: &str,
    variants: &[Variant],
    bare: &str,
    references: &[&str],
    since: std::time::SystemTime,
) -> String {
    let fresh = |id: &str| -> Option<f64> {
        fresh_median_ns(group, id, since).map(|ns| ns / CHILDREN as f64)
    };
    let bare_ns = fresh(bare);
    let reference_ns: Vec<(&str, Option<f64>)> =
        references.iter().map(|r| (*r, fresh(r))).collect();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{group}: median ns per child span (iteration / {CHILDREN}), {clock}, ratios from this run"
    );
    let mut header = String::from("| variant | what | ns/child | vs bare |");
    let mut rule = String::from("|---|---|---:|---:|");
    for (reference, _) in &reference_ns {
        let _ = write!(header, " vs {reference} |");
        rule.push_str("---:|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    for variant in variants {
        let Some(ns) = fresh(variant.id) else {
            continue;
        };
        let mut row = format!("| {} | {} | {ns:.1} |", variant.id, variant.what);
        if !variant.comparable {
            for _ in 0..=reference_ns.len() {
                row.push_str(" - |");
            }
            let _ = writeln!(out, "{row}");
            continue;
        }
        let _ = match bare_ns {
            Some(bare_ns) => write!(row, " {:.1}x (+{:.1} ns) |", ns / bare_ns, ns - bare_ns),
            None => write!(row, " - |"),
        };
        for (_, reference) in &reference_ns {
            let _ = match reference {
                Some(reference) => write!(row, " {:.2}x |", ns / reference),
                None => write!(row, " - |"),
            };
        }
        let _ = writeln!(out, "{row}");
    }
    println!("{out}");
    out
}

/// Waits, spinning, until the collector has exported or dropped every span
/// that ended so far: the untimed pause between two timed blocks of a
/// benchmark whose collector must keep up.
///
/// `Pipeline::flush` would sleep on a condition variable instead, and a
/// thread that sleeps leaves its (virtual) core idle: on the machine of
/// `BENCHMARKS.md` the block timed right after such a pause ran about a
/// third slower, for every variant (fastrace included, when it followed
/// one). The variants without a pipeline never pause, so the ones with a
/// pipeline must not sleep either for the comparison to be fair. Not for
/// the CPU-time-of-all-threads figures: there the spinning would count.
pub fn drain_spinning(pipeline: &trace_runtime::Pipeline) {
    // A zero timeout asks the collector to take the partial batch too,
    // and returns at once.
    pipeline.flush(Duration::ZERO);
    loop {
        let stats = pipeline.stats();
        if stats.exported + stats.dropped >= stats.ended {
            return;
        }
        std::hint::spin_loop();
    }
}
