//! Attributes recorded as the span starts (`__private::Attributes::enter`),
//! the expansion `#[traced(args(..), attrs(..))]` is to adopt for values that
//! do not use the runtime: the span's values, types and place in the tree
//! are those of recording them after the start.
//!
//! The functions below are written out as the macro would expand them, so
//! the runtime side is specified before the macro emits it.

use trace_runtime::otel::Value;
use trace_runtime::otel_sdk::trace::SpanData;
use trace_runtime::testing::capture;
use trace_runtime::{add_attribute, traced};
use trace_tests::attr;

/// `fn name(params) { body }` with `#[traced]`'s callsite, and the listed
/// `key => value` pairs recorded as the span starts.
macro_rules! traced_at_start {
    (fn $name:ident($($param:ident: $ty:ty),*) { $($key:literal => $value:expr),* } $body:block) => {
        fn $name($($param: $ty),*) {
            fn __traced_here() -> &'static str {
                ::core::any::type_name_of_val(&__traced_here)
            }
            static __TRACED_CALLSITE: ::trace_runtime::__private::Callsite =
                ::trace_runtime::__private::Callsite::new(
                    stringify!($name),
                    ::trace_runtime::__private::SpanKind::Internal,
                    ::core::concat!(::core::module_path!(), "::", stringify!($name)),
                    ::core::file!(),
                    ::core::line!(),
                )
                .with_qualified_name(__traced_here);
            let __traced_guard = ::trace_runtime::__private::Attributes::new()
                $(.with(&$key, &$value))*
                .enter(&__TRACED_CALLSITE);
            $body
        }
    };
}

traced_at_start! {
    fn scalars(n: i32, wide: u64, ratio: f64, flag: bool, peer: &str) {
        "n" => n, "wide" => wide, "ratio" => ratio, "flag" => flag, "peer" => peer
    } {}
}

traced_at_start! {
    fn two_inline(id: i64, peer: &str) { "id" => id, "peer" => peer } {
        add_attribute("from.body", 1_i64);
    }
}

traced_at_start! {
    fn long_text(sql: &str) { "sql" => sql } {}
}

traced_at_start! {
    fn rendered(id: u16) { "id" => id, "shown" => trace_runtime::__private::Display(&id) } {}
}

traced_at_start! {
    fn replaced_in_body(id: i64) { "id" => id } {
        add_attribute("id", "replaced");
    }
}

#[traced]
fn parent_of_two_inline() {
    two_inline(7, "db-1");
    two_inline(8, "db-2");
}

/// The keys of `span`'s attributes, in order.
fn keys(span: &SpanData) -> Vec<&str> {
    span.attributes.iter().map(|kv| kv.key.as_str()).collect()
}

#[test]
fn scalar_values_recorded_at_start_keep_their_opentelemetry_type() {
    let spans = capture(|| scalars(-3, u64::MAX, 0.5, true, "db-1"));
    let span = spans.named("scalars");
    assert_eq!(attr(span, "n"), Some(&Value::I64(-3)));
    assert_eq!(attr(span, "wide"), Some(&Value::from(u64::MAX.to_string())));
    assert_eq!(attr(span, "ratio"), Some(&Value::F64(0.5)));
    assert_eq!(attr(span, "flag"), Some(&Value::Bool(true)));
    assert_eq!(attr(span, "peer"), Some(&Value::from("db-1")));
}

#[test]
fn attributes_recorded_at_start_land_on_the_span_that_starts() {
    let spans = capture(parent_of_two_inline);
    let parent = spans.named("parent_of_two_inline");
    assert!(
        !keys(parent).contains(&"id"),
        "nothing on the parent: {:?}",
        keys(parent)
    );
    let children = spans.all_named("two_inline");
    assert_eq!(children.len(), 2);
    for (child, (id, peer)) in children.iter().zip([(7, "db-1"), (8, "db-2")]) {
        spans.assert_parent(child, parent);
        assert_eq!(attr(child, "id"), Some(&Value::I64(id)));
        assert_eq!(attr(child, "peer"), Some(&Value::from(peer)));
    }
}

#[test]
fn the_body_adds_to_the_attributes_recorded_at_start_in_order() {
    let spans = capture(|| two_inline(1, "db-1"));
    let span = spans.named("two_inline");
    assert_eq!(keys(span)[..3], ["id", "peer", "from.body"]);
}

#[test]
fn a_value_that_does_not_fit_inline_is_recorded_in_full() {
    let sql = "SELECT name FROM users WHERE id = $1";
    let spans = capture(|| long_text(sql));
    assert_eq!(
        attr(spans.named("long_text"), "sql"),
        Some(&Value::from(sql))
    );
}

#[test]
fn a_rendered_value_recorded_at_start_is_its_display_text() {
    let spans = capture(|| rendered(42));
    let span = spans.named("rendered");
    assert_eq!(attr(span, "id"), Some(&Value::I64(42)));
    assert_eq!(attr(span, "shown"), Some(&Value::from("42")));
}

#[test]
fn the_body_replaces_an_attribute_recorded_at_start() {
    let spans = capture(|| replaced_in_body(5));
    let span = spans.named("replaced_in_body");
    assert_eq!(attr(span, "id"), Some(&Value::from("replaced")));
    assert_eq!(
        keys(span).iter().filter(|key| **key == "id").count(),
        1,
        "one attribute per key: {:?}",
        keys(span)
    );
}
