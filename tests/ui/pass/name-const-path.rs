//! `name = "literal"` and `name = PATH` to a `&'static str` constant.

use trace_runtime::{testing, traced};

mod spans {
    pub const CHECKOUT: &str = "shop.checkout";
}

const LOCAL: &str = "local.name";

#[traced(name = spans::CHECKOUT)]
fn checkout() {}

#[traced(name = LOCAL)]
fn local() {}

#[traced(name = "db.query")]
fn query() {}

#[traced(name = crate::spans::CHECKOUT)]
async fn checkout_async() {}

fn main() {
    let spans = testing::capture(|| {
        checkout();
        local();
        query();
        futures_executor::block_on(checkout_async());
    });
    assert_eq!(
        spans.names(),
        ["shop.checkout", "local.name", "db.query", "shop.checkout"]
    );
}
