//! Static metadata of one instrumented function.
//!
//! `#[traced]` puts one [`Callsite`] in a `static` per annotated function:
//! its name, kind and source location are known at compile time, so a span
//! only carries a pointer to them and the collector turns them into
//! attributes (`code.function.name`, `code.file.path`, `code.line.number`)
//! off the hot path. Current OpenTelemetry semantic conventions fold the
//! older `code.namespace` into the fully qualified `code.function.name`, so
//! the module path travels there.
//!
//! # The fully qualified name
//!
//! `module_path!()` stops at the module: a method `Store::load` would be
//! `my_crate::db::load`. The full path (`my_crate::db::Store::load`,
//! `<my_crate::db::Store as my_crate::db::Repo>::get`) is only known to the
//! compiler, which prints it as the type name of an item declared inside
//! the function. `#[traced]` declares one, the unit struct `__traced_here`,
//! and hands `core::any::type_name::<__traced_here>` to
//! [`Callsite::with_qualified_name`]. The collector calls it the first time
//! it converts a span of the callsite and caches the cleaned-up name in the
//! callsite (see [`Callsite::function_name`]): the calling thread never
//! pays for it. What the compiler prints:
//!
//! | function | `code.function.name` |
//! |---|---|
//! | free fn | `my_crate::db::query` |
//! | fn inside a fn | `my_crate::db::outer::inner` |
//! | inherent method | `my_crate::db::Store::load` |
//! | method of a generic impl | `my_crate::db::Store<_>::load` (parameters as `_`, defaulted ones left out) |
//! | trait impl method | `<my_crate::db::Store as my_crate::db::Repo>::get` |
//! | trait impl for a generic or foreign type | `<alloc::vec::Vec<_> as my_crate::db::Repo>::get`, `<[_; N] as ..>::get` |
//! | `async fn`, `#[async_trait]` method | as the sync form: the `{{closure}}` segments of async bodies and closures are left out |
//!
//! `core::any::type_name` documents its output as a best effort that may
//! change between compiler versions. If what comes back does not end in
//! `::__traced_here`, the compile-time `function` (module path and name)
//! is recorded instead.
//!
//! # The span filter's decision
//!
//! When a span filter is installed (see `local/gate.rs`), whether the
//! callsite's spans are recorded is decided once per filter and cached in
//! the callsite, with the filter's generation: `generation << 1 | recorded`
//! in one atomic, zero before the first decision. A call under the same
//! filter reads it with one relaxed load; under another filter, the
//! generation differs and the decision is taken again.

use std::mem::ManuallyDrop;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

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
    /// The `type_name` of an item declared in the function's body, if the
    /// callsite was given one: the source of the fully qualified name.
    qualified: Option<fn() -> &'static str>,
    /// `code.function.name`, resolved on first use by the collector. Never
    /// dropped (a `Callsite` lives in a `static`); `ManuallyDrop` keeps the
    /// builders `const`, which cannot run `OnceLock`'s destructor.
    resolved: ManuallyDrop<OnceLock<&'static str>>,
    /// The span filter's decision, `generation << 1 | recorded` (zero:
    /// none taken yet; see the module docs).
    filter_decision: AtomicU64,
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
            qualified: None,
            resolved: ManuallyDrop::new(OnceLock::new()),
            filter_decision: AtomicU64::new(0),
        }
    }

    /// Adds the function's literal attributes.
    pub const fn with_attributes(self, attributes: &'static [StaticAttribute]) -> Callsite {
        Callsite { attributes, ..self }
    }

    /// Gives the function's fully qualified name as the compiler prints it:
    /// `here` returns the `core::any::type_name` of an item `__traced_here`
    /// declared directly in the body of the instrumented function (see the
    /// module docs). It is called once, on the collector
    /// thread; the compile-time `function` stays the fallback.
    pub const fn with_qualified_name(self, here: fn() -> &'static str) -> Callsite {
        Callsite {
            qualified: Some(here),
            ..self
        }
    }

    /// The value of `code.function.name` (empty: not known). Resolved once
    /// per callsite and cached; meant for the collector thread.
    pub(crate) fn function_name(&self) -> &'static str {
        match self.qualified {
            None => self.function,
            Some(here) => self
                .resolved
                .get_or_init(|| qualified_name(here()).unwrap_or(self.function)),
        }
    }
}

impl Callsite {
    /// Whether the span filter of `generation` (never zero) records this
    /// callsite, if that was decided already.
    #[inline]
    pub(crate) fn filter_decision(&self, generation: u32) -> Option<bool> {
        let cached = self.filter_decision.load(Ordering::Relaxed);
        (cached >> 1 == u64::from(generation)).then_some(cached & 1 == 1)
    }

    /// Caches the decision of the span filter of `generation`.
    pub(crate) fn cache_filter_decision(&self, generation: u32, recorded: bool) {
        let cached = u64::from(generation) << 1 | u64::from(recorded);
        self.filter_decision.store(cached, Ordering::Relaxed);
    }
}

/// The function's path in `type_name`, the `type_name` of an item declared
/// in its body: without the item's own segment `::__traced_here` and
/// without the `::{{closure}}` (async bodies, closures) and
/// `::{{constant}}` (inline `const` blocks) segments the compiler prints
/// for the anonymous scopes in between. `None` if it does not look like
/// that.
fn qualified_name(type_name: &'static str) -> Option<&'static str> {
    const ANONYMOUS: [&str; 2] = ["::{{closure}}", "::{{constant}}"];
    let path = type_name.strip_suffix("::__traced_here")?;
    if path.is_empty() || path.starts_with("::") {
        return None;
    }
    if !ANONYMOUS.iter().any(|segment| path.contains(segment)) {
        return Some(path);
    }
    let mut cleaned = path.to_owned();
    for segment in ANONYMOUS {
        cleaned = cleaned.replace(segment, "");
    }
    // Once per callsite, and callsites are `static`s: a bounded leak.
    Some(Box::leak(cleaned.into_boxed_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_lose_the_item_and_anonymous_segments() {
        for (type_name, expected) in [
            (
                "app::db::Store::load::__traced_here",
                Some("app::db::Store::load"),
            ),
            (
                "<app::db::Store as app::db::Repo>::get::__traced_here",
                Some("<app::db::Store as app::db::Repo>::get"),
            ),
            (
                "app::db::Store<_>::load::{{closure}}::__traced_here",
                Some("app::db::Store<_>::load"),
            ),
            (
                "app::main::{{closure}}::{{constant}}::{{closure}}::inner::__traced_here",
                Some("app::main::inner"),
            ),
            ("app::db::Store::load", None),
            ("::__traced_here", None),
            ("__traced_here", None),
            ("", None),
        ] {
            assert_eq!(qualified_name(type_name), expected, "{type_name}");
        }
    }

    fn here() -> &'static str {
        "<app::Store as app::Repo>::get::{{closure}}::__traced_here"
    }

    fn unexpected() -> &'static str {
        "app::get"
    }

    #[test]
    fn the_name_is_resolved_once_with_the_module_path_as_fallback() {
        static PLAIN: Callsite = Callsite::new("get", SpanKind::Internal, "app::get", "", 0);
        static QUALIFIED: Callsite = Callsite::new("get", SpanKind::Internal, "app::get", "", 0)
            .with_attributes(&[])
            .with_qualified_name(here);
        static FALLBACK: Callsite = Callsite::new("get", SpanKind::Internal, "app::get", "", 0)
            .with_qualified_name(unexpected);
        assert_eq!(PLAIN.function_name(), "app::get");
        let first = QUALIFIED.function_name();
        assert_eq!(first, "<app::Store as app::Repo>::get");
        assert!(std::ptr::eq(first, QUALIFIED.function_name()));
        assert_eq!(FALLBACK.function_name(), "app::get");
    }

    #[test]
    fn a_filter_decision_is_cached_for_its_generation_only() {
        static SITE: Callsite = Callsite::new("get", SpanKind::Internal, "app::get", "", 0);
        assert_eq!(SITE.filter_decision(1), None);
        SITE.cache_filter_decision(1, false);
        assert_eq!(SITE.filter_decision(1), Some(false));
        assert_eq!(SITE.filter_decision(2), None);
        SITE.cache_filter_decision(2, true);
        assert_eq!(SITE.filter_decision(2), Some(true));
        assert_eq!(SITE.filter_decision(1), None);
        SITE.cache_filter_decision(u32::MAX, false);
        assert_eq!(SITE.filter_decision(u32::MAX), Some(false));
    }
}
