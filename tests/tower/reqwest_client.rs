//! `trace_runtime::reqwest::TracingMiddleware`: the same client span through reqwest.

use opentelemetry_semantic_conventions::attribute as semconv;
use trace_runtime::otel::trace::SpanKind;
use trace_runtime::reqwest::TracingMiddleware;
use trace_runtime::testing::SpanDataExt;

use crate::client::echo_app;
use crate::support;

fn client() -> reqwest_middleware::ClientWithMiddleware {
    // This package's reqwest has TLS without a provider (feature `otlp-tls`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new())
        .build()
}

#[test]
fn reqwest_requests_get_a_client_span_that_parents_the_server_span() {
    let ((addr, seen), spans) = support::run(2, || async {
        let addr = support::serve(echo_app()).await;
        let response = client()
            .get(format!("http://{addr}/seen?page=1"))
            .send()
            .await
            .unwrap();
        (addr, response.text().await.unwrap())
    });
    assert_eq!(spans.trace_ids().len(), 1);
    let client = spans.named("GET");
    let server = spans.named("GET /seen");
    assert_eq!(client.span_kind, SpanKind::Client);
    spans.assert_parent(server, client);
    assert_eq!(seen, support::traceparent_of(client));
    assert_eq!(
        client.attr_i64(semconv::HTTP_RESPONSE_STATUS_CODE),
        Some(200)
    );
    assert_eq!(
        client.attr_str(semconv::URL_FULL),
        Some(format!("http://{addr}/seen?page=REDACTED").as_str())
    );
    assert_eq!(
        client.attr_i64(semconv::SERVER_PORT),
        Some(i64::from(addr.port()))
    );
    assert!(client.is_unset());
}

#[test]
fn a_reqwest_404_is_a_client_error() {
    let (status, spans) = support::run(2, || async {
        let addr = support::serve(echo_app()).await;
        let response = client()
            .get(format!("http://{addr}/missing"))
            .send()
            .await
            .unwrap();
        response.status()
    });
    assert_eq!(status, 404);
    let client = spans
        .all_named("GET")
        .into_iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .unwrap();
    assert!(client.is_error());
    assert_eq!(client.attr_str(semconv::ERROR_TYPE), Some("404"));
}
