//! [`InMemoryExporter`]: an exporter for tests that install a whole pipeline.

use std::sync::{Arc, Mutex};

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

use super::Spans;
use crate::lock::lock;

/// An exporter that keeps every span it receives, for tests that install a
/// whole [`Pipeline`](crate::Pipeline).
///
/// Unlike the SDK's `InMemorySpanExporter`, it keeps its spans after
/// shutdown, so a test can drop the pipeline (which flushes) and then look.
/// Clones share the same storage.
///
/// ```
/// use trace_runtime::{testing::InMemoryExporter, traced, Pipeline};
///
/// #[traced]
/// fn work() {}
///
/// let exporter = InMemoryExporter::default();
/// let pipeline = Pipeline::builder().with_exporter(exporter.clone()).install().unwrap();
/// work();
/// drop(pipeline); // flushes
/// assert_eq!(exporter.spans().names(), ["work"]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct InMemoryExporter {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl InMemoryExporter {
    /// A copy of the spans received so far, ordered by start time.
    pub fn spans(&self) -> Spans {
        let mut spans = lock(&self.spans).clone();
        spans.sort_by_key(|s| s.start_time);
        Spans(spans)
    }

    /// Removes and returns the spans received so far.
    pub fn take(&self) -> Spans {
        let mut spans = std::mem::take(&mut *lock(&self.spans));
        spans.sort_by_key(|s| s.start_time);
        Spans(spans)
    }
}

impl SpanExporter for InMemoryExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        lock(&self.spans).extend(batch);
        Ok(())
    }
}
