//! The exporters as the collector drives them: [`ErasedExporter`].
//!
//! Exporters are any `opentelemetry_sdk` [`SpanExporter`]; several can be
//! installed at once (each receives every batch). The SDK trait returns
//! `impl Future` and so cannot be boxed directly; [`ErasedExporter`] is the
//! object-safe view the collector drives them through, blocking on each
//! export on the collector thread.

use std::fmt::Debug;
use std::time::Duration;

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// The object-safe form of a [`SpanExporter`], as the collector drives it.
pub(crate) trait ErasedExporter: Send + Sync + Debug {
    /// Exports one batch, blocking until the exporter answers.
    fn export_blocking(&self, batch: Vec<SpanData>) -> OTelSdkResult;
    /// Asks the exporter to send what it buffers.
    fn force_flush(&self) -> OTelSdkResult;
    /// Shuts the exporter down, waiting at most `timeout`.
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult;
    /// Tells the exporter the Resource of every span it will receive.
    fn set_resource(&mut self, resource: &Resource);
}

impl<E: SpanExporter + 'static> ErasedExporter for E {
    fn export_blocking(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        futures_executor::block_on(SpanExporter::export(self, batch))
    }
    fn force_flush(&self) -> OTelSdkResult {
        SpanExporter::force_flush(self)
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        SpanExporter::shutdown_with_timeout(self, timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        SpanExporter::set_resource(self, resource);
    }
}
