//! Headers recorded as attributes, opt-in by name:
//! `http.request.header.<name>` and `http.response.header.<name>`.
//!
//! Nothing is recorded unless named, so `authorization`, `cookie` and
//! their kind never reach a span by accident. The attribute keys are built
//! once, when the layer is configured, not per request.

use std::sync::Arc;

use http::HeaderMap;
use http::header::HeaderName;
use opentelemetry::{Array, Key, StringValue, Value};

use super::conventions::{HTTP_REQUEST_HEADER, HTTP_RESPONSE_HEADER};
use crate::local::held::HeldSpan;

/// The headers to record, with their attribute keys. `None` when there
/// are none: every exchange holds a copy, which then touches no reference
/// count.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecordedHeaders(Option<Arc<[(HeaderName, Key)]>>);

/// Which message a header list reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Message {
    Request,
    Response,
}

impl RecordedHeaders {
    /// The list for `names` (case-insensitive; a name that is not a valid
    /// header name is skipped, since no header could match it).
    pub(crate) fn new<N: AsRef<str>>(
        message: Message,
        names: impl IntoIterator<Item = N>,
    ) -> RecordedHeaders {
        let prefix = match message {
            Message::Request => HTTP_REQUEST_HEADER,
            Message::Response => HTTP_RESPONSE_HEADER,
        };
        let headers: Arc<[(HeaderName, Key)]> = names
            .into_iter()
            .filter_map(|name| HeaderName::from_bytes(name.as_ref().as_bytes()).ok())
            .map(|name| {
                let key = Key::from(format!("{prefix}.{}", name.as_str()));
                (name, key)
            })
            .collect();
        RecordedHeaders((!headers.is_empty()).then_some(headers))
    }

    /// Records the listed headers present in `headers` on `span`, each as
    /// an array of its values (as the conventions ask); values that are not
    /// visible text are skipped.
    pub(crate) fn record(&self, headers: &HeaderMap, span: &mut HeldSpan) {
        for (name, key) in self.0.iter().flat_map(|headers| headers.iter()) {
            let values: Vec<StringValue> = headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .map(|v| StringValue::from(v.to_owned()))
                .collect();
            if !values.is_empty() {
                span.set_key(key.clone(), Value::Array(Array::String(values)));
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }
}
