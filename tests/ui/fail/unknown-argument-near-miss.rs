//! A misspelt argument: the error points at it, suggests the argument it
//! is closest to, and still lists the valid ones.

use trace_runtime::traced;

#[traced(nme = "x")]
fn work() {}

#[traced(kind = client, atrs(db.system = "postgres"))]
fn query() {}

fn main() {
    work();
    query();
}
