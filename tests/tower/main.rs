//! The tower integration on loopback: real servers and clients on
//! 127.0.0.1 around `trace_runtime::tower`'s layers and the reqwest
//! middleware, observed through test captures.
//!
//! A capture's context reaches a server only through the executor that
//! runs its connections: `support::serve` runs every connection (and every
//! HTTP/2 stream) under the context of the test that started it, so tests
//! run in parallel without a process-wide pipeline.
#![cfg(not(traced_off))]

mod client;
mod grpc;
mod reqwest_client;
mod server;
mod support;
