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
        }
    }
}
