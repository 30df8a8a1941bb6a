//! The arguments of `#[traced(..)]` that add to a span: `attrs(..)`,
//! `args(..)`, `ret`, `err(%|?)`, and `parent`, `root`, `link`,
//! `follows_from`. One behaviour per test, asserted on captured spans.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_executor::block_on;
use trace_runtime::otel::trace::{SpanId, Status, TraceId};
use trace_runtime::otel::{Array, Value};
use trace_runtime::otel_sdk::trace::SpanData;
use trace_runtime::testing::{capture, capture_future, capture_value};
use trace_runtime::{AttributeValue, PropagatedContext, extract, propagate_context, traced};
use trace_tests::{attr, event_attr, events_named, text};

/// The keys of `span`'s attributes.
fn keys(span: &SpanData) -> Vec<&str> {
    span.attributes.iter().map(|kv| kv.key.as_str()).collect()
}

/// A string attribute value.
fn string(value: &str) -> Option<Value> {
    Some(Value::from(value.to_owned()))
}

// ------------------------------------------------------------ attrs: literals

#[traced(attrs(
    db.system = "postgres",
    http.request.method = "GET",
    "weird key" = "spaces and all",
    retries = 3,
    offset = -7,
    smallest = -9223372036854775808,
    huge = 18446744073709551615,
    ratio = 0.5,
    below = -1.25,
    enabled = true,
    disabled = false,
))]
fn literal_attributes() {}

#[test]
fn literal_attributes_keep_their_opentelemetry_type() {
    let spans = capture(literal_attributes);
    let span = spans.named("literal_attributes");
    assert_eq!(attr(span, "db.system").cloned(), string("postgres"));
    assert_eq!(attr(span, "http.request.method").cloned(), string("GET"));
    assert_eq!(attr(span, "weird key").cloned(), string("spaces and all"));
    assert_eq!(attr(span, "retries"), Some(&Value::I64(3)));
    assert_eq!(attr(span, "offset"), Some(&Value::I64(-7)));
    assert_eq!(attr(span, "smallest"), Some(&Value::I64(i64::MIN)));
    assert_eq!(
        attr(span, "huge").cloned(),
        string("18446744073709551615"),
        "above i64::MAX an integer keeps its exact value, as text"
    );
    assert_eq!(attr(span, "ratio"), Some(&Value::F64(0.5)));
    assert_eq!(attr(span, "below"), Some(&Value::F64(-1.25)));
    assert_eq!(attr(span, "enabled"), Some(&Value::Bool(true)));
    assert_eq!(attr(span, "disabled"), Some(&Value::Bool(false)));
}

#[test]
fn literal_attributes_are_on_every_call() {
    let spans = capture(|| {
        literal_attributes();
        literal_attributes();
    });
    for span in spans.all_named("literal_attributes") {
        assert_eq!(attr(span, "db.system").cloned(), string("postgres"));
    }
}

// ------------------------------------------------------------ attrs: expressions

/// A user type with its own attribute form.
struct UserId(u64);

impl AttributeValue for UserId {
    fn to_value(&self) -> Option<Value> {
        Some(Value::from(format!("user-{}", self.0)))
    }
}

/// A type recorded through `%` and `?`.
#[derive(Debug)]
struct Endpoint {
    host: &'static str,
    port: u16,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

#[traced(attrs(
    v.i8 = -8i8,
    v.i16 = i16::MIN,
    v.i32 = small,
    v.i64 = i64::MAX,
    v.u8 = u8::MAX,
    v.u16 = u16::MAX,
    v.u32 = u32::MAX,
    v.u64 = 42u64,
    v.u64_big = u64::MAX,
    v.usize = name.len(),
    v.f32 = 1.5f32 * 1.0,
    v.f64 = ratio,
    v.bool = !flag,
    v.str = name,
    v.string = name.to_uppercase(),
    v.cow = Cow::Borrowed(name),
    v.arc = Arc::<str>::from(name),
    v.some = Some(small),
    v.none = None::<i64>,
    v.slice = ids,
    v.vec = ids.iter().map(|id| id * 10).collect::<Vec<_>>(),
    v.names = vec!["a", "b"],
    v.user = UserId(7),
    v.display = %endpoint,
    v.debug = ?endpoint,
    v.sum = small + 1,
))]
fn evaluated_attributes(
    small: i32,
    ratio: f64,
    flag: bool,
    name: &str,
    ids: &[i64],
    endpoint: &Endpoint,
) {
}

#[test]
fn evaluated_attributes_keep_the_type_of_their_value() {
    let endpoint = Endpoint {
        host: "db",
        port: 5432,
    };
    let spans = capture(|| evaluated_attributes(-3, 2.5, false, "ada", &[1, 2], &endpoint));
    let span = spans.named("evaluated_attributes");
    assert_eq!(attr(span, "v.i8"), Some(&Value::I64(-8)));
    assert_eq!(attr(span, "v.i16"), Some(&Value::I64(i64::from(i16::MIN))));
    assert_eq!(attr(span, "v.i32"), Some(&Value::I64(-3)));
    assert_eq!(attr(span, "v.i64"), Some(&Value::I64(i64::MAX)));
    assert_eq!(attr(span, "v.u8"), Some(&Value::I64(255)));
    assert_eq!(attr(span, "v.u16"), Some(&Value::I64(65_535)));
    assert_eq!(attr(span, "v.u32"), Some(&Value::I64(4_294_967_295)));
    assert_eq!(attr(span, "v.u64"), Some(&Value::I64(42)));
    assert_eq!(
        attr(span, "v.u64_big").cloned(),
        string("18446744073709551615")
    );
    assert_eq!(attr(span, "v.usize"), Some(&Value::I64(3)));
    assert_eq!(attr(span, "v.f32"), Some(&Value::F64(1.5)));
    assert_eq!(attr(span, "v.f64"), Some(&Value::F64(2.5)));
    assert_eq!(attr(span, "v.bool"), Some(&Value::Bool(true)));
    assert_eq!(attr(span, "v.str").cloned(), string("ada"));
    assert_eq!(attr(span, "v.string").cloned(), string("ADA"));
    assert_eq!(attr(span, "v.cow").cloned(), string("ada"));
    assert_eq!(attr(span, "v.arc").cloned(), string("ada"));
    assert_eq!(attr(span, "v.some"), Some(&Value::I64(-3)));
    assert_eq!(attr(span, "v.none"), None, "None records nothing");
    assert_eq!(
        attr(span, "v.slice"),
        Some(&Value::Array(Array::I64(vec![1, 2])))
    );
    assert_eq!(
        attr(span, "v.vec"),
        Some(&Value::Array(Array::I64(vec![10, 20])))
    );
    assert_eq!(
        attr(span, "v.names"),
        Some(&Value::Array(Array::String(vec!["a".into(), "b".into()])))
    );
    assert_eq!(attr(span, "v.user").cloned(), string("user-7"));
    assert_eq!(attr(span, "v.display").cloned(), string("db:5432"));
    assert_eq!(
        attr(span, "v.debug").cloned(),
        string(r#"Endpoint { host: "db", port: 5432 }"#)
    );
    assert_eq!(attr(span, "v.sum"), Some(&Value::I64(-2)));
}

#[traced(attrs(len = text.len(), upper = %text.to_uppercase(), quoted = ?text))]
fn display_and_debug_of_expressions(text: &str) {}

#[test]
fn percent_records_display_and_question_mark_records_debug() {
    let spans = capture(|| display_and_debug_of_expressions("hi"));
    let span = spans.named("display_and_debug_of_expressions");
    assert_eq!(attr(span, "len"), Some(&Value::I64(2)));
    assert_eq!(attr(span, "upper").cloned(), string("HI"));
    assert_eq!(attr(span, "quoted").cloned(), string(r#""hi""#));
}

static EVALUATIONS: AtomicUsize = AtomicUsize::new(0);

fn counted(n: u32) -> u32 {
    EVALUATIONS.fetch_add(1, Ordering::SeqCst);
    n * 2
}

#[traced(attrs(doubled = counted(n)), ret)]
fn evaluated_once(n: u32) -> Result<u32, String> {
    if n == 0 {
        return Err(String::from("zero"));
    }
    Ok(n)
}

#[test]
fn an_attribute_expression_is_evaluated_exactly_once_per_call() {
    EVALUATIONS.store(0, Ordering::SeqCst);
    let spans = capture(|| {
        evaluated_once(4).unwrap();
        evaluated_once(0).unwrap_err();
    });
    assert_eq!(EVALUATIONS.load(Ordering::SeqCst), 2);
    let calls = spans.all_named("evaluated_once");
    assert_eq!(attr(calls[0], "doubled"), Some(&Value::I64(8)));
    assert_eq!(attr(calls[1], "doubled"), Some(&Value::I64(0)));
}

/// The current span id while an attribute expression runs.
fn inside_span() -> String {
    trace_runtime::current_span_id().unwrap_or_default()
}

#[traced(attrs(seen.span = inside_span()))]
fn attribute_sees_its_span() {}

#[test]
fn attribute_expressions_run_inside_the_span() {
    let spans = capture(attribute_sees_its_span);
    let span = spans.named("attribute_sees_its_span");
    assert_eq!(
        text(attr(span, "seen.span")),
        span.span_context.span_id().to_string()
    );
}

fn explode() -> u32 {
    panic!("attribute exploded")
}

#[traced(attrs(boom = explode()))]
fn panicking_attribute() -> u32 {
    1
}

#[test]
fn a_panic_while_evaluating_an_attribute_is_a_panic_in_the_body() {
    let spans = capture(|| {
        let result = catch_unwind(AssertUnwindSafe(panicking_attribute));
        assert!(result.is_err());
    });
    let all = spans.all_named("panicking_attribute");
    assert_eq!(all.len(), 1, "the span ends exactly once");
    let span = all[0];
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    let events = events_named(span, "exception");
    assert_eq!(events.len(), 1);
    assert_eq!(
        text(event_attr(events[0], "exception.message")),
        "attribute exploded"
    );
    assert_eq!(attr(span, "boom"), None);
}

#[traced(attrs(id = id, id.kind = "numeric"))]
async fn async_attributes(id: u64, name: String) -> usize {
    name.len()
}

#[test]
fn async_fn_attributes_are_evaluated_inside_the_async_span() {
    let (len, spans) = block_on(capture_future(async {
        async_attributes(9, String::from("four")).await
    }));
    assert_eq!(len, 4);
    let span = spans.named("async_attributes");
    assert_eq!(attr(span, "id"), Some(&Value::I64(9)));
    assert_eq!(attr(span, "id.kind").cloned(), string("numeric"));
    assert!(!keys(span).contains(&"name"));
}

// ------------------------------------------------------------ args

#[traced(args(user, attempt))]
fn login(user: &str, password: &str, attempt: u8) -> bool {
    !password.is_empty() && !user.is_empty() && attempt < 3
}

#[test]
fn args_records_the_named_parameters_under_their_names() {
    let spans = capture(|| login("ada", "hunter2", 1));
    let span = spans.named("login");
    assert_eq!(attr(span, "user").cloned(), string("ada"));
    assert_eq!(attr(span, "attempt"), Some(&Value::I64(1)));
}

#[test]
fn parameters_not_named_in_args_are_never_recorded() {
    let spans = capture(|| login("ada", "hunter2", 1));
    let span = spans.named("login");
    assert!(!keys(span).contains(&"password"));
    assert!(
        span.attributes
            .iter()
            .all(|kv| !kv.value.to_string().contains("hunter2")),
        "{:?}",
        span.attributes
    );
}

#[traced(args(id, tags), attrs(tag.count = tags.len()))]
async fn async_args(id: u64, tags: Vec<String>, secret: String) -> usize {
    tags.len() + secret.len()
}

#[test]
fn async_fn_args_are_recorded_from_the_owned_parameters() {
    let tags = vec![String::from("a"), String::from("b")];
    let (n, spans) = block_on(capture_future(async {
        async_args(3, tags, String::from("s")).await
    }));
    assert_eq!(n, 3);
    let span = spans.named("async_args");
    assert_eq!(attr(span, "id"), Some(&Value::I64(3)));
    assert_eq!(
        attr(span, "tags"),
        Some(&Value::Array(Array::String(vec!["a".into(), "b".into()])))
    );
    assert_eq!(attr(span, "tag.count"), Some(&Value::I64(2)));
    assert!(!keys(span).contains(&"secret"));
}

// ------------------------------------------------------------ ret

#[traced(ret)]
fn doubled(n: i64) -> i64 {
    if n < 0 {
        return 0;
    }
    n * 2
}

#[test]
fn ret_records_the_return_value() {
    let spans = capture(|| {
        doubled(21);
        doubled(-1);
    });
    let calls = spans.all_named("doubled");
    assert_eq!(attr(calls[0], "return.value"), Some(&Value::I64(42)));
    assert_eq!(
        attr(calls[1], "return.value"),
        Some(&Value::I64(0)),
        "an early `return` is recorded too"
    );
}

#[traced(ret)]
fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or(text)
}

#[test]
fn ret_records_a_borrowed_return_value() {
    let (word, spans) = capture_value(|| first_word("hello world").len());
    assert_eq!(word, 5);
    let span = spans.named("first_word");
    assert_eq!(attr(span, "return.value").cloned(), string("hello"));
}

#[traced(ret)]
fn parse_port(text: &str) -> Result<u16, std::num::ParseIntError> {
    let port: u16 = text.trim().parse()?;
    Ok(port)
}

#[test]
fn ret_records_the_ok_value_of_a_result() {
    let spans = capture(|| parse_port(" 8080 ").unwrap());
    let span = spans.named("parse_port");
    assert_eq!(attr(span, "return.value"), Some(&Value::I64(8080)));
    assert_eq!(span.status, Status::Unset);
}

#[test]
fn ret_does_not_record_an_err_as_the_return_value() {
    let spans = capture(|| parse_port("not a port").unwrap_err());
    let span = spans.named("parse_port");
    assert_eq!(attr(span, "return.value"), None);
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(events_named(span, "exception").len(), 1);
}

#[traced(ret)]
fn maybe(n: u8) -> Option<u8> {
    (n > 0).then_some(n)
}

#[test]
fn ret_of_none_records_nothing() {
    let spans = capture(|| {
        maybe(1);
        maybe(0);
    });
    let calls = spans.all_named("maybe");
    assert_eq!(attr(calls[0], "return.value"), Some(&Value::I64(1)));
    assert_eq!(attr(calls[1], "return.value"), None);
}

#[traced(ret(%))]
fn endpoint_display() -> Result<Endpoint, String> {
    Ok(Endpoint {
        host: "api",
        port: 443,
    })
}

#[traced(ret(?))]
fn endpoint_debug() -> Endpoint {
    Endpoint {
        host: "api",
        port: 80,
    }
}

#[test]
fn ret_percent_records_display_and_ret_question_mark_records_debug() {
    let spans = capture(|| {
        endpoint_display().unwrap();
        endpoint_debug();
    });
    assert_eq!(
        attr(spans.named("endpoint_display"), "return.value").cloned(),
        string("api:443")
    );
    assert_eq!(
        attr(spans.named("endpoint_debug"), "return.value").cloned(),
        string(r#"Endpoint { host: "api", port: 80 }"#)
    );
}

#[traced(ret, err = false)]
fn ret_without_error_recording(fail: bool) -> Result<u8, String> {
    if fail {
        Err(String::from("expected"))
    } else {
        Ok(1)
    }
}

#[test]
fn ret_works_with_err_false() {
    let spans = capture(|| {
        ret_without_error_recording(false).unwrap();
        ret_without_error_recording(true).unwrap_err();
    });
    let calls = spans.all_named("ret_without_error_recording");
    assert_eq!(attr(calls[0], "return.value"), Some(&Value::I64(1)));
    assert_eq!(calls[1].status, Status::Unset);
    assert!(calls[1].events.is_empty());
}

#[traced(ret)]
async fn async_ret(n: u32) -> Result<u32, String> {
    Ok(n + 1)
}

#[test]
fn ret_records_the_output_of_an_async_fn() {
    let (_, spans) = block_on(capture_future(async { async_ret(1).await }));
    assert_eq!(
        attr(spans.named("async_ret"), "return.value"),
        Some(&Value::I64(2))
    );
}

// ------------------------------------------------------------ err(%) / err(?)

/// An error whose Display and Debug differ.
#[derive(Debug)]
struct Refused {
    code: u16,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused with {}", self.code)
    }
}

impl std::error::Error for Refused {}

fn refuse() -> Result<(), Refused> {
    Err(Refused { code: 503 })
}

#[traced(err(%))]
fn err_display(early: bool) -> Result<(), Refused> {
    if early {
        refuse()?;
    }
    Err(Refused { code: 500 })
}

#[traced(err(?))]
fn err_debug(early: bool) -> Result<(), Refused> {
    if early {
        refuse()?;
    }
    Err(Refused { code: 500 })
}

fn exception_message(span: &SpanData) -> String {
    let events = events_named(span, "exception");
    assert_eq!(events.len(), 1, "{:?}", span.events);
    text(event_attr(events[0], "exception.message"))
}

#[test]
fn err_percent_renders_the_error_with_display() {
    let spans = capture(|| {
        err_display(false).unwrap_err();
        err_display(true).unwrap_err();
    });
    let calls = spans.all_named("err_display");
    assert_eq!(exception_message(calls[0]), "refused with 500");
    assert_eq!(exception_message(calls[1]), "refused with 503");
    assert_eq!(calls[0].status, Status::error("refused with 500"));
}

#[test]
fn err_question_mark_renders_the_error_with_debug() {
    let spans = capture(|| {
        err_debug(false).unwrap_err();
        err_debug(true).unwrap_err();
    });
    let calls = spans.all_named("err_debug");
    assert_eq!(exception_message(calls[0]), "Refused { code: 500 }");
    assert_eq!(exception_message(calls[1]), "Refused { code: 503 }");
}

// ------------------------------------------------------------ parent

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN: &str = "00f067aa0ba902b7";

fn incoming_headers() -> HashMap<String, String> {
    HashMap::from([(String::from("traceparent"), format!("00-{TRACE}-{SPAN}-01"))])
}

#[traced(kind = server, parent = extract(&headers))]
fn handle(headers: &HashMap<String, String>) {}

#[test]
fn parent_from_extracted_headers_continues_the_remote_trace() {
    let spans = capture(|| handle(&incoming_headers()));
    let span = spans.named("handle");
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(SPAN).unwrap());
    assert!(span.parent_span_is_remote);
}

#[traced]
fn unrelated_outer(f: impl FnOnce()) {
    f();
}

#[test]
fn parent_wins_over_the_active_span() {
    let spans = capture(|| unrelated_outer(|| handle(&incoming_headers())));
    let span = spans.named("handle");
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(SPAN).unwrap());
}

#[traced(kind = server, parent = extract(&headers))]
async fn handle_async(headers: HashMap<String, String>) -> usize {
    headers.len()
}

#[test]
fn async_fn_parent_is_evaluated_with_the_parameters() {
    let (n, spans) = block_on(capture_future(async {
        handle_async(incoming_headers()).await
    }));
    assert_eq!(n, 1);
    let span = spans.named("handle_async");
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(TRACE).unwrap()
    );
    assert_eq!(span.parent_span_id, SpanId::from_hex(SPAN).unwrap());
    assert!(span.parent_span_is_remote);
}

#[traced]
fn hand_off() -> PropagatedContext {
    propagate_context()
}

#[traced(parent = handle)]
fn continue_from(handle: &PropagatedContext) {}

#[traced(parent = handle)]
fn continue_from_option(handle: Option<PropagatedContext>) {}

#[test]
fn parent_accepts_a_propagated_handle_by_value_reference_or_option() {
    let spans = capture(|| {
        let handle = hand_off();
        // Called outside `hand_off`'s span: only the handle links them.
        continue_from(&handle);
        continue_from_option(Some(handle.clone()));
        unrelated_outer(|| continue_from_option(None));
    });
    let source = spans.named("hand_off");
    let continued = spans.named("continue_from");
    assert_eq!(
        continued.span_context.trace_id(),
        source.span_context.trace_id()
    );
    assert_eq!(continued.parent_span_id, source.span_context.span_id());
    assert!(!continued.parent_span_is_remote);
    let options = spans.all_named("continue_from_option");
    assert_eq!(options[0].parent_span_id, source.span_context.span_id());
    assert_eq!(
        options[1].parent_span_id,
        spans.named("unrelated_outer").span_context.span_id(),
        "`None` keeps the current context"
    );
}

// ------------------------------------------------------------ root

#[traced(kind = consumer, root)]
fn per_message() {}

#[test]
fn root_starts_a_new_trace_under_an_active_span() {
    let spans = capture(|| unrelated_outer(per_message));
    let outer = spans.named("unrelated_outer");
    let message = spans.named("per_message");
    assert_ne!(
        message.span_context.trace_id(),
        outer.span_context.trace_id()
    );
    assert_eq!(message.parent_span_id, SpanId::INVALID);
}

#[traced(root)]
async fn per_message_async() {}

#[traced]
async fn message_loop() {
    per_message_async().await;
}

#[test]
fn root_applies_to_async_fns() {
    let (_, spans) = block_on(capture_future(async { message_loop().await }));
    let outer = spans.named("message_loop");
    let message = spans.named("per_message_async");
    assert_ne!(
        message.span_context.trace_id(),
        outer.span_context.trace_id()
    );
    assert_eq!(message.parent_span_id, SpanId::INVALID);
}

// ------------------------------------------------------------ link / follows_from

#[traced(kind = consumer, root, link = producer)]
fn linked(producer: &PropagatedContext) {}

#[traced(link = first, link = second, follows_from = &third)]
fn linked_to_three(first: &PropagatedContext, second: PropagatedContext, third: PropagatedContext) {
}

#[traced(follows_from = extract(&headers))]
fn follows(headers: &HashMap<String, String>) {}

#[test]
fn link_points_at_the_target_span() {
    let spans = capture(|| {
        let producer = hand_off();
        linked(&producer);
    });
    let producer = spans.named("hand_off");
    let consumer = spans.named("linked");
    assert_eq!(consumer.links.len(), 1);
    assert_eq!(consumer.links[0].span_context, producer.span_context);
    assert_ne!(
        consumer.span_context.trace_id(),
        producer.span_context.trace_id(),
        "linked, not joined"
    );
}

#[test]
fn several_links_are_kept_in_order() {
    let spans = capture(|| {
        let a = hand_off();
        let b = hand_off();
        let c = hand_off();
        linked_to_three(&a, b, c);
    });
    let targets: Vec<_> = spans
        .all_named("hand_off")
        .iter()
        .map(|span| span.span_context.clone())
        .collect();
    let span = spans.named("linked_to_three");
    let links: Vec<_> = span
        .links
        .iter()
        .map(|link| link.span_context.clone())
        .collect();
    assert_eq!(links, targets);
}

#[test]
fn follows_from_is_an_alias_of_link() {
    let spans = capture(|| follows(&incoming_headers()));
    let span = spans.named("follows");
    assert_eq!(span.links.len(), 1);
    let target = &span.links[0].span_context;
    assert_eq!(target.trace_id(), TraceId::from_hex(TRACE).unwrap());
    assert_eq!(target.span_id(), SpanId::from_hex(SPAN).unwrap());
    assert_ne!(span.parent_span_id, SpanId::from_hex(SPAN).unwrap());
}

#[traced(link = producer.as_ref())]
async fn linked_async(producer: Option<PropagatedContext>) {}

#[test]
fn links_apply_to_async_fns_and_skip_missing_targets() {
    let (_, spans) = block_on(capture_future(async {
        let producer = hand_off();
        linked_async(Some(producer)).await;
        linked_async(None).await;
    }));
    let producer = spans.named("hand_off");
    let calls = spans.all_named("linked_async");
    assert_eq!(calls[0].links.len(), 1);
    assert_eq!(calls[0].links[0].span_context, producer.span_context);
    assert!(calls[1].links.is_empty());
}
