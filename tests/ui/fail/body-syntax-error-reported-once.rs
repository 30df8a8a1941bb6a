//! A syntax error in a traced body is reported once, by rustc, as without
//! `#[traced]`: the function is emitted as written, not also rejected by the
//! attribute.

use trace_runtime::traced;

#[traced]
fn add(x: u32) -> u32 {
    let y = x +;
    y
}

fn main() {
    let _ = add(1);
}
