//! [`TraceLayer`]: server spans for tower services (axum, hyper, tonic).

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::sync::Arc;
use std::task::{Context, Poll};

use http::request::Parts;
use http::{Request, Response};
use http_body::Body;
use tower_layer::Layer;
use tower_service::Service;

use super::body::TracedBody;
use super::future::ResponseFuture;
use super::headers::{Message, RecordedHeaders};
use super::query::QueryRedaction;
use super::request_span::RequestSpan;
use super::server_span;
use crate::local::held;

/// Reads a route template from a request (see [`TraceLayer::with_route`]).
pub(crate) type RouteFn = dyn Fn(&Parts) -> Option<Cow<'static, str>> + Send + Sync;
/// Decides that a request gets no span (see [`TraceLayer::skip`]).
pub(crate) type SkipFn = dyn Fn(&Parts) -> bool + Send + Sync;
/// Adds to a request's span (see [`TraceLayer::on_request`]).
pub(crate) type RequestHook = dyn Fn(&Parts, &mut RequestSpan<'_>) + Send + Sync;

/// What a [`TraceLayer`] was configured with, shared by its services.
#[derive(Clone, Default)]
pub(crate) struct ServerConfig {
    pub(crate) route: Option<Arc<RouteFn>>,
    pub(crate) skip: Option<Arc<SkipFn>>,
    pub(crate) on_request: Option<Arc<RequestHook>>,
    pub(crate) public_endpoint: bool,
    pub(crate) trust_forwarded: bool,
    pub(crate) query: Option<QueryRedaction>,
    pub(crate) request_headers: RecordedHeaders,
    pub(crate) response_headers: RecordedHeaders,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("route", &self.route.is_some())
            .field("skip", &self.skip.is_some())
            .field("on_request", &self.on_request.is_some())
            .field("public_endpoint", &self.public_endpoint)
            .field("trust_forwarded", &self.trust_forwarded)
            .field("query", &self.query)
            .field("request_headers", &self.request_headers)
            .field("response_headers", &self.response_headers)
            .finish()
    }
}

/// A `tower::Layer` that gives every request a server span, by the HTTP
/// (or, for gRPC requests, RPC) semantic conventions. See the
/// [module docs](super) for what it records.
///
/// ```
/// use trace_runtime::tower::TraceLayer;
///
/// let layer = TraceLayer::new()
///     .skip(|request| request.uri.path() == "/health")
///     .record_request_headers(["x-request-id"]);
/// // axum: Router::new().route(..).layer(layer)
/// // tonic: Server::builder().layer(layer).add_service(..)
/// // hyper: TowerToHyperService::new(layer.layer(service))
/// # let _ = layer;
/// ```
#[derive(Clone, Debug, Default)]
pub struct TraceLayer {
    config: Arc<ServerConfig>,
}

impl TraceLayer {
    /// A layer with the defaults: the caller's context is the parent, no
    /// query, no headers, no request skipped.
    pub fn new() -> TraceLayer {
        TraceLayer::default()
    }

    fn configure(mut self, change: impl FnOnce(&mut ServerConfig)) -> TraceLayer {
        change(Arc::make_mut(&mut self.config));
        self
    }

    /// Reads the route template (`/users/{id}`) for `http.route` and the
    /// span name from the request. Without it, the layer reads axum's
    /// `MatchedPath` when the feature `axum` is on (add the layer with
    /// `Router::layer` so the route is matched before it runs), and names
    /// the span after the method alone otherwise: never after the raw
    /// path, whose values would make every span name different.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use trace_runtime::tower::TraceLayer;
    ///
    /// let layer = TraceLayer::new().with_route(|request| {
    ///     request.uri.path().starts_with("/users/").then_some(Cow::Borrowed("/users/{id}"))
    /// });
    /// # let _ = layer;
    /// ```
    pub fn with_route(
        self,
        route: impl Fn(&Parts) -> Option<Cow<'static, str>> + Send + Sync + 'static,
    ) -> TraceLayer {
        self.configure(|c| c.route = Some(Arc::new(route)))
    }

    /// Treats every caller as outside the trust boundary (a public
    /// endpoint): each request starts a new trace, the caller's context
    /// becomes a link instead of the parent, and incoming `baggage` is
    /// dropped. (Go's `otelhttp` calls this `WithPublicEndpoint`.)
    ///
    /// ```
    /// let layer = trace_runtime::tower::TraceLayer::new().public_endpoint();
    /// # let _ = layer;
    /// ```
    pub fn public_endpoint(self) -> TraceLayer {
        self.configure(|c| c.public_endpoint = true)
    }

    /// Takes `client.address` from `Forwarded` (its first `for=`) or
    /// `X-Forwarded-For` (its first address) when present, instead of the
    /// connection's peer. Only for servers behind a proxy that sets these
    /// headers: anyone can send them.
    ///
    /// ```
    /// let layer = trace_runtime::tower::TraceLayer::new().trust_forwarded_headers();
    /// # let _ = layer;
    /// ```
    pub fn trust_forwarded_headers(self) -> TraceLayer {
        self.configure(|c| c.trust_forwarded = true)
    }

    /// Records `url.query`, with the values `redaction` chooses replaced.
    /// Off by default.
    ///
    /// ```
    /// use trace_runtime::tower::{QueryRedaction, TraceLayer};
    /// let layer = TraceLayer::new().record_query(QueryRedaction::keys(["token"]));
    /// # let _ = layer;
    /// ```
    pub fn record_query(self, redaction: QueryRedaction) -> TraceLayer {
        self.configure(|c| c.query = Some(redaction))
    }

    /// Records these request headers as `http.request.header.<name>`
    /// (lowercase; each an array of the header's values). Opt-in by name
    /// only: `authorization` or `cookie` are recorded only if named here.
    /// Names that are not valid header names are ignored.
    ///
    /// ```
    /// let layer = trace_runtime::tower::TraceLayer::new().record_request_headers(["x-request-id"]);
    /// # let _ = layer;
    /// ```
    pub fn record_request_headers<N: AsRef<str>>(
        self,
        names: impl IntoIterator<Item = N>,
    ) -> TraceLayer {
        let headers = RecordedHeaders::new(Message::Request, names);
        self.configure(|c| c.request_headers = headers)
    }

    /// Records these response headers as `http.response.header.<name>`
    /// (see [`record_request_headers`](Self::record_request_headers)).
    ///
    /// ```
    /// let layer = trace_runtime::tower::TraceLayer::new().record_response_headers(["content-type"]);
    /// # let _ = layer;
    /// ```
    pub fn record_response_headers<N: AsRef<str>>(
        self,
        names: impl IntoIterator<Item = N>,
    ) -> TraceLayer {
        let headers = RecordedHeaders::new(Message::Response, names);
        self.configure(|c| c.response_headers = headers)
    }

    /// Requests for which `skip` returns true get no span at all (health
    /// checks, metrics scrapes); spans their handler starts are roots.
    ///
    /// ```
    /// let layer = trace_runtime::tower::TraceLayer::new().skip(|r| r.uri.path() == "/health");
    /// # let _ = layer;
    /// ```
    pub fn skip(self, skip: impl Fn(&Parts) -> bool + Send + Sync + 'static) -> TraceLayer {
        self.configure(|c| c.skip = Some(Arc::new(skip)))
    }

    /// Runs `hook` on every recorded request's span once the layer has set
    /// its own attributes: to rename it or add attributes from the request
    /// (see [`RequestSpan`]).
    pub fn on_request(
        self,
        hook: impl Fn(&Parts, &mut RequestSpan<'_>) + Send + Sync + 'static,
    ) -> TraceLayer {
        self.configure(|c| c.on_request = Some(Arc::new(hook)))
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> TraceService<S> {
        TraceService {
            inner,
            config: Arc::clone(&self.config),
        }
    }
}

/// The service a [`TraceLayer`] wraps around another.
///
/// ```
/// use tower_layer::Layer;
/// use trace_runtime::tower::{TraceLayer, TraceService};
///
/// #[derive(Clone)]
/// struct App;
/// let traced: TraceService<App> = TraceLayer::new().layer(App);
/// # let _ = traced;
/// ```
#[derive(Clone, Debug)]
pub struct TraceService<S> {
    inner: S,
    config: Arc<ServerConfig>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for TraceService<S>
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
        if !held::enabled(&server_span::SERVER) {
            return ResponseFuture::call(&mut self.inner, request, None);
        }
        let (parts, body) = request.into_parts();
        if self.config.skip.as_ref().is_some_and(|skip| skip(&parts)) {
            let request = Request::from_parts(parts, body);
            return ResponseFuture::call(&mut self.inner, request, None);
        }
        let span = server_span::start(&self.config, &parts);
        let request = Request::from_parts(parts, body);
        ResponseFuture::call(&mut self.inner, request, Some(span))
    }
}
