//! A `?` whose error the function's error type cannot be made from: the
//! compiler's error points at the `?` operand and names the missing `From`,
//! whether the operand's error type is known at the `?` or only inferred
//! later (`text.parse()?`).

use trace_runtime::traced;

#[derive(Debug)]
struct Parsed;

impl std::str::FromStr for Parsed {
    type Err = String;
    fn from_str(_: &str) -> Result<Self, String> {
        Err(String::new())
    }
}

fn known() -> Result<u8, String> {
    Ok(1)
}

#[traced]
fn known_error() -> Result<u8, std::io::Error> {
    let value = known()?;
    Ok(value)
}

#[traced]
fn inferred_error(text: &str) -> Result<u8, std::io::Error> {
    let _parsed: Parsed = text.parse()?;
    Ok(1)
}

fn main() {}
