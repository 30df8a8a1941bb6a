//! `kind = internal | server | client | producer | consumer` sets the span
//! kind; the default is internal.

use trace_runtime::otel::trace::SpanKind;
use trace_runtime::{testing, traced};

#[traced]
fn default_kind() {}

#[traced(kind = internal)]
fn internal() {}

#[traced(kind = server)]
fn server() {}

#[traced(kind = client)]
fn client() {}

#[traced(kind = producer)]
fn producer() {}

#[traced(kind = consumer, name = "consume")]
async fn consumer() {}

fn main() {
    let spans = testing::capture(|| {
        default_kind();
        internal();
        server();
        client();
        producer();
        futures_executor::block_on(consumer());
    });
    let kinds: Vec<SpanKind> = spans.iter().map(|span| span.span_kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            SpanKind::Internal,
            SpanKind::Internal,
            SpanKind::Server,
            SpanKind::Client,
            SpanKind::Producer,
            SpanKind::Consumer,
        ]
    );
}
