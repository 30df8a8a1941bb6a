//! A key recorded twice, within `attrs` or between `attrs` and `args`: one
//! value would be lost, so the second key is an error.

use trace_runtime::traced;

#[traced(attrs(db.system = "postgres", db.system = "mysql"))]
fn twice() {}

#[traced(args(id), attrs(id = id + 1))]
fn also_in_args(id: u64) -> u64 {
    id
}

fn main() {
    twice();
    also_in_args(1);
}
