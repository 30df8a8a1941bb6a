//! Reading a request head: the method, the client's address and the
//! sizes (the server's address is `authority.rs`'s).

use std::net::SocketAddr;

use http::header::FORWARDED;
use http::request::Parts;
use http::{HeaderMap, HeaderValue};

use super::conventions as semconv;
use crate::local::held::HeldSpan;

/// Records `http.request.method` (and `http.request.method_original` for
/// a method outside the specifications). Returns the method as span
/// names spell it: itself, or `HTTP` for an unknown one.
pub(crate) fn record_method(span: &mut HeldSpan, method: &http::Method) -> &'static str {
    match semconv::known_method(method) {
        Some(known) => {
            span.set(&semconv::HTTP_REQUEST_METHOD, known);
            known
        }
        None => {
            span.set(&semconv::HTTP_REQUEST_METHOD, "_OTHER");
            span.set(&semconv::HTTP_REQUEST_METHOD_ORIGINAL, method.as_str());
            "HTTP"
        }
    }
}

/// `user_agent.original`, when the header is visible text.
pub(crate) fn record_user_agent(span: &mut HeldSpan, user_agent: Option<&HeaderValue>) {
    if let Some(agent) = user_agent.and_then(|v| v.to_str().ok()) {
        span.set(&semconv::USER_AGENT_ORIGINAL, agent);
    }
}

/// `http.request.body.size`, when the request says it (its
/// `Content-Length` value).
pub(crate) fn record_request_body_size(span: &mut HeldSpan, content_length: Option<&HeaderValue>) {
    let length = content_length
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    if let Some(length) = length {
        span.set(&semconv::HTTP_REQUEST_BODY_SIZE, &length);
    }
}

/// The peer of the connection, as the server put it in the request's
/// extensions: a `SocketAddr`, or axum's `ConnectInfo<SocketAddr>`
/// (feature `axum`).
pub(crate) fn peer_address(parts: &Parts) -> Option<SocketAddr> {
    if let Some(addr) = parts.extensions.get::<SocketAddr>() {
        return Some(*addr);
    }
    #[cfg(feature = "axum")]
    if let Some(info) = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return Some(info.0);
    }
    None
}

/// The original client named by a proxy: the first `for=` of `Forwarded`,
/// else the first address of `X-Forwarded-For`. Only meaningful behind a
/// proxy that sets them: anyone else can write them.
pub(crate) fn forwarded_client(headers: &HeaderMap) -> Option<&str> {
    if let Some(forwarded) = headers.get(FORWARDED).and_then(|v| v.to_str().ok()) {
        let first = forwarded.split(',').next().unwrap_or_default();
        for pair in first.split(';') {
            let Some((key, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if key.eq_ignore_ascii_case("for") {
                return Some(strip_node(value.trim_matches('"')));
            }
        }
    }
    let xff = headers.get("x-forwarded-for")?.to_str().ok()?;
    let first = xff.split(',').next()?.trim();
    (!first.is_empty()).then_some(first)
}

/// The address part of a `Forwarded` node: `[2001:db8::1]:4711` and
/// `192.0.2.1:4711` lose their port and brackets.
fn strip_node(node: &str) -> &str {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match node.split_once(':') {
        Some((host, _port)) => host,
        None => node,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn forwarded_for_takes_the_first_hop_without_port_or_brackets() {
        let h = headers(&[(
            "forwarded",
            "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.1",
        )]);
        assert_eq!(forwarded_client(&h), Some("2001:db8::1"));
        let h = headers(&[("forwarded", "proto=http;for=192.0.2.60:80")]);
        assert_eq!(forwarded_client(&h), Some("192.0.2.60"));
    }

    #[test]
    fn x_forwarded_for_is_the_fallback() {
        let h = headers(&[("x-forwarded-for", " 203.0.113.7 , 10.0.0.1")]);
        assert_eq!(forwarded_client(&h), Some("203.0.113.7"));
        assert_eq!(forwarded_client(&HeaderMap::new()), None);
    }
}
