//! The expansion is lint-clean: this file denies every warning, clippy's
//! default and pedantic groups, `unused_qualifications` and the 2018 idioms
//! over every shape `#[traced]` generates, including bodies that diverge
//! (no `unreachable_code` from the observation after them) and a final
//! `return`. Clippy itself runs over it through `cargo clippy` on the lead's
//! tests; trybuild checks the rustc lints.

#![deny(
    warnings,
    clippy::all,
    clippy::pedantic,
    unused_qualifications,
    rust_2018_idioms,
    unused_results
)]

use std::future::Future;

use async_trait::async_trait;
use trace_runtime::{testing, traced};

/// An error type.
#[derive(Debug)]
pub struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("failed")
    }
}

impl std::error::Error for Failed {}

#[traced]
fn observed(n: u32) -> Result<u32, Failed> {
    #![allow(clippy::cast_possible_truncation)]
    let small = u64::from(n) as u32;
    if small == 0 {
        return Err(Failed);
    }
    let half = checked_half(small)?;
    Ok(half)
}

#[traced]
fn checked_half(n: u32) -> Result<u32, Failed> {
    if n % 2 == 1 { Err(Failed) } else { Ok(n / 2) }
}

#[traced]
fn final_return(n: u32) -> u32 {
    return n + 1;
}

#[traced]
fn diverges() -> u32 {
    panic!("never returns a value")
}

#[traced]
fn loops_forever() -> u32 {
    loop {
        std::hint::spin_loop();
    }
}

#[traced]
fn never() -> ! {
    panic!("never")
}

#[traced]
fn unit(values: &mut Vec<u32>) {
    values.push(1);
}

#[traced]
fn generic<T: Default>() -> T {
    T::default()
}

#[traced]
fn borrowed(values: &[u32]) -> Option<&u32> {
    values.first()
}

#[traced(err = false)]
fn unobserved() -> Result<(), Failed> {
    Err(Failed)
}

#[traced]
async fn async_observed(n: u32) -> Result<u32, Failed> {
    let half = checked_half(n)?;
    Ok(half)
}

#[traced]
async fn async_unit() {}

#[traced(err = false)]
async fn async_unobserved(n: u32) -> Result<u32, Failed> {
    let half = checked_half(n)?;
    Ok(half)
}

#[traced]
async fn async_opaque() -> impl std::fmt::Display {
    1
}

#[traced]
fn future_tail(n: u32) -> impl Future<Output = Result<u32, Failed>> {
    let m = n + 1;
    async move { checked_half(m) }
}

/// A trait with async methods.
#[async_trait]
pub trait Service {
    /// Calls the service.
    async fn call(&self, n: u32) -> Result<u32, Failed>;
}

struct Halver;

#[async_trait]
impl Service for Halver {
    #[traced]
    async fn call(&self, n: u32) -> Result<u32, Failed> {
        let half = checked_half(n)?;
        Ok(half)
    }
}

fn main() {
    let spans = testing::capture(|| {
        assert!(observed(4).is_ok());
        assert!(observed(0).is_err());
        assert_eq!(final_return(1), 2);
        let mut values = Vec::new();
        unit(&mut values);
        assert_eq!(generic::<u8>(), 0);
        assert_eq!(borrowed(&values), Some(&1));
        assert!(unobserved().is_err());
        futures_executor::block_on(async {
            assert!(async_observed(2).await.is_ok());
            async_unit().await;
            assert!(async_unobserved(3).await.is_err());
            assert_eq!(async_opaque().await.to_string(), "1");
            assert!(future_tail(1).await.is_ok());
            assert!(Halver.call(4).await.is_ok());
        });
        if values.is_empty() {
            let _: u32 = diverges();
            let _: u32 = loops_forever();
            never();
        }
    });
    assert!(!spans.is_empty());
}
