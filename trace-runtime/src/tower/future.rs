//! [`ResponseFuture`]: the inner service's future, polled with the
//! exchange's span current, handing the span to the response body.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;
use http_body::Body;

use super::body::TracedBody;
use super::exchange::ExchangeSpan;

pin_project_lite::pin_project! {
    /// The future of [`TraceService`](super::TraceService) and
    /// [`ClientTraceService`](super::ClientTraceService).
    ///
    /// Each poll enters the span, as a traced async call does: what the
    /// handler (or the client's inner service) starts is a child of it,
    /// `add_attribute` reaches it, a panic is recorded on it. When the
    /// response head arrives, the span moves into the [`TracedBody`]; a
    /// failed call ends it with status Error; a future dropped before
    /// either ends it marked cancelled
    /// ([`CANCELLED_ATTRIBUTE`](crate::CANCELLED_ATTRIBUTE)).
    ///
    /// ```
    /// use trace_runtime::tower::ResponseFuture;
    ///
    /// fn is_future<F: std::future::Future>(_: &F) {}
    /// # fn check<F: std::future::Future<Output = Result<http::Response<String>, std::convert::Infallible>>>(f: &ResponseFuture<F>) { is_future(f) }
    /// ```
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<ExchangeSpan>,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(span) = this.project().span.take() {
                span.cancel();
            }
        }
    }
}

impl<F> ResponseFuture<F> {
    /// Calls `service` with `request`, inside `span` when there is one
    /// (work the service does in `call` belongs to the exchange too).
    pub(crate) fn call<S, R>(
        service: &mut S,
        request: R,
        span: Option<ExchangeSpan>,
    ) -> ResponseFuture<S::Future>
    where
        S: tower_service::Service<R, Future = F>,
    {
        match span {
            Some(mut span) => {
                let inner = span.in_scope(|| service.call(request));
                ResponseFuture {
                    inner,
                    span: Some(span),
                }
            }
            None => ResponseFuture {
                inner: service.call(request),
                span: None,
            },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Body,
    E: Display,
{
    type Output = Result<Response<TracedBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(span) = this.span.as_mut() else {
            return this
                .inner
                .poll(cx)
                .map_ok(|response| response.map(TracedBody::untraced));
        };
        let polled = span.in_scope(|| this.inner.as_mut().poll(cx));
        let Poll::Ready(result) = polled else {
            return Poll::Pending;
        };
        let Some(mut span) = this.span.take() else {
            return Poll::Ready(result.map(|response| response.map(TracedBody::untraced)));
        };
        Poll::Ready(match result {
            Ok(response) => {
                span.on_response(response.status(), response.headers());
                Ok(response.map(|body| TracedBody::new(body, span)))
            }
            Err(error) => {
                span.on_error(&error, std::any::type_name::<E>());
                span.finish(true);
                Err(error)
            }
        })
    }
}
