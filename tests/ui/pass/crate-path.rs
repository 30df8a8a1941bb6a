//! `crate = path` reaches the runtime under another name.

extern crate trace_runtime as tr;

mod facade {
    pub use ::trace_runtime as runtime;
}

#[tr::traced(crate = tr)]
fn renamed() -> Result<u8, String> {
    let n: u8 = "3".parse().map_err(|_| String::from("parse"))?;
    Ok(n)
}

#[tr::traced(crate = crate::facade::runtime, name = "through.facade")]
async fn through_facade() -> u8 {
    1
}

fn main() {
    let spans = tr::testing::capture(|| {
        assert_eq!(renamed(), Ok(3));
        assert_eq!(futures_executor::block_on(through_facade()), 1);
    });
    assert_eq!(spans.names(), ["renamed", "through.facade"]);
}
