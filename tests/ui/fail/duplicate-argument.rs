//! An argument given twice: the error points at the second one.

use trace_runtime::traced;

#[traced(name = "a", kind = client, name = "b")]
fn work() {}

fn main() {
    work();
}
