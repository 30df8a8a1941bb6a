//! `name = ...` must be a string literal or a path to a `&'static str`
//! constant: the error points at the value.

use trace_runtime::traced;

#[traced(name = 42)]
fn work() {}

fn main() {
    work();
}
