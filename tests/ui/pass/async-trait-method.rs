//! `#[async_trait]` on the trait and impl, `#[traced]` on the methods inside:
//! async-trait expands first and `#[traced]` instruments the boxed future it
//! generates. Works for `Send` and `?Send` traits and default bodies.

use async_trait::async_trait;
use futures_executor::block_on;
use trace_runtime::otel::trace::Status;
use trace_runtime::{testing, traced};

#[async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<String, String>;

    #[traced]
    async fn get_or(&self, key: &str, default: &str) -> String {
        self.get(key).await.unwrap_or_else(|_| default.to_owned())
    }
}

struct Memory;

#[async_trait]
impl Store for Memory {
    #[traced(kind = client)]
    async fn get(&self, key: &str) -> Result<String, String> {
        if key.is_empty() {
            return Err(String::from("empty key"));
        }
        let first = key.chars().next().ok_or_else(|| String::from("no char"))?;
        Ok(format!("{first}:{key}"))
    }
}

#[async_trait(?Send)]
trait Local {
    async fn run(&self) -> u8;
}

#[async_trait(?Send)]
impl Local for Memory {
    #[traced]
    async fn run(&self) -> u8 {
        7
    }
}

fn main() {
    let (value, spans) = block_on(testing::capture_future(async {
        assert_eq!(Memory.get("ab").await.unwrap(), "a:ab");
        assert_eq!(Memory.run().await, 7);
        Memory.get_or("", "fallback").await
    }));
    assert_eq!(value, "fallback");
    assert_eq!(spans.names(), ["get", "run", "get_or", "get"]);
    let gets = spans.all_named("get");
    assert_eq!(gets[0].status, Status::Unset);
    assert!(matches!(gets[1].status, Status::Error { .. }));
    spans.assert_parent(gets[1], spans.named("get_or"));

    // The boxed future is still `Send`.
    assert_send(&Memory.get("x"));
}

fn assert_send<T: Send>(_: &T) {}
