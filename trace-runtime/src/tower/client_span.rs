//! Starting a client span from an outgoing request: its name, its
//! attributes, and the context injected into the request's headers.
//!
//! Shared by [`ClientTraceService`](super::ClientTraceService) and the
//! reqwest middleware, which describe their targets with different URL
//! types ([`Target`]).

use std::borrow::Cow;
use std::fmt::Write as _;

use http::{HeaderMap, Method, Uri};
use opentelemetry::trace::SpanKind;

use super::client::ClientConfig;
use super::conventions::{self as semconv, Side};
use super::exchange::ExchangeSpan;
use super::request;
use crate::local::StartOptions;
use crate::local::held::HeldSpan;
use crate::propagation::inject;
use crate::record::Callsite;

/// The callsite of every client span (see `server_span::SERVER`).
pub(crate) static CLIENT: Callsite = Callsite::new("HTTP", SpanKind::Client, "", "", 0);

/// Where a request goes, whatever URL type described it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Target<'a> {
    pub(crate) scheme: Option<&'a str>,
    pub(crate) host: Option<&'a str>,
    pub(crate) port: Option<u16>,
    pub(crate) path: &'a str,
    pub(crate) query: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// The target of an `http::Uri` (its user info, if any, left out).
    pub(crate) fn of_uri(uri: &'a Uri) -> Target<'a> {
        Target {
            scheme: uri.scheme_str(),
            host: uri.host(),
            port: uri.port_u16(),
            path: uri.path(),
            query: uri.query(),
        }
    }

    /// The port, or the scheme's default.
    fn port_or_default(&self) -> Option<u16> {
        self.port.or(match self.scheme {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        })
    }

    /// `url.full`: no user info, query values redacted as configured.
    fn full_url(&self, config: &ClientConfig) -> Option<String> {
        let (scheme, host) = (self.scheme?, self.host?);
        let mut url = String::with_capacity(scheme.len() + host.len() + self.path.len() + 16);
        let _ = write!(url, "{scheme}://{host}");
        if let Some(port) = self.port {
            let _ = write!(url, ":{port}");
        }
        url.push_str(self.path);
        if let Some(query) = self.query {
            url.push('?');
            url.push_str(&config.query.apply(query));
        }
        Some(url)
    }
}

/// Starts the span of an outgoing request and injects its context into
/// `headers`. Call it where the request is sent: the span is a child of
/// the context current there.
pub(crate) fn start(
    config: &ClientConfig,
    method: &Method,
    target: &Target<'_>,
    headers: &mut HeaderMap,
) -> ExchangeSpan {
    let mut span = HeldSpan::start(&CLIENT, StartOptions::new());
    let grpc = semconv::is_grpc(headers);
    if span.is_recording() {
        span.with_own_attributes(|span| {
            record_request(span, config, method, target, headers, grpc);
        });
    }
    // An unsampled span is injected too: the next hop follows its decision.
    span.in_scope(|| inject(headers));
    ExchangeSpan::new(span, Side::Client, grpc, config.response_headers.clone())
}

fn record_request(
    span: &mut HeldSpan,
    config: &ClientConfig,
    method: &Method,
    target: &Target<'_>,
    headers: &HeaderMap,
    grpc: bool,
) {
    match grpc.then(|| semconv::grpc_method(target.path)).flatten() {
        Some((service, rpc_method)) => {
            span.rename(Cow::Owned(target.path[1..].to_owned()));
            span.set(&semconv::RPC_SYSTEM, semconv::GRPC);
            span.set(&semconv::RPC_SERVICE, service);
            span.set(&semconv::RPC_METHOD, rpc_method);
        }
        None => {
            let name = request::record_method(span, method);
            span.rename(Cow::Borrowed(name));
            if let Some(url) = target.full_url(config) {
                span.set(&semconv::URL_FULL, &url);
            }
        }
    }
    if let Some(host) = target.host {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        span.set(&semconv::SERVER_ADDRESS, host);
    }
    if let Some(port) = target.port_or_default() {
        span.set(&semconv::SERVER_PORT, &port);
    }
    request::record_request_body_size(span, headers.get(http::header::CONTENT_LENGTH));
    if !config.request_headers.is_empty() {
        config.request_headers.record(headers, span);
    }
}
