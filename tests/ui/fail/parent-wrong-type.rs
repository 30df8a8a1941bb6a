//! `parent = expr` takes a propagated context (by value, reference or
//! `Option`): anything else is a type error on the expression.

use trace_runtime::traced;

#[traced(parent = trace_id)]
fn handle(trace_id: &str) {}

fn main() {
    handle("4bf92f3577b34da6a3ce929d0e0e4736");
}
