//! Every argument of `#[traced]` together (`name`, `kind`, `attrs` with
//! static and evaluated values, `%` and `?`, `args`, `ret`, `err(%)` /
//! `err(?)`, `parent`, `root`, `link`, `follows_from`, `crate`) on every
//! function shape (sync, `async fn`, `-> impl Future`, `#[async_trait]`,
//! methods, generics, borrowed returns), under the strict lints of
//! `strict-lints.rs`: the expansion adds no warning.

#![deny(
    warnings,
    clippy::all,
    clippy::pedantic,
    unused_qualifications,
    rust_2018_idioms,
    unused_results
)]

use std::collections::HashMap;
use std::fmt;
use std::future::Future;

use async_trait::async_trait;
use trace_runtime::{PropagatedContext, testing, traced};

/// An error type.
#[derive(Debug)]
pub struct Failed {
    code: u16,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "failed with {}", self.code)
    }
}

impl std::error::Error for Failed {}

fn check(n: u32) -> Result<u32, Failed> {
    if n == 0 {
        Err(Failed { code: 400 })
    } else {
        Ok(n)
    }
}

#[traced(
    name = "db.query",
    kind = client,
    attrs(
        db.system = "postgres",
        db.port = 5432,
        db.ratio = -0.25,
        db.cached = false,
        "db weird key" = "yes",
        db.statement = sql,
        db.statement.len = sql.len(),
        db.sum = id + 1,
        db.shown = %id,
        db.debugged = ?sql,
    ),
    args(id),
    ret,
    err(%)
)]
fn query(sql: &str, id: u64) -> Result<u64, Failed> {
    if sql.is_empty() {
        return Err(Failed { code: 422 });
    }
    let checked = check(u32::try_from(id).unwrap_or(u32::MAX))?;
    Ok(u64::from(checked))
}

#[traced(ret(%), err(?))]
fn borrowed<'a>(values: &'a [String], index: usize) -> Result<&'a str, Failed> {
    values
        .get(index)
        .map(String::as_str)
        .ok_or(Failed { code: 404 })
}

#[traced(ret(?))]
fn generic<T: fmt::Debug + Clone>(value: &T) -> T {
    value.clone()
}

#[traced(kind = server, parent = trace_runtime::extract(headers), args(route))]
fn serve(headers: &HashMap<String, String>, route: &str) -> usize {
    route.len()
}

#[traced(kind = consumer, root, link = producer, follows_from = producer.clone())]
fn consume(producer: &PropagatedContext) -> bool {
    producer.is_sampled()
}

#[traced(parent = parent, ret, attrs(n = n))]
async fn async_all(parent: Option<PropagatedContext>, n: u32) -> Result<u32, Failed> {
    let checked = check(n)?;
    Ok(checked + 1)
}

#[traced(root, args(n))]
async fn async_unit(n: u32) {
    let _ = check(n);
}

#[traced(ret, args(n), link = trace_runtime::propagate_context())]
fn future_tail(n: u32) -> impl Future<Output = Result<u32, Failed>> {
    let m = n + 1;
    async move { check(m) }
}

/// A service.
#[derive(Debug)]
pub struct Store {
    shard: u32,
}

impl Store {
    #[traced(attrs(store.shard = self.shard), args(key), ret)]
    fn get(&self, key: u32) -> Option<u32> {
        key.checked_add(self.shard)
    }

    #[traced(attrs(store.shard = self.shard, store.shown = %self), args(key), ret)]
    async fn fetch(&self, key: u32) -> u32 {
        key + self.shard
    }
}

impl fmt::Display for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store-{}", self.shard)
    }
}

/// A trait with async methods.
#[async_trait]
pub trait Service {
    /// Calls the service.
    async fn call(&self, n: u32, label: String) -> Result<u32, Failed>;
}

#[async_trait]
impl Service for Store {
    #[traced(attrs(shard = self.shard, label.len = label.len()), args(n, label), ret, err(%))]
    async fn call(&self, n: u32, label: String) -> Result<u32, Failed> {
        let checked = check(n)?;
        Ok(checked + self.shard + u32::from(label.is_empty()))
    }
}

mod facade {
    pub(crate) use ::trace_runtime as runtime;
}

#[traced(crate = crate::facade::runtime, attrs(k = "v", doubled = n * 2), args(n), ret, root)]
fn through_facade(n: u32) -> u32 {
    n
}

fn main() {
    let spans = testing::capture(|| {
        assert!(query("select 1", 3).is_ok());
        assert!(query("", 3).is_err());
        assert!(query("select 1", 0).is_err());
        let values = vec![String::from("a")];
        assert_eq!(borrowed(&values, 0).ok(), Some("a"));
        assert!(borrowed(&values, 1).is_err());
        assert_eq!(generic(&3u8), 3);
        let headers = HashMap::new();
        assert_eq!(serve(&headers, "/"), 1);
        assert!(!consume(&PropagatedContext::none()));
        let store = Store { shard: 1 };
        assert_eq!(store.get(1), Some(2));
        futures_executor::block_on(async {
            assert_eq!(async_all(None, 1).await.ok(), Some(2));
            async_unit(1).await;
            assert!(future_tail(1).await.is_ok());
            assert_eq!(store.fetch(1).await, 2);
            assert!(store.call(1, String::from("x")).await.is_ok());
        });
        assert_eq!(through_facade(2), 2);
    });
    assert_eq!(spans.all_named("db.query").len(), 3);
}
