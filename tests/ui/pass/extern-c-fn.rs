//! `extern "C" fn` (and `unsafe extern "C" fn`) keep their ABI.

use trace_runtime::{testing, traced};

#[traced]
extern "C" fn double(x: i32) -> i32 {
    x * 2
}

#[traced]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn trace_macros_ui_triple(x: i32) -> i32 {
    x * 3
}

fn main() {
    let callback: extern "C" fn(i32) -> i32 = double;
    let spans = testing::capture(|| {
        assert_eq!(callback(2), 4);
        // SAFETY: no preconditions.
        assert_eq!(unsafe { trace_macros_ui_triple(2) }, 6);
    });
    assert_eq!(spans.names(), ["double", "trace_macros_ui_triple"]);
}
