//! Starting a server span from a request head: its parent (or link), its
//! name and the request's attributes.

use std::borrow::Cow;

use http::request::Parts;
use opentelemetry::trace::SpanKind;

use super::conventions::{self as semconv, Side};
use super::exchange::ExchangeSpan;
use super::request_headers::RequestHeaders;
use super::request_span::RequestSpan;
use super::server::ServerConfig;
use super::{authority, request, route_names};
use crate::attributes::Display;
use crate::local::StartOptions;
use crate::local::held::HeldSpan;
use crate::propagation::extract_values;
use crate::record::Callsite;

/// The callsite of every server span: kind Server; the name is set per
/// request. No function or file: the layer's own location would only be
/// noise on the user's spans.
pub(crate) static SERVER: Callsite = Callsite::new("HTTP", SpanKind::Server, "", "", 0);

/// Starts the span of the request `parts` describes.
pub(crate) fn start(config: &ServerConfig, parts: &Parts) -> ExchangeSpan {
    let headers = RequestHeaders::read(&parts.headers);
    let remote = extract_values(&headers.context);
    let options = if config.public_endpoint {
        // A new trace, the caller's context as a link; its baggage (in
        // `remote`'s scope) is not taken.
        StartOptions::new().root().link(remote)
    } else {
        StartOptions::new().parent(remote)
    };
    let mut span = HeldSpan::start(&SERVER, options);
    let grpc = semconv::is_grpc_content_type(headers.content_type);
    if span.is_recording() {
        span.with_own_attributes(|span| record_request(span, config, parts, &headers, grpc));
        if let Some(hook) = &config.on_request {
            hook(parts, &mut RequestSpan::new(&mut span));
        }
    }
    ExchangeSpan::new(span, Side::Server, grpc, config.response_headers.clone())
        .without_response_body(parts.method == http::Method::HEAD)
}

fn record_request(
    span: &mut HeldSpan,
    config: &ServerConfig,
    parts: &Parts,
    headers: &RequestHeaders<'_>,
    grpc: bool,
) {
    match grpc
        .then(|| semconv::grpc_method(parts.uri.path()))
        .flatten()
    {
        Some((service, method)) => {
            span.rename(Cow::Owned(parts.uri.path()[1..].to_owned()));
            span.set(&semconv::RPC_SYSTEM, semconv::GRPC);
            span.set(&semconv::RPC_SERVICE, service);
            span.set(&semconv::RPC_METHOD, method);
        }
        None => record_http(span, config, parts),
    }
    if let Some(version) = semconv::protocol_version(parts.version) {
        span.set(&semconv::NETWORK_PROTOCOL_VERSION, version);
    }
    authority::record_requested(span, &parts.uri, headers.host);
    record_client_address(span, config, parts);
    request::record_user_agent(span, headers.user_agent);
    request::record_request_body_size(span, headers.content_length);
    if !config.request_headers.is_empty() {
        config.request_headers.record(&parts.headers, span);
    }
}

/// The HTTP part: method, name, route, path, scheme, query.
fn record_http(span: &mut HeldSpan, config: &ServerConfig, parts: &Parts) {
    let method = request::record_method(span, &parts.method);
    match route(config, parts) {
        Some(route) => match route_names::intern(&route) {
            // A known route: its name and template are interned, nothing
            // is formatted (see `route_names.rs`).
            Some(interned) => {
                span.rename(interned.name(method));
                span.set(&semconv::HTTP_ROUTE, interned.template);
            }
            None => {
                span.rename(Cow::Owned(format!("{method} {route}")));
                span.set(&semconv::HTTP_ROUTE, &*route);
            }
        },
        // The method alone: a static name, nothing allocated.
        None => span.rename(Cow::Borrowed(method)),
    }
    span.set(&semconv::URL_PATH, parts.uri.path());
    // A server sees the scheme only in absolute-form or HTTP/2 requests;
    // otherwise it is the plain-TCP default (TLS is terminated elsewhere).
    span.set(
        &semconv::URL_SCHEME,
        parts.uri.scheme_str().unwrap_or("http"),
    );
    if let (Some(redaction), Some(query)) = (&config.query, parts.uri.query()) {
        span.set(&semconv::URL_QUERY, &redaction.apply(query));
    }
}

/// The route template: the configured extractor's, else axum's `MatchedPath`.
fn route<'a>(config: &ServerConfig, parts: &'a Parts) -> Option<Cow<'a, str>> {
    if let Some(route) = &config.route {
        return route(parts);
    }
    #[cfg(feature = "axum")]
    if let Some(matched) = parts.extensions.get::<axum::extract::MatchedPath>() {
        return Some(Cow::Borrowed(matched.as_str()));
    }
    None
}

/// `client.address` and `client.port`: the forwarded client when trusted,
/// else the connection's peer.
fn record_client_address(span: &mut HeldSpan, config: &ServerConfig, parts: &Parts) {
    if config.trust_forwarded
        && let Some(client) = request::forwarded_client(&parts.headers)
    {
        span.set(&semconv::CLIENT_ADDRESS, client);
        return;
    }
    if let Some(peer) = request::peer_address(parts) {
        // Formatted into the span's text, not into a `String` of its own.
        span.set(&semconv::CLIENT_ADDRESS, &Display(&peer.ip()));
        span.set(&semconv::CLIENT_PORT, &peer.port());
    }
}
