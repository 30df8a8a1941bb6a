//! A traced service: `cargo run --example service`.
//!
//! An axum HTTP API and a tonic gRPC service on 127.0.0.1 (free ports),
//! traced by `trace_runtime::tower` with no span written by hand. The
//! `/orders/{sku}` handler asks the gRPC `shop.Inventory/Lookup` for stock
//! (through a tonic `Channel` behind `ClientTraceLayer`) and the
//! `/prices/{sku}` endpoint for a price (through reqwest with
//! `TracingMiddleware`). The console shows one trace:
//!
//! ```text
//! GET (client, reqwest)
//! └─ GET /orders/{sku} (server)
//!    ├─ shop.Inventory/Lookup (client) ─ shop.Inventory/Lookup (server) ─ count_stock
//!    └─ GET (client, reqwest) ─ GET /prices/{sku} (server)
//! ```
//!
//! with the conventions' attributes: `http.route`, `http.response.status_code`,
//! `url.full`, `rpc.grpc.status_code`, `server.address`, ...
//!
//! The gRPC service is written out by hand (prost messages, tonic's `Grpc`
//! with the prost codec): what tonic-build would generate, without protoc.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use http::uri::PathAndQuery;
use tonic::Status;
use tonic::transport::Channel;
use tonic_prost::ProstCodec;
use tower::Layer;
use trace_runtime::reqwest::TracingMiddleware;
use trace_runtime::tower::{ClientTraceLayer, ClientTraceService, TraceLayer};
use trace_runtime::{ConsoleExporter, Pipeline, add_attribute, traced};

#[derive(Clone, PartialEq, prost::Message)]
struct StockQuery {
    #[prost(string, tag = "1")]
    sku: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Stock {
    #[prost(uint32, tag = "1")]
    count: u32,
}

/// The business logic behind the gRPC method: a child of its server span.
#[traced]
async fn count_stock(sku: &str) -> Option<u32> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    (sku != "unknown").then_some(42)
}

/// `shop.Inventory/Lookup`.
struct Lookup;

impl tonic::server::UnaryService<StockQuery> for Lookup {
    type Response = Stock;
    type Future = Pin<Box<dyn Future<Output = Result<tonic::Response<Stock>, Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<StockQuery>) -> Self::Future {
        Box::pin(async move {
            let sku = request.into_inner().sku;
            match count_stock(&sku).await {
                Some(count) => Ok(tonic::Response::new(Stock { count })),
                None => Err(Status::not_found(format!("no sku {sku}"))),
            }
        })
    }
}

/// The `shop.Inventory` service, as tonic-build would generate it.
#[derive(Clone)]
struct Inventory;

impl tonic::server::NamedService for Inventory {
    const NAME: &'static str = "shop.Inventory";
}

impl tower::Service<http::Request<tonic::body::Body>> for Inventory {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(async move {
            if request.uri().path() != "/shop.Inventory/Lookup" {
                return Ok(Status::unimplemented("no such method").into_http());
            }
            let mut grpc = tonic::server::Grpc::new(ProstCodec::<Stock, StockQuery>::default());
            Ok(grpc.unary(Lookup, request).await)
        })
    }
}

/// What the HTTP handlers share: the clients, traced.
#[derive(Clone)]
struct Clients {
    inventory: ClientTraceService<Channel>,
    /// The gRPC server's origin: given to tonic's client, it makes the
    /// request URI absolute before the layer sees it, so the client span
    /// gets `server.address` and `server.port` (a `Channel` adds the origin
    /// only inside, after the layer).
    inventory_origin: http::Uri,
    http: reqwest_middleware::ClientWithMiddleware,
    prices: String,
}

/// `GET /orders/{sku}`: stock from gRPC, price over HTTP.
async fn order(State(clients): State<Clients>, Path(sku): Path<String>) -> String {
    add_attribute("shop.sku", sku.clone());
    let mut grpc = tonic::client::Grpc::with_origin(
        clients.inventory.clone(),
        clients.inventory_origin.clone(),
    );
    let stock = match grpc.ready().await {
        Ok(()) => grpc
            .unary(
                tonic::Request::new(StockQuery { sku: sku.clone() }),
                PathAndQuery::from_static("/shop.Inventory/Lookup"),
                ProstCodec::<StockQuery, Stock>::default(),
            )
            .await
            .map(|r| r.into_inner().count)
            .map_err(|status| status.message().to_owned()),
        Err(e) => Err(e.to_string()),
    };
    let price = match clients
        .http
        .get(format!("{}/prices/{sku}", clients.prices))
        .send()
        .await
    {
        Ok(response) => response.text().await.unwrap_or_default(),
        Err(e) => e.to_string(),
    };
    format!("{sku}: stock {stock:?}, price {price}")
}

fn http_client() -> reqwest_middleware::ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(TracingMiddleware::new())
        .build()
}

#[tokio::main]
async fn main() {
    let pipeline = Pipeline::builder()
        .with_exporter(ConsoleExporter::new())
        .install()
        .expect("no other pipeline is installed");

    // The gRPC server: tonic, with the layer around its routes.
    let grpc_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let grpc_addr = grpc_listener.local_addr().expect("local address");
    let grpc_server = tokio::spawn(
        tonic::transport::Server::builder()
            .layer(TraceLayer::new())
            .add_service(Inventory)
            .serve_with_incoming(tonic::transport::server::TcpIncoming::from(grpc_listener)),
    );

    // The HTTP server: axum, the layer added with `Router::layer` so that
    // the route template (`/orders/{sku}`) names the spans.
    let http_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a free port");
    let base = format!(
        "http://{}",
        http_listener.local_addr().expect("local address")
    );
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{grpc_addr}"))
        .expect("a valid endpoint")
        .connect_lazy();
    let clients = Clients {
        inventory: ClientTraceLayer::new().layer(channel),
        inventory_origin: format!("http://{grpc_addr}").parse().expect("a valid URI"),
        http: http_client(),
        prices: base.clone(),
    };
    let app = Router::new()
        .route("/orders/{sku}", get(order))
        .route(
            "/prices/{sku}",
            get(|Path(_sku): Path<String>| async { "9.90 EUR" }),
        )
        .with_state(clients)
        .layer(TraceLayer::new());
    // With the peer's address in each request, for `client.address`.
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let http_server = tokio::spawn(axum::serve(http_listener, app).into_future());

    println!("One order, one trace across the HTTP, gRPC and reqwest hops:\n");
    let answer = http_client()
        .get(format!("{base}/orders/apple"))
        .send()
        .await;
    match answer {
        Ok(response) => println!(
            "client received: {}",
            response.text().await.unwrap_or_default()
        ),
        Err(e) => println!("request failed: {e}"),
    }
    // The server spans end as their response bodies finish: give the last
    // one a moment before shutting down.
    tokio::time::sleep(Duration::from_millis(100)).await;
    http_server.abort();
    grpc_server.abort();
    drop(pipeline);
}
