//! The runtime's panic hook is chained: it calls the hook it replaced, and
//! a hook installed after it still sees panics.
//!
//! Replacing the panic hook is process-wide, and between taking the old
//! hook and setting the new one a panic reaches neither the runtime's hook
//! nor this one: a span unwound by it would miss the panic's message. So
//! this test runs in this binary, taking its turn ([`serial`]).

use std::panic::catch_unwind;

use trace_runtime::testing::capture;

use crate::serial;

#[test]
fn the_users_panic_hook_still_runs() {
    let _serial = serial();
    // The runtime chains its hook: the default hook still prints (observed in
    // test output) and a hook installed after the runtime's still sees panics.
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let _ = capture(|| ()); // make sure the runtime's hook is installed first
    let flag = seen.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload_as_str() == Some("hooked") {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        previous(info);
    }));
    let _ = catch_unwind(|| panic!("hooked"));
    assert!(seen.load(std::sync::atomic::Ordering::SeqCst));
}
