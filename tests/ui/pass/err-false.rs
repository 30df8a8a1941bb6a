//! `err = false`: the span is created but an `Err` result does not set its
//! status (for an expected outcome such as a cache miss).

use trace_runtime::otel::trace::Status;
use trace_runtime::{testing, traced};

#[traced(err = false)]
fn lookup(key: &str) -> Result<u32, String> {
    let value: u32 = key.parse().map_err(|_| String::from("miss"))?;
    if value == 0 {
        return Err(String::from("zero"));
    }
    Err(String::from("always"))
}

#[traced(err = false)]
async fn lookup_async(key: &str) -> Result<u32, String> {
    let value: u32 = key.parse().map_err(|_| String::from("miss"))?;
    Ok(value)
}

#[traced(err = true)]
fn explicit_default() -> Result<(), String> {
    Err(String::from("recorded"))
}

fn main() {
    let spans = testing::capture(|| {
        assert!(lookup("x").is_err());
        assert!(lookup("0").is_err());
        assert!(lookup("1").is_err());
        assert!(futures_executor::block_on(lookup_async("x")).is_err());
        assert!(explicit_default().is_err());
    });
    for span in spans.all_named("lookup") {
        assert_eq!(span.status, Status::Unset);
    }
    assert_eq!(spans.named("lookup_async").status, Status::Unset);
    assert!(matches!(
        spans.named("explicit_default").status,
        Status::Error { .. }
    ));
}
