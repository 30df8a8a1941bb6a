//! How a span chooses its parent and links: [`StartOptions`], from
//! `#[traced(parent = .., root, link = ..)]`.

use opentelemetry::trace::Link;

use super::handle::{IntoLink, PropagatedContext};
use super::start::{OpenSpan, Under, open_under, push_under};
use super::state::{Current, LocalState};
use crate::record::Callsite;

/// How a span chooses its parent and links, from `#[traced(parent = .., root, link = ..)]`.
#[derive(Debug, Default)]
pub struct StartOptions {
    parent: Option<PropagatedContext>,
    root: bool,
    links: Vec<Link>,
}

impl StartOptions {
    /// The default: child of the current context, no links.
    pub fn new() -> StartOptions {
        StartOptions::default()
    }

    /// Makes the span a child of `parent` instead of the current context.
    /// `None` (for example a failed extraction wrapped in an `Option`) keeps
    /// the current context.
    #[must_use]
    pub fn parent(mut self, parent: impl Into<Option<PropagatedContext>>) -> StartOptions {
        self.parent = parent.into();
        self
    }

    /// Starts a new trace even under an active span.
    #[must_use]
    pub fn root(mut self) -> StartOptions {
        self.root = true;
        self
    }

    /// Adds a link to `target`'s span, when it has one.
    #[must_use]
    pub fn link(mut self, target: impl IntoLink) -> StartOptions {
        if let Some(link) = target.into_link() {
            self.links.push(link);
        }
        self
    }

    /// The context the span starts under: the current one unless the
    /// options choose another parent (or none).
    fn parent_context(&mut self, local: &LocalState) -> Option<Current> {
        if self.root {
            Some(Current {
                span: None,
                scope: local.current.scope.clone(),
            })
        } else {
            let parent = self.parent.take()?;
            Some(parent.effective(local.current.scope.as_ref()))
        }
    }

    /// Opens the span these options describe, off the stack.
    pub(crate) fn open(mut self, local: &mut LocalState, callsite: &'static Callsite) -> OpenSpan {
        let mut span = match self.parent_context(local) {
            Some(parent) => open_under(&parent, Under::Chosen, callsite),
            None => open_under(&local.current, Under::Current, callsite),
        };
        local.started += u64::from(span.record.sampled);
        if !self.links.is_empty() {
            span.record.details().links = self.links;
        }
        span
    }

    /// Opens the span these options describe on this thread's stack.
    pub(crate) fn push(mut self, local: &mut LocalState, callsite: &'static Callsite) -> usize {
        let parent = self.parent_context(local);
        let depth = push_under(local, parent.as_ref(), callsite, |_| {});
        if !self.links.is_empty()
            && let Some(record) = local.top_record()
        {
            record.details().links = self.links;
        }
        depth
    }
}
