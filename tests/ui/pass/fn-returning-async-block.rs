//! `fn ... -> impl Future` whose body ends in an `async` block: the span
//! opens at the call and covers running the future.

use std::future::Future;

use futures_executor::block_on;
use trace_runtime::otel::trace::Status;
use trace_runtime::{testing, traced};

#[traced]
fn load(id: u32) -> impl Future<Output = Result<u32, String>> + Send {
    let offset = id * 10;
    async move {
        if id == 0 {
            return Err(String::from("zero"));
        }
        let parsed: u32 = "5".parse().map_err(|_| String::from("parse"))?;
        Ok(offset + parsed)
    }
}

#[traced]
fn borrowed<'a>(name: &'a str) -> impl Future<Output = &'a str> + 'a {
    async move { name.trim() }
}

#[traced]
fn not_an_async_tail() -> impl Future<Output = u8> {
    std::future::ready(3)
}

fn main() {
    let (out, spans) = block_on(testing::capture_future(async {
        assert_eq!(load(1).await, Ok(15));
        assert!(load(0).await.is_err());
        assert_eq!(borrowed(" x ").await, "x");
        not_an_async_tail().await
    }));
    assert_eq!(out, 3);
    assert_eq!(
        spans.names(),
        ["load", "load", "borrowed", "not_an_async_tail"]
    );
    assert!(matches!(
        spans.all_named("load")[1].status,
        Status::Error { .. }
    ));
}
