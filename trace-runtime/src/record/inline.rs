//! Attributes kept inside the span record itself.
//!
//! The first few attributes of a span that have a static key (everything
//! `#[traced(attrs(..), args(..))]` records) and a scalar value (an integer,
//! `u64`s above `i64::MAX` included, a float, a bool, or text of at most
//! [`INLINE_TEXT`] bytes) are written
//! into the record, next to its ids and times, instead of into its
//! details box (`details.rs`). Records are written one after
//! the other into the thread's buffer, so these bytes land in cache lines
//! the span touches anyway; a details box is a separate, recycled
//! allocation, last written by the collector thread on another core, and
//! reaching it costs cache misses that were most of an attribute's cost
//! (`BENCHMARKS.md`). Everything else (a longer text, a `%`/`?` value, an
//! array, a key built at run time, the attributes after the first
//! [`INLINE_SLOTS`]) goes to the details box.
//!
//! The used slots are always the first ones, in the order their keys were
//! set, so "no attribute inline" is a look at the first slot: the
//! hand-off asks it for every span.
//!
//! A key lives in one place only: setting a key that is inline replaces it
//! there (or, if the new value does not fit, moves it to the box), and a
//! key already in the box stays there. The collector exports the inline
//! attributes before those of the box.

use opentelemetry::{Key, KeyValue, Value};

use crate::attributes::{self, Scalar};

/// Attributes a record keeps inline.
pub(crate) const INLINE_SLOTS: usize = 2;
/// The longest text value kept inline, in bytes.
pub(crate) const INLINE_TEXT: usize = 14;

/// The inline attributes of one span.
#[derive(Clone, Copy, Debug)]
pub(crate) struct InlineAttributes {
    slots: [Slot; INLINE_SLOTS],
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    /// A reference to the key (8 bytes where a `&str` takes 16: the slot,
    /// and with it the record, stays small).
    key: &'static &'static str,
    value: InlineValue,
}

#[derive(Clone, Copy, Debug)]
enum InlineValue {
    Empty,
    I64(i64),
    F64(f64),
    Bool(bool),
    /// Above `i64::MAX`: exported as its decimal text.
    U64(u64),
    Text {
        len: u8,
        bytes: [u8; INLINE_TEXT],
    },
}

impl InlineValue {
    /// The inline form of `scalar`, if it fits (text is cut to the value
    /// length limit first; only text reads it).
    #[inline(always)] // as `set`
    fn of(scalar: Scalar<'_>) -> Option<InlineValue> {
        Some(match scalar {
            Scalar::I64(v) => InlineValue::I64(v),
            Scalar::F64(v) => InlineValue::F64(v),
            Scalar::Bool(v) => InlineValue::Bool(v),
            Scalar::U64(v) => InlineValue::U64(v),
            Scalar::Str(text) => {
                let limit = attributes::value_length_limit();
                let text = if text.len() > limit {
                    attributes::cut(text, limit)
                } else {
                    text
                };
                if text.len() > INLINE_TEXT {
                    return None;
                }
                InlineValue::Text {
                    len: u8::try_from(text.len()).ok()?,
                    bytes: short_copy(text.as_bytes()),
                }
            }
        })
    }

    fn to_value(self) -> Option<Value> {
        Some(match self {
            InlineValue::Empty => return None,
            InlineValue::I64(v) => Value::I64(v),
            InlineValue::F64(v) => Value::F64(v),
            InlineValue::Bool(v) => Value::Bool(v),
            InlineValue::U64(v) => Value::from(v.to_string()),
            InlineValue::Text { len, bytes } => {
                // Copied from a `&str` and cut on a character boundary.
                let text = std::str::from_utf8(&bytes[..usize::from(len)]).unwrap_or_default();
                Value::from(text.to_owned())
            }
        })
    }
}

/// `src` (at most [`INLINE_TEXT`] bytes) at the start of a zeroed array,
/// with fixed-size copies that compile to a few moves, where a
/// variable-length `copy_from_slice` calls `memcpy`: this runs for every
/// short text attribute (inlined: the caller of `Attributes::enter` copies
/// the text itself).
#[inline(always)]
fn short_copy(src: &[u8]) -> [u8; INLINE_TEXT] {
    let mut out = [0; INLINE_TEXT];
    let n = src.len();
    // Two overlapping copies of the largest width that fits cover 0..n.
    if n >= 8 {
        out[..8].copy_from_slice(&src[..8]);
        out[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        out[..4].copy_from_slice(&src[..4]);
        out[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else {
        for (to, from) in out.iter_mut().zip(src) {
            *to = *from;
        }
    }
    out
}

/// What [`InlineAttributes::set`] did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Placed {
    /// Stored inline.
    Inline,
    /// Not stored: record it in the details box.
    Elsewhere,
}

impl InlineAttributes {
    pub(crate) const EMPTY: InlineAttributes = InlineAttributes {
        slots: [Slot {
            key: &"",
            value: InlineValue::Empty,
        }; INLINE_SLOTS],
    };

    /// Whether no attribute is inline. The used slots are always the first
    /// ones (`set` takes the first free slot, `remove` closes the gap), so
    /// this reads one slot: it runs for every span at hand-off.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        matches!(self.slots[0].value, InlineValue::Empty)
    }

    /// How many attributes are inline.
    pub(crate) fn len(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| !matches!(slot.value, InlineValue::Empty))
            .count()
    }

    /// Stores `key = scalar` inline if it fits. `in_details` says whether
    /// the key is already in the details box (then it stays there) and
    /// `boxed` how many attributes the box holds (the span's attribute
    /// limit counts both). Always inlined, as `SpanRecord::record_scalar`
    /// which calls it.
    #[inline(always)]
    pub(crate) fn set(
        &mut self,
        key: &'static &'static str,
        scalar: Scalar<'_>,
        in_details: bool,
        boxed: usize,
    ) -> Placed {
        if in_details {
            return Placed::Elsewhere;
        }
        let value = InlineValue::of(scalar);
        // The used slots come first: the one holding `key`, else the
        // first free one, which ends the search.
        let mut used = 0;
        while used < INLINE_SLOTS {
            let slot = &mut self.slots[used];
            if matches!(slot.value, InlineValue::Empty) {
                break;
            }
            if same_key(slot.key, key) {
                // Replacing: here if it fits, else the key moves to the box.
                return match value {
                    Some(value) => {
                        slot.value = value;
                        Placed::Inline
                    }
                    None => {
                        self.remove(key);
                        Placed::Elsewhere
                    }
                };
            }
            used += 1;
        }
        match value {
            Some(value)
                if used < INLINE_SLOTS && used + boxed < attributes::attribute_count_limit() =>
            {
                self.slots[used] = Slot { key, value };
                Placed::Inline
            }
            _ => Placed::Elsewhere,
        }
    }

    /// Removes `key` if it is set inline (it is about to be set elsewhere),
    /// moving the slots after it up so that the used slots stay the first
    /// ones, in the order they were set.
    pub(crate) fn remove(&mut self, key: &str) {
        let mut kept = 0;
        for index in 0..INLINE_SLOTS {
            let slot = self.slots[index];
            if matches!(slot.value, InlineValue::Empty) || *slot.key == key {
                continue;
            }
            self.slots[kept] = slot;
            kept += 1;
        }
        for slot in &mut self.slots[kept..] {
            slot.value = InlineValue::Empty;
        }
    }

    /// Whether `key` is set inline.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.slots
            .iter()
            .any(|slot| !matches!(slot.value, InlineValue::Empty) && *slot.key == key)
    }

    /// Appends the inline attributes as OpenTelemetry values (collector thread).
    pub(crate) fn export_into(&self, out: &mut Vec<KeyValue>) {
        for slot in &self.slots {
            if let Some(value) = slot.value.to_value() {
                out.push(KeyValue::new(Key::from_static_str(slot.key), value));
            }
        }
    }
}

/// Key equality, checking the reference first: the keys of one call site
/// are the same `&'static &'static str` every time.
#[inline]
fn same_key(a: &'static &'static str, b: &'static &'static str) -> bool {
    std::ptr::eq(a, b) || a == b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exported(inline: &InlineAttributes) -> Vec<KeyValue> {
        let mut out = Vec::new();
        inline.export_into(&mut out);
        out
    }

    #[test]
    fn short_copies_copy_every_length_exactly() {
        let source = b"abcdefghijklmn";
        for n in 0..=INLINE_TEXT {
            let copied = short_copy(&source[..n]);
            assert_eq!(&copied[..n], &source[..n], "{n}");
            assert!(copied[n..].iter().all(|&b| b == 0), "{n}");
        }
    }

    #[test]
    fn scalars_are_kept_with_their_type() {
        let mut inline = InlineAttributes::EMPTY;
        assert_eq!(inline.set(&"n", Scalar::I64(-3), false, 0), Placed::Inline);
        assert_eq!(
            inline.set(&"peer", Scalar::Str("db-1"), false, 0),
            Placed::Inline
        );
        assert_eq!(
            exported(&inline),
            [KeyValue::new("n", -3), KeyValue::new("peer", "db-1")]
        );
        assert_eq!(inline.len(), 2);

        let mut wide = InlineAttributes::EMPTY;
        assert_eq!(
            wide.set(&"big", Scalar::U64(u64::MAX), false, 0),
            Placed::Inline
        );
        assert_eq!(
            exported(&wide),
            [KeyValue::new("big", "18446744073709551615")]
        );
    }

    #[test]
    fn what_does_not_fit_goes_elsewhere() {
        let mut inline = InlineAttributes::EMPTY;
        let long = "x".repeat(INLINE_TEXT + 1);
        assert_eq!(
            inline.set(&"long", Scalar::Str(&long), false, 0),
            Placed::Elsewhere
        );
        assert_eq!(
            inline.set(&"in.box", Scalar::I64(1), true, 0),
            Placed::Elsewhere
        );
        assert_eq!(
            inline.set(&"no.room", Scalar::I64(1), false, 128),
            Placed::Elsewhere
        );
        assert_eq!(inline.set(&"a", Scalar::I64(1), false, 0), Placed::Inline);
        assert_eq!(inline.set(&"b", Scalar::I64(2), false, 0), Placed::Inline);
        assert_eq!(
            inline.set(&"c", Scalar::I64(3), false, 0),
            Placed::Elsewhere
        );
        assert_eq!(inline.len(), 2);
    }

    #[test]
    fn a_replaced_key_stays_in_one_place() {
        let mut inline = InlineAttributes::EMPTY;
        inline.set(&"k", Scalar::I64(1), false, 0);
        assert_eq!(
            inline.set(&"k", Scalar::Bool(true), false, 128),
            Placed::Inline
        );
        assert_eq!(exported(&inline), [KeyValue::new("k", true)]);
        let long = "y".repeat(INLINE_TEXT + 1);
        assert_eq!(
            inline.set(&"k", Scalar::Str(&long), false, 0),
            Placed::Elsewhere
        );
        assert!(!inline.has("k"), "the key moved to the box");
        assert!(exported(&inline).is_empty());
        assert!(inline.is_empty());
    }

    #[test]
    fn removing_a_key_keeps_the_others_in_order_in_the_first_slots() {
        let mut inline = InlineAttributes::EMPTY;
        inline.set(&"a", Scalar::I64(1), false, 0);
        inline.set(&"b", Scalar::I64(2), false, 0);
        inline.remove("a");
        assert!(!inline.is_empty(), "b is still there");
        assert_eq!(exported(&inline), [KeyValue::new("b", 2)]);
        assert_eq!(inline.set(&"c", Scalar::I64(3), false, 0), Placed::Inline);
        assert_eq!(
            exported(&inline),
            [KeyValue::new("b", 2), KeyValue::new("c", 3)]
        );
        let long = "z".repeat(INLINE_TEXT + 1);
        assert_eq!(
            inline.set(&"b", Scalar::Str(&long), false, 0),
            Placed::Elsewhere
        );
        assert_eq!(exported(&inline), [KeyValue::new("c", 3)]);
        inline.remove("c");
        assert!(inline.is_empty());
    }
}
