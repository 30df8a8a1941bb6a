//! `async fn`, free and inherent, with `?`, early `return` and borrowed
//! returns: one span per call, covering the whole future.

use futures_executor::block_on;
use trace_runtime::otel::trace::Status;
use trace_runtime::{testing, traced};

#[traced]
async fn fetch(id: u32) -> Result<u32, String> {
    if id == 0 {
        return Err(String::from("id 0"));
    }
    let doubled: u32 = parse(&id.to_string()).await?;
    Ok(doubled * 2)
}

#[traced]
async fn parse(text: &str) -> Result<u32, String> {
    text.parse().map_err(|e| format!("{e}"))
}

#[traced]
async fn nothing() {}

struct Service {
    name: String,
}

impl Service {
    #[traced]
    async fn name(&self) -> &str {
        &self.name
    }

    #[traced]
    async fn rename(&mut self, name: &str) -> Result<&str, std::fmt::Error> {
        if name.is_empty() {
            return Err(std::fmt::Error);
        }
        name.clone_into(&mut self.name);
        Ok(&self.name)
    }

    #[traced]
    async fn into_name(self) -> String {
        self.name
    }
}

fn main() {
    let (mut service, spans) = block_on(testing::capture_future(async {
        assert_eq!(fetch(2).await, Ok(4));
        assert!(fetch(0).await.is_err());
        nothing().await;
        let mut service = Service {
            name: String::from("a"),
        };
        assert_eq!(service.name().await, "a");
        assert_eq!(service.rename("b").await, Ok("b"));
        assert!(service.rename("").await.is_err());
        service
    }));
    assert_eq!(
        spans.names(),
        [
            "fetch", "parse", "fetch", "nothing", "name", "rename", "rename"
        ]
    );
    let fetches = spans.all_named("fetch");
    spans.assert_parent(spans.named("parse"), fetches[0]);
    assert!(matches!(fetches[1].status, Status::Error { .. }));
    service.name.push('!');
    assert_eq!(block_on(service.into_name()), "b!");
}
