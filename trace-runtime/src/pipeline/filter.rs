//! [`SpanFilter`]: which `#[traced]` functions record spans, in the
//! `target=off` style of `tracing`'s `EnvFilter`.
//!
//! This file parses; the rules are matched and installed by the gate
//! (`local/gate.rs`), which the calling thread reads without importing
//! this module: a pipeline hands the parsed directives over at install and
//! takes them back when it is dropped. The gate's docs say what a
//! filtered-out call costs and why its children keep the tree whole.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use super::problem::Problem;
use crate::error::PipelineError;
use crate::local::gate::Directive;

/// Which `#[traced]` functions record spans, by module path and span name.
///
/// Comma-separated directives, each `PATH=off`, `PATH=on`, `[NAME]=off`,
/// `PATH[NAME]=off` (or `on`), or a bare `off` / `on` for everything else:
///
/// * `PATH` is a module path, optionally followed by a function name, and
///   matches at `::` boundaries: `my_crate::db=off` silences the functions
///   of `my_crate::db` and the modules below it, `my_crate::db::query=off`
///   the function `query` only (every function of that name in the
///   module: methods are named by module and function, the type is not
///   part of the path);
/// * `NAME` is the span name (the function's name, or `#[traced(name = ..)]`);
/// * the most specific directive that matches decides: the longest path,
///   then one with a name over one without, then the last given; with none
///   matching, the span is recorded. So `my_crate=off,my_crate::api=on`
///   records only `my_crate::api`, and `off,my_crate::api=on` only that
///   module of the whole program.
///
/// Whitespace around directives, paths, names and values is ignored, and
/// `on`/`off` are case-insensitive.
///
/// A filtered-out call records nothing, and the spans its body starts
/// attach to the nearest recorded ancestor, so a trace stays one connected
/// tree. The filter applies to `#[traced]` functions, sync and async; not
/// to spans named at run time ([`with_span`](crate::with_span),
/// [`in_span`](crate::in_span)), nor to `tracing` spans bridged by the
/// `tracing` layer (filter those with `tracing`'s own filters).
///
/// What a skipped call records on "the current span" lands where its
/// children do, on the nearest recorded ancestor: the attributes its
/// `attrs(..)`/`args(..)` evaluate at the call, the `Err` it returns (as
/// an `exception` event and status), and its body's
/// [`add_attribute`](crate::add_attribute) and
/// [`record_event`](crate::record_event).
///
/// ```
/// use trace_runtime::SpanFilter;
///
/// let filter: SpanFilter = "my_crate::db=off, my_crate::db[query]=on".parse().unwrap();
/// assert_eq!(filter.to_string(), "my_crate::db=off,my_crate::db[query]=on");
/// assert!("my_crate=debug".parse::<SpanFilter>().is_err());
/// ```
///
/// Install it with [`PipelineBuilder::with_filter`](crate::PipelineBuilder::with_filter),
/// or set `TRACE_RUNTIME_FILTER` and read the environment
/// ([`PipelineBuilder::from_env`](crate::PipelineBuilder::from_env)).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanFilter {
    directives: Vec<Directive>,
    /// Why each directive that could not be parsed (lenient parsing) was
    /// not: reported at install like any invalid setting.
    invalid: Vec<String>,
    /// The text parsed, when some of it was invalid: the value reported.
    given: String,
}

impl SpanFilter {
    /// Parses `directives`, failing on the first invalid one.
    ///
    /// ```
    /// let filter = trace_runtime::SpanFilter::parse("my_crate::db=off").unwrap();
    /// # drop(filter);
    /// let error = trace_runtime::SpanFilter::parse("my_crate::db").unwrap_err();
    /// assert!(error.to_string().contains("my_crate::db"));
    /// ```
    ///
    /// # Errors
    /// [`PipelineError::InvalidSetting`] naming the directive and what is
    /// wrong with it.
    pub fn parse(directives: &str) -> Result<SpanFilter, PipelineError> {
        let mut filter = SpanFilter::lenient(directives);
        match filter.take_problems("SpanFilter").into_iter().next() {
            None => Ok(filter),
            Some(problem) => Err(problem.error),
        }
    }

    /// Parses what can be parsed of `directives`, keeping the invalid ones
    /// aside for install to report.
    pub(super) fn lenient(directives: &str) -> SpanFilter {
        let mut filter = SpanFilter::default();
        for text in directives.split(',').map(str::trim) {
            if text.is_empty() {
                continue;
            }
            match parse_directive(text) {
                Ok(directive) => filter.directives.push(directive),
                Err(reason) => filter.invalid.push(format!("`{text}`: {reason}")),
            }
        }
        if !filter.invalid.is_empty() {
            directives.trim().clone_into(&mut filter.given);
        }
        filter
    }

    /// The problems of the directives that could not be parsed, named after
    /// `variable` (where the directives came from).
    pub(super) fn take_problems(&mut self, variable: &str) -> Vec<Problem> {
        let given = std::mem::take(&mut self.given);
        let fallback = if self.directives.is_empty() {
            "no filter".to_owned()
        } else {
            format!("the other directives, {self}")
        };
        std::mem::take(&mut self.invalid)
            .into_iter()
            .map(|reason| Problem::invalid(variable, &given, reason, fallback.clone()))
            .collect()
    }

    /// The directives as the gate installs them; `None`: no filter.
    pub(super) fn installable(&self) -> Option<Arc<[Directive]>> {
        (!self.directives.is_empty()).then(|| self.directives.as_slice().into())
    }
}

impl FromStr for SpanFilter {
    type Err = PipelineError;

    fn from_str(directives: &str) -> Result<SpanFilter, PipelineError> {
        SpanFilter::parse(directives)
    }
}

/// Parses leniently: invalid directives are reported at install (or make a
/// [`strict`](crate::PipelineBuilder::strict) install fail), the others
/// apply.
impl From<&str> for SpanFilter {
    fn from(directives: &str) -> SpanFilter {
        SpanFilter::lenient(directives)
    }
}

/// Parses leniently, as `From<&str>`.
impl From<String> for SpanFilter {
    fn from(directives: String) -> SpanFilter {
        SpanFilter::lenient(&directives)
    }
}

/// The valid directives, normalized: `path[name]=off`, comma-separated.
impl fmt::Display for SpanFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, directive) in self.directives.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match (&*directive.path, &directive.name) {
                ("", None) => {}
                (path, None) => write!(f, "{path}=")?,
                (path, Some(name)) => write!(f, "{path}[{name}]=")?,
            }
            f.write_str(if directive.on { "on" } else { "off" })?;
        }
        Ok(())
    }
}

/// One directive, trimmed and not empty.
fn parse_directive(text: &str) -> Result<Directive, String> {
    let Some((target, value)) = text.rsplit_once('=') else {
        return match on_off(text) {
            Some(on) => Ok(Directive {
                path: "".into(),
                name: None,
                on,
            }),
            None => Err("expected `PATH=off`, `PATH=on`, `[NAME]=off` or a bare `off`/`on`".into()),
        };
    };
    let value = value.trim();
    let on = on_off(value).ok_or_else(|| match value.to_ascii_lowercase().as_str() {
        "trace" | "debug" | "info" | "warn" | "error" => {
            format!("spans have no level here: `{value}` should be `on` (or `off`)")
        }
        _ => format!("expected `off` or `on`, not `{value}`"),
    })?;
    let target = target.trim();
    let (path, name) = match target.split_once('[') {
        None => (target, None),
        Some((path, rest)) => {
            let name = rest
                .strip_suffix(']')
                .ok_or("a span name in brackets ends with `]`")?
                .trim();
            if name.is_empty() {
                return Err("the span name in brackets is empty".into());
            }
            if name.contains(['{', '}', '[', ']', '=', ',']) {
                return Err(format!(
                    "`[{name}]`: only a span name goes in brackets (no field filters)"
                ));
            }
            (path.trim(), Some(name.into()))
        }
    };
    if path.is_empty() && name.is_none() {
        return Err("a module path or a `[span name]` goes before `=`".into());
    }
    if !path.is_empty() && !path.split("::").all(is_identifier) {
        return Err(format!(
            "`{path}` is not a module path (`my_crate::module`, `my_crate::module::function`)"
        ));
    }
    Ok(Directive {
        path: path.into(),
        name,
        on,
    })
}

fn on_off(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("on") {
        Some(true)
    } else if value.eq_ignore_ascii_case("off") {
        Some(false)
    } else {
        None
    }
}

/// A path segment: letters, digits and `_`, a raw identifier's `r#` aside.
fn is_identifier(segment: &str) -> bool {
    let segment = segment.strip_prefix("r#").unwrap_or(segment);
    !segment.is_empty()
        && !segment.starts_with(|c: char| c.is_ascii_digit())
        && segment.chars().all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use opentelemetry::trace::SpanKind;

    use super::*;
    use crate::local::gate::recorded;
    use crate::record::Callsite;

    static QUERY: Callsite = Callsite::new("query", SpanKind::Internal, "app::db::query", "", 0);
    static RENAMED: Callsite = Callsite::new("db.load", SpanKind::Internal, "app::db::load", "", 0);
    static HANDLER: Callsite = Callsite::new("handle", SpanKind::Server, "app::api::handle", "", 0);
    static DBX: Callsite = Callsite::new("run", SpanKind::Internal, "app::dbx::run", "", 0);

    fn records(filter: &str, callsite: &Callsite) -> bool {
        let filter = SpanFilter::parse(filter).unwrap();
        recorded(&filter.directives, callsite)
    }

    #[test]
    fn paths_match_at_segment_boundaries() {
        assert!(!records("app::db=off", &QUERY));
        assert!(records("app::db=off", &DBX), "`app::db` is not `app::dbx`");
        assert!(!records("app=off", &DBX));
        assert!(!records("app::db::query=off", &QUERY));
        assert!(records("app::db::query=off", &RENAMED));
        assert!(records("app::db::que=off", &QUERY));
        assert!(records("app::db::query::more=off", &QUERY));
    }

    #[test]
    fn span_names_match_exactly_with_or_without_a_path() {
        assert!(!records("[db.load]=off", &RENAMED));
        assert!(
            records("[load]=off", &RENAMED),
            "the span name, not the fn's"
        );
        assert!(!records("app::db[db.load]=off", &RENAMED));
        assert!(records("app::api[db.load]=off", &RENAMED));
    }

    #[test]
    fn the_most_specific_directive_decides() {
        assert!(records("app=off,app::db=on", &QUERY));
        assert!(
            records("app::db=on,app=off", &QUERY),
            "order does not matter"
        );
        assert!(!records("app=off,app::db=on", &HANDLER));
        assert!(!records("app::db=on,app::db[query]=off", &QUERY));
        assert!(
            records("app::db=off,app::db=on", &QUERY),
            "the last of equals"
        );
        assert!(!records("off,app::db=on", &HANDLER));
        assert!(records("off,app::db=on", &QUERY));
        assert!(records("", &QUERY), "no directive: recorded");
    }

    #[test]
    fn whitespace_and_case_are_tolerated() {
        let filter = SpanFilter::parse("  app::db = OFF ,, app::db [ query ]=On , ").unwrap();
        assert_eq!(filter.to_string(), "app::db=off,app::db[query]=on");
    }

    #[test]
    fn invalid_directives_say_why_and_leave_the_others() {
        for (text, reason) in [
            ("app::db", "expected `PATH=off`"),
            ("app=debug", "no level"),
            ("app=maybe", "expected `off` or `on`"),
            ("app[query=off", "ends with `]`"),
            ("app[]=off", "empty"),
            ("app[query{id=1}]=off", "no field filters"),
            ("=off", "goes before `=`"),
            ("app::=off", "not a module path"),
            ("app-db=off", "not a module path"),
        ] {
            let Err(PipelineError::InvalidSetting {
                variable,
                value,
                reason: why,
            }) = SpanFilter::parse(&format!("{text}, app=on"))
            else {
                panic!("{text} parsed");
            };
            assert_eq!(
                (variable.as_str(), value),
                ("SpanFilter", format!("{text}, app=on"))
            );
            assert!(why.starts_with(&format!("`{text}`: ")), "{text}: {why}");
            assert!(why.contains(reason), "{text}: {why}");
        }
        let mut filter = SpanFilter::lenient("app::db=off, app=maybe");
        assert_eq!(filter.to_string(), "app::db=off");
        let problems = filter.take_problems("TRACE_RUNTIME_FILTER");
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].to_string(),
            "invalid TRACE_RUNTIME_FILTER=\"app::db=off, app=maybe\": `app=maybe`: \
             expected `off` or `on`, not `maybe`; using the other directives, app::db=off"
        );
        assert!(filter.take_problems("again").is_empty());
    }
}
