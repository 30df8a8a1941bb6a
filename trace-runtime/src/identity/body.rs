//! What [`with_identity`](super::with_identity) runs: a closure now, or a
//! future as it is polled. [`IdentityBody`].
//!
//! An identity scope is left when `with_identity` returns. A closure that
//! *returns* a future (`with_identity(attrs, || job())`) has only made the
//! future by then; it runs at the `.await`, after the scope, and none of
//! its spans gets the identity. That mistake does not compile: a closure's
//! result must be a [`Ready`] value, and a future is both that and
//! [`PassTheFutureItself`], so the compiler cannot choose and says so, naming
//! the two.
//! A future passed itself (`with_identity(attrs, job())`) is polled inside
//! the scope, on whatever thread runs it; the span a traced `async fn`
//! opens at its call is outside it unless the call is inside the future
//! (`with_identity(attrs, async { job().await })`).

use std::future::Future;

use super::Identity;
use crate::propagation::InContext;

/// Marks a closure's result that is complete when the closure returns.
#[derive(Debug)]
pub struct Ready;

/// Marks a closure's result that is a future: it would run after the
/// identity scope has ended. Named for what to do instead, since this name
/// is what the compiler shows: pass the future itself to `with_identity`
/// (`with_identity(attrs, job())`), or use [`Identity::instrument`].
#[derive(Debug)]
pub struct PassTheFutureItself;

/// What a closure run by `with_identity` may return: anything but a future
/// (see the module docs).
pub trait ClosureResult<Kind> {}

impl<T> ClosureResult<Ready> for T {}

/// A future returned by a closure would run after the scope: passing it to
/// `with_identity` instead of the closure runs it inside.
impl<F: Future> ClosureResult<PassTheFutureItself> for F {}

/// A body [`with_identity`](super::with_identity) runs inside an identity
/// scope: a closure (`|| work()`, run now) or a future (`job()`, polled in
/// the scope wherever it runs). `Kind` only tells the two apart.
pub trait IdentityBody<Kind> {
    /// What `with_identity` returns: the closure's value, or the future,
    /// instrumented.
    type Output;

    /// Runs the body in `identity`'s scope.
    fn run_in(self, identity: &Identity) -> Self::Output;
}

/// Marks a closure body: `(Closure, the result's kind)`.
#[derive(Debug)]
pub struct Closure;

/// Marks a future body.
#[derive(Debug)]
pub struct Polled;

impl<F, R, Kind> IdentityBody<(Closure, Kind)> for F
where
    F: FnOnce() -> R,
    R: ClosureResult<Kind>,
{
    type Output = R;

    fn run_in(self, identity: &Identity) -> R {
        identity.run(self)
    }
}

impl<F: Future> IdentityBody<Polled> for F {
    type Output = InContext<F>;

    fn run_in(self, identity: &Identity) -> InContext<F> {
        identity.instrument(self)
    }
}
