//! A dotted attribute key cannot start with a dot.

use trace_runtime::traced;

#[traced(attrs(.system = "postgres"))]
fn query() {}

fn main() {
    query();
}
