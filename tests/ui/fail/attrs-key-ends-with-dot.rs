//! A dotted attribute key cannot end with a dot: the error is on the key.

use trace_runtime::traced;

#[traced(attrs(db. = "postgres"))]
fn query() {}

fn main() {
    query();
}
