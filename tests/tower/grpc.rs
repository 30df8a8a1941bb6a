//! gRPC through the same layers: a hand-written tonic service (no protoc:
//! prost messages written out, tonic's `Grpc` with the prost codec) behind
//! `TraceLayer`, called through a tonic `Channel` behind `ClientTraceLayer`.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::uri::PathAndQuery;
use hyper::body::Incoming;
use opentelemetry_semantic_conventions::attribute as semconv;
use tonic::Status;
use tonic_prost::ProstCodec;
use tower::Layer;
use trace_runtime::otel::trace::SpanKind;
use trace_runtime::testing::{SpanDataExt, Spans};
use trace_runtime::tower::{ClientTraceLayer, TraceLayer};

use crate::support;

const METHOD: &str = "shop.Inventory/Lookup";
#[allow(deprecated)] // the names the layer records: see its conventions
const RPC_GRPC_STATUS_CODE: &str = semconv::RPC_GRPC_STATUS_CODE;
#[allow(deprecated)]
const RPC_SYSTEM: &str = semconv::RPC_SYSTEM;
#[allow(deprecated)]
const RPC_SERVICE: &str = semconv::RPC_SERVICE;

#[derive(Clone, PartialEq, prost::Message)]
struct Query {
    #[prost(string, tag = "1")]
    sku: String,
}

#[derive(Clone, PartialEq, prost::Message)]
struct Stock {
    #[prost(uint32, tag = "1")]
    count: u32,
}

/// `Lookup`: 42 in stock, `NOT_FOUND` for "missing", `UNAVAILABLE` for "down".
struct Lookup;

impl tonic::server::UnaryService<Query> for Lookup {
    type Response = Stock;
    type Future = Pin<Box<dyn Future<Output = Result<tonic::Response<Stock>, Status>> + Send>>;

    fn call(&mut self, request: tonic::Request<Query>) -> Self::Future {
        let sku = request.into_inner().sku;
        Box::pin(async move {
            match sku.as_str() {
                "missing" => Err(Status::not_found("no such sku")),
                "down" => Err(Status::unavailable("stock database down")),
                _ => Ok(tonic::Response::new(Stock { count: 42 })),
            }
        })
    }
}

/// The service: one method, what tonic-build would generate.
#[derive(Clone)]
struct Inventory;

impl tower::Service<http::Request<Incoming>> for Inventory {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Incoming>) -> Self::Future {
        Box::pin(async move {
            let mut grpc = tonic::server::Grpc::new(ProstCodec::<Stock, Query>::default());
            Ok(grpc.unary(Lookup, request).await)
        })
    }
}

/// Calls `Lookup` for `sku` through a traced channel to a traced server.
fn lookup(sku: &'static str) -> (Result<u32, tonic::Code>, Spans) {
    support::run(2, || async move {
        let addr = support::serve(TraceLayer::new().layer(Inventory)).await;
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut client = tonic::client::Grpc::new(ClientTraceLayer::new().layer(channel));
        client.ready().await.unwrap();
        let answer = client
            .unary(
                tonic::Request::new(Query {
                    sku: sku.to_owned(),
                }),
                PathAndQuery::from_static("/shop.Inventory/Lookup"),
                ProstCodec::<Query, Stock>::default(),
            )
            .await;
        answer.map(|r| r.into_inner().count).map_err(|s| s.code())
    })
}

/// The client and the server span of the one call.
fn client_and_server(
    spans: &Spans,
) -> (
    &trace_runtime::otel_sdk::trace::SpanData,
    &trace_runtime::otel_sdk::trace::SpanData,
) {
    let both = spans.all_named(METHOD);
    assert_eq!(both.len(), 2, "{:?}", spans.names());
    let client = both
        .iter()
        .find(|s| s.span_kind == SpanKind::Client)
        .unwrap();
    let server = both
        .iter()
        .find(|s| s.span_kind == SpanKind::Server)
        .unwrap();
    (client, server)
}

#[test]
fn a_grpc_call_is_one_trace_of_rpc_spans() {
    let (answer, spans) = lookup("apple");
    assert_eq!(answer, Ok(42));
    let (client, server) = client_and_server(&spans);
    spans.assert_parent(server, client);
    for span in [client, server] {
        assert_eq!(span.attr_str(RPC_SYSTEM), Some("grpc"));
        assert_eq!(span.attr_str(RPC_SERVICE), Some("shop.Inventory"));
        assert_eq!(span.attr_str(semconv::RPC_METHOD), Some("Lookup"));
        assert_eq!(span.attr_i64(RPC_GRPC_STATUS_CODE), Some(0));
        assert!(span.is_unset());
        assert_eq!(span.attr(semconv::HTTP_REQUEST_METHOD), None);
    }
    assert_eq!(
        server.attr_str(semconv::NETWORK_PROTOCOL_VERSION),
        Some("2")
    );
    assert_eq!(server.attr_str(semconv::SERVER_ADDRESS), Some("127.0.0.1"));
}

#[test]
fn not_found_is_an_answer_on_the_server_and_an_error_on_the_client() {
    let (answer, spans) = lookup("missing");
    assert_eq!(answer, Err(tonic::Code::NotFound));
    let (client, server) = client_and_server(&spans);
    assert_eq!(server.attr_i64(RPC_GRPC_STATUS_CODE), Some(5));
    assert!(server.is_unset());
    assert_eq!(client.attr_i64(RPC_GRPC_STATUS_CODE), Some(5));
    assert!(client.is_error());
    assert_eq!(client.attr_str(semconv::ERROR_TYPE), Some("NOT_FOUND"));
    assert_eq!(client.error_description(), Some("no such sku"));
}

#[test]
fn unavailable_is_an_error_on_both_sides() {
    let (answer, spans) = lookup("down");
    assert_eq!(answer, Err(tonic::Code::Unavailable));
    let (client, server) = client_and_server(&spans);
    for span in [client, server] {
        assert_eq!(span.attr_i64(RPC_GRPC_STATUS_CODE), Some(14));
        assert!(span.is_error());
        assert_eq!(span.attr_str(semconv::ERROR_TYPE), Some("UNAVAILABLE"));
    }
    assert_eq!(server.error_description(), Some("stock database down"));
}
