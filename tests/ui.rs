//! Compile-time specification of `#[traced]`: every supported function shape
//! in `ui/pass/` compiles and runs; every misuse in `ui/fail/` fails with the
//! error recorded next to it in a `.stderr` file.
//!
//! Regenerate the `.stderr` files after an intended message change with
//! `TRYBUILD=overwrite cargo test -p trace-tests --test ui`, then read them:
//! each caret must point at the offending token.

// Specifies recording: nothing to run with `--cfg traced_off` (its cases pin what the expansion reports, and the off switch expands nothing).
#![cfg(not(traced_off))]

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
