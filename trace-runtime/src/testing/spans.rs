//! [`Spans`]: what a capture returns, with lookups that walk the tree.

use std::ops::Deref;

use opentelemetry::trace::SpanId;
use opentelemetry_sdk::trace::SpanData;

/// The spans a capture recorded, ordered by start time.
///
/// Dereferences to `[SpanData]`; the lookup helpers panic with a message
/// listing what was recorded, which is what a failing test should print.
#[derive(Clone, Debug, Default)]
pub struct Spans(pub(super) Vec<SpanData>);

impl Deref for Spans {
    type Target = [SpanData];
    fn deref(&self) -> &[SpanData] {
        &self.0
    }
}

impl IntoIterator for Spans {
    type Item = SpanData;
    type IntoIter = std::vec::IntoIter<SpanData>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Spans {
    /// The one span called `name`.
    ///
    /// # Panics
    /// When there is no such span or more than one.
    pub fn named(&self, name: &str) -> &SpanData {
        let found = self.all_named(name);
        assert!(
            found.len() == 1,
            "expected exactly one span named {name:?}, found {}; recorded: {:?}",
            found.len(),
            self.names()
        );
        found[0]
    }

    /// Every span called `name`, by start time.
    pub fn all_named(&self, name: &str) -> Vec<&SpanData> {
        self.0.iter().filter(|s| s.name == name).collect()
    }

    /// The names of all spans, by start time.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|s| s.name.as_ref()).collect()
    }

    /// The spans whose parent is `parent`, by start time.
    pub fn children_of(&self, parent: &SpanData) -> Vec<&SpanData> {
        let id = parent.span_context.span_id();
        self.0
            .iter()
            .filter(|s| {
                s.parent_span_id == id
                    && s.span_context.trace_id() == parent.span_context.trace_id()
            })
            .collect()
    }

    /// The spans with no parent (or a remote one), by start time.
    pub fn roots(&self) -> Vec<&SpanData> {
        self.0
            .iter()
            .filter(|s| s.parent_span_id == SpanId::INVALID || s.parent_span_is_remote)
            .collect()
    }

    /// The span that is `span`'s parent, if it was captured.
    pub fn parent_of(&self, span: &SpanData) -> Option<&SpanData> {
        self.0.iter().find(|p| {
            p.span_context.span_id() == span.parent_span_id
                && p.span_context.trace_id() == span.span_context.trace_id()
        })
    }

    /// Asserts that `child` is a direct child of `parent` in the same trace.
    ///
    /// # Panics
    /// When it is not.
    pub fn assert_parent(&self, child: &SpanData, parent: &SpanData) {
        assert_eq!(
            child.span_context.trace_id(),
            parent.span_context.trace_id(),
            "{:?} and {:?} are in different traces",
            child.name,
            parent.name
        );
        assert_eq!(
            child.parent_span_id,
            parent.span_context.span_id(),
            "{:?} is not a child of {:?} (its parent is {:?})",
            child.name,
            parent.name,
            self.parent_of(child).map(|p| &p.name)
        );
    }

    /// The distinct trace ids, in order of first appearance.
    pub fn trace_ids(&self) -> Vec<opentelemetry::trace::TraceId> {
        let mut ids = Vec::new();
        for span in &self.0 {
            let id = span.span_context.trace_id();
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }

    /// Number of ancestors of `span` among the captured spans (a root has depth 0).
    pub fn depth_of(&self, span: &SpanData) -> usize {
        let mut depth = 0;
        let mut at = span;
        while let Some(parent) = self.parent_of(at) {
            depth += 1;
            at = parent;
        }
        depth
    }
}
