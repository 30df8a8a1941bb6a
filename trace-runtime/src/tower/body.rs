//! [`TracedBody`]: a response body that carries its exchange's span to
//! the end of the body.
//!
//! A handler returns its response before the body has been sent: for a
//! streamed body, or a gRPC call whose status comes in the trailers, the
//! exchange is not over then. The span ends when the body yields its last
//! frame (or reports `is_end_stream`), or when the body is dropped; it is
//! current while each frame is produced, so work a streaming body does is
//! part of the span.

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};

use super::exchange::ExchangeSpan;

pin_project_lite::pin_project! {
    /// A response body whose exchange span ends with it (see the module
    /// docs). It is the body of the responses of
    /// [`TraceService`](super::TraceService) and
    /// [`ClientTraceService`](super::ClientTraceService), and otherwise the
    /// body it wraps: same data, same errors, same size hint.
    ///
    /// ```
    /// use http_body::Body;
    /// use trace_runtime::tower::TracedBody;
    ///
    /// fn is_body<B: Body>(_: &B) {}
    /// # fn check(body: &TracedBody<String>) { is_body(body) }
    /// ```
    #[derive(Debug)]
    pub struct TracedBody<B> {
        #[pin]
        inner: B,
        span: Option<ExchangeSpan>,
    }

    impl<B> PinnedDrop for TracedBody<B> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(span) = this.span.take() {
                span.finish(false);
            }
        }
    }
}

impl<B: Body> TracedBody<B> {
    pub(crate) fn new(inner: B, span: ExchangeSpan) -> TracedBody<B> {
        // An empty body may never be polled: the exchange ended with its head.
        if inner.is_end_stream() {
            span.finish(true);
            return TracedBody { inner, span: None };
        }
        TracedBody {
            inner,
            span: Some(span),
        }
    }
}

impl<B> TracedBody<B> {
    /// The body wrapped, without a span: what a request that was not
    /// traced (skipped, or nothing recording) answers with.
    pub(crate) fn untraced(inner: B) -> TracedBody<B> {
        TracedBody { inner, span: None }
    }
}

impl<B: Body> Body for TracedBody<B>
where
    B::Error: std::fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let mut this = self.project();
        let Some(span) = this.span.as_mut() else {
            return this.inner.poll_frame(cx);
        };
        let polled = span.in_scope(|| this.inner.as_mut().poll_frame(cx));
        let ended = match &polled {
            Poll::Pending => false,
            Poll::Ready(None) => true,
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    span.on_data(bytes::Buf::remaining(data));
                } else if let Some(trailers) = frame.trailers_ref() {
                    span.on_trailers(trailers);
                }
                this.inner.is_end_stream()
            }
            Poll::Ready(Some(Err(error))) => {
                span.on_error(error, std::any::type_name::<B::Error>());
                true
            }
        };
        if ended && let Some(span) = this.span.take() {
            span.finish(true);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
