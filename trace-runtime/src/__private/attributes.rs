//! The evaluated `attrs(..)` and `args(..)` of one call: [`Attributes`].

use crate::AttributeValue;
use crate::attributes::Scalar;
use crate::local::current_span;
use crate::record::SpanRecord;

/// The evaluated `attrs(..)` and `args(..)` of one call, recorded on the
/// current span together: one look-up of the span for all of them.
///
/// `Attributes::new().with("a", &a).with("b", &(x + 1)).record()`: every
/// value is evaluated (in order) before `record` borrows the thread's
/// state, so a value's own code may use the runtime (call a traced
/// function, add an attribute) like any code in the body.
#[derive(Debug)]
#[must_use = "nothing is recorded until `record` is called"]
pub struct Attributes<L>(L);

/// The empty list of [`Attributes`].
#[derive(Debug)]
pub struct Nil;

/// [`Attributes`] `L` followed by `key = value`.
#[derive(Debug)]
pub struct With<'a, L, V: ?Sized> {
    before: L,
    key: &'static &'static str,
    value: &'a V,
    /// `value` as a scalar, taken at `with`: recorded without going
    /// through `V` again (the common case: integers, floats, text).
    scalar: Option<Scalar<'a>>,
    /// How to record any other `value`, chosen where `V: AttributeValue`
    /// is known, so that a value without an attribute form is reported
    /// once, at `with`, and not again at `record`.
    write: fn(&mut SpanRecord, &'static &'static str, &V),
}

fn write_static<V: AttributeValue + ?Sized>(
    record: &mut SpanRecord,
    key: &'static &'static str,
    value: &V,
) {
    record.record_static(key, value);
}

/// The span [`Attributes`] are written to.
#[derive(Debug)]
pub struct Recording<'a>(&'a mut SpanRecord);

/// A list of attributes that can be written to a span.
pub trait WriteAttributes {
    /// Writes the attributes, in order.
    fn write_to(&self, span: &mut Recording<'_>);
}

impl WriteAttributes for Nil {
    #[inline]
    fn write_to(&self, _: &mut Recording<'_>) {}
}

impl<L: WriteAttributes, V: ?Sized> WriteAttributes for With<'_, L, V> {
    #[inline]
    fn write_to(&self, span: &mut Recording<'_>) {
        self.before.write_to(span);
        match self.scalar {
            Some(scalar) => span.0.record_scalar(self.key, scalar),
            None => (self.write)(span.0, self.key, self.value),
        }
    }
}

impl Default for Attributes<Nil> {
    fn default() -> Self {
        Attributes::new()
    }
}

impl Attributes<Nil> {
    /// No attributes yet.
    #[inline]
    pub fn new() -> Attributes<Nil> {
        Attributes(Nil)
    }
}

impl<L: WriteAttributes> Attributes<L> {
    /// Adds `key = value`.
    #[inline]
    pub fn with<'a, V: AttributeValue + ?Sized>(
        self,
        key: &'static &'static str,
        value: &'a V,
    ) -> Attributes<With<'a, L, V>> {
        Attributes(With {
            before: self.0,
            key,
            value,
            scalar: value.scalar(),
            write: write_static::<V>,
        })
    }

    /// Records the attributes on the current span.
    #[inline]
    pub fn record(self) {
        current_span::on_current(|record| self.0.write_to(&mut Recording(record)));
    }
}
