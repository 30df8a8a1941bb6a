//! `-> !` compiles (no `let x: !` is generated) and the span still ends when
//! a panic leaves the function.

use std::panic;

use trace_runtime::{testing, traced};

#[traced]
fn fail(message: &str) -> ! {
    panic!("{message}")
}

#[traced]
fn spin_until(flag: bool) -> ! {
    loop {
        if flag {
            fail("flag set");
        }
    }
}

fn main() {
    // Keep the expected panic off the test output.
    panic::set_hook(Box::new(|_| {}));
    let spans = testing::capture(|| {
        let result = panic::catch_unwind(|| spin_until(true));
        assert!(result.is_err());
    });
    assert_eq!(spans.names(), ["spin_until", "fail"]);
}
