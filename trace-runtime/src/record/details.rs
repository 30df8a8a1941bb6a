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

use super::clock;
use super::exception::{self, Exception, TextRange};
use crate::attributes::{self, AttributeValue};

/// The details of one span.
#[derive(Debug, Default)]
pub(crate) struct Details {
    /// Set when the name is only known at run time.
    pub(crate) name: Option<Cow<'static, str>>,
    /// Read and written through [`status`](Self::status) and
    /// [`set_status`](Self::set_status): an exception's status stays text
    /// until the collector builds it (`exception.rs`).
    status: Status,
    /// The status is Error, described by this range of `text` (the message
    /// of an exception recorded by [`add_exception`](Self::add_exception)).
    status_text: Option<TextRange>,
    attributes: Vec<Attribute>,
    /// The text of [`Recorded::Text`] values and of exceptions, back to back.
    text: String,
    /// Events in the order recorded, except exceptions, which keep their
    /// position among them.
    events: Vec<Event>,
    exceptions: Vec<Exception>,
    /// The causes of the exceptions, as ranges of `text`.
    causes: Vec<TextRange>,
    pub(crate) links: Vec<Link>,
    /// Attributes and events refused by the limits.
    pub(crate) dropped_attributes: u32,
    pub(crate) dropped_events: u32,
}

/// `value` within the value length limit (only text has a length to limit).
fn limited(value: Value) -> Value {
    match value {
        Value::String(_) | Value::Array(_) => {
            attributes::truncate(value, attributes::value_length_limit())
        }
        scalar => scalar,
    }
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
        self.put(key, Recorded::Value(limited(value)), inline);
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
            let end = self.limit_text(start);
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

    /// Adds an attribute whose key the caller knows is set nowhere on the
    /// span, as [`record`](Self::record) would, without looking for one
    /// to replace. For an integration writing the attributes it starts a
    /// span with (the tower layer's request attributes), each key once, on
    /// a span that had none: the search made the n-th attribute cost n
    /// comparisons, most of what a request's ten attributes cost.
    #[cfg_attr(not(feature = "tower"), allow(dead_code))]
    pub(crate) fn append<V: AttributeValue + ?Sized>(
        &mut self,
        key: Key,
        value: &V,
        inline: usize,
    ) {
        debug_assert!(!self.has(key.as_str()), "{key} is already set");
        let start = self.text.len();
        if value.write_text(&mut self.text) {
            let end = self.limit_text(start);
            self.add(key, Recorded::Text { start, end }, inline);
        } else if let Some(value) = value.to_value() {
            self.add(key, Recorded::Value(limited(value)), inline);
        }
    }

    /// Cuts the text written from `start` on to the value length limit;
    /// returns where it ends.
    fn limit_text(&mut self, start: usize) -> usize {
        let limit = attributes::value_length_limit();
        if self.text.len() - start > limit {
            let kept = attributes::cut(&self.text[start..], limit).len();
            self.text.truncate(start + kept);
        }
        self.text.len()
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
        if !self.has_room_for_an_event() {
            return;
        }
        let limit = attributes::value_length_limit();
        limit_attributes(&mut event);
        for kv in &mut event.attributes {
            kv.value =
                attributes::truncate(std::mem::replace(&mut kv.value, Value::Bool(false)), limit);
        }
        self.events.push(event);
    }

    /// Whether the event limit leaves room for one more; counts the event
    /// as dropped if not.
    fn has_room_for_an_event(&mut self) -> bool {
        let room = self.events.len() + self.exceptions.len() < attributes::event_count_limit();
        if !room {
            self.dropped_events = self.dropped_events.saturating_add(1);
        }
        room
    }

    /// Records an `exception` event of an error of type `type_name` with
    /// `message` and `causes` (at most [`exception::MAX_CAUSES`]) formatted
    /// into the text buffer, and sets status Error with the message (see
    /// `exception.rs`). The event is subject to the event limit; the status
    /// is set either way.
    pub(crate) fn add_exception<'a>(
        &mut self,
        type_name: &'static str,
        message: &dyn std::fmt::Display,
        causes: impl Iterator<Item = &'a dyn std::fmt::Display>,
    ) {
        let at = clock::now();
        let message = exception::write_cut(&mut self.text, message);
        self.status = Status::Unset;
        self.status_text = Some(message);
        if !self.has_room_for_an_event() {
            return;
        }
        let first = self.causes.len();
        for cause in causes.take(exception::MAX_CAUSES) {
            let range = exception::write_cut(&mut self.text, cause);
            self.causes.push(range);
        }
        self.exceptions.push(Exception {
            position: self.events.len(),
            at,
            type_name,
            message,
            causes: (first, self.causes.len()),
        });
    }

    /// The span's status.
    pub(crate) fn status(&self) -> &Status {
        /// What an exception's status reads as until it is built: Error
        /// (its description is not needed on the calling thread).
        const EXCEPTION_STATUS: &Status = &Status::Error {
            description: Cow::Borrowed(""),
        };
        if self.status_text.is_some() {
            EXCEPTION_STATUS
        } else {
            &self.status
        }
    }

    /// Sets the span's status.
    pub(crate) fn set_status(&mut self, status: Status) {
        self.status = status;
        self.status_text = None;
    }

    /// Takes the status out, leaving Unset (collector thread, or a hook's
    /// buffer moving onto its span).
    pub(crate) fn take_status(&mut self) -> Status {
        match self.status_text.take() {
            Some((start, end)) => Status::error(self.text[start..end].to_owned()),
            None => std::mem::take(&mut self.status),
        }
    }

    /// Takes the events out, exceptions built and in the order recorded
    /// (collector thread, or a hook's buffer moving onto its span).
    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        if self.exceptions.is_empty() {
            return std::mem::take(&mut self.events);
        }
        let mut events = Vec::with_capacity(self.events.len() + self.exceptions.len());
        let mut others = self.events.drain(..);
        let mut taken = 0;
        for exception in self.exceptions.drain(..) {
            events.extend(others.by_ref().take(exception.position - taken));
            taken = exception.position;
            let mut event = exception.to_event(&self.text, &self.causes);
            limit_attributes(&mut event);
            events.push(event);
        }
        events.extend(others);
        events
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
            || self.exceptions.capacity() > MAX_KEPT_EVENTS
            || self.causes.capacity() > exception::MAX_CAUSES
        {
            return None;
        }
        self.name = None;
        self.status = Status::Unset;
        self.status_text = None;
        self.attributes.clear();
        self.text.clear();
        self.events.clear();
        self.exceptions.clear();
        self.causes.clear();
        self.links.clear();
        self.dropped_attributes = 0;
        self.dropped_events = 0;
        Some(self)
    }
}

/// Keeps an event's attributes within the attribute count limit, counting what it drops.
fn limit_attributes(event: &mut Event) {
    let attribute_limit = attributes::attribute_count_limit();
    if event.attributes.len() > attribute_limit {
        let dropped = event.attributes.len() - attribute_limit;
        event.attributes.truncate(attribute_limit);
        event.dropped_attributes_count = event
            .dropped_attributes_count
            .saturating_add(u32::try_from(dropped).unwrap_or(u32::MAX));
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

/// Puts an emptied box into this thread's pool, if it has room.
pub(crate) fn give_back(boxed: Box<Details>) {
    let _ = POOL.try_with(|pool| {
        if let Ok(mut pool) = pool.try_borrow_mut()
            && pool.len() < THREAD_POOL
        {
            pool.push(boxed);
        }
    });
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
    use opentelemetry_semantic_conventions::attribute::{EXCEPTION_MESSAGE, EXCEPTION_TYPE};

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
    fn an_exception_keeps_its_place_among_events_and_sets_the_status() {
        let mut details = Details::default();
        let event = |name: &'static str| Event::new(name, std::time::SystemTime::now(), vec![], 0);
        details.add_event(event("before"));
        let cause = std::io::Error::other("disk full");
        details.add_exception(
            "app::Error",
            &"write failed",
            std::iter::once(&cause as &dyn std::fmt::Display),
        );
        details.add_event(event("after"));
        assert!(matches!(details.status(), Status::Error { .. }));

        let events = details.take_events();
        let names: Vec<&str> = events.iter().map(|e| &*e.name).collect();
        assert_eq!(names, ["before", "exception", "after"]);
        assert_eq!(
            events[1].attributes,
            [
                KeyValue::new(EXCEPTION_TYPE, "app::Error"),
                KeyValue::new(EXCEPTION_MESSAGE, "write failed"),
                KeyValue::new(
                    exception::SOURCE_CHAIN_ATTRIBUTE,
                    Value::Array(opentelemetry::Array::String(vec!["disk full".into()]))
                ),
            ]
        );
        assert_eq!(details.take_status(), Status::error("write failed"));
    }

    #[test]
    fn a_status_set_after_an_exception_replaces_its_message() {
        let mut details = Details::default();
        details.add_exception("E", &"first", std::iter::empty());
        details.set_status(Status::Ok);
        assert_eq!(details.take_status(), Status::Ok);
        assert_eq!(details.take_events().len(), 1);
    }

    #[test]
    fn a_recycled_box_is_empty_and_an_oversized_one_is_freed() {
        let mut details = Box::<Details>::default();
        details.record(Key::from_static_str("k"), "v", 0);
        details.set_status(Status::error("boom"));
        details.dropped_events = 3;
        let details = details.recycle().expect("small boxes are kept");
        assert_eq!(details.attribute_count(), 0);
        assert!(details.text.is_empty());
        assert_eq!(*details.status(), Status::Unset);
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
