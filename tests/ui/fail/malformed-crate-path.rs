//! `crate = ...` must be a path: a quoted path gets the unquoted spelling
//! as a fix, anything else an example.

use trace_runtime::traced;

#[traced(crate = "trace_runtime")]
fn quoted() {}

#[traced(crate = 3)]
fn number() {}

fn main() {
    quoted();
    number();
}
