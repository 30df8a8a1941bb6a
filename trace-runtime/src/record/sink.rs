//! Where a test capture receives its records: [`Sink`].
//!
//! Spans started under a capture carry its sink in their scope, and the
//! calling thread delivers them there at hand-off instead of to the
//! collector (see `crate::local`), so captures are isolated from each other
//! and from any installed pipeline.

use std::sync::Mutex;

use super::SpanRecord;
use crate::lock::lock;

/// The records delivered to one test capture.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    spans: Mutex<Vec<SpanRecord>>,
}

impl Sink {
    /// Takes every record delivered so far.
    #[cfg_attr(not(feature = "testing"), allow(dead_code))]
    pub(crate) fn take(&self) -> Vec<SpanRecord> {
        std::mem::take(&mut *lock(&self.spans))
    }

    /// Delivers one record.
    pub(crate) fn push(&self, record: SpanRecord) {
        lock(&self.spans).push(record);
    }
}
