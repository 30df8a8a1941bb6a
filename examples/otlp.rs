//! Export to an OpenTelemetry collector: `cargo run --example otlp`.
//!
//! One `checkout` request, traced end to end: nested sync and async calls,
//! an `Err` that is handled (the failed span has status Error, its caller
//! does not), and work handed to another thread within the same trace. It
//! is set up with the one
//! line a service needs, `trace_runtime::init()`, so the `OTEL_*`
//! environment decides where the trace goes:
//!
//! ```sh
//! cargo run --example otlp        # nothing set: the trace is printed as a tree
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --example otlp
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
//!     cargo run --example otlp
//! ```
//!
//! The trace:
//!
//! ```text
//! checkout             server
//! ├─ load_cart                  (async)
//! │  ├─ db.query       client
//! │  └─ fetch_prices   client   (async)
//! ├─ charge_card                error: card declined
//! ├─ charge_card                (the retry, Ok)
//! └─ render_receipt
//!    └─ checksum                (on another thread)
//! ```
//!
//! **Thread hand-off.** A new thread has no current span, so a traced call
//! on it would start a new trace. `render_receipt` hands its context over
//! with `trace_runtime::thread::spawn` (`std::thread::spawn` that carries
//! the caller's context; `propagate_context()` and
//! `with_propagated_context` do the same for pools and scoped threads), so
//! `checksum` is its child in the same trace, and joins the thread before
//! it returns: the span tree stays bounded.
//!
//! At the end the example prints the pipeline's counters. With no collector
//! listening it still finishes promptly (each export gives up after
//! `OTEL_EXPORTER_OTLP_TIMEOUT`, default 10 s) and the counters show the
//! spans as dropped.

use std::error::Error;
use std::fmt;

use trace_runtime::{PipelineStats, traced};

#[derive(Debug)]
struct CardDeclined {
    amount: u64,
}

impl fmt::Display for CardDeclined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card declined for {} cents", self.amount)
    }
}

impl Error for CardDeclined {}

/// A database call: a client span with its own name.
#[traced(name = "db.query", kind = client)]
fn query_cart(user: u64) -> Vec<u64> {
    vec![user, user + 1, user + 2]
}

/// A remote call, async: a client span entered on each poll.
#[traced(kind = client)]
async fn fetch_prices(items: Vec<u64>) -> Vec<u64> {
    items.iter().map(|item| 100 + item * 25).collect()
}

#[traced]
async fn load_cart(user: u64) -> Vec<u64> {
    let items = query_cart(user);
    fetch_prices(items).await
}

/// Declines amounts over the limit: the span's status is Error, with an
/// `exception` event.
#[traced]
fn charge_card(amount: u64) -> Result<(), CardDeclined> {
    if amount > 300 {
        Err(CardDeclined { amount })
    } else {
        Ok(())
    }
}

/// Runs on a worker thread, as a child of `render_receipt`.
#[traced]
fn checksum(prices: &[u64]) -> u64 {
    prices
        .iter()
        .fold(17_u64, |hash, price| hash.wrapping_mul(31) ^ price)
}

#[traced]
fn render_receipt(prices: &[u64]) -> String {
    // The hand-off: the thread carries this span as its context, and is
    // joined before this span ends.
    let owned = prices.to_vec();
    let checksum = trace_runtime::thread::spawn(move || checksum(&owned))
        .join()
        .expect("the checksum thread does not panic");
    format!("{} items, checksum {checksum:x}", prices.len())
}

/// The request: its span is the root of the trace.
#[traced(kind = server)]
fn checkout(user: u64) -> Result<String, CardDeclined> {
    let prices = futures_executor::block_on(load_cart(user));
    let total: u64 = prices.iter().sum();
    if charge_card(total).is_err() {
        // Handled: pay half now. Only the failed call is marked Error.
        charge_card(total / 2)?;
    }
    Ok(render_receipt(&prices))
}

fn main() -> Result<(), Box<dyn Error>> {
    // The one line of set-up. Dropping the guard flushes the pipeline.
    let telemetry = trace_runtime::init()?;

    let receipt = checkout(3)?;
    println!("checkout: {receipt}");

    drop(telemetry); // exports what is left, or counts it as dropped
    println!("pipeline: {}", PipelineStats::read());
    Ok(())
}
