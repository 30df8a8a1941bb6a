//! The expansion uses only absolute paths, so it compiles in a crate that
//! shadows `core`, `std`, `Result`, `Option`, `Some`, `Box` and `Send`.

#![allow(dead_code)]

mod core {}
mod std {}

type Result<T> = ::core::result::Result<T, Error>;
struct Option;
struct Some;
struct Box;
trait Send {}
#[derive(Debug)]
struct Error;

mod inner {
    use super::{Error, Result};
    use ::trace_runtime::traced;

    pub(crate) struct Option;

    #[traced]
    pub(crate) fn check(ok: bool) -> Result<Option> {
        if !ok {
            return Err(Error);
        }
        Ok(Option)
    }

    #[traced]
    pub(crate) async fn check_async(ok: bool) -> Result<u8> {
        check(ok)?;
        Ok(1)
    }
}

fn main() {
    let spans = ::trace_runtime::testing::capture(|| {
        assert!(inner::check(true).is_ok());
        assert!(inner::check(false).is_err());
        assert_eq!(
            ::futures_executor::block_on(inner::check_async(true)).ok(),
            ::core::option::Option::Some(1)
        );
    });
    assert_eq!(spans.names(), ["check", "check", "check_async", "check"]);
}
