//! The gate: whether anything records at all.
//!
//! It counts the pipelines installed plus the test captures running. While
//! it is zero, every instrumented call returns after one relaxed load, so a
//! library that uses `#[traced]` costs its users nothing until they install
//! a pipeline.

use std::sync::atomic::{AtomicUsize, Ordering};

static GATE: AtomicUsize = AtomicUsize::new(0);

/// Whether a pipeline is installed or a capture is running.
#[inline]
pub(crate) fn is_open() -> bool {
    // `--cfg traced_off`: never, so that every part of the span API is a
    // no-op (a constant the compiler folds away), whatever is installed.
    !cfg!(traced_off) && GATE.load(Ordering::Relaxed) != 0
}

/// A pipeline was installed or a capture started: spans are recorded.
pub(crate) fn open() {
    super::outcome::install_panic_hook();
    GATE.fetch_add(1, Ordering::SeqCst);
}

/// A pipeline or capture ended.
pub(crate) fn close() {
    GATE.fetch_sub(1, Ordering::SeqCst);
}
