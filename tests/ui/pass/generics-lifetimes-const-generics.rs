//! Generic parameters, lifetimes, const generics and `where` clauses are
//! left as written.

use std::fmt::Debug;

use trace_runtime::{testing, traced};

#[traced]
fn first<'a, T, const N: usize>(items: &'a [T; N]) -> Option<&'a T>
where
    T: Debug + 'a,
{
    items.first()
}

#[traced]
fn longest<'a, 'b: 'a>(a: &'a str, b: &'b str) -> &'a str {
    if a.len() >= b.len() { a } else { b }
}

struct Wrapper<T>(T);

impl<T: Clone + Default> Wrapper<T> {
    #[traced]
    fn get_or_default<U>(&self, fallback: U) -> (T, U)
    where
        U: Into<T> + Copy,
    {
        (self.0.clone(), fallback)
    }
}

#[traced]
fn sum<const N: usize>(values: [u64; N]) -> u64 {
    values.iter().sum()
}

fn main() {
    let spans = testing::capture(|| {
        assert_eq!(first(&[1, 2, 3]), Some(&1));
        assert_eq!(longest("abc", "de"), "abc");
        assert_eq!(Wrapper(7_u64).get_or_default(3_u8), (7, 3));
        assert_eq!(sum([1, 2, 3]), 6);
    });
    assert_eq!(spans.names(), ["first", "longest", "get_or_default", "sum"]);
}
