//! `ret` on a function that returns nothing (`()`, no return type, `!`):
//! there is no value to record, so `ret` is an error.

use trace_runtime::traced;

#[traced(ret)]
fn unit() -> () {}

#[traced(ret(%))]
fn nothing() {}

#[traced(ret)]
async fn async_nothing() {}

#[traced(ret(?))]
fn never() -> ! {
    panic!("never returns")
}

fn main() {
    unit();
    nothing();
    drop(async_nothing());
    never();
}
