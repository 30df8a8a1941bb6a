//! The static metadata of a span is computed at compile time: the function's
//! module-qualified name, its file, and the line of the `fn` itself (not of
//! the attribute above it).

use trace_runtime::otel::Value;
use trace_runtime::testing;

mod shop {
    #[trace_runtime::traced(name = "shop.checkout")]
    #[inline(never)]

    pub(crate) fn checkout() {}
}

fn attribute<'a>(span: &'a trace_runtime::otel_sdk::trace::SpanData, key: &str) -> &'a Value {
    &span
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .unwrap_or_else(|| panic!("no attribute {key} in {:?}", span.attributes))
        .value
}

fn main() {
    let spans = testing::capture(shop::checkout);
    let span = spans.named("shop.checkout");
    let function = attribute(span, "code.function.name").as_str();
    assert!(function.ends_with("::shop::checkout"), "{function}");
    assert!(
        attribute(span, "code.file.path")
            .as_str()
            .ends_with("callsite-metadata.rs")
    );
    assert_eq!(attribute(span, "code.line.number"), &Value::I64(12));
}
