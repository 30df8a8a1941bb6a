//! A free function: one span per call, named after the function, whose
//! `Err` result sets the span's status.

use trace_runtime::otel::trace::Status;
use trace_runtime::{testing, traced};

#[traced]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[traced]
fn checked_div(a: u32, b: u32) -> Result<u32, String> {
    a.checked_div(b)
        .ok_or_else(|| String::from("division by zero"))
}

#[traced]
fn unit() {}

fn main() {
    let (sum, spans) = testing::capture_value(|| add(1, 2));
    assert_eq!(sum, 3);
    assert_eq!(spans.names(), ["add"]);

    let spans = testing::capture(|| {
        assert_eq!(checked_div(6, 3), Ok(2));
        assert!(checked_div(1, 0).is_err());
        unit();
    });
    let divs = spans.all_named("checked_div");
    assert_eq!(divs[0].status, Status::Unset);
    assert!(matches!(divs[1].status, Status::Error { .. }));
    spans.named("unit");
}
