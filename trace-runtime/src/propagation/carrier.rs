//! Carriers: where propagated context is written to and read from.
//!
//! A carrier is anything with string keys and values that crosses a process
//! boundary with the work: HTTP headers, message metadata, a job's fields.
//! [`Inject`] and [`Extract`] are implemented for the common ones, and any
//! type implementing OpenTelemetry's
//! [`Injector`](opentelemetry::propagation::Injector) /
//! [`Extractor`](opentelemetry::propagation::Extractor) is one through the
//! [`Otel`] adapter (Rust's orphan rule keeps us from implementing the OTel
//! traits for `Vec` or `BTreeMap` directly, hence traits of our own).
//!
//! Keys are written in lowercase and matched ignoring ASCII case, as HTTP
//! header names are. Extraction reads every value of a key, because the
//! W3C rules depend on it (two `traceparent`s are invalid; several
//! `tracestate`s are combined).

use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

/// A carrier context can be written to.
///
/// ```
/// use std::collections::HashMap;
/// let mut headers: HashMap<String, String> = HashMap::new();
/// trace_runtime::inject(&mut headers); // writes nothing outside a span
/// ```
pub trait Inject {
    /// Sets `key` (lowercase) to `value`, replacing earlier values.
    fn set(&mut self, key: &str, value: String);
}

/// A carrier context can be read from.
///
/// ```
/// let metadata = vec![("traceparent".to_string(),
///     "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01".to_string())];
/// let parent = trace_runtime::extract(&metadata);
/// assert_eq!(parent.trace_id().as_deref(), Some("0af7651916cd43dd8448eb211c80319c"));
/// ```
pub trait Extract {
    /// Every value stored under `key`, compared ignoring ASCII case.
    fn get_all(&self, key: &str) -> Vec<&str>;
}

/// The values of the pairs whose key is `key`, ignoring ASCII case.
fn values_of<'a>(pairs: impl Iterator<Item = (&'a String, &'a String)>, key: &str) -> Vec<&'a str> {
    pairs
        .filter(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
        .collect()
}

impl<S: BuildHasher> Inject for HashMap<String, String, S> {
    fn set(&mut self, key: &str, value: String) {
        self.retain(|k, _| !k.eq_ignore_ascii_case(key));
        self.insert(key.to_owned(), value);
    }
}

impl<S: BuildHasher> Extract for HashMap<String, String, S> {
    fn get_all(&self, key: &str) -> Vec<&str> {
        values_of(self.iter(), key)
    }
}

impl Inject for BTreeMap<String, String> {
    fn set(&mut self, key: &str, value: String) {
        self.retain(|k, _| !k.eq_ignore_ascii_case(key));
        self.insert(key.to_owned(), value);
    }
}

impl Extract for BTreeMap<String, String> {
    fn get_all(&self, key: &str) -> Vec<&str> {
        values_of(self.iter(), key)
    }
}

impl Inject for Vec<(String, String)> {
    fn set(&mut self, key: &str, value: String) {
        self.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.push((key.to_owned(), value));
    }
}

impl Extract for Vec<(String, String)> {
    fn get_all(&self, key: &str) -> Vec<&str> {
        self.as_slice().get_all(key)
    }
}

impl Extract for [(String, String)] {
    fn get_all(&self, key: &str) -> Vec<&str> {
        values_of(self.iter().map(|(k, v)| (k, v)), key)
    }
}

impl<T: Inject + ?Sized> Inject for &mut T {
    fn set(&mut self, key: &str, value: String) {
        (**self).set(key, value);
    }
}

impl<T: Extract + ?Sized> Extract for &T {
    fn get_all(&self, key: &str) -> Vec<&str> {
        (**self).get_all(key)
    }
}

#[cfg(feature = "http")]
impl Inject for http::HeaderMap {
    fn set(&mut self, key: &str, value: String) {
        // Our keys are valid header names; a value with bytes headers cannot
        // carry is skipped rather than panicking.
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(key.as_bytes()),
            http::header::HeaderValue::from_str(&value),
        ) {
            self.insert(name, value);
        }
    }
}

#[cfg(feature = "http")]
impl Extract for http::HeaderMap {
    fn get_all(&self, key: &str) -> Vec<&str> {
        self.get_all(key)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect()
    }
}

/// The keys [`extract`](super::extract) reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Field {
    Traceparent,
    Tracestate,
    Baggage,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::Traceparent => "traceparent",
            Field::Tracestate => "tracestate",
            Field::Baggage => "baggage",
        }
    }
}

/// How extraction reads a carrier: the values of one key, handed to `read`
/// as a slice, so that a carrier that can hand them over without
/// collecting them into a `Vec` first does (see [`HeaderFields`]).
pub(crate) trait Fields {
    fn read<R>(&self, field: Field, read: impl FnOnce(&[&str]) -> R) -> R;
}

/// Any [`Extract`] carrier, through [`Extract::get_all`].
pub(crate) struct Collected<'a, C: ?Sized>(pub(crate) &'a C);

impl<C: Extract + ?Sized> Fields for Collected<'_, C> {
    fn read<R>(&self, field: Field, read: impl FnOnce(&[&str]) -> R) -> R {
        read(&self.0.get_all(field.key()))
    }
}

/// The values of the context headers, gathered by a caller that reads
/// the headers anyway: the tower server layer walks a request's headers
/// once for everything its span records (`tower/request_headers.rs`),
/// which costs less than looking each header up, and hands the context
/// values over here. Read as [`Extract`] reads an `http::HeaderMap`:
/// every value that is visible text, in order; no `Vec` for a key with at
/// most two values.
#[cfg(feature = "tower")]
#[derive(Debug, Default)]
pub(crate) struct ContextValues<'a> {
    traceparent: Values<'a>,
    tracestate: Values<'a>,
    baggage: Values<'a>,
}

#[cfg(feature = "tower")]
impl<'a> ContextValues<'a> {
    /// Takes `value` if `name` is one of the context headers; returns
    /// whether it was one.
    pub(crate) fn take(&mut self, name: &http::HeaderName, value: &'a http::HeaderValue) -> bool {
        // Made at compile time: comparing with them compares bytes.
        static TRACEPARENT: http::HeaderName = http::HeaderName::from_static("traceparent");
        static TRACESTATE: http::HeaderName = http::HeaderName::from_static("tracestate");
        static BAGGAGE: http::HeaderName = http::HeaderName::from_static("baggage");
        let values = if *name == TRACEPARENT {
            &mut self.traceparent
        } else if *name == TRACESTATE {
            &mut self.tracestate
        } else if *name == BAGGAGE {
            &mut self.baggage
        } else {
            return false;
        };
        if let Ok(value) = value.to_str() {
            values.push(value);
        }
        true
    }
}

#[cfg(feature = "tower")]
impl Fields for ContextValues<'_> {
    fn read<R>(&self, field: Field, read: impl FnOnce(&[&str]) -> R) -> R {
        let values = match field {
            Field::Traceparent => &self.traceparent,
            Field::Tracestate => &self.tracestate,
            Field::Baggage => &self.baggage,
        };
        read(values.as_slice())
    }
}

/// The values of one key, without an allocation for up to two.
#[cfg(feature = "tower")]
#[derive(Debug, Default)]
enum Values<'a> {
    #[default]
    None,
    Few([&'a str; 2], usize),
    Many(Vec<&'a str>),
}

#[cfg(feature = "tower")]
impl<'a> Values<'a> {
    fn push(&mut self, value: &'a str) {
        match self {
            Values::None => *self = Values::Few([value, ""], 1),
            Values::Few(few, len @ 1) => {
                few[1] = value;
                *len = 2;
            }
            Values::Few(few, _) => *self = Values::Many(vec![few[0], few[1], value]),
            Values::Many(many) => many.push(value),
        }
    }

    fn as_slice(&self) -> &[&'a str] {
        match self {
            Values::None => &[],
            Values::Few(few, len) => &few[..*len],
            Values::Many(many) => many,
        }
    }
}

/// Adapts any OpenTelemetry `Injector` / `Extractor` into a carrier.
///
/// ```
/// use trace_runtime::propagation::Otel;
/// let mut headers = std::collections::HashMap::<String, String>::new();
/// trace_runtime::inject(&mut Otel(&mut headers));
/// ```
#[derive(Debug)]
pub struct Otel<T>(pub T);

impl<T: opentelemetry::propagation::Injector> Inject for Otel<&mut T> {
    fn set(&mut self, key: &str, value: String) {
        self.0.set(key, value);
    }
}

impl<T: opentelemetry::propagation::Extractor> Extract for Otel<&T> {
    fn get_all(&self, key: &str) -> Vec<&str> {
        if let Some(values) = self.0.get_all(key) {
            return values;
        }
        self.0
            .keys()
            .into_iter()
            .filter(|k| k.eq_ignore_ascii_case(key))
            .filter_map(|k| self.0.get(k))
            .collect()
    }
}

#[cfg(all(test, feature = "tower"))]
mod tests {
    use super::*;

    #[test]
    fn context_values_are_what_get_all_reads() {
        let mut headers = http::HeaderMap::new();
        headers.append("traceparent", "one".parse().unwrap());
        headers.append("host", "example.com".parse().unwrap());
        for state in ["a=1", "b=2", "c=3"] {
            headers.append("tracestate", state.parse().unwrap());
        }
        // Not visible text: skipped by both.
        headers.append("baggage", http::HeaderValue::from_bytes(b"k=\xff").unwrap());
        let mut values = ContextValues::default();
        let taken: Vec<bool> = headers.iter().map(|(n, v)| values.take(n, v)).collect();
        assert_eq!(
            taken,
            [true, false, true, true, true, true],
            "host is no context header"
        );
        let owned =
            |values: &[&str]| -> Vec<String> { values.iter().map(|v| (*v).to_owned()).collect() };
        for field in [Field::Traceparent, Field::Tracestate, Field::Baggage] {
            assert_eq!(
                Collected(&headers).read(field, owned),
                values.read(field, owned),
                "{field:?}"
            );
        }
        assert_eq!(values.read(Field::Tracestate, owned), ["a=1", "b=2", "c=3"]);
        assert!(values.read(Field::Baggage, owned).is_empty());
    }
}
