//! Identity: attributes stamped onto every span started inside a scope,
//! without the scope being a span itself.
//!
//! A component that holds one span open for the life of the process (around
//! its subscription loop, say) makes every message a child of it, and the
//! trace grows until the backend drops it. The fix keeps no long-lived span. Each message's span is a root, and the
//! component's identity (`component.name`, deployment ids, anything the
//! user names) travels in the context and is stamped onto every span, so a
//! backend can still find "all spans of this component".
//!
//! Identity lives in the context's scope. It follows the code across
//! `.await`, and into threads and tasks reached through a propagation handle.
//! It costs nothing on the calling thread: the collector adds it when it
//! builds the exported span, *first* among the span's attributes, so
//! attribute limits (which drop from the end) never remove it.
//!
//! **Nesting.** [`with_identity`] *extends*: the inner scope sees the
//! outer attributes plus its own, and an inner key replaces an outer key of
//! the same name. [`with_identity_replaced`] *replaces*: the inner scope
//! sees only its own. Replacement alone makes callers re-state inherited
//! values, which makes it easy to lose a deployment id; extension is the default here, replacement is explicit.
//!
//! `service.instance.id` is not identity: it is process-wide and lives once
//! in the exported Resource (see `trace_runtime::process_nonce`).

mod body;

use std::future::Future;
use std::sync::Arc;

use opentelemetry::KeyValue;

use crate::local::{Current, state};
use crate::propagation::{FutureExt, InContext, PropagatedContext};
use crate::record::Scope;

pub use body::{Closure, ClosureResult, IdentityBody, PassTheFutureItself, Polled, Ready};

/// How a nested identity combines with the one around it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// Outer attributes plus these; these win on the same key.
    Extend,
    /// Only these attributes.
    Replace,
}

/// A component's identity: attributes every span started inside its scope carries.
///
/// ```
/// use trace_runtime::{identity::Identity, otel::KeyValue, traced};
///
/// #[traced]
/// fn handle_message() {}
///
/// let orders = Identity::new([
///     KeyValue::new("component.name", "orders"),
///     KeyValue::new("deployment.id", "blue-7"),
/// ]);
/// orders.run(handle_message); // "handle_message" carries both attributes
/// ```
#[derive(Clone, Debug)]
pub struct Identity {
    attributes: Arc<[KeyValue]>,
    nesting: Nesting,
}

impl Identity {
    /// An identity that extends the one around it.
    pub fn new(attributes: impl IntoIterator<Item = KeyValue>) -> Identity {
        Identity {
            attributes: attributes.into_iter().collect(),
            nesting: Nesting::Extend,
        }
    }

    /// The same identity, replacing (not extending) the one around it.
    #[must_use]
    pub fn replacing(self) -> Identity {
        Identity {
            nesting: Nesting::Replace,
            ..self
        }
    }

    /// The attributes this identity adds.
    pub fn attributes(&self) -> &[KeyValue] {
        &self.attributes
    }

    /// Runs `f` inside this identity's scope, which ends when `f` returns:
    /// for async code, see [`instrument`](Self::instrument). Unlike
    /// [`with_identity`], any `R` is accepted, so generic code can call it.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = state::enter(
            self.context_from(&state::with_local(|l| l.current.clone()).unwrap_or_default()),
        );
        f()
    }

    /// Polls `future` inside this identity's scope, on whatever thread it runs.
    ///
    /// A traced `async fn` opens its own span when it is called: call it
    /// inside the instrumented future for that span to carry the identity.
    ///
    /// ```
    /// use trace_runtime::{identity::Identity, otel::KeyValue, traced};
    /// #[traced]
    /// async fn consume() {}
    /// let worker = Identity::new([KeyValue::new("component.name", "worker")]);
    /// futures_executor::block_on(worker.instrument(async { consume().await }));
    /// ```
    pub fn instrument<F: Future>(&self, future: F) -> InContext<F> {
        let here = crate::local::propagate_context();
        future.in_context(self.handle_from(&here))
    }

    /// The context that is `current` with this identity applied.
    fn context_from(&self, current: &Current) -> Current {
        let scope = current.scope.as_deref();
        let identity: Arc<[KeyValue]> =
            match (self.nesting, scope.and_then(|s| s.identity.as_deref())) {
                (Nesting::Extend, Some(outer)) if !outer.is_empty() => outer
                    .iter()
                    .filter(|kv| !self.attributes.iter().any(|own| own.key == kv.key))
                    .chain(self.attributes.iter())
                    .cloned()
                    .collect(),
                _ => Arc::clone(&self.attributes),
            };
        Current {
            span: current.span,
            scope: Some(Arc::new(Scope {
                identity: (!identity.is_empty()).then_some(identity),
                ..Scope::copy_of(scope)
            })),
        }
    }

    fn handle_from(&self, handle: &PropagatedContext) -> PropagatedContext {
        PropagatedContext::from_current(self.context_from(handle.current()))
    }
}

/// Runs `body` with `attributes` added to the current identity (see
/// [`Nesting::Extend`]): a closure, run now, or a future, polled in the
/// identity's scope.
///
/// ```
/// use trace_runtime::{otel::KeyValue, with_identity};
/// with_identity([KeyValue::new("component.name", "billing")], || {
///     // every span started here carries component.name = "billing"
/// });
/// ```
///
/// # Async code
///
/// The scope of a closure ends when the closure returns. Pass a future
/// itself, not a closure that makes one: `with_identity(attrs, job())`
/// returns the future instrumented, and every poll of it (so everything
/// after each `.await` inside `job`, on whatever thread the executor runs
/// it) is in the scope. A traced `async fn` opens its own span when it is
/// called, before `with_identity` runs: for that span to carry the
/// identity too, call it inside the future passed
/// (`with_identity(attrs, async { job().await })`).
///
/// ```
/// use trace_runtime::{current_identity, otel::KeyValue, with_identity};
///
/// async fn job() -> usize {
///     current_identity().len()
/// }
///
/// let seen = futures_executor::block_on(with_identity(
///     [KeyValue::new("component.name", "worker")],
///     job(),
/// ));
/// assert_eq!(seen, 1);
/// ```
///
/// The closure form `with_identity(attrs, || job())` would return the
/// future unpolled, to run after the scope has ended, without the identity;
/// it does not compile (the closure's result must be ready when it returns,
/// see [`IdentityBody`]):
///
/// ```compile_fail
/// use trace_runtime::{otel::KeyValue, with_identity};
/// async fn job() {}
/// # async fn run() {
/// with_identity([KeyValue::new("component.name", "worker")], || job()).await;
/// # }
/// ```
pub fn with_identity<Kind, B: IdentityBody<Kind>>(
    attributes: impl IntoIterator<Item = KeyValue>,
    body: B,
) -> B::Output {
    body.run_in(&Identity::new(attributes))
}

/// Runs `body` with `attributes` as the whole identity (see
/// [`Nesting::Replace`]); a closure or a future, as in [`with_identity`].
///
/// ```
/// use trace_runtime::{otel::KeyValue, with_identity_replaced};
/// with_identity_replaced([KeyValue::new("component.name", "isolated")], || {});
/// ```
pub fn with_identity_replaced<Kind, B: IdentityBody<Kind>>(
    attributes: impl IntoIterator<Item = KeyValue>,
    body: B,
) -> B::Output {
    body.run_in(&Identity::new(attributes).replacing())
}

/// The identity attributes in force here (for logs, or a hook).
///
/// ```
/// use trace_runtime::{current_identity, otel::KeyValue, with_identity};
/// with_identity([KeyValue::new("component.name", "a")], || {
///     assert_eq!(current_identity().len(), 1);
/// });
/// assert!(current_identity().is_empty());
/// ```
pub fn current_identity() -> Vec<KeyValue> {
    state::with_local(|l| {
        l.current
            .scope
            .as_ref()
            .and_then(|s| s.identity.as_deref())
            .map(<[KeyValue]>::to_vec)
    })
    .flatten()
    .unwrap_or_default()
}
