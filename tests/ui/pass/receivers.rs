//! Methods with every kind of receiver keep their signature and get a span.

use std::pin::Pin;

use trace_runtime::{testing, traced};

struct Counter {
    n: u32,
}

impl Counter {
    #[traced]
    fn by_value(self) -> u32 {
        self.n
    }

    #[traced]
    fn by_ref(&self) -> u32 {
        self.n
    }

    #[traced]
    fn by_mut(&mut self) {
        self.n += 1;
    }

    #[traced]
    #[allow(clippy::boxed_local)]
    fn boxed(self: Box<Self>) -> u32 {
        self.n
    }

    #[traced]
    fn pinned(self: Pin<&mut Self>) -> u32 {
        self.get_mut().n
    }

    #[traced]
    fn new(n: u32) -> Self {
        Self { n }
    }
}

fn main() {
    let spans = testing::capture(|| {
        let mut counter = Counter::new(1);
        counter.by_mut();
        assert_eq!(counter.by_ref(), 2);
        assert_eq!(Pin::new(&mut counter).pinned(), 2);
        assert_eq!(Box::new(Counter::new(5)).boxed(), 5);
        assert_eq!(counter.by_value(), 2);
    });
    assert_eq!(
        spans.names(),
        [
            "new", "by_mut", "by_ref", "pinned", "new", "boxed", "by_value"
        ]
    );
}
