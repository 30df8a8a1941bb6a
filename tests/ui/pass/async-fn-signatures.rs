//! Every `async fn` shape `#[traced]` turns into a plain function returning
//! `impl Future` (so that its span opens at the call): receivers, `mut`
//! and pattern parameters, `impl Trait` arguments, generics and `where`
//! clauses, `Self`, `return` and `?`, borrowed returns, recursion through
//! `Box::pin`, `async fn` in a trait and in its `impl`, visibility, doc
//! comments and attributes, `unsafe`; and the ones that keep their
//! `async fn` (`#[must_use]`, `-> !`). No warning, the `refining_impl_trait`
//! lints included; the futures are `Send` when their bodies are.

#![deny(warnings, refining_impl_trait, unused_must_use)]

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use futures_executor::block_on;
use trace_runtime::{testing, traced};

#[derive(Debug, Default)]
struct Counter {
    count: u32,
    name: String,
}

impl Counter {
    /// A doc comment stays on the function.
    #[traced]
    #[inline]
    #[allow(clippy::unused_async)]
    pub(crate) async fn name(&self) -> &str {
        &self.name
    }

    #[traced]
    async fn bump(&mut self, mut by: u32) -> Result<u32, String> {
        by += 1;
        if by > 100 {
            return Err(String::from("too much"));
        }
        self.count += by;
        Ok(self.count)
    }

    #[traced]
    async fn into_count(self) -> u32 {
        self.count
    }

    #[traced]
    async fn fresh() -> Self {
        Self::default()
    }

    #[traced]
    async fn boxed(self: Box<Self>) -> u32 {
        self.count
    }

    #[traced]
    async fn pinned(self: Pin<&mut Self>) -> u32 {
        self.count
    }
}

#[traced]
async fn parse_all<'a, T>(texts: &'a [&'a str], label: impl Display) -> Result<Vec<T>, String>
where
    T: std::str::FromStr,
    T::Err: Display,
{
    let mut out = Vec::new();
    for text in texts {
        out.push(text.parse::<T>().map_err(|e| format!("{label}: {e}"))?);
    }
    Ok(out)
}

#[traced]
async fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or_default()
}

#[traced]
async fn patterns((a, b): (u32, u32), _: String, ref c: u32, [d, ..]: [u32; 2]) -> u32 {
    a + b + *c + d
}

#[traced]
async fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    Box::pin(fib(n - 1)).await + Box::pin(fib(n - 2)).await
}

trait Store {
    #[traced]
    async fn get(&self, key: u32) -> Option<u32> {
        self.lookup(key)
    }

    async fn put(&mut self, key: u32, value: u32) -> Result<(), String>;

    fn lookup(&self, key: u32) -> Option<u32>;
}

struct Memory(Vec<(u32, u32)>);

impl Store for Memory {
    #[traced]
    async fn put(&mut self, key: u32, value: u32) -> Result<(), String> {
        if key == 0 {
            return Err(String::from("key 0"));
        }
        self.0.push((key, value));
        Ok(())
    }

    fn lookup(&self, key: u32) -> Option<u32> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Keeps its `async fn` (the awaited value must be used).
#[traced]
#[must_use]
async fn must_use_output() -> u32 {
    7
}

#[traced]
#[allow(clippy::unused_async)]
async fn forever() -> ! {
    loop {
        std::thread::park();
    }
}

/// # Safety
///
/// None needed: the body is safe.
#[traced]
async unsafe fn unsafe_async(x: u32) -> u32 {
    x
}

fn assert_send<F: Future + Send>(future: F) -> F {
    future
}

fn main() {
    let (total, spans) = testing::capture_value(|| {
        block_on(async {
            let mut counter = Counter::fresh().await;
            counter.name = String::from("c");
            assert_eq!(counter.name().await, "c");
            assert_eq!(assert_send(counter.bump(1)).await, Ok(2));
            assert!(counter.bump(200).await.is_err());
            assert_eq!(std::pin::pin!(Counter::default()).pinned().await, 0);
            assert_eq!(Box::new(Counter::default()).boxed().await, 0);
            let parsed: Vec<u8> = assert_send(parse_all(&["1", "2"], "n")).await.unwrap();
            assert_eq!(parsed, [1, 2]);
            assert!(parse_all::<u8>(&["x"], "n").await.is_err());
            assert_eq!(first_word("a b").await, "a");
            assert_eq!(patterns((1, 2), String::new(), 3, [4, 5]).await, 10);
            assert_eq!(fib(4).await, 3);
            let mut store = Memory(Vec::new());
            assert!(store.put(0, 1).await.is_err());
            assert_eq!(store.put(1, 2).await, Ok(()));
            assert_eq!(store.get(1).await, Some(2));
            // SAFETY: `unsafe_async` has no safety requirement.
            assert_eq!(unsafe { unsafe_async(1) }.await, 1);
            let _: fn() -> _ = forever;
            must_use_output().await + counter.into_count().await
        })
    });
    assert_eq!(total, 7 + 2);
    assert_eq!(spans.all_named("fib").len(), 9);
    for name in [
        "fresh", "name", "bump", "pinned", "boxed", "parse_all", "first_word", "patterns", "put",
        "get", "unsafe_async", "must_use_output", "into_count",
    ] {
        assert!(!spans.all_named(name).is_empty(), "{name}");
    }
}
