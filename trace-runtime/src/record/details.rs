//! What most spans never have: kept out of line, and recycled.
//!
//! A span's record ([`SpanRecord`](super::SpanRecord)) holds what every span has:
//! ids, times, callsite, scope; it is written into the thread's buffer when
//! the span opens, so every byte of it costs on every span. A run-time name,
//! a status, attributes, events and links live in a [`Details`] box that is
//! attached the first time a span gets one of them.
//!
//! The boxes are recycled. The collector empties a box after building the
//! span's `SpanData` (keeping its vectors' capacity) and hands it back to
//! the calling threads with their next hand-off, into a per-thread pool. A
//! span with attributes therefore allocates nothing on the calling thread in
//! the steady state. String values are copied into the box's text buffer
//! rather than into a `String` of their own (and `Display`/`Debug` values
//! are formatted straight into it): the collector makes them owned values,
//! off the calling thread. Allocating on the calling thread and freeing on
//! the collector was most of the cost of an attribute (`BENCHMARKS.md`).
//!
//! The pools are bounded: a thread keeps at most [`THREAD_POOL`] boxes, the
//! hub at most [`HUB_POOL`], and a box whose buffers grew large is freed
//! instead of recycled, so memory stays flat.

// The pools hold boxes, not values: a box moves between a record and a
// pool as one pointer, its contents (and their capacity) stay put.
#![allow(clippy::vec_box)]

use std::borrow::Cow;
use std::cell::RefCell;

use opentelemetry::trace::{Event, Link, Status};
use opentelemetry::{Key, KeyValue, Value};

use crate::attributes::{self, AttributeValue};

/// The details of one span.
#[derive(Debug, Default)]
pub(crate) struct Details {
    /// Set when the name is only known at run time.
    pub(crate) name: Option<Cow<'static, str>>,
    pub(crate) status: Status,
    attributes: Vec<Attribute>,
    /// The text of [`Recorded::Text`] values, back to back.
    text: String,
    pub(crate) events: Vec<Event>,
    pub(crate) links: Vec<Link>,
    /// Attributes and events refused by the limits.
    pub(crate) dropped_attributes: u32,
    pub(crate) dropped_events: u32,
}

/// One attribute as the calling thread records it.
#[derive(Debug)]
struct Attribute {
    key: Key,
    value: Recorded,
}

#[derive(Debug)]
enum Recorded {
    Value(Value),
    /// A string value, at `start..end` of [`Details::text`].
    Text {
        start: usize,
        end: usize,
    },
}

impl Details {
    /// Adds (or replaces) an attribute, within the limits; `inline` more
    /// attributes of the span are kept in its record.
    pub(crate) fn set(&mut self, key: Key, value: Value, inline: usize) {
        let value = match value {
            // Only text has a length to limit.
            Value::String(_) | Value::Array(_) => {
                attributes::truncate(value, attributes::value_length_limit())
            }
            scalar => scalar,
        };
        self.put(key, Recorded::Value(value), inline);
    }

    /// Adds (or replaces) an attribute from a Rust value, copying text into
    /// the text buffer instead of allocating a `String` for it.
    pub(crate) fn record<V: AttributeValue + ?Sized>(
        &mut self,
        key: Key,
        value: &V,
        inline: usize,
    ) {
        let start = self.text.len();
        if value.write_text(&mut self.text) {
            let limit = attributes::value_length_limit();
            if self.text.len() - start > limit {
                let kept = attributes::cut(&self.text[start..], limit).len();
                self.text.truncate(start + kept);
            }
            let end = self.text.len();
            match self.position(&key) {
                Some(index) => {
                    // Replacing: an owned value, so repeated replacements do
                    // not grow the text buffer.
                    let owned = self.text[start..end].to_owned();
                    self.text.truncate(start);
                    self.attributes[index].value = Recorded::Value(Value::from(owned));
                }
                None => self.add(key, Recorded::Text { start, end }, inline),
            }
        } else if let Some(value) = value.to_value() {
            self.set(key, value, inline);
        }
    }

    fn position(&self, key: &Key) -> Option<usize> {
        self.attributes.iter().position(|a| a.key == *key)
    }

    fn put(&mut self, key: Key, value: Recorded, inline: usize) {
        match self.position(&key) {
            Some(index) => self.attributes[index].value = value,
            None => self.add(key, value, inline),
        }
    }

    /// Adds an attribute whose key is not set yet.
    fn add(&mut self, key: Key, value: Recorded, inline: usize) {
        if self.attributes.len() + inline < attributes::attribute_count_limit() {
            self.attributes.push(Attribute { key, value });
        } else {
            if let Recorded::Text { start, .. } = value {
                self.text.truncate(start);
            }
            self.dropped_attributes = self.dropped_attributes.saturating_add(1);
        }
    }

    /// Whether an attribute with this key is set.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.attributes.iter().any(|a| a.key.as_str() == key)
    }

    /// Adds an event, within the limits.
    pub(crate) fn add_event(&mut self, mut event: Event) {
        if self.events.len() >= attributes::event_count_limit() {
            self.dropped_events = self.dropped_events.saturating_add(1);
            return;
        }
        let limit = attributes::value_length_limit();
        let attribute_limit = attributes::attribute_count_limit();
        if event.attributes.len() > attribute_limit {
            let dropped = event.attributes.len() - attribute_limit;
            event.attributes.truncate(attribute_limit);
            event.dropped_attributes_count = event
                .dropped_attributes_count
                .saturating_add(u32::try_from(dropped).unwrap_or(u32::MAX));
        }
        for kv in &mut event.attributes {
            kv.value =
                attributes::truncate(std::mem::replace(&mut kv.value, Value::Bool(false)), limit);
        }
        self.events.push(event);
    }

    /// Moves the attributes out as OpenTelemetry values (collector thread).
    pub(crate) fn drain_attributes_into(&mut self, out: &mut Vec<KeyValue>) {
        let text = &self.text;
        out.extend(self.attributes.drain(..).map(|a| {
            let value = match a.value {
                Recorded::Value(value) => value,
                Recorded::Text { start, end } => Value::from(text[start..end].to_owned()),
            };
            KeyValue::new(a.key, value)
        }));
    }

    /// How many attributes are set.
    pub(crate) fn attribute_count(&self) -> usize {
        self.attributes.len()
    }

    /// Empties the box for another span, or frees it if its buffers grew
    /// beyond what is worth keeping.
    pub(crate) fn recycle(mut self: Box<Self>) -> Option<Box<Self>> {
        if self.text.capacity() > MAX_KEPT_TEXT
            || self.attributes.capacity() > MAX_KEPT_ATTRIBUTES
            || self.events.capacity() > MAX_KEPT_EVENTS
        {
            return None;
        }
        self.name = None;
        self.status = Status::Unset;
        self.attributes.clear();
        self.text.clear();
        self.events.clear();
        self.links.clear();
        self.dropped_attributes = 0;
        self.dropped_events = 0;
        Some(self)
    }
}

const MAX_KEPT_TEXT: usize = 4 * 1024;
const MAX_KEPT_ATTRIBUTES: usize = 32;
const MAX_KEPT_EVENTS: usize = 8;

/// Boxes a thread keeps for its next spans.
pub(crate) const THREAD_POOL: usize = 128;
/// Emptied boxes the hub keeps for the threads: as many as the default
/// queue holds spans, so a pipeline keeping up with the default queue
/// recycles every box (a box is a few hundred bytes).
pub(crate) const HUB_POOL: usize = 2048;

thread_local! {
    static POOL: RefCell<Vec<Box<Details>>> = const { RefCell::new(Vec::new()) };
}

/// An empty box: from this thread's pool, or a new one.
pub(crate) fn fresh() -> Box<Details> {
    POOL.try_with(|pool| pool.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Tops this thread's pool up from the hub's recycled boxes (called at
/// hand-off, with the hub's lock held).
pub(crate) fn restock(recycled: &mut Vec<Box<Details>>) {
    if recycled.is_empty() {
        return;
    }
    let _ = POOL.try_with(|pool| {
        if let Ok(mut pool) = pool.try_borrow_mut() {
            let wanted = THREAD_POOL.saturating_sub(pool.len()).min(recycled.len());
            pool.extend(recycled.drain(recycled.len() - wanted..));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::Display;

    fn exported(details: &mut Details) -> Vec<KeyValue> {
        let mut out = Vec::new();
        details.drain_attributes_into(&mut out);
        out
    }

    #[test]
    fn text_values_are_exported_as_strings_and_others_keep_their_type() {
        let mut details = Details::default();
        details.record(Key::from_static_str("peer"), "db-1", 0);
        details.record(Key::from_static_str("n"), &7_i64, 0);
        details.record(
            Key::from_static_str("addr"),
            &Display(&std::net::Ipv4Addr::LOCALHOST),
            0,
        );
        assert_eq!(
            exported(&mut details),
            [
                KeyValue::new("peer", "db-1"),
                KeyValue::new("n", 7),
                KeyValue::new("addr", "127.0.0.1"),
            ]
        );
    }

    #[test]
    fn replacing_a_text_value_does_not_grow_the_text_buffer() {
        let mut details = Details::default();
        details.record(Key::from_static_str("step"), "first", 0);
        let used = details.text.len();
        for step in 0..1_000 {
            details.record(Key::from_static_str("step"), &step.to_string(), 0);
        }
        assert_eq!(details.text.len(), used);
        assert_eq!(exported(&mut details), [KeyValue::new("step", "999")]);
    }

    #[test]
    fn a_recycled_box_is_empty_and_an_oversized_one_is_freed() {
        let mut details = Box::<Details>::default();
        details.record(Key::from_static_str("k"), "v", 0);
        details.status = Status::error("boom");
        details.dropped_events = 3;
        let details = details.recycle().expect("small boxes are kept");
        assert_eq!(details.attribute_count(), 0);
        assert!(details.text.is_empty());
        assert_eq!(details.status, Status::Unset);
        assert_eq!(details.dropped_events, 0);

        let mut big = Box::<Details>::default();
        big.record(
            Key::from_static_str("blob"),
            &"x".repeat(MAX_KEPT_TEXT + 1),
            0,
        );
        assert!(big.recycle().is_none());
    }

    #[test]
    fn fresh_boxes_come_from_the_thread_pool_when_it_has_some() {
        let mut recycled = vec![Box::<Details>::default(), Box::<Details>::default()];
        let pointers: Vec<*const Details> = recycled.iter().map(|b| &**b as *const _).collect();
        restock(&mut recycled);
        assert!(recycled.is_empty());
        let first = fresh();
        assert!(pointers.contains(&(&*first as *const _)));
    }
}
