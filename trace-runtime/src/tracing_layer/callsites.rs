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
//! once. Finding a set costs one probe of a small direct-mapped cache per
//! thread (no lock, no atomic, no hashing of more than one multiply); only
//! a thread's first span from a callsite, or one whose slot another
//! callsite took since, takes the process-wide lock.

use std::cell::Cell;
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

/// Keys are addresses of `'static` metadata: one multiply mixes them.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(MIX);
        }
    }

    fn write_usize(&mut self, address: usize) {
        self.0 = (address as u64).wrapping_mul(MIX);
    }
}

/// The multiplier of Fibonacci hashing: spreads addresses over the high bits.
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

type ByAddress = HashMap<usize, &'static Kinds, BuildHasherDefault<AddressHasher>>;

static ALL: Mutex<Option<ByAddress>> = Mutex::new(None);

/// Slots in a thread's cache (a power of two): a service's hot `tracing`
/// callsites, each found in one probe unless two share a slot.
const CACHED: usize = 64;

/// One cached callsite: its metadata's address and its set (address zero: empty).
type Cached = (usize, Option<&'static Kinds>);

thread_local! {
    static CACHE: [Cell<Cached>; CACHED] = const { [const { Cell::new((0, None)) }; CACHED] };
}

/// The callsites of the `tracing` callsite described by `metadata`.
#[inline]
pub(super) fn kinds(metadata: &'static Metadata<'static>) -> &'static Kinds {
    let address = std::ptr::from_ref(metadata) as usize;
    #[allow(clippy::cast_possible_truncation)] // the top bits, fewer than a usize
    let slot = ((address as u64).wrapping_mul(MIX) >> (64 - CACHED.trailing_zeros())) as usize;
    CACHE
        .try_with(|cache| {
            let cell = &cache[slot % CACHED];
            match cell.get() {
                (cached, Some(kinds)) if cached == address => kinds,
                _ => {
                    let kinds = shared(metadata, address);
                    cell.set((address, Some(kinds)));
                    kinds
                }
            }
        })
        .unwrap_or_else(|_| shared(metadata, address))
}

#[cold]
fn shared(metadata: &'static Metadata<'static>, address: usize) -> &'static Kinds {
    let mut all = lock(&ALL);
    all.get_or_insert_with(ByAddress::default)
        .entry(address)
        .or_insert_with(|| Box::leak(Box::new(Kinds::new(metadata))))
}
