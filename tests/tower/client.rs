//! `ClientTraceLayer` on hyper-util's legacy client, calling a traced server.

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use http::Request;
use opentelemetry_semantic_conventions::attribute as semconv;
use tower::{Layer, ServiceExt};
use trace_runtime::otel::trace::{SpanId, SpanKind};
use trace_runtime::testing::SpanDataExt;
use trace_runtime::tower::{ClientTraceLayer, QueryRedaction, TraceLayer};

use crate::support;

/// Answers with the `traceparent` it received.
pub(crate) fn echo_app() -> Router {
    Router::new()
        .route(
            "/seen",
            get(|headers: HeaderMap| async move {
                headers
                    .get("traceparent")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_owned()
            }),
        )
        .layer(TraceLayer::new())
}

#[test]
fn the_client_span_is_the_parent_of_the_server_span_and_the_injected_traceparent() {
    let ((addr, seen), spans) = support::run(2, || async {
        let addr = support::serve(echo_app()).await;
        let client = ClientTraceLayer::new().layer(support::http_client::<String>());
        let request = Request::get(format!("http://user:secret@{addr}/seen?token=abc&page=1"))
            .body(String::new())
            .unwrap();
        let response = client.oneshot(request).await.unwrap();
        (addr, support::text(response.into_body()).await)
    });
    assert_eq!(spans.trace_ids().len(), 1);
    let client = spans.named("GET");
    let server = spans.named("GET /seen");
    assert_eq!(client.span_kind, SpanKind::Client);
    assert_eq!(client.parent_span_id, SpanId::INVALID);
    spans.assert_parent(server, client);
    assert_eq!(seen, support::traceparent_of(client));

    assert!(client.is_unset());
    assert_eq!(client.attr_str(semconv::HTTP_REQUEST_METHOD), Some("GET"));
    assert_eq!(
        client.attr_str(semconv::URL_FULL),
        Some(format!("http://{addr}/seen?token=REDACTED&page=REDACTED").as_str()),
        "no credentials, every query value redacted"
    );
    assert_eq!(client.attr_str(semconv::SERVER_ADDRESS), Some("127.0.0.1"));
    assert_eq!(
        client.attr_i64(semconv::SERVER_PORT),
        Some(i64::from(addr.port()))
    );
    assert_eq!(
        client.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(200)
    );
}

#[test]
fn query_redaction_can_keep_the_harmless_values() {
    let (_, spans) = support::run(2, || async {
        let addr = support::serve(echo_app()).await;
        let layer = ClientTraceLayer::new().redact_query(QueryRedaction::keys(["token"]));
        let client = layer.layer(support::http_client::<String>());
        let request = Request::get(format!("http://{addr}/seen?token=abc&page=1"))
            .body(String::new())
            .unwrap();
        let response = client.oneshot(request).await.unwrap();
        support::text(response.into_body()).await
    });
    let url = spans
        .named("GET")
        .attr_str(semconv::URL_FULL)
        .unwrap()
        .to_owned();
    assert!(url.ends_with("/seen?token=REDACTED&page=1"), "{url}");
}

#[test]
fn a_404_is_an_error_on_the_client_but_not_on_the_server() {
    let (status, spans) = support::run(2, || async {
        let addr = support::serve(echo_app()).await;
        let client = ClientTraceLayer::new().layer(support::http_client::<String>());
        let request = Request::get(format!("http://{addr}/missing"))
            .body(String::new())
            .unwrap();
        let response = client.oneshot(request).await.unwrap();
        let status = response.status();
        support::text(response.into_body()).await;
        status
    });
    assert_eq!(status, 404);
    let client = spans.all_named("GET");
    let (client, server) = if client[0].span_kind == SpanKind::Client {
        (client[0], client[1])
    } else {
        (client[1], client[0])
    };
    assert!(client.is_error());
    assert_eq!(client.attr_str(semconv::ERROR_TYPE), Some("404"));
    assert!(server.is_unset());
    assert_eq!(
        server.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(404)
    );
}

#[test]
fn a_transport_error_is_an_error_with_its_exception() {
    let (failed, spans) = support::run(1, || async {
        // A port nothing listens on any more.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = ClientTraceLayer::new().layer(support::http_client::<String>());
        let request = Request::get(format!("http://{addr}/"))
            .body(String::new())
            .unwrap();
        client.oneshot(request).await.is_err()
    });
    assert!(failed);
    let client = spans.named("GET");
    assert!(client.is_error());
    assert!(client.attr_str(semconv::ERROR_TYPE).is_some());
    assert_eq!(client.attr(semconv::HTTP_RESPONSE_STATUS_CODE), None);
    assert_eq!(client.events_named("exception").len(), 1);
}
