//! Attribute keys may be dotted names containing keywords (`otel.type`,
//! `r#match.r#fn`), or string literals for anything else; `attrs`
//! expressions see every binding of the parameters, those inside patterns
//! included, and `args` names `mut` parameters.

use trace_runtime::otel::Value;
use trace_runtime::{testing, traced};

#[traced(attrs(
    otel.type = "keyword part",
    r#match.r#fn = "raw parts",
    "http.status-code" = 200,
    point.x = x,
    point.y = y,
    point.sum = x + y,
), args(scale))]
fn keys((x, y): (i32, i32), mut scale: i32) -> i32 {
    scale *= 2;
    (x + y) * scale
}

fn main() {
    let spans = testing::capture(|| keys((1, 2), 3));
    let span = spans.named("keys");
    let get = |key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(get("otel.type"), Some(Value::from("keyword part")));
    assert_eq!(get("match.fn"), Some(Value::from("raw parts")));
    assert_eq!(get("http.status-code"), Some(Value::I64(200)));
    assert_eq!(get("point.x"), Some(Value::I64(1)));
    assert_eq!(get("point.y"), Some(Value::I64(2)));
    assert_eq!(get("point.sum"), Some(Value::I64(3)));
    assert_eq!(get("scale"), Some(Value::I64(3)), "recorded on entry");
}
