//! Bodies with inner attributes, nested items (traced or not), closures and
//! async blocks containing their own `?` and `return`, labeled blocks, and
//! `?` inside a macro invocation: only the function's own exits are
//! rewritten, and everything else means what it meant before.

use trace_runtime::{testing, traced};

#[traced]
fn outer(input: &str) -> Result<u32, String> {
    #![allow(clippy::needless_return)]

    #[traced]
    fn inner(n: u32) -> Result<u32, String> {
        if n > 100 {
            return Err(String::from("too big"));
        }
        Ok(n + 1)
    }

    fn helper(text: &str) -> Result<u32, std::num::ParseIntError> {
        text.parse::<u32>()
    }

    struct Local;
    impl Local {
        #[allow(clippy::unnecessary_wraps)]
        fn value() -> Result<u32, String> {
            return Ok(1);
        }
    }

    // A closure's `?` and `return` leave the closure, not `outer`.
    let parse = |text: &str| -> Result<u32, String> {
        let n = helper(text).map_err(|e| e.to_string())?;
        if n == 7 {
            return Ok(70);
        }
        Ok(n)
    };
    let n = parse(input)?;

    let labeled = 'block: {
        if n == 0 {
            break 'block 1;
        }
        n
    };
    let formatted = format!("{}", inner(labeled)?);
    let total = inner(formatted.parse::<u32>().map_err(|e| e.to_string())?)? + Local::value()?;
    return Ok(total);
}

#[traced]
fn r#match(value: u8) -> u8 {
    value
}

fn main() {
    let spans = testing::capture(|| {
        assert_eq!(outer("3"), Ok(6));
        assert_eq!(outer("7"), Ok(73));
        assert!(outer("x").is_err());
        assert!(outer("500").is_err());
        assert_eq!(r#match(1), 1);
    });
    assert_eq!(spans.all_named("outer").len(), 4);
    assert_eq!(spans.all_named("match").len(), 1);
    spans.assert_parent(spans.all_named("inner")[0], spans.all_named("outer")[0]);
}
