//! The evaluated `attrs(..)` and `args(..)` of one call: [`Attributes`].

use crate::AttributeValue;
use crate::attributes::Scalar;
use crate::local::{SpanGuard, current_span};
use crate::record::{Callsite, InlineAttributes, Placed, SpanRecord};

/// The evaluated `attrs(..)` and `args(..)` of one call, recorded on the
/// current span together: one look-up of the span for all of them.
///
/// `Attributes::new().with("a", &a).with("b", &(x + 1)).record()`: every
/// value is evaluated (in order) before `record` borrows the thread's
/// state, so a value's own code may use the runtime (call a traced
/// function, add an attribute) like any code in the body.
///
/// `Attributes::new().with("id", &id).enter(&CALLSITE)` opens the span
/// with them instead: one look-up of the thread's state for the start and
/// the attributes, the values evaluated before the span opens.
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

/// The inline slots of a span that is starting, which
/// [`Attributes::enter`] fills before the span opens.
#[derive(Debug)]
pub struct Starting<'a>(&'a mut InlineAttributes);

/// A list of attributes that can be written to a span.
pub trait WriteAttributes {
    /// Writes the attributes, in order.
    fn write_to(&self, span: &mut Recording<'_>);

    /// Puts the attributes, in order, into the inline slots of a span
    /// that is starting; `false` if one of them does not fit there (then
    /// they are all written with [`write_to`](Self::write_to) instead).
    #[inline(always)]
    fn prepare(&self, _span: &mut Starting<'_>) -> bool {
        false
    }
}

impl WriteAttributes for Nil {
    #[inline(always)]
    fn write_to(&self, _: &mut Recording<'_>) {}

    #[inline(always)]
    fn prepare(&self, _: &mut Starting<'_>) -> bool {
        true
    }
}

impl<L: WriteAttributes, V: ?Sized> WriteAttributes for With<'_, L, V> {
    // Always inlined, down to the record's slots: written into a record
    // that has just been made (`enter`), the empty slots and the absent
    // details box are then known and their checks fold away.
    #[inline(always)]
    fn write_to(&self, span: &mut Recording<'_>) {
        self.before.write_to(span);
        match self.scalar {
            Some(scalar) => span.0.record_scalar(self.key, scalar),
            None => (self.write)(span.0, self.key, self.value),
        }
    }

    // Inlined in the caller, where the value's scalar kind is known: the
    // slot it goes to is known too, and this is a few stores.
    #[inline(always)]
    fn prepare(&self, span: &mut Starting<'_>) -> bool {
        self.before.prepare(span)
            && self
                .scalar
                .is_some_and(|scalar| span.0.set(self.key, scalar, false, 0) == Placed::Inline)
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

    /// Opens the synchronous span of `callsite`, as
    /// [`SpanGuard::enter`] does, with these attributes written into its
    /// record as it starts: the span is found once for both, where
    /// [`record`](Self::record) after `enter` looks it up a second time.
    /// The values are evaluated before the span opens, so this is for
    /// values whose evaluation does not use the runtime (parameters,
    /// literals, plain paths and fields).
    #[inline]
    pub fn enter(self, callsite: &'static Callsite) -> SpanGuard {
        SpanGuard::enter_with_attributes(
            callsite,
            self.0,
            |attributes, inline| attributes.prepare(&mut Starting(inline)),
            |attributes, record| attributes.write_to(&mut Recording(record)),
        )
    }
}
