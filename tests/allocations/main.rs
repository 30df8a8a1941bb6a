//! Allocations on the calling thread per recorded span, counted by a
//! `#[global_allocator]` wrapper: a span with attributes recorded from the
//! current-span API, or a function returning `Err`, must not allocate in
//! the common case (a pipeline installed, the collector keeping up).
//!
//! The allocator counts only on threads that asked for it (a thread-local
//! switch), so the collector thread's work, which is off the calling
//! thread by design, is not counted. Its own binary: the allocator is
//! process-wide, and so is the pipeline every test here installs, so the
//! tests take turns ([`serial`]).

// Specifies recording: nothing to run with `--cfg traced_off`.
#![cfg(not(traced_off))]

mod counting;
mod per_span;

use std::sync::{Mutex, MutexGuard, PoisonError};

/// The turn of the calling test at the process-wide pipeline.
fn serial() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}
