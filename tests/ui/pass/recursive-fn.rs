//! A recursive function: one span per call, each nested in its caller.

use trace_runtime::{testing, traced};

#[traced]
fn factorial(n: u64) -> u64 {
    if n <= 1 {
        return 1;
    }
    n * factorial(n - 1)
}

fn main() {
    let (value, spans) = testing::capture_value(|| factorial(4));
    assert_eq!(value, 24);
    let calls = spans.all_named("factorial");
    assert_eq!(calls.len(), 4);
    for pair in calls.windows(2) {
        spans.assert_parent(pair[1], pair[0]);
    }
}
