//! Threads that carry the current context.

/// Spawns a thread that runs `f` under the current context, like
/// [`std::thread::spawn`].
///
/// ```
/// use trace_runtime::traced;
///
/// #[traced]
/// fn child() {}
///
/// #[traced]
/// fn parent() {
///     trace_runtime::thread::spawn(child).join().unwrap(); // "child" is a child of "parent"
/// }
/// # parent();
/// ```
pub fn spawn<F, T>(f: F) -> std::thread::JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    std::thread::spawn(crate::local::propagate_context().wrap(f))
}
