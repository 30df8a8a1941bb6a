//! An unknown span kind: the error lists the valid kinds, and suggests the
//! lowercase spelling of a capitalised one.

use trace_runtime::traced;

#[traced(kind = rpc)]
fn work() {}

#[traced(kind = Client)]
fn capitalised() {}

fn main() {
    work();
    capitalised();
}
