//! Server and client spans for tower services (feature `tower`): axum,
//! hyper and tonic servers, hyper-util and tonic clients.
//!
//! [`TraceLayer`] gives every request a server span:
//!
//! * **Parent.** The caller's `traceparent`, `tracestate` and `baggage`,
//!   read with this crate's strict W3C parser ([`extract`](crate::extract)).
//!   Without a valid parent the span starts a trace, as the sampler decides.
//!   Behind a trust boundary, [`TraceLayer::public_endpoint`] starts a new
//!   trace for each request and links the caller's context instead, and
//!   drops its baggage. Baggage is never copied into attributes.
//! * **Name.** `{method} {route}` with the route template (axum's
//!   `MatchedPath` with the feature `axum`, or [`TraceLayer::with_route`]),
//!   else `{method}` alone: never the raw path, whose ids would give every
//!   request a name of its own. gRPC requests (`content-type:
//!   application/grpc*`) are named `{package.Service}/{Method}`.
//! * **Attributes**, by the stable HTTP semantic conventions:
//!   `http.request.method` (`_OTHER` and `http.request.method_original`
//!   for methods outside the specifications), `url.path`, `url.scheme`,
//!   `http.route`, `http.response.status_code` (an integer),
//!   `network.protocol.version`, `server.address` and `server.port` (from
//!   `:authority` or `Host`), `client.address` and `client.port` (the
//!   connection's peer, from a `SocketAddr` or axum `ConnectInfo` request
//!   extension; the proxy headers only with
//!   [`TraceLayer::trust_forwarded_headers`]), `user_agent.original`, the
//!   body sizes when known, `error.type` on failure; `url.query` only when
//!   asked for ([`TraceLayer::record_query`], with redaction), chosen
//!   headers by name. gRPC spans get `rpc.system = "grpc"`, `rpc.service`,
//!   `rpc.method` and `rpc.grpc.status_code`, read from the `grpc-status`
//!   header or, as usual, from the trailers at the end of the body.
//! * **Status.** Error for a 5xx and for a failed service call; a 4xx is the
//!   client's mistake and leaves it Unset. gRPC: only `UNKNOWN`,
//!   `DEADLINE_EXCEEDED`, `UNIMPLEMENTED`, `INTERNAL`, `UNAVAILABLE` and
//!   `DATA_LOSS` are server errors. A panic in the handler is recorded as on
//!   any traced call.
//! * **Lifetime.** The handler's future runs with the span current (entered
//!   on each poll): `#[traced]` calls inside are its children,
//!   [`add_attribute`](crate::add_attribute) reaches it, identity scopes
//!   apply. The span ends when the response body has been sent, not when
//!   the handler returns: the body is wrapped ([`TracedBody`]). A request
//!   dropped before it completes (the client went away) ends its span
//!   marked [`CANCELLED_ATTRIBUTE`](crate::CANCELLED_ATTRIBUTE).
//!
//! [`ClientTraceLayer`] does the same for outgoing requests: kind Client,
//! named `{method}` (or `{package.Service}/{Method}`), the context injected
//! into the request headers, `url.full` with credentials removed and query
//! values redacted, status Error for 4xx, 5xx, every non-OK gRPC code and
//! transport errors.
//!
//! With nothing recording (no pipeline, no capture, or the span filter
//! leaving the layer's spans out) a request costs one relaxed load and is
//! passed through untouched.
//!
//! A recorded request is priced like the spans of traced calls: its span is
//! kept the fast way (see `crate::local`), and what the layer adds per
//! request stays off the allocator. The headers it reads are found in one
//! walk over the request's headers (`request_headers.rs`); the context is
//! parsed from them without collecting values; a span name made from a
//! route template is interned once per process (`route_names.rs`); the
//! server's address is parsed once per thread while it repeats
//! (`authority.rs`); attribute text is copied into the span's recycled
//! details rather than into `String`s, and the request's attributes are
//! appended without looking for keys to replace. The `tower_layer`
//! benchmark compares the result with tower-http's `TraceLayer`
//! (`BENCHMARKS.md`).
//!
//! | file | owns |
//! |---|---|
//! | `server.rs` | [`TraceLayer`], [`TraceService`]: configuration and the service |
//! | `server_span.rs` | a server span from a request head: parent, name, attributes |
//! | `client.rs` | [`ClientTraceLayer`], [`ClientTraceService`] |
//! | `client_span.rs` | a client span from a request head, the context injected |
//! | `exchange.rs` | the span of one exchange, from request to the end of the response |
//! | `future.rs` | [`ResponseFuture`]: the inner future, polled in the span |
//! | `body.rs` | [`TracedBody`]: the response body that ends the span |
//! | `request.rs` | reading a request head: method, client address, sizes |
//! | `request_headers.rs` | the headers a server span reads, in one walk over the map |
//! | `authority.rs` | `server.address` and `server.port`, read once per thread while they repeat |
//! | `route_names.rs` | span names of route templates, interned once per process |
//! | `headers.rs` | headers recorded by name |
//! | `query.rs` | [`QueryRedaction`] |
//! | `request_span.rs` | [`RequestSpan`]: what a hook may change |
//! | `conventions.rs` | the semantic conventions: names, status rules, gRPC codes |

mod authority;
mod body;
pub(crate) mod client;
pub(crate) mod client_span;
mod conventions;
pub(crate) mod exchange;
mod future;
mod headers;
mod query;
mod request;
mod request_headers;
mod request_span;
mod route_names;
mod server;
mod server_span;

pub use body::TracedBody;
pub use client::{ClientTraceLayer, ClientTraceService};
pub use future::ResponseFuture;
pub use query::{QueryRedaction, REDACTED};
pub use request_span::RequestSpan;
pub use server::{TraceLayer, TraceService};
