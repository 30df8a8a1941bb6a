//! `code.function.name` is the function's fully qualified name, as Rust
//! names it: the type of a method (`Store::load`), the `<Type as Trait>`
//! of a trait method, whatever the function's flavor (sync, `async fn`,
//! `#[async_trait]`). The span name stays the short function name.
//!
//! Expected names are built from `module_path!()`, so they do not depend
//! on the name of this test binary.

use trace_runtime::otel_sdk::trace::SpanData;
use trace_runtime::testing::{Spans, capture, capture_future};
use trace_tests::{attr, text};

mod shop {
    use std::future::Future;

    use async_trait::async_trait;
    use trace_runtime::traced;

    /// A type with inherent, trait and async methods.
    pub(crate) struct Store;

    /// A trait implemented with `#[traced]` methods.
    pub(crate) trait Repo {
        fn get(&self) -> u8;
    }

    /// A trait whose async method is boxed by `#[async_trait]`.
    #[async_trait]
    pub(crate) trait AsyncRepo {
        async fn fetch(&self) -> Result<u8, String>;
    }

    /// A generic type.
    pub(crate) struct Cache<T>(pub(crate) T);

    impl Store {
        #[traced]
        pub(crate) fn load(&self) -> u8 {
            1
        }

        #[traced]
        pub(crate) async fn load_async(&self) -> Result<u8, String> {
            Ok(2)
        }

        #[traced]
        pub(crate) fn load_later(&self) -> impl Future<Output = u8> {
            async { 3 }
        }
    }

    impl Repo for Store {
        #[traced]
        fn get(&self) -> u8 {
            4
        }
    }

    #[async_trait]
    impl AsyncRepo for Store {
        #[traced]
        async fn fetch(&self) -> Result<u8, String> {
            Ok(5)
        }
    }

    impl<T: Copy> Cache<T> {
        #[traced]
        pub(crate) fn peek(&self) -> T {
            self.0
        }
    }

    impl<T: Copy + Default> Repo for Cache<T> {
        #[traced]
        fn get(&self) -> u8 {
            6
        }
    }

    pub(crate) mod nested {
        use trace_runtime::traced;

        #[traced(crate = trace_runtime)]
        pub(crate) fn free() -> u8 {
            7
        }

        pub(crate) fn outer() -> u8 {
            #[trace_runtime::traced]
            fn inner() -> u8 {
                8
            }
            inner()
        }
    }
}

use shop::{AsyncRepo as _, Cache, Repo as _, Store};

/// The only span of `spans`, checked to keep the short name `name`.
fn only<'a>(spans: &'a Spans, name: &str) -> &'a SpanData {
    assert_eq!(spans.names(), [name]);
    &spans[0]
}

fn function_name(span: &SpanData) -> String {
    text(attr(span, "code.function.name"))
}

/// `module_path!()` followed by `rest`.
fn here(rest: &str) -> String {
    format!("{}{rest}", module_path!())
}

#[test]
fn an_inherent_method_is_named_after_its_type() {
    let spans = capture(|| Store.load());
    let span = only(&spans, "load");
    assert_eq!(function_name(span), here("::shop::Store::load"));
}

#[test]
fn a_trait_method_is_named_as_type_as_trait() {
    let spans = capture(|| Store.get());
    let span = only(&spans, "get");
    assert_eq!(
        function_name(span),
        format!("<{0}::shop::Store as {0}::shop::Repo>::get", module_path!())
    );
}

#[test]
fn a_generic_impl_shows_its_parameters_as_placeholders() {
    let spans = capture(|| Cache(9_u8).peek());
    let span = only(&spans, "peek");
    assert_eq!(function_name(span), here("::shop::Cache<_>::peek"));

    let spans = capture(|| Cache(9_u8).get());
    let span = only(&spans, "get");
    assert_eq!(
        function_name(span),
        format!(
            "<{0}::shop::Cache<_> as {0}::shop::Repo>::get",
            module_path!()
        )
    );
}

#[test]
fn async_methods_are_named_like_sync_ones() {
    let (value, spans) =
        futures_executor::block_on(capture_future(async { Store.load_async().await }));
    assert_eq!(value, Ok(2));
    let span = only(&spans, "load_async");
    assert_eq!(function_name(span), here("::shop::Store::load_async"));

    let (value, spans) =
        futures_executor::block_on(capture_future(async { Store.load_later().await }));
    assert_eq!(value, 3);
    let span = only(&spans, "load_later");
    assert_eq!(function_name(span), here("::shop::Store::load_later"));
}

#[test]
fn an_async_trait_method_is_named_as_type_as_trait() {
    // `#[async_trait]` opens the span at the call: make it inside the capture.
    let (value, spans) = futures_executor::block_on(capture_future(async { Store.fetch().await }));
    assert_eq!(value, Ok(5));
    let span = only(&spans, "fetch");
    assert_eq!(
        function_name(span),
        format!(
            "<{0}::shop::Store as {0}::shop::AsyncRepo>::fetch",
            module_path!()
        )
    );
}

#[test]
fn free_functions_are_named_by_their_module_and_enclosing_function() {
    let spans = capture(shop::nested::free);
    let span = only(&spans, "free");
    assert_eq!(function_name(span), here("::shop::nested::free"));

    let spans = capture(shop::nested::outer);
    let span = only(&spans, "inner");
    assert_eq!(function_name(span), here("::shop::nested::outer::inner"));
}

#[test]
fn the_name_is_the_same_on_every_call() {
    let spans = capture(|| {
        Store.load();
        Store.load();
    });
    assert_eq!(spans.names(), ["load", "load"]);
    assert_eq!(function_name(&spans[0]), function_name(&spans[1]));
    assert_eq!(function_name(&spans[1]), here("::shop::Store::load"));
}
