//! The collector thread's loop: drains the hub into the exporters.
//!
//! Each round waits in the hub (see `hub.rs` for what wakes it), converts
//! what was queued and hands each span to [`Delivery`], which exports it to
//! the prompt exporters in the same round and to the batching ones by batch
//! size, schedule delay, flush or shutdown (see `delivery.rs`).

use std::time::Instant;

use super::Batch;
use super::convert::{instrumentation_scope, to_span_data};
use super::delivery::Delivery;
use super::{BatchConfig, ErasedExporter, hub};
use crate::hooks;
use crate::record::Details;

/// The collector thread's loop: drains the queue into the exporters until shutdown.
pub(crate) fn run_collector(exporters: &[Box<dyn ErasedExporter>], config: &BatchConfig) {
    let scope = instrumentation_scope();
    let mut delivery = Delivery::new(exporters, config);
    let mut emptied: Vec<Batch> = Vec::new();
    #[allow(clippy::vec_box)] // boxes are recycled whole, see `record::details`
    let mut recycled: Vec<Box<Details>> = Vec::new();
    loop {
        let (batches, ticket, stopping) =
            hub::next_batches(delivery.due(), &mut emptied, &mut recycled);
        for mut batch in batches {
            for record in batch.drain() {
                let span = to_span_data(record, scope, &mut recycled);
                hooks::on_end(&span);
                delivery.push(span);
            }
            emptied.push(batch);
        }
        delivery.deliver_ready();
        if stopping {
            delivery.shutdown(config.export_timeout);
            hub::finish_shutdown();
            return;
        }
        if hub::flush_pending(ticket) {
            delivery.flush();
            hub::complete_flush(ticket);
        } else if Instant::now() >= delivery.due() {
            delivery.export_pending();
        }
    }
}
