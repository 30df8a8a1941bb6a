//! A name bound inside a destructuring parameter is not a parameter of its
//! own: `args` cannot name it, and the error suggests `attrs(x = x)`.

use trace_runtime::traced;

#[traced(args(x))]
fn distance((x, y): (i32, i32)) -> i32 {
    x.abs() + y.abs()
}

fn main() {
    distance((1, 2));
}
