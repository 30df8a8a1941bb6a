//! Per-exporter delivery: prompt exporters get spans at once, batching
//! exporters in batches.
//!
//! The worker pushes every span it converts into [`Delivery`]. An exporter
//! that [wants prompt delivery](ErasedExporter::wants_prompt_delivery) (the
//! console) receives, at the end of each round, everything the round took
//! from the queue. The others share one pending buffer, exported when it
//! holds `max_export_batch_size` spans, when the schedule delay has passed
//! since their last export, on flush and at shutdown: the `OTEL_BSP_*`
//! settings keep their meaning for them even while the collector wakes on
//! every hand-off for the console. Pending spans number fewer than one
//! batch between rounds, on top of the queue's bound.
//!
//! # Counting
//!
//! A span counts as exported (`PipelineStats::exported`) once every
//! exporter took it, and as dropped, once, as soon as one failed it (an
//! error or a panic), whatever the others did. Each failed export call
//! counts once in `failed_exports`. A span goes to the prompt exporters
//! before the batching ones, so it is settled when the batch holding it is
//! exported: [`Delivery::pending_lost`] remembers how many of the pending
//! spans a prompt exporter has already failed.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SpanData;

use super::counters::COUNTERS;
use super::{BatchConfig, ErasedExporter};

/// The exporters of the pipeline and the spans on their way to them.
pub(super) struct Delivery<'a> {
    prompt: Vec<&'a dyn ErasedExporter>,
    batching: Vec<&'a dyn ErasedExporter>,
    max_batch: usize,
    delay: Duration,
    /// For the prompt exporters: delivered at the end of the round.
    ready: Vec<SpanData>,
    /// For the batching exporters: delivered by size, schedule, flush or
    /// shutdown.
    pending: Vec<SpanData>,
    /// How many of `pending` a prompt exporter failed to take.
    pending_lost: u64,
    /// When `pending` is due for export, whatever its size.
    due: Instant,
    reporter: FailureReporter,
}

impl<'a> Delivery<'a> {
    pub(super) fn new(exporters: &'a [Box<dyn ErasedExporter>], config: &BatchConfig) -> Self {
        let (prompt, batching) = exporters
            .iter()
            .map(|exporter| exporter.as_ref())
            .partition::<Vec<_>, _>(|exporter| exporter.wants_prompt_delivery());
        let max_batch = config.max_export_batch_size.max(1);
        Delivery {
            ready: Vec::new(),
            pending: if batching.is_empty() {
                Vec::new()
            } else {
                Vec::with_capacity(max_batch)
            },
            prompt,
            batching,
            max_batch,
            delay: config.scheduled_delay,
            pending_lost: 0,
            due: Instant::now() + config.scheduled_delay,
            reporter: FailureReporter::default(),
        }
    }

    /// When the batching exporters are next due, full batch or not.
    pub(super) fn due(&self) -> Instant {
        self.due
    }

    /// Takes one span for every exporter; exports whatever batch it fills.
    pub(super) fn push(&mut self, span: SpanData) {
        if self.batching.is_empty() {
            // Prompt exporters only (or no exporter at all).
            self.ready.push(span);
            if self.ready.len() >= self.max_batch {
                self.deliver_ready();
            }
            return;
        }
        if !self.prompt.is_empty() {
            self.ready.push(span.clone());
        }
        self.pending.push(span);
        if self.pending.len() >= self.max_batch {
            self.export_pending();
        }
    }

    /// Exports to the prompt exporters what they have not received yet.
    pub(super) fn deliver_ready(&mut self) {
        if self.ready.is_empty() {
            return;
        }
        let spans = std::mem::take(&mut self.ready);
        let count = spans.len() as u64;
        let ok = export_to(&self.prompt, spans, &mut self.reporter);
        if self.batching.is_empty() {
            settle(count, if ok { 0 } else { count });
        } else if !ok {
            self.pending_lost += count;
        }
    }

    /// Exports the pending batch now (after the prompt exporters got theirs)
    /// and starts the schedule delay again.
    pub(super) fn export_pending(&mut self) {
        self.deliver_ready();
        self.due = Instant::now() + self.delay;
        if self.pending.is_empty() {
            return;
        }
        let spans = std::mem::replace(&mut self.pending, Vec::with_capacity(self.max_batch));
        let count = spans.len() as u64;
        let ok = export_to(&self.batching, spans, &mut self.reporter);
        let lost = if ok { self.pending_lost } else { count };
        self.pending_lost = 0;
        settle(count, lost);
    }

    /// Exports everything held and asks every exporter to flush.
    pub(super) fn flush(&mut self) {
        self.export_pending();
        for exporter in self.prompt.iter().chain(&self.batching) {
            let _ = exporter.force_flush();
        }
    }

    /// Exports everything held, then flushes and shuts down every exporter.
    pub(super) fn shutdown(&mut self, timeout: Duration) {
        self.flush();
        for exporter in self.prompt.iter().chain(&self.batching) {
            if let Err(error) = exporter.shutdown_with_timeout(timeout) {
                eprintln!("trace-runtime: exporter shutdown failed: {error}");
            }
        }
    }
}

/// Counts `count` spans delivered to every exporter, `lost` of them failed
/// by at least one.
fn settle(count: u64, lost: u64) {
    if lost < count {
        COUNTERS.exported.fetch_add(count - lost, Ordering::Relaxed);
    }
    if lost > 0 {
        COUNTERS.dropped.fetch_add(lost, Ordering::Relaxed);
    }
}

/// Exports `spans` to each of `exporters`; whether every one took them.
fn export_to(
    exporters: &[&dyn ErasedExporter],
    spans: Vec<SpanData>,
    reporter: &mut FailureReporter,
) -> bool {
    let count = spans.len() as u64;
    let mut all_ok = true;
    if let Some((last, others)) = exporters.split_last() {
        for exporter in others {
            all_ok &= export_one(*exporter, spans.clone(), count, reporter);
        }
        all_ok &= export_one(*last, spans, count, reporter);
    }
    all_ok
}

fn export_one(
    exporter: &dyn ErasedExporter,
    spans: Vec<SpanData>,
    count: u64,
    reporter: &mut FailureReporter,
) -> bool {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exporter.export_blocking(spans)
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

    /// Counts one failed export call of `spans` spans (the spans themselves
    /// are counted as dropped when settled, once however many exporters
    /// failed them).
    fn failed(&mut self, spans: u64, reason: &str) {
        COUNTERS.failed_exports.fetch_add(1, Ordering::Relaxed);
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
