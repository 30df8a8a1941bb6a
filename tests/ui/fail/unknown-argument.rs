//! An unknown argument: the error points at it and lists the valid ones.

use trace_runtime::traced;

#[traced(level = "info")]
fn work() {}

fn main() {
    work();
}
