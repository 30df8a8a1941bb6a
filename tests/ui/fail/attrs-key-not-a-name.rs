//! An attribute key must be a (dotted) name or a string literal.

use trace_runtime::traced;

#[traced(attrs(1 = "one"))]
fn numbered() {}

fn main() {
    numbered();
}
