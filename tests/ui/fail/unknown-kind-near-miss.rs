//! A misspelt span kind: the error points at it, lists the valid kinds
//! and suggests the one it is closest to.

use trace_runtime::traced;

#[traced(kind = clent)]
fn call() {}

fn main() {
    call();
}
