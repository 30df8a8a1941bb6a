//! The HTTP round trip: a client span and the server spans it causes, in one
//! trace across two real HTTP hops on 127.0.0.1.
//!
//! Server handlers run in tasks axum spawns, which no test capture reaches,
//! so the test installs the process-wide pipeline, taking its turn
//! ([`serial`]).

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use trace_runtime::otel::trace::SpanKind;
use trace_runtime::propagation::FutureExt;
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{Pipeline, extract, inject, traced};

use crate::serial;

#[traced(name = "GET", kind = client)]
async fn http_get(client: &reqwest::Client, url: String) -> Result<String, reqwest::Error> {
    let mut headers = HeaderMap::new();
    inject(&mut headers);
    client.get(url).headers(headers).send().await?.text().await
}

#[traced(kind = server)]
async fn checkout(base: String) -> String {
    http_get(&reqwest::Client::new(), format!("{base}/inventory"))
        .await
        .unwrap_or_default()
}

#[traced(kind = server)]
async fn inventory() -> &'static str {
    "42"
}

#[test]
fn client_and_server_spans_share_one_trace_across_two_hops() {
    let _serial = serial();
    let exporter = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(exporter.clone())
        .install()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let body = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let checkout_base = base.clone();
        let app = Router::new()
            .route(
                "/checkout",
                get(move |h: HeaderMap| {
                    let base = checkout_base.clone();
                    async move { checkout(base).await }.in_context(extract(&h))
                }),
            )
            .route(
                "/inventory",
                get(|h: HeaderMap| async { inventory().await }.in_context(extract(&h))),
            );
        let server = tokio::spawn(axum::serve(listener, app).into_future());
        let body = http_get(&reqwest::Client::new(), format!("{base}/checkout")).await;
        server.abort();
        body
    });
    assert_eq!(body.unwrap(), "42");
    drop(pipeline);

    let spans = exporter.spans();
    assert_eq!(spans.len(), 4, "{:?}", spans.names());
    assert_eq!(spans.trace_ids().len(), 1);
    let clients = spans.all_named("GET");
    let (outer, inner) = (clients[0], clients[1]);
    let checkout = spans.named("checkout");
    let inventory = spans.named("inventory");
    assert_eq!(
        outer.parent_span_id,
        trace_runtime::otel::trace::SpanId::INVALID
    );
    spans.assert_parent(checkout, outer);
    spans.assert_parent(inner, checkout);
    spans.assert_parent(inventory, inner);
    assert!(checkout.parent_span_is_remote && inventory.parent_span_is_remote);
    assert!(!inner.parent_span_is_remote);
    assert_eq!(checkout.span_kind, SpanKind::Server);
    assert_eq!(outer.span_kind, SpanKind::Client);
}
