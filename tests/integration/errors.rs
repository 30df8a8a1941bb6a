//! Status from `Err`: every exit path of a `Result`-returning function,
//! aliases included, with the exception event.

use std::fmt;

use trace_runtime::otel::trace::Status;
use trace_runtime::testing::{capture, capture_future};
use trace_runtime::traced;
use trace_tests::{attr, event_attr, events_named, text};

#[derive(Debug)]
struct Inner;
impl fmt::Display for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("disk on fire")
    }
}
impl std::error::Error for Inner {}

#[derive(Debug)]
struct LoadError(Inner);
impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not load")
    }
}
impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

#[traced]
fn fails() -> Result<u32, LoadError> {
    Err(LoadError(Inner))
}

#[traced]
fn succeeds() -> Result<u32, LoadError> {
    Ok(1)
}

#[test]
fn ok_leaves_status_unset() {
    let spans = capture(succeeds);
    let span = spans.named("succeeds");
    assert_eq!(span.status, Status::Unset);
    assert!(span.events.is_empty());
}

#[test]
fn err_sets_error_status_with_the_message() {
    let spans = capture(fails);
    assert_eq!(spans.named("fails").status, Status::error("could not load"));
}

#[test]
fn err_records_one_exception_event_with_type_message_and_source_chain() {
    let spans = capture(fails);
    let span = spans.named("fails");
    let events = events_named(span, "exception");
    assert_eq!(events.len(), 1);
    let event = events[0];
    assert_eq!(
        text(event_attr(event, "exception.type")),
        concat!(module_path!(), "::LoadError")
    );
    assert_eq!(
        text(event_attr(event, "exception.message")),
        "could not load"
    );
    assert_eq!(
        text(event_attr(event, "exception.source_chain")),
        r#"["disk on fire"]"#
    );
    assert_eq!(
        text(attr(span, "error.type")),
        concat!(module_path!(), "::LoadError")
    );
}

#[traced]
fn question_mark(input: &str) -> Result<i32, std::num::ParseIntError> {
    let n: i32 = input.parse()?;
    Ok(n * 2)
}

#[test]
fn an_err_leaving_through_question_mark_is_recorded() {
    let spans = capture(|| {
        assert!(question_mark("x").is_err());
        assert_eq!(question_mark("2"), Ok(4));
    });
    let spans = spans.all_named("question_mark");
    assert_eq!(spans.len(), 2);
    assert_eq!(
        spans[0].status,
        Status::error("invalid digit found in string")
    );
    assert_eq!(events_named(spans[0], "exception").len(), 1);
    assert_eq!(spans[1].status, Status::Unset);
}

#[traced]
fn early_return(flag: bool) -> Result<(), String> {
    if flag {
        return Err("bailed out early".to_owned());
    }
    Ok(())
}

#[test]
fn an_err_leaving_through_early_return_is_recorded() {
    let spans = capture(|| {
        let _ = early_return(true);
        let _ = early_return(false);
    });
    let spans = spans.all_named("early_return");
    assert_eq!(spans[0].status, Status::error("bailed out early"));
    assert_eq!(
        text(event_attr(
            events_named(spans[0], "exception")[0],
            "exception.type"
        )),
        "alloc::string::String"
    );
    assert_eq!(spans[1].status, Status::Unset);
}

#[traced]
fn io_alias() -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no such file",
    ))
}

type AppResult<T> = Result<T, LoadError>;

#[traced]
fn app_alias() -> AppResult<()> {
    Err(LoadError(Inner))
}

#[test]
fn result_aliases_are_detected_without_annotation() {
    let spans = capture(|| {
        let _ = io_alias();
        let _ = app_alias();
    });
    assert_eq!(
        spans.named("io_alias").status,
        Status::error("no such file")
    );
    assert_eq!(
        spans.named("app_alias").status,
        Status::error("could not load")
    );
}

#[derive(Debug)]
#[allow(dead_code)] // read through Debug only
struct DebugOnly {
    code: u8,
}

#[traced]
fn debug_only_error() -> Result<(), DebugOnly> {
    Err(DebugOnly { code: 7 })
}

struct Opaque;

#[traced]
fn opaque_error() -> Result<(), Opaque> {
    Err(Opaque)
}

#[test]
fn errors_without_display_are_recorded_with_what_they_offer() {
    let spans = capture(|| {
        let _ = debug_only_error();
        let _ = opaque_error();
    });
    assert_eq!(
        spans.named("debug_only_error").status,
        Status::error("DebugOnly { code: 7 }")
    );
    assert_eq!(
        spans.named("opaque_error").status,
        Status::error(concat!(module_path!(), "::Opaque"))
    );
}

#[traced(err = false)]
fn not_recorded() -> Result<(), String> {
    Err("expected".into())
}

#[test]
fn err_false_leaves_status_unset() {
    let spans = capture(not_recorded);
    let span = spans.named("not_recorded");
    assert_eq!(span.status, Status::Unset);
    assert!(span.events.is_empty());
}

struct Store {
    items: Vec<String>,
}

impl Store {
    /// A borrowed return, `?` and early `return` together: a macro that moves
    /// the body into a closure fails to compile this (the borrow of `self`
    /// cannot escape the closure).
    #[traced]
    fn find(&self, key: &str) -> Result<&str, String> {
        let index: usize = key.parse().map_err(|_| format!("bad key {key}"))?;
        if index >= self.items.len() {
            return Err(format!("no item {index}"));
        }
        Ok(&self.items[index])
    }
}

#[test]
fn borrowed_returns_work_with_question_mark_and_early_return() {
    let store = Store {
        items: vec!["a".into(), "b".into()],
    };
    let spans = capture(|| {
        assert_eq!(store.find("1"), Ok("b"));
        assert!(store.find("x").is_err());
        assert!(store.find("9").is_err());
    });
    let finds = spans.all_named("find");
    assert_eq!(finds.len(), 3);
    assert_eq!(finds[0].status, Status::Unset);
    assert_eq!(finds[1].status, Status::error("bad key x"));
    assert_eq!(finds[2].status, Status::error("no item 9"));
}

#[traced]
fn outer_handles_inner_error() -> Result<u32, LoadError> {
    match fails() {
        Ok(v) => Ok(v),
        Err(_) => Ok(0),
    }
}

#[test]
fn an_error_handled_by_the_caller_marks_only_the_failing_span() {
    let spans = capture(outer_handles_inner_error);
    assert_eq!(spans.named("fails").status, Status::error("could not load"));
    assert_eq!(
        spans.named("outer_handles_inner_error").status,
        Status::Unset
    );
}

#[traced]
async fn async_fails(input: &str) -> Result<i32, std::num::ParseIntError> {
    let n: i32 = input.parse()?;
    Ok(n)
}

#[test]
fn async_errors_are_recorded_on_the_async_span() {
    let (out, spans) =
        futures_executor::block_on(capture_future(async { async_fails("nope").await }));
    assert!(out.is_err());
    let span = spans.named("async_fails");
    assert_eq!(span.status, Status::error("invalid digit found in string"));
    assert_eq!(events_named(span, "exception").len(), 1);
}

#[traced]
fn bubbles(flag: bool) -> Result<u32, LoadError> {
    let value = fails()?;
    if flag { Ok(value) } else { Ok(0) }
}

#[test]
fn an_error_type_without_std_error_still_compiles_at_question_mark() {
    #[derive(Debug)]
    struct Parsed;
    impl std::str::FromStr for Parsed {
        type Err = String;
        fn from_str(_: &str) -> Result<Self, String> {
            Err("unparsable".into())
        }
    }
    #[traced]
    fn parse_it(text: &str) -> Result<Parsed, String> {
        let parsed: Parsed = text.parse()?; // the error type is inferred only after `?`
        Ok(parsed)
    }
    let spans = capture(|| parse_it("x"));
    assert_eq!(spans.named("parse_it").status, Status::error("unparsable"));
}

#[test]
fn an_err_through_question_mark_marks_every_span_it_leaves() {
    let spans = capture(|| bubbles(true));
    assert_eq!(spans.named("fails").status, Status::error("could not load"));
    let outer = spans.named("bubbles");
    assert_eq!(outer.status, Status::error("could not load"));
    assert_eq!(
        events_named(outer, "exception").len(),
        1,
        "recorded once, at the `?`"
    );
}

/// Three levels: `Top` caused by `LoadError` caused by `Inner`.
#[derive(Debug)]
struct Top(LoadError);
impl fmt::Display for Top {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("top layer")
    }
}
impl std::error::Error for Top {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}
impl From<LoadError> for Top {
    fn from(error: LoadError) -> Self {
        Top(error)
    }
}

fn load() -> Result<u8, LoadError> {
    Err(LoadError(Inner))
}

fn top() -> Result<u8, Top> {
    Err(Top(LoadError(Inner)))
}

/// Parsed only as far as its error: `text.parse()?` leaves the error type
/// unknown at the `?` until the `let` fixes the target type.
#[derive(Debug)]
struct Parsed;
impl std::str::FromStr for Parsed {
    type Err = LoadError;
    fn from_str(_: &str) -> Result<Self, LoadError> {
        Err(LoadError(Inner))
    }
}

#[traced]
fn returned(fail: bool) -> Result<u8, Top> {
    if fail {
        return Err(Top(LoadError(Inner)));
    }
    Ok(1)
}

#[traced]
fn tail_value() -> Result<u8, Top> {
    Err(Top(LoadError(Inner)))
}

#[traced]
fn question_mark_same_type() -> Result<u8, Top> {
    let value = top()?;
    Ok(value)
}

#[traced]
fn question_mark_converted() -> Result<u8, Top> {
    let value = load()?;
    Ok(value)
}

#[traced]
fn question_mark_inferred_later(text: &str) -> Result<u8, Top> {
    let _parsed: Parsed = text.parse()?;
    Ok(1)
}

#[traced]
async fn question_mark_async() -> Result<u8, Top> {
    let value = load()?;
    Ok(value)
}

/// What one span recorded for its error: status, `error.type`, and the
/// exception event's type, message and source chain.
fn recorded_error(span: &trace_runtime::otel_sdk::trace::SpanData) -> [String; 5] {
    let events = events_named(span, "exception");
    assert_eq!(events.len(), 1, "{}: one exception event", span.name);
    let event = events[0];
    [
        format!("{:?}", span.status),
        text(attr(span, "error.type")),
        text(event_attr(event, "exception.type")),
        text(event_attr(event, "exception.message")),
        text(event_attr(event, "exception.source_chain")),
    ]
}

#[test]
fn question_mark_and_return_record_the_same_error_with_its_source_chain() {
    let spans = capture(|| {
        assert!(returned(true).is_err());
        assert!(tail_value().is_err());
        assert!(question_mark_same_type().is_err());
        assert!(question_mark_converted().is_err());
        assert!(question_mark_inferred_later("x").is_err());
        assert!(futures_executor::block_on(question_mark_async()).is_err());
    });
    let expected = [
        format!("{:?}", Status::error("top layer")),
        concat!(module_path!(), "::Top").to_owned(),
        concat!(module_path!(), "::Top").to_owned(),
        "top layer".to_owned(),
        r#"["could not load","disk on fire"]"#.to_owned(),
    ];
    for name in [
        "returned",
        "tail_value",
        "question_mark_same_type",
        "question_mark_converted",
        "question_mark_inferred_later",
        "question_mark_async",
    ] {
        assert_eq!(recorded_error(spans.named(name)), expected, "{name}");
    }
}

#[traced(err(%))]
fn display_returned() -> Result<u8, Top> {
    Err(Top(LoadError(Inner)))
}

#[traced(err(%))]
fn display_question_mark() -> Result<u8, Top> {
    let value = load()?;
    Ok(value)
}

#[traced(err(?))]
fn debug_returned() -> Result<u8, Top> {
    Err(Top(LoadError(Inner)))
}

#[traced(err(?))]
fn debug_question_mark() -> Result<u8, Top> {
    let value = load()?;
    Ok(value)
}

#[test]
fn rendered_errors_are_the_same_at_question_mark_and_return() {
    let spans = capture(|| {
        assert!(display_returned().is_err());
        assert!(display_question_mark().is_err());
        assert!(debug_returned().is_err());
        assert!(debug_question_mark().is_err());
    });
    let display = recorded_error(spans.named("display_returned"));
    assert_eq!(display[2], concat!(module_path!(), "::Top"));
    assert_eq!(display[3], "top layer");
    assert_eq!(
        recorded_error(spans.named("display_question_mark")),
        display
    );
    let debug = recorded_error(spans.named("debug_returned"));
    assert_eq!(debug[3], "Top(LoadError(Inner))");
    assert_eq!(recorded_error(spans.named("debug_question_mark")), debug);
}
