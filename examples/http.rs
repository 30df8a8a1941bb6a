//! One trace across HTTP: `cargo run --example http`.
//!
//! An axum server and a reqwest client on 127.0.0.1 (a free port). The
//! client's span injects W3C `traceparent` into the request headers; the
//! server extracts it, so its span joins the client's trace; the server then
//! calls a second hop, which joins it too. The console shows one tree:
//!
//! ```text
//! GET (client) → checkout (server) → GET (client) → inventory (server)
//! ```

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use trace_runtime::propagation::FutureExt;
use trace_runtime::{ConsoleExporter, Pipeline, extract, inject, traced};

/// A client call: the span is the parent of the server span on the other side.
#[traced(name = "GET", kind = client)]
async fn http_get(client: &reqwest::Client, url: String) -> Result<String, reqwest::Error> {
    let mut headers = HeaderMap::new();
    inject(&mut headers); // traceparent (and tracestate, baggage) of this span
    client
        .get(url)
        .headers(headers)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await
}

/// The server side: `parent = extract(..)` makes the client's span the parent.
#[traced(kind = server, parent = extract(&headers))]
async fn checkout(headers: HeaderMap, base: String) -> String {
    let client = reqwest::Client::new();
    let stock = http_get(&client, format!("{base}/inventory")).await;
    format!("checkout done, inventory said: {stock:?}")
}

#[traced(kind = server)]
async fn inventory() -> &'static str {
    "42 in stock"
}

/// Builds the server. Both ways of joining the caller's trace are shown:
/// `parent = extract(..)` on the handler (`/checkout`), or calling the
/// handler inside a future put under the extracted context (`/inventory`:
/// a traced `async fn` takes its parent when it is called, so the call goes
/// inside the `async` block).
fn app(base: String) -> Router {
    Router::new()
        .route(
            "/checkout",
            get(move |headers: HeaderMap| checkout(headers, base.clone())),
        )
        .route(
            "/inventory",
            get(|headers: HeaderMap| async { inventory().await }.in_context(extract(&headers))),
        )
}

#[tokio::main]
async fn main() {
    let pipeline = Pipeline::builder()
        .with_exporter(ConsoleExporter::new())
        .install()
        .expect("no other pipeline is installed");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let base = format!("http://{}", listener.local_addr().expect("local address"));
    let server = tokio::spawn(axum::serve(listener, app(base.clone())).into_future());

    println!("One trace, client and server spans across two HTTP hops:\n");
    let client = reqwest::Client::new();
    let body = http_get(&client, format!("{base}/checkout")).await;
    println!("client received: {body:?}");

    server.abort();
    drop(pipeline);
}
