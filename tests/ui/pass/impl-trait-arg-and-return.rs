//! `impl Trait` in argument and return position (including nested in a
//! `Result`) is left as written; such returns are not observed.

use std::fmt::Display;

use trace_runtime::{testing, traced};

#[traced]
fn describe(value: impl Display) -> impl Display {
    format!("<{value}>")
}

#[traced]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[traced]
fn parse_all(input: &str) -> Result<impl Iterator<Item = u32> + '_, std::num::ParseIntError> {
    let first: u32 = input.split(',').next().unwrap_or("0").parse()?;
    if first == 0 {
        return Ok(Vec::new().into_iter().chain(None));
    }
    Ok(input
        .split(',')
        .map(|s| s.parse().unwrap_or(0))
        .collect::<Vec<_>>()
        .into_iter()
        .chain(Some(first)))
}

fn main() {
    let spans = testing::capture(|| {
        assert_eq!(describe(4).to_string(), "<4>");
        assert_eq!(evens(5).collect::<Vec<_>>(), [0, 2, 4]);
        assert_eq!(parse_all("1,2").unwrap().collect::<Vec<_>>(), [1, 2, 1]);
        assert!(parse_all("x").is_err());
    });
    assert_eq!(
        spans.names(),
        ["describe", "evens", "parse_all", "parse_all"]
    );
}
