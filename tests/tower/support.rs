//! Loopback servers whose connections run under the test's context, and
//! a runtime to run a test's exchange and wait for its spans.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tower::ServiceExt;
use trace_runtime::PropagatedContext;
use trace_runtime::propagation::FutureExt;
use trace_runtime::testing::{self, Spans};

/// A `traceparent` as a remote caller would send it.
pub(crate) const REMOTE_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
pub(crate) const REMOTE_SPAN: &str = "00f067aa0ba902b7";
pub(crate) const REMOTE_TRACEPARENT: &str =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Runs futures (connections, HTTP/2 streams) under a context.
#[derive(Clone, Debug)]
struct InContext(PropagatedContext);

impl<F> hyper::rt::Executor<F> for InContext
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        tokio::spawn(future.in_context(self.0.clone()));
    }
}

/// Serves `service` (HTTP/1.1 and HTTP/2) on a free port of 127.0.0.1
/// until the runtime stops. Connections run under the context current
/// here; each request carries its peer's `SocketAddr` as an extension.
pub(crate) async fn serve<S, B>(service: S) -> SocketAddr
where
    S: tower::Service<Request<Incoming>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let context = trace_runtime::propagate_context();
    let executor = InContext(context.clone());
    tokio::spawn(
        async move {
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    return;
                };
                let service = service.clone();
                let handler = hyper::service::service_fn(move |mut request: Request<Incoming>| {
                    request.extensions_mut().insert(peer);
                    service.clone().oneshot(request)
                });
                let builder = auto::Builder::new(executor.clone());
                tokio::spawn(
                    async move {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), handler)
                            .await;
                    }
                    .in_context(executor.0.clone()),
                );
            }
        }
        .in_context(context),
    );
    addr
}

/// A hyper-util client (HTTP/1.1), untraced.
pub(crate) fn http_client<B>()
-> hyper_util::client::legacy::Client<hyper_util::client::legacy::connect::HttpConnector, B>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http()
}

/// Runs `exchange` under a capture on a two-thread runtime, then waits
/// (the runtime still serving) until `spans` spans have ended.
pub(crate) fn run<F: Future>(spans: usize, exchange: impl FnOnce() -> F) -> (F::Output, Spans) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (output, mut live) = runtime.block_on(testing::capture_future_live(exchange()));
    let spans = live
        .wait_for(spans, Duration::from_secs(10))
        .unwrap_or_else(|timed_out| panic!("{timed_out:?}"));
    // Nothing more than what was waited for.
    std::thread::sleep(Duration::from_millis(50));
    let spans_after = live.spans();
    assert_eq!(
        spans.len(),
        spans_after.len(),
        "late spans: {:?}",
        spans_after.names()
    );
    drop(runtime);
    (output, spans_after)
}

/// Reads a response body to its end, as text.
pub(crate) async fn text<B>(body: B) -> String
where
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .unwrap()
        .to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The `traceparent` that propagates `span`.
pub(crate) fn traceparent_of(span: &trace_runtime::otel_sdk::trace::SpanData) -> String {
    let context = &span.span_context;
    format!(
        "00-{}-{}-{:02x}",
        context.trace_id(),
        context.span_id(),
        context.trace_flags().to_u8()
    )
}
