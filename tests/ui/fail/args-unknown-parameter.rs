//! `args` names a parameter the function does not have: the error is on
//! the name and lists the parameters it could name.

use trace_runtime::traced;

#[traced(args(id, user_id))]
fn load(id: u64, name: &str) -> usize {
    name.len() + usize::try_from(id).unwrap_or(0)
}

#[traced(args(anything))]
fn no_parameters() {}

fn main() {
    load(1, "a");
    no_parameters();
}
