//! `#[traced]` on a `const fn`: the error points at `const`, since a span
//! needs a clock at run time.

use trace_runtime::traced;

#[traced]
const fn answer() -> u32 {
    42
}

fn main() {
    assert_eq!(answer(), 42);
}
