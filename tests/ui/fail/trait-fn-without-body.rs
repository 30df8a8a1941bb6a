//! `#[traced]` on a trait method without a default body: there is no call to
//! trace, so the error says to annotate the implementations instead.

use trace_runtime::traced;

trait Store {
    #[traced]
    fn get(&self, key: &str) -> Option<String>;
}

struct Memory;

impl Store for Memory {
    #[traced]
    fn get(&self, key: &str) -> Option<String> {
        Some(key.to_owned())
    }
}

fn main() {
    assert!(Memory.get("k").is_some());
}
