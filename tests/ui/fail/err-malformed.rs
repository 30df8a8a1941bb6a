//! `err(..)` takes `%` or `?` only.

use trace_runtime::traced;

#[traced(err(display))]
fn word() -> Result<(), String> {
    Ok(())
}

#[traced(err())]
fn empty() -> Result<(), String> {
    Ok(())
}

#[traced(err(%, ?))]
fn both() -> Result<(), String> {
    Ok(())
}

#[traced(err = false, err(%))]
fn twice() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = word();
    let _ = empty();
    let _ = both();
    let _ = twice();
}
