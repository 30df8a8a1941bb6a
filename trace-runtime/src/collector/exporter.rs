//! The exporters as the collector drives them: [`ErasedExporter`].
//!
//! Exporters are any `opentelemetry_sdk` [`SpanExporter`]; several can be
//! installed at once (each receives every span). The SDK trait returns
//! `impl Future` and so cannot be boxed directly; [`ErasedExporter`] is the
//! object-safe view the collector drives them through, blocking on each
//! export on the collector thread.
//!
//! # Prompt delivery
//!
//! Most exporters want spans in batches (`OTEL_BSP_*`); an exporter for a
//! person watching, such as the console's, wants each trace as soon as it
//! ends. The collector asks [`ErasedExporter::wants_prompt_delivery`]. Every
//! `SpanExporter` gets the erased view from one blanket impl, which answers
//! `false`; an exporter boxed inside [`Prompt`] answers `true`. The
//! wrapping is done by whoever still knows the concrete type (the pipeline,
//! when it builds or is given an exporter), so this module needs to know no
//! exporter by name.

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
    /// Whether spans are to reach this exporter as soon as the collector
    /// has them, whatever the batch settings, rather than in batches.
    fn wants_prompt_delivery(&self) -> bool {
        false
    }
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

/// An exporter that receives spans promptly: every span the collector takes
/// from the queue is exported to it in the same round, not held for a full
/// batch or the schedule delay.
#[derive(Debug)]
pub(crate) struct Prompt<E>(pub(crate) E);

impl<E: SpanExporter + 'static> ErasedExporter for Prompt<E> {
    fn export_blocking(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.export_blocking(batch)
    }
    fn force_flush(&self) -> OTelSdkResult {
        ErasedExporter::force_flush(&self.0)
    }
    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        ErasedExporter::shutdown_with_timeout(&self.0, timeout)
    }
    fn set_resource(&mut self, resource: &Resource) {
        ErasedExporter::set_resource(&mut self.0, resource);
    }
    fn wants_prompt_delivery(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::ready;

    #[derive(Debug)]
    struct Nothing;

    impl SpanExporter for Nothing {
        fn export(&self, _batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
            ready(Ok(()))
        }
    }

    #[test]
    fn only_an_exporter_wrapped_in_prompt_asks_for_prompt_delivery() {
        let plain: Box<dyn ErasedExporter> = Box::new(Nothing);
        let prompt: Box<dyn ErasedExporter> = Box::new(Prompt(Nothing));
        assert!(!plain.wants_prompt_delivery());
        assert!(prompt.wants_prompt_delivery());
        assert!(prompt.export_blocking(Vec::new()).is_ok());
    }
}
