//! Client spans for reqwest (feature `reqwest`): [`TracingMiddleware`].
//!
//! reqwest's client is not a tower service, so the integration is a
//! [`reqwest_middleware::Middleware`], the hook the reqwest ecosystem
//! already composes (retries, caching). It produces the same client span
//! as [`ClientTraceLayer`](crate::tower::ClientTraceLayer): kind Client,
//! named `{method}`, the context injected into the request headers,
//! `url.full` (no credentials, query values redacted), `server.address`,
//! `server.port`, `http.response.status_code` as an integer, status Error
//! on 4xx, 5xx and transport errors. A middleware rather than an
//! extension trait on `RequestBuilder`: it covers every request of the
//! client, including those a retry middleware sends again, and cannot be
//! forgotten at one call site.
//!
//! The span ends when the response head arrives: reqwest hands the
//! middleware a `Response` whose body the caller reads later, through an
//! API with no hook at its end.
//!
//! reqwest 0.13 only (reqwest-middleware 0.5). A second feature for reqwest
//! 0.12 (reqwest-middleware 0.4) would compile a second reqwest and a
//! second middleware crate in every build that enables both, and double
//! the tests, for a release line its maintainers have moved on from; the
//! features stay named after what they integrate, never after a version of
//! the OpenTelemetry crates, which this crate pins and re-exports.
//!
//! ```
//! use trace_runtime::reqwest::TracingMiddleware;
//!
//! fn client() -> reqwest_middleware::ClientWithMiddleware {
//!     reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!         .with(TracingMiddleware::new())
//!         .build()
//! }
//! // client().get("http://127.0.0.1:8080/users/7").send().await
//! ```

use std::future::Future;
use std::sync::Arc;

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use crate::local::held;
use crate::tower::QueryRedaction;
use crate::tower::client::ClientConfig;
use crate::tower::client_span::{self, Target};
use crate::tower::exchange::ExchangeSpan;

/// A reqwest middleware that gives every request a client span (see the
/// [module docs](self)).
///
/// ```
/// use trace_runtime::reqwest::TracingMiddleware;
/// use trace_runtime::tower::QueryRedaction;
///
/// let middleware = TracingMiddleware::new()
///     .redact_query(QueryRedaction::keys(["token"]))
///     .record_response_headers(["retry-after"]);
/// # let _ = middleware;
/// ```
#[derive(Clone, Debug, Default)]
pub struct TracingMiddleware {
    config: Arc<ClientConfig>,
}

impl TracingMiddleware {
    /// The middleware with the defaults: every query value redacted in
    /// `url.full`, no headers recorded.
    pub fn new() -> TracingMiddleware {
        TracingMiddleware::default()
    }

    /// Which query values `url.full` shows redacted (default: all).
    pub fn redact_query(mut self, redaction: QueryRedaction) -> TracingMiddleware {
        Arc::make_mut(&mut self.config).set_query(redaction);
        self
    }

    /// Records these request headers as `http.request.header.<name>`, opt-in by name.
    pub fn record_request_headers<N: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = N>,
    ) -> TracingMiddleware {
        Arc::make_mut(&mut self.config).set_request_headers(names);
        self
    }

    /// Records these response headers as `http.response.header.<name>`, opt-in by name.
    pub fn record_response_headers<N: AsRef<str>>(
        mut self,
        names: impl IntoIterator<Item = N>,
    ) -> TracingMiddleware {
        Arc::make_mut(&mut self.config).set_response_headers(names);
        self
    }
}

/// Ends the span marked cancelled if the request's future is dropped
/// before the response came.
struct CancelOnDrop(Option<ExchangeSpan>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(span) = self.0.take() {
            span.cancel();
        }
    }
}

#[async_trait::async_trait]
impl Middleware for TracingMiddleware {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        if !held::enabled(&client_span::CLIENT) {
            return next.run(request, extensions).await;
        }
        // Taken out and put back: the URL is borrowed while they are written.
        let mut headers = std::mem::take(request.headers_mut());
        let url = request.url();
        let target = Target {
            scheme: Some(url.scheme()),
            host: url.host_str(),
            port: url.port(),
            path: url.path(),
            query: url.query(),
        };
        let span = client_span::start(&self.config, request.method(), &target, &mut headers);
        *request.headers_mut() = headers;

        let mut guard = CancelOnDrop(Some(span));
        let mut sent = std::pin::pin!(next.run(request, extensions));
        let result = std::future::poll_fn(|cx| match guard.0.as_mut() {
            Some(span) => span.in_scope(|| sent.as_mut().poll(cx)),
            None => sent.as_mut().poll(cx),
        })
        .await;
        if let Some(mut span) = guard.0.take() {
            match &result {
                Ok(response) => span.on_response(response.status(), response.headers()),
                Err(error) => span.on_error(error, error_type(error)),
            }
            span.finish(true);
        }
        result
    }
}

/// `error.type` of a failed request: the error type underneath.
fn error_type(error: &reqwest_middleware::Error) -> &'static str {
    match error {
        reqwest_middleware::Error::Reqwest(_) => "reqwest::Error",
        reqwest_middleware::Error::Middleware(_) => "reqwest_middleware::Error",
    }
}
