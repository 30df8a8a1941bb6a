//! What the HTTP and RPC semantic conventions say, as this integration
//! applies them: attribute names, method and protocol spellings, gRPC
//! status codes and which of them are errors on which side.
//!
//! Attribute names come from `opentelemetry-semantic-conventions` 0.33.
//! The RPC names recorded are the ones backends read today (`rpc.system`,
//! `rpc.service`, `rpc.method`, `rpc.grpc.status_code` as an integer);
//! the crate marks them deprecated in favour of a newer, still
//! experimental set (`rpc.system.name`, `rpc.response.status_code` as a
//! string) that no major backend maps yet. Changing the set is one edit
//! here.

use http::{Method, Version};

pub(crate) use opentelemetry_semantic_conventions::attribute::RPC_METHOD;
pub(crate) use opentelemetry_semantic_conventions::attribute::{
    CLIENT_ADDRESS, CLIENT_PORT, ERROR_TYPE, HTTP_REQUEST_BODY_SIZE, HTTP_REQUEST_METHOD,
    HTTP_REQUEST_METHOD_ORIGINAL, HTTP_RESPONSE_BODY_SIZE, HTTP_RESPONSE_STATUS_CODE, HTTP_ROUTE,
    NETWORK_PROTOCOL_VERSION, SERVER_ADDRESS, SERVER_PORT, URL_FULL, URL_PATH, URL_QUERY,
    URL_SCHEME, USER_AGENT_ORIGINAL,
};

// Deprecated by the crate in favour of the newer set (see the module docs).
#[allow(deprecated)]
pub(crate) const RPC_SYSTEM: &str = opentelemetry_semantic_conventions::attribute::RPC_SYSTEM;
#[allow(deprecated)]
pub(crate) const RPC_SERVICE: &str = opentelemetry_semantic_conventions::attribute::RPC_SERVICE;
#[allow(deprecated)]
pub(crate) const RPC_GRPC_STATUS_CODE: &str =
    opentelemetry_semantic_conventions::attribute::RPC_GRPC_STATUS_CODE;
pub(crate) use opentelemetry_semantic_conventions::attribute::{
    HTTP_REQUEST_HEADER, HTTP_RESPONSE_HEADER,
};

/// `rpc.system` of a gRPC call.
pub(crate) const GRPC: &str = "grpc";

/// The method as `http.request.method` records it: one of the methods the
/// HTTP specifications define, else `_OTHER` (the original then goes in
/// `http.request.method_original`). Static either way: no allocation.
pub(crate) fn known_method(method: &Method) -> Option<&'static str> {
    Some(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => return None,
    })
}

/// `network.protocol.version`: `1.1`, `2`, ...
pub(crate) fn protocol_version(version: Version) -> Option<&'static str> {
    Some(match version {
        Version::HTTP_09 => "0.9",
        Version::HTTP_10 => "1.0",
        Version::HTTP_11 => "1.1",
        Version::HTTP_2 => "2",
        Version::HTTP_3 => "3",
        _ => return None,
    })
}

/// Which end of a call a span describes: the status rules differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Server,
    Client,
}

/// Whether an HTTP status code is an error: 5xx on a server (a 4xx is the
/// client's mistake, the server did its job), 4xx and 5xx on a client.
pub(crate) fn http_status_is_error(side: Side, code: u16) -> bool {
    match side {
        Side::Server => code >= 500,
        Side::Client => code >= 400,
    }
}

/// Whether a gRPC status code is an error. On a client every code but
/// `OK` is; on a server only those that say the server failed: `UNKNOWN`,
/// `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE`,
/// `DATA_LOSS` (a `NOT_FOUND` or `INVALID_ARGUMENT` is a correct answer).
pub(crate) fn grpc_status_is_error(side: Side, code: i64) -> bool {
    match side {
        Side::Client => code != 0,
        Side::Server => matches!(code, 2 | 4 | 12 | 13 | 14 | 15),
    }
}

/// The canonical name of a gRPC status code (`error.type` of a failed call).
pub(crate) fn grpc_code_name(code: i64) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
        .unwrap_or("_OTHER")
}

/// Whether a request is a gRPC call: `content-type: application/grpc`,
/// alone or with a subtype (`application/grpc+proto`).
pub(crate) fn is_grpc(headers: &http::HeaderMap) -> bool {
    is_grpc_content_type(headers.get(http::header::CONTENT_TYPE))
}

/// [`is_grpc`] from the `content-type` value itself.
pub(crate) fn is_grpc_content_type(content_type: Option<&http::HeaderValue>) -> bool {
    content_type.is_some_and(|v| v.as_bytes().starts_with(b"application/grpc"))
}

/// `package.Service` and `Method` of a gRPC path `/package.Service/Method`.
pub(crate) fn grpc_method(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    (!service.is_empty() && !method.is_empty() && !method.contains('/'))
        .then_some((service, method))
}

/// The status code of a gRPC response, from its `grpc-status` header or
/// trailer. `None` when absent or not a number.
pub(crate) fn grpc_status(headers: &http::HeaderMap) -> Option<i64> {
    let value = headers.get("grpc-status")?.to_str().ok()?;
    value.trim().parse().ok()
}

/// The `grpc-message` of a response, percent-decoded (as the gRPC protocol
/// encodes it), for the span's status description.
pub(crate) fn grpc_message(headers: &http::HeaderMap) -> Option<String> {
    let raw = headers.get("grpc-message")?.as_bytes();
    let decoded = percent_encoding::percent_decode(raw).decode_utf8_lossy();
    (!decoded.is_empty()).then(|| decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_paths_split_into_service_and_method() {
        assert_eq!(
            grpc_method("/shop.Inventory/Lookup"),
            Some(("shop.Inventory", "Lookup"))
        );
        assert_eq!(grpc_method("/only-one"), None);
        assert_eq!(grpc_method("/a/b/c"), None);
        assert_eq!(grpc_method("//m"), None);
    }

    #[test]
    fn server_errors_are_the_server_failures_only() {
        let server: Vec<i64> = (0..17)
            .filter(|&c| grpc_status_is_error(Side::Server, c))
            .collect();
        assert_eq!(server, [2, 4, 12, 13, 14, 15]);
        assert!((1..17).all(|c| grpc_status_is_error(Side::Client, c)));
        assert!(!grpc_status_is_error(Side::Client, 0));
    }

    #[test]
    fn code_names_cover_the_protocol_and_fall_back() {
        assert_eq!(grpc_code_name(5), "NOT_FOUND");
        assert_eq!(grpc_code_name(16), "UNAUTHENTICATED");
        assert_eq!(grpc_code_name(99), "_OTHER");
        assert_eq!(grpc_code_name(-1), "_OTHER");
    }
}
