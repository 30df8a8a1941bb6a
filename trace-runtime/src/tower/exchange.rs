//! [`ExchangeSpan`]: the span of one request and its response, from the
//! request until the last frame of the response body, on either side.
//!
//! The service's future and then the response body carry it (see
//! `future.rs` and `body.rs`); what they see (the response head, data
//! frames, trailers, errors) is written to it here, by the conventions'
//! rules for the side it is on (`conventions.rs`).

use std::borrow::Cow;
use std::fmt::Display;

use http::{HeaderMap, StatusCode};

use super::conventions::{self as semconv, Side};
use super::headers::RecordedHeaders;
use crate::local::held::HeldSpan;

/// The span of one exchange (see the module docs).
#[derive(Debug)]
pub(crate) struct ExchangeSpan {
    span: HeldSpan,
    side: Side,
    grpc: bool,
    response_headers: RecordedHeaders,
    /// Response body bytes seen so far (`http.response.body.size`).
    body_bytes: u64,
    /// A gRPC status was recorded (from the headers or the trailers).
    grpc_status_seen: bool,
    /// The response has no body to send (a `HEAD` request, a 204 or 304):
    /// a server may drop it unpolled, which is no cancellation.
    bodiless: bool,
}

impl ExchangeSpan {
    pub(crate) fn new(
        span: HeldSpan,
        side: Side,
        grpc: bool,
        response_headers: RecordedHeaders,
    ) -> ExchangeSpan {
        ExchangeSpan {
            span,
            side,
            grpc,
            response_headers,
            body_bytes: 0,
            grpc_status_seen: false,
            bodiless: false,
        }
    }

    /// Marks the exchange as one whose response has no body (`HEAD`).
    pub(crate) fn without_response_body(mut self, bodiless: bool) -> ExchangeSpan {
        self.bodiless = bodiless;
        self
    }

    /// Runs `f` with the span current (see [`HeldSpan::in_scope`]).
    #[inline]
    pub(crate) fn in_scope<R>(&mut self, f: impl FnOnce() -> R) -> R {
        self.span.in_scope(f)
    }

    /// The response head arrived: its status (HTTP, or gRPC in a
    /// trailers-only response) and the recorded response headers.
    pub(crate) fn on_response(&mut self, status: StatusCode, headers: &HeaderMap) {
        self.bodiless |= status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
        if !self.span.is_recording() {
            return;
        }
        if self.grpc {
            if let Some(code) = semconv::grpc_status(headers) {
                self.on_grpc_status(code, headers);
            } else if status != StatusCode::OK {
                // Not a gRPC answer at all (a proxy's error page, say).
                self.on_http_status(status);
            }
        } else {
            self.on_http_status(status);
        }
        if !self.response_headers.is_empty() {
            self.response_headers.record(headers, &mut self.span);
        }
    }

    fn on_http_status(&mut self, status: StatusCode) {
        let code = status.as_u16();
        self.span
            .set(&semconv::HTTP_RESPONSE_STATUS_CODE, &i64::from(code));
        if semconv::http_status_is_error(self.side, code) {
            self.span.set(&semconv::ERROR_TYPE, status.as_str());
            self.span.set_error(Cow::Borrowed(""));
        }
    }

    fn on_grpc_status(&mut self, code: i64, headers: &HeaderMap) {
        self.grpc_status_seen = true;
        self.span.set(&semconv::RPC_GRPC_STATUS_CODE, &code);
        if semconv::grpc_status_is_error(self.side, code) {
            self.span
                .set(&semconv::ERROR_TYPE, semconv::grpc_code_name(code));
            let message = semconv::grpc_message(headers).map_or(Cow::Borrowed(""), Cow::Owned);
            self.span.set_error(message);
        }
    }

    /// A data frame of `len` bytes of the response body went by.
    #[inline]
    pub(crate) fn on_data(&mut self, len: usize) {
        self.body_bytes = self.body_bytes.saturating_add(len as u64);
    }

    /// The response's trailers: a gRPC status, usually.
    pub(crate) fn on_trailers(&mut self, trailers: &HeaderMap) {
        if self.grpc
            && !self.grpc_status_seen
            && self.span.is_recording()
            && let Some(code) = semconv::grpc_status(trailers)
        {
            self.on_grpc_status(code, trailers);
        }
    }

    /// The service (or transport, or response body) failed: status Error
    /// and an `exception` event, as a traced call records an `Err`.
    pub(crate) fn on_error<E: Display>(&mut self, error: &E, type_name: &'static str) {
        if self.span.is_recording() {
            self.span.record_exception(type_name, error);
        }
    }

    /// Ends the span. `completed`: the response body was read to its end
    /// (or there was none); else it was dropped before that, which on a
    /// server means the client went away: the span is marked cancelled.
    /// A client that drops a response body it does not need has not
    /// cancelled anything, so a client span just ends.
    pub(crate) fn finish(mut self, completed: bool) {
        if completed && !self.grpc && self.body_bytes > 0 {
            let bytes = i64::try_from(self.body_bytes).unwrap_or(i64::MAX);
            self.span.set(&semconv::HTTP_RESPONSE_BODY_SIZE, &bytes);
        }
        if completed || self.bodiless || self.side == Side::Client {
            self.span.end();
        } else {
            self.span.end_cancelled();
        }
    }

    /// Ends the span marked cancelled: the exchange was dropped before a
    /// response came (a server's client hung up, a client's caller gave up).
    pub(crate) fn cancel(self) {
        self.span.end_cancelled();
    }
}
