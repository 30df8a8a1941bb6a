//! `add_attribute` with arbitrary values inside a `testing::capture`:
//! strings (any Unicode, multi-byte characters around the limit, tens of
//! kilobytes), string arrays, every `f64` (NaN, infinities, subnormals),
//! every `i64` and `u64`, arbitrary keys, and up to [`MAX_EXTRA`] more
//! attributes than the span may keep. [`CASES`] cases.
//!
//! The pipeline installed for the test sets the value length limit to
//! [`LENGTH`] bytes (small, so that most strings and every `u64` above
//! `i64::MAX`, recorded as its decimal text, are cut) and keeps the default
//! attribute count (128). For each case: no panic; every string is the
//! longest prefix of the input of at most [`LENGTH`] bytes that ends on a
//! character boundary; floats and integers are exactly what was given; the
//! span keeps at most 128 attributes, and kept + dropped == added.

use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use trace_runtime::otel::{Array, Value};
use trace_runtime::testing::{InMemoryExporter, capture};
use trace_runtime::{Pipeline, SpanLimits, add_attribute, traced};
use trace_tests::attr;

use crate::serial;

const CASES: u32 = 2000;
/// The value length limit, in bytes.
const LENGTH: usize = 16;
/// The most attributes added on top of the fixed ones.
const MAX_EXTRA: usize = 200;
/// The attributes [`attributed`] adds besides the extra ones.
const FIXED: usize = 7;

#[derive(Clone, Debug)]
struct Case {
    key: String,
    text: String,
    list: Vec<String>,
    float: f64,
    int: i64,
    wide: u64,
    extra: usize,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => ".{0,40}",
        2 => "[a\u{e9}\u{20ac}\u{1f600}]{0,12}",
        1 => "[\u{0}-\u{7f}]{0,40}",
        1 => (".{1,8}", 1000usize..5000).prop_map(|(piece, n)| piece.repeat(n)),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        ".{0,20}",
        text(),
        prop::collection::vec(text(), 1..5),
        prop::num::f64::ANY,
        any::<i64>(),
        prop_oneof![any::<u64>(), (i64::MAX as u64 - 2)..=(i64::MAX as u64 + 2)],
        prop_oneof![3 => 0..8usize, 1 => 0..=MAX_EXTRA],
    )
        .prop_map(|(key, text, list, float, int, wide, extra)| Case {
            key,
            text,
            list,
            float,
            int,
            wide,
            extra,
        })
}

#[traced]
fn bare() {}

#[traced]
fn attributed(case: &Case) {
    add_attribute("text", case.text.as_str());
    add_attribute("text.owned", case.text.clone());
    add_attribute("list", case.list.clone());
    add_attribute("float", case.float);
    add_attribute("int", case.int);
    add_attribute("wide", case.wide);
    add_attribute(format!("key.{}", case.key), case.text.as_str());
    for i in 0..case.extra {
        add_attribute(format!("extra.{i}"), i);
    }
}

/// The longest prefix of `text` of at most [`LENGTH`] bytes ending on a
/// character boundary.
fn cut(text: &str) -> &str {
    let mut end = LENGTH.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn check(case: &Case, base: usize) -> Result<(), TestCaseError> {
    let spans = capture(|| attributed(case));
    prop_assert_eq!(spans.len(), 1);
    let span = &spans[0];
    let added = base + FIXED + case.extra;
    prop_assert!(span.attributes.len() <= SpanLimits::DEFAULT_ATTRIBUTE_COUNT);
    prop_assert_eq!(
        span.attributes.len() + span.dropped_attributes_count as usize,
        added,
        "kept + dropped == added"
    );
    let string = |key: &str| attr(span, key).map(|v| v.as_str().into_owned());
    let expected = Some(cut(&case.text).to_owned());
    prop_assert_eq!(string("text"), expected.clone());
    prop_assert_eq!(string("text.owned"), expected.clone());
    prop_assert_eq!(string(&format!("key.{}", case.key)), expected);
    match attr(span, "list") {
        Some(Value::Array(Array::String(items))) => {
            let got: Vec<&str> = items.iter().map(|s| s.as_str()).collect();
            let want: Vec<&str> = case.list.iter().map(|s| cut(s)).collect();
            prop_assert_eq!(got, want);
        }
        other => prop_assert!(false, "list: {other:?}"),
    }
    match attr(span, "float") {
        Some(Value::F64(got)) => prop_assert!(
            got.to_bits() == case.float.to_bits() || (got.is_nan() && case.float.is_nan()),
            "{got} != {}",
            case.float
        ),
        other => prop_assert!(false, "float: {other:?}"),
    }
    prop_assert_eq!(attr(span, "int"), Some(&Value::I64(case.int)));
    let wide = match i64::try_from(case.wide) {
        Ok(n) => Value::I64(n),
        Err(_) => Value::from(cut(&case.wide.to_string()).to_owned()),
    };
    prop_assert_eq!(attr(span, "wide"), Some(&wide));
    Ok(())
}

#[test]
fn attribute_values_of_any_kind_are_kept_within_the_limits() {
    let _serial = serial();
    let pipeline = Pipeline::builder()
        .with_exporter(InMemoryExporter::default())
        .with_span_limits(SpanLimits::default().with_attribute_value_length(Some(LENGTH)))
        .install()
        .unwrap();
    let base = capture(bare)[0].attributes.len();
    let start = Instant::now();
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        },
        // The same cases on every run: CI must not pass or fail by chance.
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let result = runner.run(&case(), |case| check(&case, base));
    drop(pipeline);
    result.unwrap();
    println!(
        "attributes: {CASES} cases in {:?} (value length limit {LENGTH} bytes, \
         {base} attributes on a bare span)",
        start.elapsed()
    );
}
