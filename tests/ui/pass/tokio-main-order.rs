//! Stacked with `#[tokio::main]`, in either order. Attribute macros expand
//! outermost first: written above it, `#[traced]` sees the `async fn` and
//! instruments its body; written below it, `#[traced]` sees the blocking `fn`
//! tokio generates and its span also covers building the runtime.

use trace_runtime::{testing, traced};

#[traced]
async fn step() -> Result<u8, String> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[traced(name = "async.main")]
#[tokio::main(flavor = "current_thread")]
async fn traced_body() -> u8 {
    step().await.unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
#[traced(name = "blocking.main")]
async fn traced_whole() -> u8 {
    step().await.unwrap_or(0)
}

fn main() {
    let spans = testing::capture(|| {
        assert_eq!(traced_body(), 1);
        assert_eq!(traced_whole(), 1);
    });
    assert_eq!(
        spans.names(),
        ["async.main", "step", "blocking.main", "step"]
    );
    spans.assert_parent(spans.all_named("step")[0], spans.named("async.main"));
    spans.assert_parent(spans.all_named("step")[1], spans.named("blocking.main"));
}
