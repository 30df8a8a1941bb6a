//! Reliability: what the pipeline does when exporting goes wrong, when it
//! shuts down under load, under many spans, and with hostile input. One
//! module per concern, all in this one test binary, each test bounded in
//! time and stopping by itself.
//!
//! | module | proves |
//! |---|---|
//! | [`outage`] | an exporter down for a while: no call blocks, memory stays bounded, every span is accounted for, spans after recovery are exported |
//! | [`silent`] | an OTLP/HTTP collector that accepts and never answers: the same accounting, within the export timeout |
//! | [`shutdown`] | shutdown while four threads produce: every span handed off before shutdown began is exported |
//! | [`volume`] | many spans from four threads: unique ids, every exported child's parent exported in its trace, exact counts |
//! | [`carriers`] | `extract` from arbitrary headers, huge ones included: no panic, the documented outcome |
//! | [`environment`] | arbitrary values for every `OTEL_*` variable the runtime reads: the default and a problem, or `Err` under `strict()` |
//! | [`attributes`] | arbitrary strings, floats and integers as attribute values: no panic, the value length limit respected |
//!
//! Every test prints one line (or a few) of figures: latencies, memory,
//! counts, durations. Run with `--nocapture` to see them. Timings are only
//! printed, never asserted: the machine running the tests may be busy, and
//! the properties asserted (counts, ids, progress while an export is stuck)
//! do not depend on how fast it is.
//!
//! The two long tests run at full size by default, each within a minute
//! of a debug build on two cores: on an otherwise idle machine the whole
//! binary takes about a minute and a half, of which the outage is 32 s and
//! the volume 20 to 40 s. Two environment variables shrink them for a
//! quick local run:
//!
//! - `RELIABILITY_OUTAGE_SECS`: how long the exporter of [`outage`] is
//!   down (default 30);
//! - `RELIABILITY_SPANS`: how many spans [`volume`] produces (default
//!   10 000 000).
//!
//! A process has one pipeline at a time, and the `PipelineStats` counters
//! and span limits are process-wide, so every test here takes its turn with
//! [`serial`] first thing and holds it to the end, including those that
//! install no pipeline: the memory and latency figures of one test must not
//! include the allocations and the CPU time of another.

// Specifies recording: nothing to run with `--cfg traced_off`.
#![cfg(not(traced_off))]

mod attributes;
mod carriers;
mod environment;
mod load;
mod outage;
mod shutdown;
mod silent;
mod volume;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The turn of the calling test: held for the whole test, it keeps every
/// other test of this binary waiting. A test that failed while holding it
/// does not stop the others.
fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `name` from the environment as a number, else `default`; a value that
/// is not a positive number fails the test rather than being ignored.
fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => match value.trim().parse::<u64>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{name}={value:?}: expected a positive whole number"),
        },
        _ => default,
    }
}

/// The resident set size of this process in bytes, from `/proc/self/statm`
/// (its second field, in pages); `None` where there is no `/proc`.
fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * page_size())
}

/// The size of a memory page: `getconf PAGESIZE`, else 4 KiB.
fn page_size() -> u64 {
    static SIZE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SIZE.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("PAGESIZE")
            .output()
            .ok()
            .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
            .unwrap_or(4096)
    })
}

/// `bytes` in MiB, for the printed figures.
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
