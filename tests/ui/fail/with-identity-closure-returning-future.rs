// A closure that returns a future leaves the identity scope before the
// future runs: `with_identity` refuses it, so the future is passed itself.
use trace_runtime::otel::KeyValue;
use trace_runtime::with_identity;

async fn job() {}

async fn run() {
    with_identity([KeyValue::new("component.name", "worker")], || job()).await;
}

fn main() {
    let _ = run();
}
