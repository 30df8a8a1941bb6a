//! Export to an OpenTelemetry collector: `cargo run --example otlp`.
//!
//! One `checkout` request, traced end to end: nested sync and async calls,
//! an `Err` that is handled (the failed span has status Error, its caller
//! does not), and work handed to another thread. It is set up with the one
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
//! └─ render_receipt             (its checksum runs on a scoped thread)
//! ```
//!
//! **Thread hand-off.** `render_receipt` computes its checksum on a scoped
//! thread that it joins before returning, so that work is timed inside the
//! `render_receipt` span. The thread is passed nothing: a `#[traced]`
//! function called *on* it would start a new trace, because a new thread has
//! no current span, until the context is handed over explicitly with the
//! propagation API (`propagate_context`). Until then, keep traced calls on
//! the thread that owns the span, as here.
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

#[traced]
fn render_receipt(prices: &[u64]) -> String {
    // The hand-off: a scoped thread, joined before this span ends.
    let checksum = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                prices
                    .iter()
                    .fold(17_u64, |hash, price| hash.wrapping_mul(31) ^ price)
            })
            .join()
            .expect("the checksum thread does not panic")
    });
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
