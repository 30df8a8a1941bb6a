//! `Pipeline::builder().from_env_with(..)` with arbitrary values for every
//! variable the runtime reads ([`VARIABLES`]: `OTEL_*` and the span filter's
//! `TRACE_RUNTIME_FILTER`): each unset, or one
//! of the values some variable accepts (numbers, names, URLs, `key=value`
//! lists), near misses, blanks, padding, arbitrary text or tens of
//! kilobytes; all of them at once, one alone, or a ratio sampler with its
//! argument. [`CASES`] cases, a few seconds of a debug build.
//!
//! [`expected`] writes out the documented rules (the table of
//! `PipelineBuilder::from_env`: an empty or blank value is unset, values
//! are trimmed, names are case-insensitive, the `_TRACES_`/`_SPAN_` form
//! wins over the general one, the sampler argument is read only for the
//! ratio samplers, a batch larger than the queue is a problem) and for each
//! case the test checks:
//!
//! - under `strict()`, `install` fails with `InvalidSetting` naming the
//!   first variable the rules reject, and succeeds when they reject none;
//! - without it, an invalid value is replaced by its default: the span
//!   limits are the rules' (checked through `span_limits()`, which every
//!   case reaches), and `install` succeeds;
//! - no panic, and no variable read that is not in [`VARIABLES`]; by the
//!   end, every one of them has been read (a variable the runtime starts
//!   reading must be added here).
//!
//! Every builder is disabled in code (`with_disabled(true)`): the
//! environment is read and checked in full, but nothing is installed, so
//! no exporter is built and no collector thread started. The
//! non-strict `install` prints its problems on stderr, so it runs for the
//! cases without problems and one in [`PRINTED_EVERY`] of the others.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use trace_runtime::otel::Key;
use trace_runtime::{Pipeline, PipelineError, SpanFilter, SpanLimits};

use crate::serial;

const CASES: u32 = 3000;
/// One non-strict `install` with problems (each printed) in this many.
const PRINTED_EVERY: u32 = 100;

/// Every variable the runtime reads (`trace-runtime/src/pipeline/variables.rs`).
const VARIABLES: [&str; 32] = [
    "OTEL_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_BSP_EXPORT_TIMEOUT",
    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
    "OTEL_BSP_MAX_QUEUE_SIZE",
    "OTEL_BSP_SCHEDULE_DELAY",
    "OTEL_EXPORTER_OTLP_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_COMPRESSION",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_HEADERS",
    "OTEL_EXPORTER_OTLP_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TIMEOUT",
    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
    "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
    "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
    "OTEL_RESOURCE_ATTRIBUTES",
    "OTEL_SDK_DISABLED",
    "OTEL_SERVICE_NAME",
    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    "OTEL_SPAN_EVENT_COUNT_LIMIT",
    "OTEL_TRACES_EXPORTER",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "TRACE_RUNTIME_FILTER",
];

/// Groups of variables read together: a `_TRACES_` form and its general
/// one, the client certificate with its key.
const RELATED: [&[&str]; 4] = [
    &[
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ],
    &[
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
        "OTEL_EXPORTER_OTLP_CLIENT_KEY",
        "OTEL_EXPORTER_OTLP_CERTIFICATE",
    ],
    &["TRACE_RUNTIME_FILTER", "OTEL_TRACES_EXPORTER"],
    &[
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
    ],
];

/// Values some variable accepts, and near misses.
const TOKENS: &[&str] = &[
    "true",
    "FALSE",
    "yes",
    "otlp",
    "Console",
    "none",
    "otlp,console",
    "zipkin",
    "jaeger,otlp",
    "grpc",
    "http/protobuf",
    "HTTP/PROTOBUF",
    "http/json",
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "ParentBased_AlwaysOff",
    "parentbased_traceidratio",
    "jaeger_remote",
    "0",
    "1",
    "-1",
    "0.25",
    "1.5",
    "NaN",
    "inf",
    "1e-3",
    "+0.5",
    "512",
    "4096",
    "65536",
    "18446744073709551616",
    "10000",
    "http://localhost:4318",
    "https://collector:4317/v1",
    "http://",
    "http:///x",
    "ftp://host",
    "http://a b",
    "k=v",
    "a=1,b=2",
    "a=%20b, c = d ",
    "a=%zz",
    "a=%e2%28",
    "=v",
    "novalue",
    "a=1,,b=2",
    "gzip",
    " GZip",
    "zstd",
    "/etc/ssl/otlp-ca.pem",
    "client.key",
    "off",
    "my_crate::db=off",
    "[health]=off, my_crate=on",
    "my_crate::db[query]=ON",
    "my_crate=debug",
    "[]=off",
    "=off",
];

/// One variable's value: unset (most often), a token, padded, blank,
/// arbitrary text, or huge.
fn value() -> impl Strategy<Value = Option<String>> {
    let token = prop::sample::select(TOKENS).prop_map(str::to_owned);
    prop_oneof![
        6 => Just(None),
        5 => token.clone().prop_map(Some),
        1 => (token, "[ \t\n]{0,2}", "[ \t\n]{0,2}").prop_map(|(t, l, r)| Some(format!("{l}{t}{r}"))),
        1 => "[ \t]{0,3}".prop_map(Some),
        2 => ".{0,30}".prop_map(Some),
        1 => (".{1,8}", 1000usize..5000).prop_map(|(piece, n)| Some(piece.repeat(n))),
    ]
}

/// A value for one of the [`RELATED`] variables: more often one that some
/// of them accept, or almost do.
fn related_value() -> impl Strategy<Value = Option<String>> {
    let near = prop::sample::select(
        &[
            "gzip",
            " GZip",
            "none",
            "zstd",
            "/etc/ca.pem",
            "client.key",
            "off",
            "x=off",
            "x=debug",
            "1000",
            "0",
            "grpc",
            "http/json",
        ][..],
    )
    .prop_map(|token| Some(token.to_owned()));
    prop_oneof![2 => Just(None), 3 => near, 1 => value()]
}

/// An environment: every variable drawn at once (almost always some value
/// is rejected), or a single one (often accepted), so that both outcomes
/// are common.
fn environment() -> impl Strategy<Value = BTreeMap<&'static str, String>> {
    let all = prop::collection::vec(value(), VARIABLES.len()).prop_map(|values| {
        VARIABLES
            .iter()
            .zip(values)
            .filter_map(|(name, value)| Some((*name, value?)))
            .collect()
    });
    let one = (prop::sample::select(&VARIABLES[..]), value())
        .prop_map(|(name, value)| value.map(|v| (name, v)).into_iter().collect());
    let sampler = (
        prop::sample::select(&["traceidratio", "parentbased_traceidratio"][..]),
        value(),
    )
        .prop_map(|(sampler, arg)| {
            let mut env = BTreeMap::from([("OTEL_TRACES_SAMPLER", sampler.to_owned())]);
            env.extend(arg.map(|arg| ("OTEL_TRACES_SAMPLER_ARG", arg)));
            env
        });
    // Variables whose rules involve each other: only they are drawn, so
    // that what one decides for the other is not hidden by another
    // variable rejected first.
    let related = prop::sample::select(&RELATED[..]).prop_flat_map(|names| {
        prop::collection::vec(related_value(), names.len()).prop_map(move |values| {
            names
                .iter()
                .zip(values)
                .filter_map(|(name, value)| Some((*name, value?)))
                .collect()
        })
    });
    prop_oneof![2 => all, 3 => one, 1 => sampler, 2 => related]
}

/// What the rules say of an environment: the variables rejected, in the
/// order the runtime reads them, and the span limits used.
struct Expected {
    rejected: Vec<&'static str>,
    limits: SpanLimits,
    service_name: Option<String>,
}

/// The rules of `PipelineBuilder::from_env`, written out.
fn expected(env: &BTreeMap<&'static str, String>) -> Expected {
    let get = |name: &str| {
        env.get(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let mut rejected = Vec::new();
    let mut reject = |name: &'static str, ok: bool| {
        if !ok {
            rejected.push(name);
        }
        ok
    };
    let count = |value: &str, min: usize| value.parse::<usize>().ok().filter(|n| *n >= min);
    let millis = |value: &str| value.parse::<u64>().is_ok_and(|ms| ms > 0);

    if let Some(v) = get("OTEL_SDK_DISABLED") {
        reject(
            "OTEL_SDK_DISABLED",
            v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false"),
        );
    }
    if let Some(v) = get("OTEL_RESOURCE_ATTRIBUTES") {
        reject("OTEL_RESOURCE_ATTRIBUTES", key_values(&v));
    }
    if let Some(v) = get("OTEL_TRACES_EXPORTER") {
        for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let known = ["otlp", "console", "none"].contains(&name.to_ascii_lowercase().as_str());
            reject("OTEL_TRACES_EXPORTER", known);
        }
    }
    // The traces form first; a valid one ends the search, an invalid one
    // is rejected and the general form read next.
    for (traces, general, valid) in [
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            url as fn(&str) -> bool,
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            protocol,
        ),
        (
            "OTEL_EXPORTER_OTLP_TRACES_HEADERS",
            "OTEL_EXPORTER_OTLP_HEADERS",
            key_values,
        ),
    ] {
        for name in [traces, general] {
            if let Some(v) = get(name)
                && reject(name, valid(&v))
            {
                break;
            }
        }
    }
    // The traces (span) form, when set, hides the general one, valid or not.
    let either = |first: &'static str, second: &'static str| {
        if get(first).is_some() {
            (first, get(first))
        } else {
            (second, get(second))
        }
    };
    if let (name, Some(v)) = either(
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ) {
        reject(name, millis(&v));
    }
    for name in [
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION",
        "OTEL_EXPORTER_OTLP_COMPRESSION",
    ] {
        if let Some(v) = get(name)
            && reject(
                name,
                ["gzip", "none"].contains(&v.to_ascii_lowercase().as_str()),
            )
        {
            break;
        }
    }
    // Certificate files are only named here (read when an exporter is
    // built): any value is a path. A client certificate needs its key and
    // the other way round; the one given alone is rejected.
    let first_set = |traces: &'static str, general: &'static str| {
        [traces, general]
            .into_iter()
            .find(|name| get(name).is_some())
    };
    match (
        first_set(
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
        ),
        first_set(
            "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
            "OTEL_EXPORTER_OTLP_CLIENT_KEY",
        ),
    ) {
        (Some(alone), None) | (None, Some(alone)) => {
            reject(alone, false);
        }
        _ => {}
    }
    if let Some(v) = get("OTEL_TRACES_SAMPLER") {
        let name = v.to_ascii_lowercase();
        let known = [
            "always_on",
            "always_off",
            "traceidratio",
            "parentbased_always_on",
            "parentbased_always_off",
            "parentbased_traceidratio",
        ];
        if reject("OTEL_TRACES_SAMPLER", known.contains(&name.as_str()))
            && name.ends_with("traceidratio")
            && let Some(arg) = get("OTEL_TRACES_SAMPLER_ARG")
        {
            let ratio = arg.parse::<f64>().is_ok_and(|r| (0.0..=1.0).contains(&r));
            reject("OTEL_TRACES_SAMPLER_ARG", ratio);
        }
    }
    let mut queue = 2048;
    if let Some(v) = get("OTEL_BSP_MAX_QUEUE_SIZE") {
        let n = count(&v, 1);
        reject("OTEL_BSP_MAX_QUEUE_SIZE", n.is_some());
        queue = n.unwrap_or(queue);
    }
    let mut batch = 512;
    if let Some(v) = get("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") {
        let n = count(&v, 1);
        reject("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", n.is_some());
        batch = n.unwrap_or(batch);
    }
    for name in ["OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT"] {
        if let Some(v) = get(name) {
            reject(name, millis(&v));
        }
    }
    let mut limits = SpanLimits::default();
    if let (name, Some(v)) = either(
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
    ) && let Some(n) = count(&v, 0).or_else(|| {
        reject(name, false);
        None
    }) {
        limits = limits.with_attribute_count(n);
    }
    if let (name, Some(v)) = either(
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
    ) && let Some(n) = count(&v, 0).or_else(|| {
        reject(name, false);
        None
    }) {
        limits = limits.with_attribute_value_length(Some(n));
    }
    if let Some(v) = get("OTEL_SPAN_EVENT_COUNT_LIMIT") {
        match count(&v, 0) {
            Some(n) => limits = limits.with_event_count(n),
            None => {
                reject("OTEL_SPAN_EVENT_COUNT_LIMIT", false);
            }
        }
    }
    // The span filter's grammar has unit tests of its own (and a doctest):
    // here it decides, and the environment's rules around it (blank is
    // unset, the value trimmed, a rejection reported) are what is checked.
    if let Some(v) = get("TRACE_RUNTIME_FILTER") {
        reject("TRACE_RUNTIME_FILTER", v.parse::<SpanFilter>().is_ok());
    }
    // Checked when the settings are resolved, after the environment is read.
    reject("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", batch <= queue);
    Expected {
        rejected,
        limits,
        service_name: get("OTEL_SERVICE_NAME"),
    }
}

/// An `http://` or `https://` URL with a host and no whitespace or control
/// characters.
fn url(value: &str) -> bool {
    let Some(rest) = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
    else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    !host.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn protocol(value: &str) -> bool {
    // `http/json` too: the tests build trace-runtime with `otlp-http-json`.
    ["grpc", "http/protobuf", "http/json"].contains(&value.to_ascii_lowercase().as_str())
}

/// `key=value,...`: every non-blank entry has a `=`, a key that is not
/// empty, and both sides are well-formed percent-encoded UTF-8.
fn key_values(value: &str) -> bool {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .all(|entry| {
            entry.split_once('=').is_some_and(|(key, value)| {
                percent_decoded(key.trim()).is_some_and(|key| !key.is_empty())
                    && percent_decoded(value.trim()).is_some()
            })
        })
}

/// `text` with `%XX` decoded; `None` for a malformed escape or invalid UTF-8.
fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[test]
fn every_otel_variable_falls_back_to_its_default_or_fails_strict_install() {
    let _serial = serial();
    let start = Instant::now();
    let read = Mutex::new(BTreeSet::new());
    let cases = AtomicU32::new(0);
    let rejecting = AtomicU32::new(0);
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        },
        // The same cases on every run: CI must not pass or fail by chance.
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    runner
        .run(&environment(), |env| {
            cases.fetch_add(1, Ordering::Relaxed);
            let lookup = |name: &str| {
                read.lock().unwrap().insert(name.to_owned());
                env.get(name).cloned()
            };
            let expected = expected(&env);
            let rejecting = if expected.rejected.is_empty() {
                0
            } else {
                rejecting.fetch_add(1, Ordering::Relaxed) + 1
            };

            let builder = Pipeline::builder().from_env_with(lookup);
            prop_assert_eq!(builder.span_limits(), expected.limits);
            match builder.with_disabled(true).strict().install() {
                Ok(pipeline) => {
                    prop_assert!(
                        expected.rejected.is_empty(),
                        "accepted, but the rules reject {:?}",
                        expected.rejected
                    );
                    prop_assert!(!pipeline.is_enabled());
                    prop_assert_eq!(pipeline.span_limits(), expected.limits);
                    if let Some(name) = &expected.service_name {
                        let got = pipeline
                            .resource()
                            .get(&Key::from_static_str("service.name"));
                        prop_assert_eq!(got.map(|v| v.to_string()), Some(name.clone()));
                    }
                }
                Err(PipelineError::InvalidSetting { variable, .. }) => {
                    prop_assert_eq!(
                        Some(variable.as_str()),
                        expected.rejected.first().copied(),
                        "the first variable rejected"
                    );
                }
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }

            if rejecting % PRINTED_EVERY == 0 {
                let pipeline = Pipeline::builder()
                    .from_env_with(|name: &str| env.get(name).cloned())
                    .with_disabled(true)
                    .install();
                let pipeline = pipeline.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(!pipeline.is_enabled());
                prop_assert_eq!(pipeline.span_limits(), expected.limits);
            }
            Ok(())
        })
        .unwrap();
    let read = read.into_inner().unwrap();
    let unknown: Vec<&String> = read
        .iter()
        .filter(|name| !VARIABLES.contains(&name.as_str()))
        .collect();
    assert!(unknown.is_empty(), "read but not in VARIABLES: {unknown:?}");
    let never: Vec<&&str> = VARIABLES
        .iter()
        .filter(|name| !read.contains(**name))
        .collect();
    assert!(never.is_empty(), "never read: {never:?}");
    println!(
        "environment: {} cases ({} with a value the rules reject) in {:?}",
        cases.into_inner(),
        rejecting.into_inner(),
        start.elapsed()
    );
}
