//! Behaviour that depends on process-wide state: the installed pipeline
//! (its exporter, sampler, span limits, hooks and span filter, and the
//! `PipelineStats` counters) and the panic hook, one module per concern,
//! all in this one test binary.
//!
//! A process has one pipeline at a time, and while one is installed it is
//! seen by every thread: spans recorded outside a capture reach its
//! exporter, its limits and hooks apply to every span, and every sampled
//! span, captured or not, moves the counters. So these tests cannot share a
//! process with the capture-only tests of the `integration` binary, and
//! here every test takes its turn with [`serial`]: at most one runs at a
//! time, and the counters it compares before and after move only with its
//! own spans. The test that replaces the panic hook takes its turn too:
//! while the hook is being replaced, a panic in a span elsewhere would not
//! be recorded on it.
//!
//! A test added here must take its turn first thing, and hold it to the end.

// Specifies recording: nothing to run with `--cfg traced_off` (it specifies the installed pipeline's recording).
#![cfg(not(traced_off))]

mod console;
mod filter;
mod hooks;
mod http;
mod limits;
mod panic_hook;
mod pipeline;
mod sampled_out;
mod shutdown;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The turn of the calling test at the process-wide state: held for the
/// whole test, it keeps every other test of this binary waiting. A test
/// that failed while holding it does not stop the others.
fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}
