//! A native `async fn` in a trait: `#[traced]` on the default body and on
//! an implementation.

use futures_executor::block_on;
use trace_runtime::{testing, traced};

trait Greeter {
    fn name(&self) -> &str;

    #[traced]
    async fn greet(&self) -> String {
        format!("hello {}", self.name())
    }

    async fn shout(&self) -> Result<String, std::fmt::Error>;
}

struct English;

impl Greeter for English {
    #[allow(clippy::unnecessary_literal_bound)]
    fn name(&self) -> &str {
        "world"
    }

    #[traced]
    async fn shout(&self) -> Result<String, std::fmt::Error> {
        Ok(self.greet().await.to_uppercase())
    }
}

fn main() {
    let (shouted, spans) = block_on(testing::capture_future(async { English.shout().await }));
    assert_eq!(shouted.unwrap(), "HELLO WORLD");
    assert_eq!(spans.names(), ["shout", "greet"]);
    spans.assert_parent(spans.named("greet"), spans.named("shout"));
}
