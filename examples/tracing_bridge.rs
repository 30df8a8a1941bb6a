//! `tracing` and `#[traced]` in one trace: `cargo run --example tracing_bridge`.
//!
//! A `#[traced]` request handler calls code instrumented with `tracing`
//! (`#[tracing::instrument]`, `info!`, `error!`), as a library like sqlx or
//! reqwest-middleware would be, and that code calls `#[traced]` code again.
//! `TracingLayer` records the `tracing` spans and events in the same trace,
//! and `WithTraceIds` starts every log line with the trace and span ids, so
//! each line below leads to its span in the tree printed at the end.
//!
//! `RUST_LOG` filters as usual (default `info`); `RUST_LOG=debug` also shows
//! (and records) the debug events.

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{EnvFilter, fmt};

use trace_runtime::{ConsoleExporter, Pipeline, TracingLayer, WithTraceIds, traced};

#[derive(Debug)]
struct Declined(&'static str);

impl std::fmt::Display for Declined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "card declined: {}", self.0)
    }
}

impl std::error::Error for Declined {}

/// Our own code again, below the `tracing` span: a child of it.
#[traced(kind = client, name = "fraud.score")]
fn fraud_score(amount_cents: u64) -> f64 {
    if amount_cents > 50_000 { 0.9 } else { 0.1 }
}

/// Library-style code instrumented with `tracing`: its span becomes a child
/// of the handler, its fields typed attributes, its events span events.
#[tracing::instrument(fields(payment.provider = "acme", payment.approved = tracing::field::Empty))]
fn charge_card(order_id: u64, amount_cents: u64) -> Result<(), Declined> {
    tracing::info!(amount_cents, "charging card");
    let score = fraud_score(amount_cents);
    tracing::debug!(score, "fraud score");
    let approved = score < 0.5;
    tracing::Span::current().record("payment.approved", approved);
    if approved {
        tracing::info!("payment approved");
        Ok(())
    } else {
        tracing::error!(score, "payment declined");
        Err(Declined("risk too high"))
    }
}

#[tracing::instrument]
async fn reserve_stock(order_id: u64) {
    tracing::info!(items = 2, "stock reserved");
}

/// The request handler: the root of each trace.
#[traced(kind = server, args(order_id))]
async fn handle_checkout(order_id: u64, amount_cents: u64) -> Result<(), Declined> {
    reserve_stock(order_id).await;
    charge_card(order_id, amount_cents)
}

fn main() {
    let pipeline = Pipeline::builder()
        .with_exporter(ConsoleExporter::new())
        .install()
        .expect("no other pipeline is installed");

    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = fmt::layer()
        .with_writer(std::io::stdout)
        .event_format(WithTraceIds::new(
            fmt::format().without_time().with_target(false),
        ));
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        // ERROR events mark their span as failed (off by default).
        .with(TracingLayer::new().with_error_status(true))
        .with(logs);
    tracing::subscriber::set_global_default(subscriber).expect("no other subscriber is set");

    println!("Log lines, each with the ids of the span it was written in:\n");
    for (order_id, amount_cents) in [(1001, 4_999), (1002, 99_000)] {
        let outcome = futures_executor::block_on(handle_checkout(order_id, amount_cents));
        println!("-> order {order_id}: {outcome:?}\n");
    }

    println!("Shutting down: each trace as a tree, the `tracing` spans and events inside:\n");
    drop(pipeline);
}
