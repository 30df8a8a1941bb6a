//! `#[traced]` on something that is not a function: the error names what it
//! was put on, and for an `impl` block says to annotate the methods.

use trace_runtime::traced;

#[traced]
struct Config {
    retries: u32,
}

struct Service;

#[traced]
impl Service {
    fn call(&self) {}
}

fn main() {
    let config = Config { retries: 1 };
    Service.call();
    let _ = config.retries;
}
