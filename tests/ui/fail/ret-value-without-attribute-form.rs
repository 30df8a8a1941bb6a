//! `ret` on a type without an attribute form: the error points at `ret`
//! and names the missing `AttributeValue`; `ret(%)` / `ret(?)` record
//! the `Display` / `Debug` text instead.

use trace_runtime::traced;

#[derive(Debug)]
struct Config {
    retries: u32,
}

#[traced(ret)]
fn load() -> Result<Config, String> {
    Ok(Config { retries: 1 })
}

fn main() {
    let _ = load().map(|config| config.retries);
}
