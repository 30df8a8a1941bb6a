//! An `exception` event as the calling thread records it: text in the
//! details box, made an OpenTelemetry `Event` by the collector.
//!
//! A traced function returning `Err` records an `exception` event and sets
//! status Error with the same message. Built on the calling thread, that is
//! a `String` for the message, a second one for the status (a `Status`
//! owns its description), the event's attribute `Vec`, and the span's event
//! `Vec`, which leaves with the exported span: four allocations per failed
//! call before the error's own, and their frees on the collector's core.
//! Instead the message and the `source()` chain are formatted straight
//! into the details box's text buffer, which is recycled with the box
//! (`details.rs`), and the event keeps only their positions; the collector
//! builds the event, its attributes and the status description, off the
//! calling thread. A failed call allocates nothing on the calling thread in
//! the steady state.

use std::fmt::Write as _;

use opentelemetry::trace::Event;
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use opentelemetry_semantic_conventions::attribute::{EXCEPTION_MESSAGE, EXCEPTION_TYPE};

use super::Timestamp;
use super::clock;
use crate::attributes;

/// The attribute holding the `Display` of every `source()` of an error,
/// outermost first (not a semantic-convention name: the conventions have
/// no attribute for a cause chain).
pub(crate) const SOURCE_CHAIN_ATTRIBUTE: &str = "exception.source_chain";

/// The most causes recorded: a cyclic or absurd chain must not loop forever.
pub(crate) const MAX_CAUSES: usize = 32;

/// A range of the details box's text buffer.
pub(crate) type TextRange = (usize, usize);

/// One `exception` event, its text kept in the details box.
#[derive(Debug)]
pub(crate) struct Exception {
    /// How many of the span's other events were recorded before it.
    pub(super) position: usize,
    pub(super) at: Timestamp,
    pub(super) type_name: &'static str,
    pub(super) message: TextRange,
    /// Its causes: `causes.0..causes.1` of the box's cause list.
    pub(super) causes: (usize, usize),
}

/// Formats `value` at the end of `text`, cut to the value length limit;
/// returns where it is.
pub(super) fn write_cut(text: &mut String, value: &dyn std::fmt::Display) -> TextRange {
    let start = text.len();
    // Writing into a `String` only fails if the `Display` impl itself
    // reports an error; what it wrote so far is kept.
    let _ = write!(text, "{value}");
    let limit = attributes::value_length_limit();
    if text.len() - start > limit {
        let kept = attributes::cut(&text[start..], limit).len();
        text.truncate(start + kept);
    }
    (start, text.len())
}

impl Exception {
    /// The OpenTelemetry event (collector thread): `exception.type`,
    /// `exception.message` and, with causes, the source chain.
    pub(super) fn to_event(&self, text: &str, causes: &[TextRange]) -> Event {
        let slice = |(start, end): TextRange| &text[start..end];
        let mut attributes = Vec::with_capacity(3);
        attributes.push(KeyValue::new(
            Key::from_static_str(EXCEPTION_TYPE),
            Value::from(self.type_name),
        ));
        attributes.push(KeyValue::new(
            Key::from_static_str(EXCEPTION_MESSAGE),
            Value::from(slice(self.message).to_owned()),
        ));
        let causes = &causes[self.causes.0..self.causes.1];
        if !causes.is_empty() {
            let chain = causes
                .iter()
                .map(|&range| StringValue::from(slice(range).to_owned()))
                .collect();
            attributes.push(KeyValue::new(
                Key::from_static_str(SOURCE_CHAIN_ATTRIBUTE),
                Value::Array(Array::String(chain)),
            ));
        }
        Event::new("exception", clock::to_system_time(self.at), attributes, 0)
    }
}
