//! The collector thread's loop: drains the hub into the exporters.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SpanData;

use super::Batch;
use super::convert::{instrumentation_scope, to_span_data};
use super::counters::COUNTERS;
use super::{BatchConfig, ErasedExporter, hub};
use crate::hooks;
use crate::record::Details;

/// The collector thread's loop: drains the queue into the exporter until shutdown.
pub(crate) fn run_collector(exporters: &[Box<dyn ErasedExporter>], config: &BatchConfig) {
    let scope = instrumentation_scope();
    let mut pending: Vec<SpanData> = Vec::with_capacity(config.max_export_batch_size);
    let mut emptied: Vec<Batch> = Vec::new();
    #[allow(clippy::vec_box)] // boxes are recycled whole, see `record::details`
    let mut recycled: Vec<Box<Details>> = Vec::new();
    let mut reporter = FailureReporter::default();
    loop {
        let (batches, ticket, stopping) = hub::next_batches(config, &mut emptied, &mut recycled);
        for mut batch in batches {
            for record in batch.drain() {
                let span = to_span_data(record, scope, &mut recycled);
                hooks::on_end(&span);
                pending.push(span);
                if pending.len() >= config.max_export_batch_size {
                    export(exporters, &mut pending, &mut reporter);
                }
            }
            emptied.push(batch);
        }
        if !pending.is_empty() {
            export(exporters, &mut pending, &mut reporter);
        }
        if stopping {
            for exporter in exporters {
                let _ = exporter.force_flush();
                if let Err(error) = exporter.shutdown_with_timeout(config.export_timeout) {
                    eprintln!("trace-runtime: exporter shutdown failed: {error}");
                }
            }
            hub::finish_shutdown();
            return;
        }
        if hub::flush_pending(ticket) {
            for exporter in exporters {
                let _ = exporter.force_flush();
            }
            hub::complete_flush(ticket);
        }
    }
}

fn export(
    exporters: &[Box<dyn ErasedExporter>],
    pending: &mut Vec<SpanData>,
    reporter: &mut FailureReporter,
) {
    let batch = std::mem::replace(pending, Vec::with_capacity(pending.capacity()));
    let count = batch.len() as u64;
    let mut all_ok = true;
    if let Some((last, others)) = exporters.split_last() {
        for exporter in others {
            all_ok &= export_one(exporter.as_ref(), batch.clone(), count, reporter);
        }
        all_ok &= export_one(last.as_ref(), batch, count, reporter);
    }
    if all_ok {
        COUNTERS.exported.fetch_add(count, Ordering::Relaxed);
    }
}

fn export_one(
    exporter: &dyn ErasedExporter,
    batch: Vec<SpanData>,
    count: u64,
    reporter: &mut FailureReporter,
) -> bool {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exporter.export_blocking(batch)
    }));
    match outcome {
        Ok(Ok(())) => true,
        Ok(Err(error)) => {
            reporter.failed(count, &error.to_string());
            false
        }
        Err(_) => {
            reporter.failed(count, "the exporter panicked");
            false
        }
    }
}

/// Reports failed exports on stderr, at most once per interval.
#[derive(Default)]
struct FailureReporter {
    last_report: Option<Instant>,
    unreported: u64,
}

impl FailureReporter {
    const INTERVAL: Duration = Duration::from_secs(10);

    fn failed(&mut self, spans: u64, reason: &str) {
        COUNTERS.failed_exports.fetch_add(1, Ordering::Relaxed);
        COUNTERS.dropped.fetch_add(spans, Ordering::Relaxed);
        self.unreported += spans;
        if self
            .last_report
            .is_none_or(|at| at.elapsed() >= Self::INTERVAL)
        {
            eprintln!(
                "trace-runtime: export failed, {} span(s) dropped since the last report: {reason}",
                self.unreported
            );
            self.unreported = 0;
            self.last_report = Some(Instant::now());
        }
    }
}
