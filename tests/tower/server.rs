//! `TraceLayer` on an axum server: parent, name, attributes, status,
//! lifetime and options.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use bytes::Bytes;
use http::Request;
use opentelemetry_semantic_conventions::attribute as semconv;
use trace_runtime::otel::trace::{SpanId, SpanKind};
use trace_runtime::testing::SpanDataExt;
use trace_runtime::tower::{QueryRedaction, TraceLayer};
use trace_runtime::{CANCELLED_ATTRIBUTE, add_attribute, traced};

use crate::support::{self, REMOTE_SPAN, REMOTE_TRACE, REMOTE_TRACEPARENT};

#[traced]
async fn load_user(id: u64) -> String {
    format!("user {id}")
}

async fn user(axum::extract::Path(id): axum::extract::Path<u64>) -> String {
    add_attribute("app.user_id", id);
    load_user(id).await
}

fn app(layer: TraceLayer) -> Router {
    Router::new()
        .route("/users/{id}", get(user))
        .route(
            "/fail",
            get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
        )
        .route("/health", get(|| async { "ok" }))
        .route(
            "/baggage",
            get(|| async {
                let context = trace_runtime::propagate_context();
                let tenant = context
                    .baggage()
                    .and_then(|b| b.get("tenant").map(|v| v.to_string()));
                tenant.unwrap_or_else(|| "none".to_owned())
            }),
        )
        .layer(layer)
}

/// Sends `request` to `app` on a loopback server; returns status and body.
async fn send(app: Router, request: Request<String>) -> (StatusCode, String) {
    let addr = support::serve(app).await;
    let (mut parts, body) = request.into_parts();
    parts.uri = format!("http://{addr}{}", parts.uri).parse().unwrap();
    let response = support::http_client()
        .request(Request::from_parts(parts, body))
        .await
        .unwrap();
    let status = response.status();
    (status, support::text(response.into_body()).await)
}

fn get_request(path: &str) -> Request<String> {
    Request::get(path).body(String::new()).unwrap()
}

#[test]
fn server_span_is_a_child_of_the_remote_caller_and_follows_the_http_conventions() {
    let request = Request::get("/users/7")
        .header("traceparent", REMOTE_TRACEPARENT)
        .header("user-agent", "loopback-test/1.0")
        .body(String::new())
        .unwrap();
    let ((status, body), spans) = support::run(2, || send(app(TraceLayer::new()), request));
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user 7"));

    let server = spans.named("GET /users/{id}");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(server.span_context.trace_id().to_string(), REMOTE_TRACE);
    assert_eq!(server.parent_span_id.to_string(), REMOTE_SPAN);
    assert!(server.parent_span_is_remote);
    assert!(server.is_unset());
    assert_eq!(server.attr_str(semconv::HTTP_REQUEST_METHOD), Some("GET"));
    assert_eq!(server.attr_str(semconv::HTTP_ROUTE), Some("/users/{id}"));
    assert_eq!(server.attr_str(semconv::URL_PATH), Some("/users/7"));
    assert_eq!(server.attr_str(semconv::URL_SCHEME), Some("http"));
    assert_eq!(
        server.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(200)
    );
    assert_eq!(
        server.attr_str(semconv::NETWORK_PROTOCOL_VERSION),
        Some("1.1")
    );
    assert_eq!(server.attr_str(semconv::SERVER_ADDRESS), Some("127.0.0.1"));
    assert!(server.attr_i64(semconv::SERVER_PORT).is_some_and(|p| p > 0));
    assert_eq!(server.attr_str(semconv::CLIENT_ADDRESS), Some("127.0.0.1"));
    assert_eq!(
        server.attr_str(semconv::USER_AGENT_ORIGINAL),
        Some("loopback-test/1.0")
    );
    assert_eq!(server.attr_i64("http.response.body.size"), Some(6));
    assert_eq!(server.attr(semconv::URL_QUERY), None);
    assert_eq!(server.attr(semconv::ERROR_TYPE), None);

    // The handler ran with the span current.
    assert_eq!(server.attr_i64("app.user_id"), Some(7));
    spans.assert_parent(spans.named("load_user"), server);
}

#[test]
fn a_request_without_a_valid_parent_starts_a_trace_named_after_the_method_alone() {
    let request = Request::get("/nowhere")
        .header("traceparent", "00-zzzz-broken-01")
        .body(String::new())
        .unwrap();
    let ((status, _), spans) = support::run(1, || send(app(TraceLayer::new()), request));
    assert_eq!(status, StatusCode::NOT_FOUND);
    let server = spans.named("GET");
    assert_eq!(server.parent_span_id, SpanId::INVALID);
    assert_eq!(server.attr(semconv::HTTP_ROUTE), None);
    assert_eq!(
        server.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(404)
    );
    // A 4xx is the client's mistake, not the server's.
    assert!(server.is_unset());
    assert_eq!(server.attr(semconv::ERROR_TYPE), None);
}

#[test]
fn a_5xx_response_is_a_server_error() {
    let ((status, _), spans) =
        support::run(1, || send(app(TraceLayer::new()), get_request("/fail")));
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let server = spans.named("GET /fail");
    assert!(server.is_error());
    assert_eq!(server.attr_str(semconv::ERROR_TYPE), Some("500"));
    assert_eq!(
        server.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(500)
    );
}

#[test]
fn an_unknown_method_is_recorded_as_other_with_the_original() {
    let request = Request::builder()
        .method("PURGE")
        .uri("/health")
        .body(String::new())
        .unwrap();
    let (_, spans) = support::run(1, || send(app(TraceLayer::new()), request));
    let server = spans.named("HTTP /health");
    assert_eq!(
        server.attr_str(semconv::HTTP_REQUEST_METHOD),
        Some("_OTHER")
    );
    assert_eq!(
        server.attr_str(semconv::HTTP_REQUEST_METHOD_ORIGINAL),
        Some("PURGE")
    );
}

#[test]
fn a_skipped_request_produces_no_span() {
    let layer = TraceLayer::new().skip(|request| request.uri.path() == "/health");
    let (bodies, spans) = support::run(1, || async move {
        let health = send(app(layer.clone()), get_request("/health")).await;
        let user = send(app(layer), get_request("/users/1")).await;
        (health.1, user.1)
    });
    assert_eq!(bodies, ("ok".to_owned(), "user 1".to_owned()));
    // The user request's server span and its child only: nothing for /health.
    assert_eq!(spans.names(), ["GET /users/{id}", "load_user"]);
}

#[test]
fn the_query_is_recorded_only_when_asked_with_the_chosen_values_redacted() {
    let layer = TraceLayer::new().record_query(QueryRedaction::keys(["token"]));
    let (_, spans) = support::run(2, || {
        send(app(layer), get_request("/users/3?page=2&token=secret"))
    });
    let server = spans.named("GET /users/{id}");
    assert_eq!(
        server.attr_str(semconv::URL_QUERY),
        Some("page=2&token=REDACTED")
    );
    assert_eq!(server.attr_str(semconv::URL_PATH), Some("/users/3"));
}

#[test]
fn headers_are_recorded_only_by_name() {
    let layer = TraceLayer::new()
        .record_request_headers(["X-Request-Id"])
        .record_response_headers(["content-type"]);
    let request = Request::get("/health")
        .header("x-request-id", "req-1")
        .header("x-request-id", "req-2")
        .header("authorization", "Bearer secret")
        .header("cookie", "session=secret")
        .body(String::new())
        .unwrap();
    let (_, spans) = support::run(1, || send(app(layer), request));
    let server = spans.named("GET /health");
    let ids = server.attr("http.request.header.x-request-id").unwrap();
    assert_eq!(ids.as_str(), "[\"req-1\",\"req-2\"]");
    assert_eq!(
        server
            .attr("http.response.header.content-type")
            .unwrap()
            .as_str(),
        "[\"text/plain; charset=utf-8\"]"
    );
    let recorded: Vec<&str> = server.attributes.iter().map(|kv| kv.key.as_str()).collect();
    assert!(
        recorded
            .iter()
            .all(|k| !k.contains("authorization") && !k.contains("cookie")),
        "{recorded:?}"
    );
}

#[test]
fn the_caller_s_baggage_reaches_the_handler_but_no_attribute() {
    let request = Request::get("/baggage")
        .header("traceparent", REMOTE_TRACEPARENT)
        .header("baggage", "tenant=acme")
        .body(String::new())
        .unwrap();
    let ((_, body), spans) = support::run(1, || send(app(TraceLayer::new()), request));
    assert_eq!(body, "acme");
    let server = spans.named("GET /baggage");
    assert!(
        server
            .attributes
            .iter()
            .all(|kv| !kv.key.as_str().contains("tenant"))
    );
}

#[test]
fn a_public_endpoint_starts_a_new_trace_linked_to_the_caller_and_drops_its_baggage() {
    let request = Request::get("/baggage")
        .header("traceparent", REMOTE_TRACEPARENT)
        .header("baggage", "tenant=acme")
        .body(String::new())
        .unwrap();
    let layer = TraceLayer::new().public_endpoint();
    let ((_, body), spans) = support::run(1, || send(app(layer), request));
    assert_eq!(body, "none");
    let server = spans.named("GET /baggage");
    assert_eq!(server.parent_span_id, SpanId::INVALID);
    assert_ne!(server.span_context.trace_id().to_string(), REMOTE_TRACE);
    let links: Vec<_> = server.links.iter().collect();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].span_context.trace_id().to_string(), REMOTE_TRACE);
    assert_eq!(links[0].span_context.span_id().to_string(), REMOTE_SPAN);
}

#[test]
fn the_hook_renames_the_span_and_adds_attributes() {
    let layer = TraceLayer::new().on_request(|request, span| {
        span.set_name(format!("custom {}", request.method));
        span.set_attribute("tenant.id", "acme");
    });
    let (_, spans) = support::run(1, || send(app(layer), get_request("/health")));
    let server = spans.named("custom GET");
    assert_eq!(server.attr_str("tenant.id"), Some("acme"));
}

#[test]
fn a_route_from_the_extractor_names_the_span_and_is_recorded() {
    let layer = TraceLayer::new().with_route(|request| {
        request
            .uri
            .path()
            .starts_with("/users/")
            .then_some(Cow::Borrowed("/users/:user"))
    });
    let (_, spans) = support::run(2, || send(app(layer), get_request("/users/3")));
    let server = spans.named("GET /users/:user");
    assert_eq!(server.attr_str(semconv::HTTP_ROUTE), Some("/users/:user"));
}

#[test]
fn a_route_too_long_to_intern_still_names_the_span() {
    // Route names are interned up to a length; a longer template gets its
    // name made per request, with the same result.
    let long = format!("/{}", "segment/".repeat(40));
    let route = long.clone();
    let layer = TraceLayer::new().with_route(move |_| Some(Cow::Owned(route.clone())));
    let (_, spans) = support::run(1, || send(app(layer), get_request("/health")));
    let server = spans.named(&format!("GET {long}"));
    assert_eq!(server.attr_str(semconv::HTTP_ROUTE), Some(long.as_str()));
}

/// The time at which the streamed body produced its last chunk.
type LastChunk = Arc<Mutex<Option<SystemTime>>>;

fn streaming_app(last: LastChunk) -> Router {
    let handler = move || {
        let last = Arc::clone(&last);
        async move { Body::from_stream(chunks(last)) }
    };
    Router::new()
        .route("/stream", get(handler))
        .layer(TraceLayer::new())
}

/// Three chunks 50 ms apart; the time of the last is written to `last`.
fn chunks(
    last: LastChunk,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::unfold(0u8, move |n| {
        let last = Arc::clone(&last);
        async move {
            if n == 3 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            if n == 2 {
                *last.lock().unwrap() = Some(SystemTime::now());
            }
            Some((Ok(Bytes::from(format!("chunk{n};"))), n + 1))
        }
    })
}

#[test]
fn a_streamed_body_ends_the_span_after_its_last_chunk() {
    let last = LastChunk::default();
    let app = streaming_app(Arc::clone(&last));
    let ((status, body), spans) = support::run(1, || send(app, get_request("/stream")));
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "chunk0;chunk1;chunk2;")
    );
    let server = spans.named("GET /stream");
    let last = last.lock().unwrap().expect("the last chunk was produced");
    assert!(server.end_time >= last, "span ended before the last chunk");
    assert!(
        server.end_time.duration_since(server.start_time).unwrap() >= Duration::from_millis(150)
    );
    assert_eq!(server.attr_i64("http.response.body.size"), Some(21));
    assert_eq!(server.attr(CANCELLED_ATTRIBUTE), None);
}

#[test]
fn a_request_whose_client_hangs_up_ends_its_span_cancelled() {
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .layer(TraceLayer::new());
    let (timed_out, spans) = support::run(1, || async move {
        let addr = support::serve(app).await;
        let client = support::http_client::<String>();
        let request = Request::get(format!("http://{addr}/slow"))
            .body(String::new())
            .unwrap();
        // The client gives up: its connection closes, hyper drops the handler.
        tokio::time::timeout(Duration::from_millis(200), client.request(request))
            .await
            .is_err()
    });
    assert!(timed_out);
    let server = spans.named("GET /slow");
    assert_eq!(server.attr_bool(CANCELLED_ATTRIBUTE), Some(true));
    assert!(server.is_unset());
    assert_eq!(server.attr(semconv::HTTP_RESPONSE_STATUS_CODE), None);
}

fn explode() -> &'static str {
    panic!("handler blew up")
}

#[test]
fn a_panicking_handler_is_recorded_like_a_traced_call() {
    let app = Router::new()
        .route("/panic", get(|| async { explode() }))
        .layer(TraceLayer::new());
    let (failed, spans) = support::run(1, || async move {
        let addr = support::serve(app).await;
        let request = Request::get(format!("http://{addr}/panic"))
            .body(String::new())
            .unwrap();
        support::http_client::<String>()
            .request(request)
            .await
            .is_err()
    });
    assert!(failed, "the connection dies with the handler");
    let server = spans.named("GET /panic");
    assert!(server.is_error());
    let exception = server.event("exception");
    let message = exception
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "exception.message")
        .map(|kv| kv.value.as_str().into_owned());
    assert_eq!(message.as_deref(), Some("handler blew up"));
}

#[test]
fn header_map_is_still_available_to_handlers() {
    // The layer takes the request apart and puts it back: extractors see it whole.
    let app = Router::new()
        .route(
            "/echo",
            get(|headers: HeaderMap| async move {
                headers
                    .get("x-echo")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            }),
        )
        .layer(TraceLayer::new());
    let request = Request::get("/echo")
        .header("x-echo", "hello")
        .body(String::new())
        .unwrap();
    let ((_, body), _) = support::run(1, || send(app, request));
    assert_eq!(body, "hello");
}

#[test]
fn a_head_request_whose_body_is_never_sent_is_not_cancelled() {
    let request = Request::head("/users/5").body(String::new()).unwrap();
    let ((status, body), spans) = support::run(2, || send(app(TraceLayer::new()), request));
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    let server = spans.named("HEAD /users/{id}");
    assert_eq!(server.attr(CANCELLED_ATTRIBUTE), None);
    assert_eq!(
        server.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(200)
    );
}
