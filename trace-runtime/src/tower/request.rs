//! Reading a request head: the addresses, the method and the sizes that
//! both sides record.

use std::borrow::Cow;
use std::net::SocketAddr;

use http::header::{CONTENT_LENGTH, FORWARDED, HOST, USER_AGENT};
use http::request::Parts;
use http::uri::Authority;
use http::{HeaderMap, Uri};

use super::conventions as semconv;
use crate::local::held::HeldSpan;

/// Records `http.request.method` (and `http.request.method_original` for
/// a method outside the specifications). Returns the method as span
/// names spell it: itself, or `HTTP` for an unknown one.
pub(crate) fn record_method(span: &mut HeldSpan, method: &http::Method) -> &'static str {
    match semconv::known_method(method) {
        Some(known) => {
            span.set(semconv::HTTP_REQUEST_METHOD, known);
            known
        }
        None => {
            span.set(semconv::HTTP_REQUEST_METHOD, "_OTHER");
            span.set(
                semconv::HTTP_REQUEST_METHOD_ORIGINAL,
                method.as_str().to_owned(),
            );
            "HTTP"
        }
    }
}

/// `server.address` and `server.port` from an authority (`host[:port]`).
pub(crate) fn record_server_address(
    span: &mut HeldSpan,
    authority: &Authority,
    default_port: Option<u16>,
) {
    let host = authority.host();
    // IPv6 literals come bracketed in an authority, the attribute has none.
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    span.set(semconv::SERVER_ADDRESS, host.to_owned());
    if let Some(port) = authority.port_u16().or(default_port) {
        span.set(semconv::SERVER_PORT, i64::from(port));
    }
}

/// The authority a server was addressed by: the URI's (HTTP/2
/// `:authority`, absolute-form requests), else the `Host` header.
pub(crate) fn requested_authority(uri: &Uri, headers: &HeaderMap) -> Option<Authority> {
    if let Some(authority) = uri.authority() {
        return Some(authority.clone());
    }
    let host = headers.get(HOST)?.to_str().ok()?;
    host.parse().ok()
}

/// `user_agent.original`, when the header is visible text.
pub(crate) fn record_user_agent(span: &mut HeldSpan, headers: &HeaderMap) {
    if let Some(agent) = headers.get(USER_AGENT).and_then(|v| v.to_str().ok()) {
        span.set(semconv::USER_AGENT_ORIGINAL, agent.to_owned());
    }
}

/// `http.request.body.size`, when the request says it (`Content-Length`).
pub(crate) fn record_request_body_size(span: &mut HeldSpan, headers: &HeaderMap) {
    let length = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    if let Some(length) = length {
        span.set(semconv::HTTP_REQUEST_BODY_SIZE, length);
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
pub(crate) fn forwarded_client(headers: &HeaderMap) -> Option<Cow<'_, str>> {
    if let Some(forwarded) = headers.get(FORWARDED).and_then(|v| v.to_str().ok()) {
        let first = forwarded.split(',').next().unwrap_or_default();
        for pair in first.split(';') {
            let Some((key, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if key.eq_ignore_ascii_case("for") {
                return Some(Cow::Owned(strip_node(value.trim_matches('"')).to_owned()));
            }
        }
    }
    let xff = headers.get("x-forwarded-for")?.to_str().ok()?;
    let first = xff.split(',').next()?.trim();
    (!first.is_empty()).then_some(Cow::Borrowed(first))
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
        assert_eq!(forwarded_client(&h).as_deref(), Some("2001:db8::1"));
        let h = headers(&[("forwarded", "proto=http;for=192.0.2.60:80")]);
        assert_eq!(forwarded_client(&h).as_deref(), Some("192.0.2.60"));
    }

    #[test]
    fn x_forwarded_for_is_the_fallback() {
        let h = headers(&[("x-forwarded-for", " 203.0.113.7 , 10.0.0.1")]);
        assert_eq!(forwarded_client(&h).as_deref(), Some("203.0.113.7"));
        assert_eq!(forwarded_client(&HeaderMap::new()), None);
    }
}
