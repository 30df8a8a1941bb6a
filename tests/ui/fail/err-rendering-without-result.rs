//! `err(%)` / `err(?)` render the `Err` of a `Result`: on a function that
//! returns nothing it is an error on `err`, and on any other type the
//! compiler's error points at `err` too.

use trace_runtime::traced;

#[traced(err(%))]
fn nothing() {}

#[traced(err(?))]
fn number() -> u8 {
    1
}

fn main() {
    nothing();
    let _ = number();
}
