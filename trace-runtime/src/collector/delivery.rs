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
//! spans a prompt exporter has already failed. The counts go through the
//! hub ([`hub::settle`]), which owns them (see `hub.rs`).
//!
//! # The deadline
//!
//! Before each call of an exporter (export, flush, shutdown) the hub is
//! asked how long it may take ([`hub::may_export`]): without limit before
//! shutdown, the time left until the shutdown deadline after, which the
//! exporters' `shutdown_with_timeout` receives. Once the deadline has
//! passed, or the pipeline has left this collector behind, no exporter is
//! called any more: [`Delivery::stopped`] says so, and the spans held are
//! not settled here but counted as dropped by the hub when the pipeline ends.

use std::time::{Duration, Instant};

use opentelemetry_sdk::trace::SpanData;

use super::hub::{self, Generation};
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
    /// The pipeline served, and whether it may still call an exporter.
    gate: Gate,
}

/// Asks the hub before each exporter call, and reports failed ones.
struct Gate {
    generation: Generation,
    /// No exporter is to be called any more (sticky: the deadline has
    /// passed, or the pipeline has ended).
    stopped: bool,
    reporter: FailureReporter,
}

impl Gate {
    /// How long the next exporter call may take; `None`: make none.
    fn time_left(&mut self) -> Option<Duration> {
        if self.stopped {
            return None;
        }
        let left = hub::may_export(self.generation);
        self.stopped = left.is_none();
        left
    }
}

impl<'a> Delivery<'a> {
    pub(super) fn new(
        exporters: &'a [Box<dyn ErasedExporter>],
        config: &BatchConfig,
        generation: Generation,
    ) -> Self {
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
            gate: Gate {
                generation,
                stopped: false,
                reporter: FailureReporter::default(),
            },
        }
    }

    /// Whether no exporter is to be called any more: the shutdown deadline
    /// has passed, or the pipeline has ended without this collector.
    pub(super) fn stopped(&self) -> bool {
        self.gate.stopped
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
        let Some(ok) = export_to(&self.prompt, spans, &mut self.gate) else {
            return; // not settled: the hub counts them when the pipeline ends
        };
        if self.batching.is_empty() {
            self.settle(count, if ok { 0 } else { count });
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
        let outcome = export_to(&self.batching, spans, &mut self.gate);
        let lost = if outcome == Some(true) {
            self.pending_lost
        } else {
            count
        };
        self.pending_lost = 0;
        if outcome.is_some() {
            self.settle(count, lost);
        }
    }

    /// Counts `count` spans delivered to every exporter, `lost` of them
    /// failed by at least one.
    fn settle(&self, count: u64, lost: u64) {
        hub::settle(self.gate.generation, count - lost, lost);
    }

    /// Exports everything held and asks every exporter to flush.
    pub(super) fn flush(&mut self) {
        self.export_pending();
        for exporter in self.prompt.iter().chain(&self.batching) {
            if self.gate.time_left().is_none() {
                return;
            }
            let _ = exporter.force_flush();
        }
    }

    /// Exports everything held, then flushes and shuts down every exporter,
    /// each given the time left until the shutdown deadline (at most
    /// `timeout`).
    pub(super) fn shutdown(&mut self, timeout: Duration) {
        self.flush();
        for exporter in self.prompt.iter().chain(&self.batching) {
            let Some(left) = self.gate.time_left() else {
                return;
            };
            if let Err(error) = exporter.shutdown_with_timeout(left.min(timeout)) {
                eprintln!("trace-runtime: exporter shutdown failed: {error}");
            }
        }
    }
}

/// Exports `spans` to each of `exporters`; whether every one took them, or
/// `None` when the gate stopped the calls before every one had them.
fn export_to(
    exporters: &[&dyn ErasedExporter],
    spans: Vec<SpanData>,
    gate: &mut Gate,
) -> Option<bool> {
    let count = spans.len() as u64;
    let mut all_ok = true;
    if let Some((last, others)) = exporters.split_last() {
        for exporter in others {
            all_ok &= export_one(*exporter, spans.clone(), count, gate)?;
        }
        all_ok &= export_one(*last, spans, count, gate)?;
    }
    Some(all_ok)
}

/// Exports `spans` to `exporter` unless the gate is closed (`None`);
/// whether it took them.
fn export_one(
    exporter: &dyn ErasedExporter,
    spans: Vec<SpanData>,
    count: u64,
    gate: &mut Gate,
) -> Option<bool> {
    gate.time_left()?;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        exporter.export_blocking(spans)
    }));
    let reason = match outcome {
        Ok(Ok(())) => return Some(true),
        Ok(Err(error)) => error.to_string(),
        Err(_) => "the exporter panicked".to_owned(),
    };
    if hub::count_failed_export(gate.generation) {
        gate.reporter.failed(count, &reason);
    }
    Some(false)
}

/// Reports failed exports on stderr, at most once per interval.
#[derive(Default)]
struct FailureReporter {
    last_report: Option<Instant>,
    unreported: u64,
}

impl FailureReporter {
    const INTERVAL: Duration = Duration::from_secs(10);

    /// Reports one failed export call of `spans` spans (counted in
    /// `failed_exports` by the hub; the spans themselves are counted as
    /// dropped when settled, once however many exporters failed them).
    fn failed(&mut self, spans: u64, reason: &str) {
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
