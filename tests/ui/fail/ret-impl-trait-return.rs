//! `ret` needs the type of the returned value: not a type containing
//! `impl Trait` (it cannot be named in the function), nor a future whose
//! `Output` the signature does not spell out.

use std::fmt::Display;
use std::future::Future;

use trace_runtime::traced;

#[traced(ret(%))]
fn shown() -> impl Display {
    7
}

type Pinned = std::pin::Pin<Box<dyn Future<Output = u8>>>;

#[traced(ret)]
fn aliased_future() -> Pinned {
    Box::pin(async { 1 })
}

fn main() {
    let _ = shown();
    let _ = aliased_future();
}
