//! [`ClientTraceLayer`]: client spans for tower clients (hyper-util's
//! legacy client, tonic's `Channel`).

use std::fmt::Display;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use super::body::TracedBody;
use super::client_span::{self, Target};
use super::future::ResponseFuture;
use super::headers::{Message, RecordedHeaders};
use super::query::QueryRedaction;
use crate::local::held;

/// What a [`ClientTraceLayer`] (or the reqwest middleware) was configured with.
#[derive(Clone, Debug)]
pub(crate) struct ClientConfig {
    pub(crate) query: QueryRedaction,
    pub(crate) request_headers: RecordedHeaders,
    pub(crate) response_headers: RecordedHeaders,
}

impl Default for ClientConfig {
    fn default() -> ClientConfig {
        ClientConfig {
            query: QueryRedaction::AllValues,
            request_headers: RecordedHeaders::default(),
            response_headers: RecordedHeaders::default(),
        }
    }
}

impl ClientConfig {
    pub(crate) fn set_query(&mut self, redaction: QueryRedaction) {
        self.query = redaction;
    }

    pub(crate) fn set_request_headers<N: AsRef<str>>(
        &mut self,
        names: impl IntoIterator<Item = N>,
    ) {
        self.request_headers = RecordedHeaders::new(Message::Request, names);
    }

    pub(crate) fn set_response_headers<N: AsRef<str>>(
        &mut self,
        names: impl IntoIterator<Item = N>,
    ) {
        self.response_headers = RecordedHeaders::new(Message::Response, names);
    }
}

/// A `tower::Layer` that gives every outgoing request a client span and
/// injects its context (W3C `traceparent`, `tracestate`, `baggage`) into
/// the request headers. See the [module docs](super).
///
/// `server.address` and `server.port` come from the request's URI. A
/// tonic `Channel` fills the URI's scheme and authority in only after the
/// layer has run, so for a gRPC client give the generated client (or
/// `tonic::client::Grpc`) the server's origin with `with_origin`, as
/// `examples/service.rs` does; without it, those two attributes are left
/// out.
///
/// ```
/// use tower_layer::Layer;
/// use trace_runtime::tower::{ClientTraceLayer, QueryRedaction};
///
/// #[derive(Clone)]
/// struct Transport; // hyper-util's legacy `Client`, tonic's `Channel`, ...
/// let client = ClientTraceLayer::new()
///     .redact_query(QueryRedaction::keys(["sig"]))
///     .layer(Transport);
/// # let _ = client;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientTraceLayer {
    config: Arc<ClientConfig>,
}

impl ClientTraceLayer {
    /// A layer with the defaults: every query value redacted in `url.full`,
    /// no headers recorded.
    pub fn new() -> ClientTraceLayer {
        ClientTraceLayer::default()
    }

    /// Which query values `url.full` shows replaced by
    /// [`REDACTED`](super::REDACTED) (default: all of them).
    ///
    /// ```
    /// use trace_runtime::tower::{ClientTraceLayer, QueryRedaction};
    /// let layer = ClientTraceLayer::new().redact_query(QueryRedaction::keys(["token"]));
    /// # let _ = layer;
    /// ```
    pub fn redact_query(mut self, redaction: QueryRedaction) -> ClientTraceLayer {
        Arc::make_mut(&mut self.config).set_query(redaction);
        self
    }

    /// Records these request headers as `http.request.header.<name>`,
    /// opt-in by name (see [`TraceLayer::record_request_headers`](super::TraceLayer::record_request_headers)).
    ///
    /// ```
    /// let layer = trace_runtime::tower::ClientTraceLayer::new().record_request_headers(["x-request-id"]);
    /// # let _ = layer;
    /// ```
    pub fn record_request_headers<N: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = N>,
    ) -> ClientTraceLayer {
        Arc::make_mut(&mut self.config).set_request_headers(names);
        self
    }

    /// Records these response headers as `http.response.header.<name>`.
    ///
    /// ```
    /// let layer = trace_runtime::tower::ClientTraceLayer::new().record_response_headers(["retry-after"]);
    /// # let _ = layer;
    /// ```
    pub fn record_response_headers<N: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = N>,
    ) -> ClientTraceLayer {
        Arc::make_mut(&mut self.config).set_response_headers(names);
        self
    }
}

impl<S> Layer<S> for ClientTraceLayer {
    type Service = ClientTraceService<S>;

    fn layer(&self, inner: S) -> ClientTraceService<S> {
        ClientTraceService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service a [`ClientTraceLayer`] wraps around a client.
///
/// ```
/// use tower_layer::Layer;
/// use trace_runtime::tower::{ClientTraceLayer, ClientTraceService};
///
/// #[derive(Clone)]
/// struct Transport;
/// let traced: ClientTraceService<Transport> = ClientTraceLayer::new().layer(Transport);
/// # let _ = traced;
/// ```
#[derive(Clone, Debug)]
pub struct ClientTraceService<S> {
    inner: S,
    config: Arc<ClientConfig>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ClientTraceService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Error: Display,
    ResBody: Body,
{
    type Response = Response<TracedBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        if !held::enabled(&client_span::CLIENT) {
            return ResponseFuture::call(&mut self.inner, request, None);
        }
        let (mut parts, body) = request.into_parts();
        let span = client_span::start(
            &self.config,
            &parts.method,
            &Target::of_uri(&parts.uri),
            &mut parts.headers,
        );
        let request = Request::from_parts(parts, body);
        ResponseFuture::call(&mut self.inner, request, Some(span))
    }
}
