//! Attribute values and the limits on what one span may hold.
//!
//! [`AttributeValue`] is how a Rust value becomes an OpenTelemetry
//! [`Value`] while keeping its type: integers stay integers (a `u64` or
//! `usize` above `i64::MAX` becomes a string rather than wrapping), floats
//! stay floats, `Option::None` records nothing, slices and `Vec`s become
//! arrays. Anything else is recorded with `%` ([`Display`](std::fmt::Display))
//! or `?` ([`Debug`](std::fmt::Debug)) in `#[traced(attrs(...))]`, or opts in
//! by implementing the trait.
//!
//! Limits (attribute count, event count, value length) are enforced where
//! attributes are added, with counted drops: the exported span carries how
//! many attributes and events it lost. A value longer than the length limit
//! is cut at a character boundary, so it stays valid UTF-8.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::{Array, StringValue, Value};

mod limits;

pub(crate) use limits::{
    DEFAULT_ATTRIBUTE_COUNT, DEFAULT_EVENT_COUNT, attribute_count_limit, cut, event_count_limit,
    install_limits, truncate, value_length_limit,
};

/// A value that can be recorded as a span attribute.
///
/// ```
/// use trace_runtime::AttributeValue;
/// use trace_runtime::otel::Value;
///
/// struct UserId(u64);
///
/// impl AttributeValue for UserId {
///     fn to_value(&self) -> Option<Value> {
///         self.0.to_value()
///     }
/// }
///
/// assert_eq!(UserId(7).to_value(), Some(Value::I64(7)));
/// ```
///
/// Recording a type without an implementation is a compile error that
/// first says what to do with a value that must not leak (not record it,
/// or implement this trait to record a redacted form), then how to record
/// the value's text with `#[traced]`: `attrs(key = %value)` (Display) or
/// `attrs(key = ?value)` (Debug). `args(name)` records a parameter's own
/// attribute form, so a parameter without one goes in `attrs` the same way.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be recorded as a span attribute",
    label = "this value's type has no attribute form",
    note = "a value that must not leak (a secret, personal data) should not be recorded, or should implement `trace_runtime::AttributeValue` to record a redacted form",
    note = "otherwise record its text: `attrs(key = %value)` (Display) or `attrs(key = ?value)` (Debug)"
)]
pub trait AttributeValue {
    /// The attribute value, or `None` to record nothing.
    fn to_value(&self) -> Option<Value>;

    /// Not part of the API: writes a string value into `text` instead of
    /// allocating one, and returns `true`; other values return `false` and
    /// are recorded through [`to_value`](Self::to_value). Text scalars
    /// (see [`scalar`](Self::scalar)) are written as they are.
    #[doc(hidden)]
    fn write_text(&self, text: &mut String) -> bool {
        match self.scalar() {
            Some(Scalar::Str(value)) => {
                text.push_str(value);
                true
            }
            Some(Scalar::U64(value)) => {
                use std::fmt::Write as _;
                let _ = write!(text, "{value}");
                true
            }
            _ => false,
        }
    }

    /// Not part of the API: the value as a scalar the span record can keep
    /// inline (see `record::inline`), or `None` to take the general path.
    #[doc(hidden)]
    fn scalar(&self) -> Option<Scalar<'_>> {
        None
    }
}

/// Not part of the API: a value small enough to be kept in the span record.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub enum Scalar<'a> {
    /// An integer.
    I64(i64),
    /// A float.
    F64(f64),
    /// A boolean.
    Bool(bool),
    /// Text.
    Str(&'a str),
    /// An unsigned integer above `i64::MAX`: OpenTelemetry has no unsigned
    /// integers, so it is exported as its exact decimal text (made on the
    /// collector thread, not by the caller).
    U64(u64),
}

impl AttributeValue for Scalar<'_> {
    fn to_value(&self) -> Option<Value> {
        Some(match *self {
            Scalar::I64(v) => Value::I64(v),
            Scalar::F64(v) => Value::F64(v),
            Scalar::Bool(v) => Value::Bool(v),
            Scalar::Str(text) => Value::from(text.to_owned()),
            Scalar::U64(v) => Value::from(v.to_string()),
        })
    }

    fn scalar(&self) -> Option<Scalar<'_>> {
        Some(*self)
    }
}

/// Types whose every value converts losslessly to one OpenTelemetry scalar
/// kind: `$t => $kind($as)` records `$as::from(value)` as `Value::$kind`,
/// inline as `Scalar::$kind`.
macro_rules! lossless {
    ($($t:ty => $kind:ident($as:ty)),* $(,)?) => {$(
        impl AttributeValue for $t {
            fn to_value(&self) -> Option<Value> {
                Some(Value::$kind(<$as>::from(*self)))
            }

            fn scalar(&self) -> Option<Scalar<'_>> {
                Some(Scalar::$kind(<$as>::from(*self)))
            }
        }
    )*};
}
lossless!(
    i8 => I64(i64), i16 => I64(i64), i32 => I64(i64), i64 => I64(i64),
    u8 => I64(i64), u16 => I64(i64), u32 => I64(i64),
    f32 => F64(f64), f64 => F64(f64),
    bool => Bool(bool),
);

/// An integer that may not fit an `i64` as an OpenTelemetry value: an
/// `i64` when it fits, else its exact decimal text (never wrapped).
pub(crate) fn wide_value<T: TryInto<i64> + std::fmt::Display + Copy>(value: T) -> Value {
    value
        .try_into()
        .map_or_else(|_| Value::from(value.to_string()), Value::I64)
}

macro_rules! wide {
    ($($t:ty),*) => {$(
        impl AttributeValue for $t {
            fn to_value(&self) -> Option<Value> {
                Some(wide_value(*self))
            }

            fn scalar(&self) -> Option<Scalar<'_>> {
                // Above i64::MAX: its text, made off the calling thread;
                // beyond u64 (i128, u128), the general path's text.
                match i64::try_from(*self) {
                    Ok(value) => Some(Scalar::I64(value)),
                    Err(_) => u64::try_from(*self).ok().map(Scalar::U64),
                }
            }

            fn write_text(&self, text: &mut String) -> bool {
                use std::fmt::Write as _;
                if i64::try_from(*self).is_ok() {
                    return false;
                }
                // Into the span's text buffer: no `String` of its own.
                let _ = write!(text, "{self}");
                true
            }
        }
    )*};
}
wide!(u64, usize, isize, i128, u128);

/// Text, recorded inline as the `str` it holds; `$t => |text| $to_value`
/// makes the exported value from `text: &$t` (sharing an `Arc` rather than
/// copying it).
macro_rules! text {
    ($($t:ty => |$text:ident| $to_value:expr),* $(,)?) => {$(
        impl AttributeValue for $t {
            fn to_value(&self) -> Option<Value> {
                let $text = self;
                Some($to_value)
            }

            fn scalar(&self) -> Option<Scalar<'_>> {
                Some(Scalar::Str(self))
            }
        }
    )*};
}
text!(
    str => |text| Value::from(text.to_owned()),
    String => |text| Value::from(text.clone()),
    Cow<'_, str> => |text| Value::from(text.clone().into_owned()),
    Arc<str> => |text| Value::String(StringValue::from(Arc::clone(text))),
    Box<str> => |text| Value::from(String::from(&**text)),
);

impl AttributeValue for Value {
    fn to_value(&self) -> Option<Value> {
        Some(self.clone())
    }
}

/// A reference records what it points at.
macro_rules! through_reference {
    ($($reference:ty),*) => {$(
        impl<T: AttributeValue + ?Sized> AttributeValue for $reference {
            fn to_value(&self) -> Option<Value> {
                (**self).to_value()
            }

            fn write_text(&self, text: &mut String) -> bool {
                (**self).write_text(text)
            }

            fn scalar(&self) -> Option<Scalar<'_>> {
                (**self).scalar()
            }
        }
    )*};
}
through_reference!(&T, &mut T);

impl<T: AttributeValue> AttributeValue for Option<T> {
    fn scalar(&self) -> Option<Scalar<'_>> {
        self.as_ref().and_then(AttributeValue::scalar)
    }

    fn to_value(&self) -> Option<Value> {
        self.as_ref().and_then(AttributeValue::to_value)
    }
}

impl<T: AttributeValue> AttributeValue for [T] {
    fn to_value(&self) -> Option<Value> {
        array(self.iter().filter_map(AttributeValue::to_value))
    }
}

impl<T: AttributeValue> AttributeValue for Vec<T> {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

impl<T: AttributeValue, const N: usize> AttributeValue for [T; N] {
    fn to_value(&self) -> Option<Value> {
        self.as_slice().to_value()
    }
}

/// Builds a homogeneous array; mixed element types fall back to strings.
fn array(values: impl Iterator<Item = Value>) -> Option<Value> {
    let values: Vec<Value> = values.collect();
    let array = if let Some(ints) = all_of_kind(&values, |v| match *v {
        Value::I64(i) => Some(i),
        _ => None,
    }) {
        Array::I64(ints)
    } else if let Some(floats) = all_of_kind(&values, |v| match *v {
        Value::F64(f) => Some(f),
        _ => None,
    }) {
        Array::F64(floats)
    } else if let Some(bools) = all_of_kind(&values, |v| match *v {
        Value::Bool(b) => Some(b),
        _ => None,
    }) {
        Array::Bool(bools)
    } else {
        Array::String(
            values
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => StringValue::from(other.to_string()),
                })
                .collect(),
        )
    };
    Some(Value::Array(array))
}

/// Every value's payload, if `payload` finds one in each (an empty array
/// qualifies); `None` at the first value of another kind.
fn all_of_kind<T>(values: &[Value], payload: impl Fn(&Value) -> Option<T>) -> Option<Vec<T>> {
    values.iter().map(payload).collect()
}

/// Records a value with its `Display` form: `attrs(key = %value)`.
///
/// ```
/// use trace_runtime::{AttributeValue, attributes::Display};
/// let addr: std::net::IpAddr = "127.0.0.1".parse().unwrap();
/// assert_eq!(Display(&addr).to_value().unwrap().as_str(), "127.0.0.1");
/// ```
#[derive(Debug)]
pub struct Display<'a, T: ?Sized>(pub &'a T);

impl<T: std::fmt::Display + ?Sized> AttributeValue for Display<'_, T> {
    fn to_value(&self) -> Option<Value> {
        Some(Value::from(self.0.to_string()))
    }

    fn write_text(&self, text: &mut String) -> bool {
        use std::fmt::Write as _;
        // Writing into a `String` only fails if the `Display` impl itself
        // reports an error; what it wrote so far is kept.
        let _ = write!(text, "{}", self.0);
        true
    }
}

/// Records a value with its `Debug` form: `attrs(key = ?value)`.
///
/// ```
/// use trace_runtime::{AttributeValue, attributes::Debug};
/// assert_eq!(Debug(&Some(1)).to_value().unwrap().as_str(), "Some(1)");
/// ```
#[derive(Debug)]
pub struct Debug<'a, T: ?Sized>(pub &'a T);

impl<T: std::fmt::Debug + ?Sized> AttributeValue for Debug<'_, T> {
    fn to_value(&self) -> Option<Value> {
        Some(Value::from(format!("{:?}", self.0)))
    }

    fn write_text(&self, text: &mut String) -> bool {
        use std::fmt::Write as _;
        let _ = write!(text, "{:?}", self.0);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_keep_their_type_and_wide_ones_become_strings() {
        assert_eq!(7u8.to_value(), Some(Value::I64(7)));
        assert_eq!((-7i32).to_value(), Some(Value::I64(-7)));
        assert_eq!(
            u64::MAX.to_value(),
            Some(Value::from("18446744073709551615".to_owned()))
        );
        assert_eq!((i64::MAX as u64).to_value(), Some(Value::I64(i64::MAX)));
    }

    #[test]
    fn options_and_arrays() {
        assert_eq!(None::<i64>.to_value(), None);
        assert_eq!(Some(true).to_value(), Some(Value::Bool(true)));
        assert_eq!(
            vec![1, 2].to_value(),
            Some(Value::Array(Array::I64(vec![1, 2])))
        );
        assert_eq!(
            ["a", "b"].to_value(),
            Some(Value::Array(Array::String(vec!["a".into(), "b".into()])))
        );
        assert_eq!(
            [1.5f32, 2.0].to_value(),
            Some(Value::Array(Array::F64(vec![1.5, 2.0])))
        );
        assert_eq!(
            [true, false].to_value(),
            Some(Value::Array(Array::Bool(vec![true, false])))
        );
        assert_eq!(
            Vec::<i64>::new().to_value(),
            Some(Value::Array(Array::I64(Vec::new())))
        );
    }

    #[test]
    fn mixed_arrays_fall_back_to_strings() {
        let mixed = [Value::I64(1), Value::Bool(true), Value::from("x")];
        assert_eq!(
            mixed.to_value(),
            Some(Value::Array(Array::String(vec![
                "1".into(),
                "true".into(),
                "x".into()
            ])))
        );
    }
}
