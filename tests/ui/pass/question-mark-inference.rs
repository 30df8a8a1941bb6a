//! `?` on an expression whose type is only fixed later (by a `let` type, a
//! turbofish-less `parse`, `collect`, or `Into`) still infers: observing it
//! must not ask for type annotations the undecorated function did not need.

use trace_runtime::{testing, traced};

#[derive(Debug)]
struct AppError(String);

impl From<std::num::ParseIntError> for AppError {
    fn from(error: std::num::ParseIntError) -> Self {
        Self(error.to_string())
    }
}

#[traced]
fn parse_sum(text: &str) -> Result<u64, AppError> {
    let first: u64 = text.split('+').next().unwrap_or("0").trim().parse()?;
    let rest: Vec<u64> = text
        .split('+')
        .skip(1)
        .map(|part| part.trim().parse())
        .collect::<Result<_, _>>()?;
    Ok(first + rest.iter().sum::<u64>())
}

#[traced]
async fn parse_async(text: &str) -> Result<u64, AppError> {
    let value: u64 = text.parse()?;
    Ok(value)
}

#[traced]
fn boxed(text: &str) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    let value: u8 = text.parse()?;
    if value == 0 {
        Err("zero")?;
    }
    Ok(value)
}

#[traced]
fn option(values: &[u8]) -> Option<u8> {
    let first = values.first()?;
    Some(first + 1)
}

fn main() {
    let spans = testing::capture(|| {
        assert_eq!(parse_sum("1 + 2 + 3").unwrap(), 6);
        assert!(parse_sum("1 + x").unwrap_err().0.contains("invalid digit"));
        assert_eq!(futures_executor::block_on(parse_async("4")).unwrap(), 4);
        assert_eq!(boxed("5").unwrap(), 5);
        assert!(boxed("0").is_err());
        assert_eq!(option(&[1]), Some(2));
        assert_eq!(option(&[]), None);
    });
    assert_eq!(spans.len(), 7);
}
