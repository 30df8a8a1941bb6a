//! One [`Callsite`] per `tracing` callsite, made once and kept for the process.
//!
//! A `tracing` span's name, file and line are `&'static` data in its
//! `Metadata`, exactly what a `#[traced]` callsite holds, so each `tracing`
//! callsite gets the same treatment: a `static`-lived [`Callsite`] the span
//! record points to, turned into `code.file.path` / `code.line.number` and
//! the `target` attribute by the collector, off the calling thread. The
//! span kind is part of a callsite, and `otel.kind` can choose it per span,
//! so a `tracing` callsite gets one [`Callsite`] per [`SpanKind`].
//!
//! The sets are leaked: `tracing` callsites are `static`s themselves, so
//! there are as many sets as span-creating sites in the binary, each made
//! once. Finding a set costs a hash look-up in a thread-local cache (no
//! lock, no atomic); only a thread's first span from a callsite takes the
//! process-wide lock.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use opentelemetry::trace::SpanKind;
use tracing_core::Metadata;

use crate::lock::lock;
use crate::record::{Callsite, StaticAttribute, StaticValue};

/// The callsites of one `tracing` callsite, one per span kind.
#[derive(Debug)]
pub(super) struct Kinds {
    internal: Callsite,
    server: Callsite,
    client: Callsite,
    producer: Callsite,
    consumer: Callsite,
}

impl Kinds {
    fn new(metadata: &'static Metadata<'static>) -> Kinds {
        let attributes: &'static [StaticAttribute] = Box::leak(Box::new([StaticAttribute::new(
            "target",
            StaticValue::Str(metadata.target()),
        )]));
        let make = |kind| {
            Callsite::new(
                metadata.name(),
                kind,
                "",
                metadata.file().unwrap_or(""),
                metadata.line().unwrap_or(0),
            )
            .with_attributes(attributes)
        };
        Kinds {
            internal: make(SpanKind::Internal),
            server: make(SpanKind::Server),
            client: make(SpanKind::Client),
            producer: make(SpanKind::Producer),
            consumer: make(SpanKind::Consumer),
        }
    }

    /// The callsite for spans of the default kind, internal.
    pub(super) fn internal(&'static self) -> &'static Callsite {
        &self.internal
    }

    /// The callsite for `kind`, named as `otel.kind` names it
    /// (`server`, `client`, `producer`, `consumer`, `internal`, any case).
    pub(super) fn named(&'static self, kind: &str) -> Option<&'static Callsite> {
        let callsite = if kind.eq_ignore_ascii_case("server") {
            &self.server
        } else if kind.eq_ignore_ascii_case("client") {
            &self.client
        } else if kind.eq_ignore_ascii_case("producer") {
            &self.producer
        } else if kind.eq_ignore_ascii_case("consumer") {
            &self.consumer
        } else if kind.eq_ignore_ascii_case("internal") {
            &self.internal
        } else {
            return None;
        };
        Some(callsite)
    }
}

/// Keys are addresses of `'static` metadata: already well spread, one multiply mixes them.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type ByAddress = HashMap<usize, &'static Kinds, BuildHasherDefault<AddressHasher>>;

static ALL: Mutex<Option<ByAddress>> = Mutex::new(None);

thread_local! {
    static CACHE: RefCell<ByAddress> = RefCell::new(ByAddress::default());
}

/// The callsites of the `tracing` callsite described by `metadata`.
pub(super) fn kinds(metadata: &'static Metadata<'static>) -> &'static Kinds {
    let address = std::ptr::from_ref(metadata) as usize;
    CACHE
        .try_with(|cache| {
            if let Some(kinds) = cache.try_borrow().ok()?.get(&address) {
                return Some(*kinds);
            }
            let kinds = shared(metadata, address);
            if let Ok(mut cache) = cache.try_borrow_mut() {
                cache.insert(address, kinds);
            }
            Some(kinds)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| shared(metadata, address))
}

#[cold]
fn shared(metadata: &'static Metadata<'static>, address: usize) -> &'static Kinds {
    let mut all = lock(&ALL);
    all.get_or_insert_with(ByAddress::default)
        .entry(address)
        .or_insert_with(|| Box::leak(Box::new(Kinds::new(metadata))))
}
