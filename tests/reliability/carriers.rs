//! `extract` from arbitrary carriers: `traceparent`, `tracestate` and
//! `baggage` values near valid, arbitrary or huge (tens of kilobytes), one
//! or several of each, as a list of pairs and, when every value is visible
//! ASCII, as an `http::HeaderMap` too. [`CASES`] cases, a few
//! seconds of a debug build.
//!
//! For each carrier, no panic, and the documented outcome:
//!
//! - the parent is exactly what [`expected_parent`] reads from the W3C
//!   rules (written out independently here: one value, lowercase hex,
//!   version `ff` invalid, `00` exactly 55 characters, a future version
//!   longer only with `-` after the flags, no all-zero ids); an invalid
//!   `traceparent` gives no parent, and a span started under the context
//!   in a capture is then a new root;
//! - what `inject` writes back is well formed: the same parent as version
//!   `00`, with only the sampled and random flags, a `tracestate` only with a parent and only of valid members
//!   taken from the input (at most 32), a `baggage` of at most 8192 bytes
//!   that extracts to the same baggage;
//! - both carrier types give the same context.

use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use trace_runtime::otel::trace::SpanId;
use trace_runtime::testing::capture;
use trace_runtime::{PropagatedContext, extract, inject_context, traced, with_propagated_context};

use crate::serial;

/// Cases run.
const CASES: u32 = 1000;

#[traced]
fn handler() {}

/// One `traceparent` value: valid ones of every version and flags, with
/// whitespace around, one byte changed, arbitrary text, or huge.
fn traceparent() -> impl Strategy<Value = String> {
    let valid = (
        prop_oneof![4 => Just("00".to_owned()), 1 => "[0-9a-f]{2}", 1 => "[0-9A-F]{2}"],
        prop_oneof![4 => any::<u128>(), 1 => Just(0u128)],
        prop_oneof![4 => any::<u64>(), 1 => Just(0u64)],
        any::<u8>(),
        prop_oneof![4 => Just(String::new()), 1 => "-.{0,20}", 1 => ".{0,5}"],
        "[ \t]{0,2}",
        "[ \t]{0,2}",
    )
        .prop_map(|(version, trace, span, flags, tail, left, right)| {
            format!("{left}{version}-{trace:032x}-{span:016x}-{flags:02x}{tail}{right}")
        });
    let changed = (valid.clone(), any::<prop::sample::Index>(), any::<char>()).prop_map(
        |(value, index, c)| {
            let mut chars: Vec<char> = value.chars().collect();
            if !chars.is_empty() {
                let i = index.index(chars.len());
                chars[i] = c;
            }
            chars.into_iter().collect()
        },
    );
    prop_oneof![
        4 => valid,
        3 => changed,
        2 => ".{0,80}",
        1 => huge(),
    ]
}

/// A string of tens of kilobytes: a short piece repeated.
fn huge() -> impl Strategy<Value = String> {
    (".{1,12}", 1000usize..6000).prop_map(|(piece, times)| piece.repeat(times))
}

/// One `tracestate` value: lists of valid members (up to 40, duplicates
/// possible), one member broken, arbitrary text, or huge.
fn tracestate() -> impl Strategy<Value = String> {
    let member = (
        "[a-z0-9][a-z0-9_*/@-]{0,12}",
        "[\\x21-\\x2b\\x2d-\\x3c\\x3e-\\x7e]{1,12}",
    )
        .prop_map(|(key, value)| format!("{key}={value}"));
    let list = prop::collection::vec(member, 0..40).prop_map(|members| members.join(","));
    prop_oneof![
        4 => list.clone(),
        2 => (list, ".{0,10}").prop_map(|(list, junk)| format!("{list},{junk}")),
        2 => ".{0,300}",
        1 => huge(),
    ]
}

/// One `baggage` value: lists of members with properties, arbitrary text,
/// or huge.
fn baggage() -> impl Strategy<Value = String> {
    let member = (
        "[A-Za-z0-9!#$&'*+.^_`|~-]{1,10}",
        "[ -~]{0,16}",
        prop_oneof![Just(String::new()), ";[a-z]{1,5}(=[a-z]{1,5})?"],
    )
        .prop_map(|(key, value, properties)| format!("{key}={value}{properties}"));
    prop_oneof![
        4 => prop::collection::vec(member, 0..80).prop_map(|members| members.join(",")),
        2 => ".{0,300}",
        1 => huge(),
    ]
}

/// A carrier: zero to two values of each header (a second `traceparent`
/// makes it invalid), in a shuffled order.
fn carrier() -> impl Strategy<Value = Vec<(String, String)>> {
    (
        prop::collection::vec(traceparent(), 0..=2),
        prop::collection::vec(tracestate(), 0..=2),
        prop::collection::vec(baggage(), 0..=2),
    )
        .prop_map(|(parents, states, baggages)| {
            let mut pairs = Vec::new();
            pairs.extend(parents.into_iter().map(|v| ("traceparent".to_owned(), v)));
            pairs.extend(states.into_iter().map(|v| ("tracestate".to_owned(), v)));
            pairs.extend(baggages.into_iter().map(|v| ("baggage".to_owned(), v)));
            pairs
        })
        .prop_shuffle()
}

/// The parent `traceparent` values describe: trace id, span id (lowercase
/// hex) and the flags kept, by the rules of W3C Trace Context.
fn expected_parent(values: &[&str]) -> Option<(String, String, u8)> {
    let [value] = values else {
        return None;
    };
    let value = value.trim_matches([' ', '\t']).as_bytes();
    let hex = |part: &[u8]| {
        part.iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    };
    if value.len() < 55 || !hex(&value[..2]) || &value[..2] == b"ff" {
        return None;
    }
    let version_00 = &value[..2] == b"00";
    if (version_00 && value.len() != 55) || (value.len() > 55 && value[55] != b'-') {
        return None;
    }
    if value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
        return None;
    }
    let (trace, span, flags) = (&value[3..35], &value[36..52], &value[53..55]);
    if !hex(trace) || !hex(span) || !hex(flags) {
        return None;
    }
    if trace.iter().all(|&b| b == b'0') || span.iter().all(|&b| b == b'0') {
        return None;
    }
    let text = |part: &[u8]| String::from_utf8(part.to_vec()).unwrap();
    let flags = u8::from_str_radix(&text(flags), 16).unwrap();
    let flags = if version_00 { flags } else { flags & 0x03 };
    Some((text(trace), text(span), flags))
}

/// Whether `member` is a valid `tracestate` list member.
fn valid_member(member: &str) -> bool {
    let Some((key, value)) = member.split_once('=') else {
        return false;
    };
    let key_ok = key.len() <= 256
        && key
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/@".contains(&b));
    let value_ok = (1..=256).contains(&value.len())
        && value
            .bytes()
            .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
        && !value.ends_with(' ');
    key_ok && value_ok
}

/// The baggage of `context`, sorted, as text.
fn baggage_of(context: &PropagatedContext) -> Vec<(String, String, String)> {
    let mut members: Vec<_> = context
        .baggage()
        .map(|baggage| {
            baggage
                .iter()
                .map(|(key, (value, metadata))| {
                    (
                        key.to_string(),
                        value.to_string(),
                        metadata.as_str().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    members.sort();
    members
}

/// The values of header `name` in `pairs`.
fn values<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn check(pairs: &[(String, String)]) -> Result<(), TestCaseError> {
    let context = extract(pairs);
    let expected = expected_parent(&values(pairs, "traceparent"));
    match &expected {
        Some((trace, span, flags)) => {
            prop_assert_eq!(context.trace_id(), Some(trace.clone()));
            prop_assert_eq!(context.span_id(), Some(span.clone()));
            prop_assert_eq!(context.is_sampled(), flags & 1 != 0);
            prop_assert!(context.is_remote());
        }
        None => {
            prop_assert_eq!(context.trace_id(), None);
            prop_assert_eq!(context.span_id(), None);
        }
    }

    // A span started under it, in a capture.
    let spans = capture(|| with_propagated_context(&context, handler));
    prop_assert!(spans.len() <= 1);
    if let Some(span) = spans.first() {
        match &expected {
            Some((trace, parent, _)) => {
                prop_assert_eq!(&format!("{}", span.span_context.trace_id()), trace);
                prop_assert_eq!(&format!("{}", span.parent_span_id), parent);
            }
            None => prop_assert_eq!(span.parent_span_id, SpanId::INVALID, "a new root"),
        }
    } else {
        prop_assert!(
            expected
                .as_ref()
                .is_some_and(|(_, _, flags)| flags & 1 == 0),
            "only a parent that is not sampled records nothing"
        );
    }

    // What inject writes back.
    let mut written: Vec<(String, String)> = Vec::new();
    inject_context(&context, &mut written);
    let parent = values(&written, "traceparent");
    match &expected {
        Some((trace, span, flags)) => {
            // Only the flags this version defines are forwarded.
            let header = format!("00-{trace}-{span}-{:02x}", flags & 0x03);
            prop_assert_eq!(parent, vec![header.as_str()]);
        }
        None => {
            prop_assert!(parent.is_empty());
            prop_assert!(values(&written, "tracestate").is_empty());
        }
    }
    let states = values(&written, "tracestate");
    prop_assert!(states.len() <= 1);
    if let Some(state) = states.first() {
        let members: Vec<&str> = state.split(',').collect();
        prop_assert!(members.len() <= 32, "{} members", members.len());
        let received: Vec<&str> = values(pairs, "tracestate")
            .into_iter()
            .flat_map(|v| v.split(','))
            .map(|m| m.trim_matches([' ', '\t']))
            .collect();
        for member in members {
            prop_assert!(valid_member(member), "invalid member {:?} written", member);
            prop_assert!(received.contains(&member), "{:?} was not received", member);
        }
    }
    let baggages = values(&written, "baggage");
    prop_assert!(baggages.len() <= 1);
    if let Some(baggage) = baggages.first() {
        prop_assert!(baggage.len() <= 8192, "{} bytes of baggage", baggage.len());
        let again = extract(&vec![("baggage".to_owned(), (*baggage).to_owned())]);
        prop_assert_eq!(baggage_of(&again), baggage_of(&context));
    } else {
        // Nothing written: every member read is one whose encoded form may
        // not fit the 8192 bytes of a header (percent-encoding can triple a
        // value), kept in the process but not forwarded.
        for (key, value, metadata) in baggage_of(&context) {
            prop_assert!(
                key.len() + 3 * value.len() + metadata.len() + 2 > 8192,
                "{:?} was read but not written",
                key
            );
        }
    }

    // The same carrier as HTTP headers, when every value is one that
    // `HeaderValue::to_str` reads back (visible ASCII, spaces and tabs): the
    // `HeaderMap` carrier skips any other value, so a second `traceparent`
    // of other bytes, say, is not seen there.
    let representable = pairs
        .iter()
        .all(|(_, v)| v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)));
    let mut headers = http::HeaderMap::new();
    if representable {
        for (name, value) in pairs {
            headers.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                http::HeaderValue::from_str(value).unwrap(),
            );
        }
    }
    if representable {
        let from_headers = extract(&headers);
        prop_assert_eq!(from_headers.trace_id(), context.trace_id());
        prop_assert_eq!(from_headers.span_id(), context.span_id());
        prop_assert_eq!(from_headers.is_sampled(), context.is_sampled());
        prop_assert_eq!(baggage_of(&from_headers), baggage_of(&context));
    }
    Ok(())
}

#[test]
fn extract_never_panics_and_reads_exactly_what_the_rules_allow() {
    let _serial = serial();
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
    runner.run(&carrier(), |pairs| check(&pairs)).unwrap();
    println!("carriers: {CASES} cases in {:?}", start.elapsed());
}
