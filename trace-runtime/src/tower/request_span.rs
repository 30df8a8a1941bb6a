//! [`RequestSpan`]: the span a hook sees, to rename it or add attributes.

use std::borrow::Cow;

use opentelemetry::{Key, Value};

use crate::local::held::HeldSpan;

/// The span of a request, as [`TraceLayer::on_request`](super::TraceLayer::on_request)
/// hands it to its hook, after the layer recorded its own attributes.
///
/// ```
/// use trace_runtime::tower::TraceLayer;
///
/// let layer = TraceLayer::new().on_request(|request, span| {
///     if let Some(tenant) = request.headers.get("x-tenant").and_then(|v| v.to_str().ok()) {
///         span.set_attribute("tenant.id", tenant.to_owned());
///     }
///     if request.uri.path().starts_with("/admin") {
///         span.set_name("admin");
///     }
/// });
/// # let _ = layer;
/// ```
#[derive(Debug)]
pub struct RequestSpan<'a> {
    span: &'a mut HeldSpan,
}

impl<'a> RequestSpan<'a> {
    pub(crate) fn new(span: &'a mut HeldSpan) -> RequestSpan<'a> {
        RequestSpan { span }
    }

    /// Renames the span (keep names low in cardinality: a route, not a path).
    pub fn set_name(&mut self, name: impl Into<Cow<'static, str>>) {
        self.span.rename(name.into());
    }

    /// Sets an attribute on the span (replacing one with the same key).
    pub fn set_attribute(&mut self, key: impl Into<Key>, value: impl Into<Value>) {
        self.span.set_key(key.into(), value.into());
    }

    /// Whether the span is recorded (sampled): what is set on an unrecorded
    /// span is dropped, so a hook may skip costly work then.
    pub fn is_recording(&self) -> bool {
        self.span.is_recording()
    }
}
