//! Static metadata of one instrumented function.
//!
//! `#[traced]` puts one [`Callsite`] in a `static` per annotated function:
//! its name, kind and source location are known at compile time, so a span
//! only carries a pointer to them and the collector turns them into
//! attributes (`code.function.name`, `code.file.path`, `code.line.number`)
//! off the hot path. Current OpenTelemetry semantic conventions fold the
//! older `code.namespace` into the fully qualified `code.function.name`, so
//! the module path travels there.

use opentelemetry::trace::SpanKind;

/// Compile-time description of an instrumented function.
#[derive(Debug)]
pub struct Callsite {
    pub(crate) name: &'static str,
    pub(crate) kind: SpanKind,
    pub(crate) function: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    pub(crate) attributes: &'static [StaticAttribute],
}

/// An attribute whose value is a literal: `#[traced(attrs(db.system = "postgres"))]`.
/// It lives in the callsite, so recording it costs nothing per call.
#[derive(Debug)]
pub struct StaticAttribute {
    pub(crate) key: &'static str,
    pub(crate) value: StaticValue,
}

/// The value of a [`StaticAttribute`].
#[derive(Debug, Clone, Copy)]
pub enum StaticValue {
    /// A string literal.
    Str(&'static str),
    /// An integer literal.
    I64(i64),
    /// A float literal.
    F64(f64),
    /// `true` or `false`.
    Bool(bool),
}

impl StaticAttribute {
    /// Describes one literal attribute.
    pub const fn new(key: &'static str, value: StaticValue) -> StaticAttribute {
        StaticAttribute { key, value }
    }

    pub(crate) fn to_key_value(&self) -> opentelemetry::KeyValue {
        let value = match self.value {
            StaticValue::Str(s) => opentelemetry::Value::from(s),
            StaticValue::I64(i) => opentelemetry::Value::I64(i),
            StaticValue::F64(f) => opentelemetry::Value::F64(f),
            StaticValue::Bool(b) => opentelemetry::Value::Bool(b),
        };
        opentelemetry::KeyValue::new(opentelemetry::Key::from_static_str(self.key), value)
    }
}

impl Callsite {
    /// Describes a function. `function` is fully qualified (`my_crate::db::query`);
    /// an empty `function` or `file` means "not known" and records nothing.
    pub const fn new(
        name: &'static str,
        kind: SpanKind,
        function: &'static str,
        file: &'static str,
        line: u32,
    ) -> Callsite {
        Callsite {
            name,
            kind,
            function,
            file,
            line,
            attributes: &[],
        }
    }

    /// Adds the function's literal attributes.
    pub const fn with_attributes(self, attributes: &'static [StaticAttribute]) -> Callsite {
        Callsite { attributes, ..self }
    }
}
