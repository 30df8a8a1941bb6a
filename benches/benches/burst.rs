//! A burst that outruns one collector thread: 1, 2 and 4 producer threads
//! record spans back to back into one pipeline exporting to a void
//! exporter, and the bench prints what came out. Figures, not a timed test:
//! on a shared machine the numbers move from run to run, and what matters is
//! how they change with the number of producers.
//!
//! For each producer count: `TOTAL_SPANS` spans (the traced workload: one
//! parent and 100 children per call) split between the threads, a queue of
//! `QUEUE` spans, then a flush until every span is settled. Printed:
//!
//! - **exported/s**: spans exported per second of wall time, from the start
//!   of the burst until the last one was settled;
//! - **dropped**: the share of ended spans the full queue dropped (counted:
//!   exported + dropped == ended is checked);
//! - **producer ns/span**: the producers' wall time per span they recorded;
//! - **CPU ns/span**: the CPU time of the whole process (producers,
//!   collector, exporter) per ended span;
//! - **bytes/queued span**: the peak growth of the heap during the burst
//!   (a counting allocator) divided by the most spans the queue held.
//!
//! `cargo bench -p trace-benches --bench burst` (about 20 s; `BURST_SPANS`
//! changes the total).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use trace_benches::{CHILDREN, VoidExporter, process_cpu_time};
use trace_runtime::{Pipeline, PipelineStats};

#[allow(dead_code)] // the burst uses one of the shared workloads
mod workloads;

use workloads::traced;

/// The heap in use and its peak, for the memory per queued span.
struct Measured;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

#[global_allocator]
static ALLOCATOR: Measured = Measured;

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes as isize, Ordering::Relaxed) + bytes as isize;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counts are atomics.
unsafe impl GlobalAlloc for Measured {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        grew(new_size);
        // SAFETY: the caller's contract, forwarded.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// The queue: one million spans, as a service sized for bursts might set it.
const QUEUE: usize = 1 << 20;
const DEFAULT_TOTAL: u64 = 4_000_000;

struct Outcome {
    producers: usize,
    ended: u64,
    exported: u64,
    dropped: u64,
    wall: Duration,
    producer_wall: Duration,
    cpu: Duration,
    peak_growth: isize,
}

fn burst(producers: usize, total: u64) -> Outcome {
    let exporter = VoidExporter::new();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .with_max_queue_size(QUEUE)
        .install()
        .expect("no other pipeline is installed");
    let calls_per_producer = total / producers as u64 / (CHILDREN + 1);
    let before = PipelineStats::read();
    let cpu_before = process_cpu_time().unwrap_or_default();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let start = Instant::now();
    let threads: Vec<_> = (0..producers)
        .map(|_| {
            std::thread::spawn(move || {
                let start = Instant::now();
                for _ in 0..calls_per_producer {
                    std::hint::black_box(traced::parent());
                }
                start.elapsed()
            })
        })
        .collect();
    let producer_wall = threads
        .into_iter()
        .map(|t| t.join().expect("producer"))
        .max()
        .unwrap_or_default();
    let peak_growth = PEAK.load(Ordering::Relaxed) - base;
    assert!(pipeline.flush(Duration::from_secs(60)), "flush timed out");
    let wall = start.elapsed();
    let cpu = process_cpu_time().unwrap_or_default() - cpu_before;
    let after = PipelineStats::read();
    drop(pipeline);
    let ended = after.ended - before.ended;
    let exported = after.exported - before.exported;
    let dropped = after.dropped - before.dropped;
    assert_eq!(exported + dropped, ended, "every span is accounted for");
    assert_eq!(
        exporter.spans(),
        exported,
        "the exporter got what was counted"
    );
    Outcome {
        producers,
        ended,
        exported,
        dropped,
        wall,
        producer_wall,
        cpu,
        peak_growth,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; nothing here is filtered.
    let total = std::env::var("BURST_SPANS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_TOTAL);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("burst: {total} spans, queue {QUEUE} spans, {cores} core(s), one collector thread\n");
    println!(
        "| producers | exported/s | dropped | producer ns/span | CPU ns/span (all threads) | bytes/queued span |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for producers in [1, 2, 4] {
        let o = burst(producers, total);
        let recorded_per_producer = o.ended as f64 / o.producers as f64;
        // The queue held at most QUEUE spans; fewer if nothing was dropped.
        let queued = if o.dropped > 0 {
            QUEUE as f64
        } else {
            (o.ended as f64).min(QUEUE as f64)
        };
        println!(
            "| {} | {:.2} M | {:.1} % | {:.1} | {:.1} | {:.0} |",
            o.producers,
            o.exported as f64 / o.wall.as_secs_f64() / 1e6,
            100.0 * o.dropped as f64 / o.ended.max(1) as f64,
            o.producer_wall.as_nanos() as f64 / recorded_per_producer,
            o.cpu.as_nanos() as f64 / o.ended.max(1) as f64,
            o.peak_growth as f64 / queued,
        );
    }
}
