//! The collector thread's loop: drains the hub into the exporters.
//!
//! Each round waits in the hub (see `hub.rs` for what wakes it), converts
//! what was queued and hands each span to [`Delivery`], which exports it to
//! the prompt exporters in the same round and to the batching ones by batch
//! size, schedule delay, flush or shutdown (see `delivery.rs`).
//!
//! At shutdown the loop exports what it holds and stops; once the deadline
//! has passed (or the pipeline has stopped waiting for it) it calls no
//! exporter any more and stops at once. It drops the exporters before it
//! tells the hub it is done, so that the pipeline, woken by that, joins a
//! thread that has nothing left to do.

use std::time::Instant;

use super::Batch;
use super::convert::{instrumentation_scope, to_span_data};
use super::delivery::Delivery;
use super::hub::{self, Generation};
use super::{BatchConfig, ErasedExporter};
use crate::hooks;
use crate::record::Details;

/// The collector thread: drains the queue into `exporters` until shutdown,
/// for the pipeline of `generation`.
pub(crate) fn run_collector(
    exporters: Vec<Box<dyn ErasedExporter>>,
    config: &BatchConfig,
    generation: Generation,
) {
    serve(&exporters, config, generation);
    drop(exporters);
    hub::finish(generation);
}

fn serve(exporters: &[Box<dyn ErasedExporter>], config: &BatchConfig, generation: Generation) {
    let scope = instrumentation_scope();
    let mut delivery = Delivery::new(exporters, config, generation);
    let mut emptied: Vec<Batch> = Vec::new();
    #[allow(clippy::vec_box)] // boxes are recycled whole, see `record::details`
    let mut recycled: Vec<Box<Details>> = Vec::new();
    loop {
        let round = hub::next_batches(generation, delivery.due(), &mut emptied, &mut recycled);
        for mut batch in round.batches {
            for record in batch.drain() {
                let span = to_span_data(record, scope, &mut recycled);
                hooks::on_end(&span);
                delivery.push(span);
                if delivery.stopped() {
                    return; // what is left is counted by the hub
                }
            }
            emptied.push(batch);
        }
        delivery.deliver_ready();
        if round.stopping {
            delivery.shutdown(config.export_timeout);
            return;
        }
        if delivery.stopped() {
            return;
        }
        if hub::flush_pending(generation, round.ticket) {
            delivery.flush();
            hub::complete_flush(generation, round.ticket);
        } else if Instant::now() >= delivery.due() {
            delivery.export_pending();
        }
    }
}
