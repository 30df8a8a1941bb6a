//! Tokio tasks that carry the current context (feature `tokio`).

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
