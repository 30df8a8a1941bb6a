//! `args` takes parameter names, not `%name` / `?name`: the error is on
//! the rendered name and says how to record its text with `attrs`.

use trace_runtime::traced;

#[traced(args(?query))]
fn search(query: &str) -> usize {
    query.len()
}

#[traced(args(id, %name))]
fn greet(id: u64, name: &str) -> usize {
    name.len() + usize::try_from(id).unwrap_or(0)
}

fn main() {
    search("rust");
    greet(1, "a");
}
