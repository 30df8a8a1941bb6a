//! Tokio tasks that carry the current context (feature `tokio`).
//!
//! `tokio::spawn` (also spelled `tokio::task::spawn`) and
//! `tokio::task::spawn_blocking` do not carry it: the task starts a new
//! trace, and nothing fails. [`spawn`] and [`spawn_blocking`] are the same
//! calls with the caller's context handed over; [`crate::thread::spawn`] is
//! `std::thread::spawn`'s.
//!
//! # Catching the plain spawns with clippy
//!
//! Clippy's `disallowed-methods` points at every call of the plain spawns.
//! Put this in a `clippy.toml` next to your `Cargo.toml` (or at the
//! workspace root):
//!
//! ```toml
//! disallowed-methods = [
//!     { path = "tokio::spawn", reason = "starts a new trace: use `trace_runtime::tokio::spawn`, which runs the task in the caller's context" },
//!     { path = "tokio::task::spawn_blocking", reason = "starts a new trace: use `trace_runtime::tokio::spawn_blocking`, which runs the closure in the caller's context" },
//!     { path = "std::thread::spawn", reason = "starts a new trace: use `trace_runtime::thread::spawn`, which runs the closure in the caller's context" },
//! ]
//! ```
//!
//! and `cargo clippy` warns at each call, with the reason:
//!
//! ```text
//! warning: use of a disallowed method `tokio::spawn`
//!   --> src/main.rs:12:5
//!    |
//! 12 |     tokio::spawn(child()).await.unwrap();
//!    |     ^^^^^^^^^^^^
//!    |
//!    = note: starts a new trace: use `trace_runtime::tokio::spawn`, which runs the task in the caller's context
//! ```
//!
//! A crate of the same workspace that does not depend on tokio is not
//! affected by the tokio entries. Where the context is handed over by hand,
//! as in `tokio::spawn(future.in_context(propagate_context()))`, allow the
//! call there with `#[expect(clippy::disallowed_methods, reason = "...")]`.
//! Other spawns (`Runtime::spawn`, `Handle::spawn`, `JoinSet::spawn`) have
//! no counterpart here: list them the same way, with
//! [`FutureExt::in_context`] as the reason's remedy.

use std::future::Future;

use crate::propagation::FutureExt;

/// Spawns a task polled under the current context, like `tokio::spawn`.
///
/// ```
/// use trace_runtime::traced;
///
/// #[traced]
/// async fn child() {}
///
/// #[traced]
/// async fn parent() {
///     trace_runtime::tokio::spawn(child()).await.unwrap(); // a child of "parent"
/// }
/// # tokio::runtime::Runtime::new().unwrap().block_on(parent());
/// ```
pub fn spawn<F>(future: F) -> ::tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    ::tokio::spawn(future.in_context(crate::local::propagate_context()))
}

/// Runs `f` on tokio's blocking pool under the current context, like
/// `tokio::task::spawn_blocking`.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let answer = trace_runtime::tokio::spawn_blocking(|| 42).await.unwrap();
/// # assert_eq!(answer, 42); });
/// ```
pub fn spawn_blocking<F, R>(f: F) -> ::tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    ::tokio::task::spawn_blocking(crate::local::propagate_context().wrap(f))
}
