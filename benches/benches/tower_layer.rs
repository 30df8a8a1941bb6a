//! The server layer's cost per request: an axum router called as a
//! `tower::Service` in-process (no sockets, so the figure is the layer's
//! and not the kernel's), with no layer, with `trace_runtime::tower::TraceLayer`,
//! and with tower-http's `TraceLayer` feeding tracing-opentelemetry over the
//! SDK.
//!
//! Every iteration sends [`REQUESTS`] requests `GET /users/42` carrying a
//! `traceparent`, to a route `/users/{id}` whose handler returns a short
//! body, and reads each response body to its end (a span of ours ends
//! there). The clock is the calling thread's CPU time unless
//! `BENCH_CLOCK=wall` (see `common/mod.rs`).
//!
//! | bench id | what |
//! |---|---|
//! | `bare` | the router with no layer |
//! | `noop_layer` | a layer that adds nothing (`tower::layer::util::Identity`): what axum's wrapping of a routed layer costs any layer, ours and tower-http's alike |
//! | `traced` | `trace_runtime::tower::TraceLayer`, a pipeline exporting to a void exporter, drained (untimed) between blocks |
//! | `tower_http` | tower-http's `TraceLayer` (its defaults) into `tracing`'s registry with tracing-opentelemetry over an SDK tracer with the batch processor and a void exporter |
//!
//! The goal: the added cost over `bare` of `traced` at least 5x smaller
//! than that of `tower_http`. The table at the end gives ns per request,
//! the cost each adds over `bare`, and the ratio of the added costs.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use common::Clock;
use http::Request;
use http_body_util::BodyExt as _;
use tower::{Service, ServiceExt as _};
use trace_benches::{VoidExporter, drain_spinning, fresh_median_ns};
use trace_runtime::otel::trace::TracerProvider as _;
use trace_runtime::otel_sdk::trace::{BatchSpanProcessor, SdkTracerProvider};
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt as _;

mod common;

const GROUP: &str = "tower_layer";
/// Requests per criterion iteration.
const REQUESTS: u64 = 100;
const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

async fn user() -> &'static str {
    "{\"id\":42,\"name\":\"ada\"}"
}

fn router() -> Router {
    Router::new().route("/users/{id}", get(user))
}

fn request() -> Request<Body> {
    Request::builder()
        .uri("/users/42")
        .header("host", "api.example.com")
        .header("traceparent", TRACEPARENT)
        .header("user-agent", "bench/1.0")
        .body(Body::empty())
        .expect("a valid request")
}

/// Sends `REQUESTS` requests through `service` and reads every body to its
/// end (where a span of ours ends); returns the bytes read.
fn serve<S, B>(service: &mut S) -> usize
where
    S: Service<Request<Body>, Response = http::Response<B>>,
    S::Error: std::fmt::Debug,
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let mut bytes = 0;
    for _ in 0..REQUESTS {
        let body = futures_executor::block_on(async {
            let response = service
                .ready()
                .await
                .unwrap()
                .call(request())
                .await
                .unwrap();
            response.into_body().collect().await.unwrap().to_bytes()
        });
        bytes += black_box(body.len());
    }
    bytes
}

/// tracing-opentelemetry over an SDK tracer with the batch processor into
/// `exporter`: what a service using tower-http's layer would run.
fn tracing_opentelemetry(exporter: VoidExporter) -> (SdkTracerProvider, Dispatch) {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(BatchSpanProcessor::builder(exporter).build())
        .build();
    let tracer = provider.tracer("trace-benches");
    let dispatch = Dispatch::new(
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer)),
    );
    (provider, dispatch)
}

/// ns per request of `id` in this run.
fn per_request(id: &str, since: SystemTime) -> Option<f64> {
    fresh_median_ns(GROUP, id, since).map(|ns| ns / REQUESTS as f64)
}

fn print_table(clock: &str, since: SystemTime) {
    let bare = per_request("bare", since);
    let traced = per_request("traced", since);
    let peer = per_request("tower_http", since);
    let noop = per_request("noop_layer", since);
    println!("\n{GROUP}: median ns per request, {clock}, from this run");
    println!("| variant | ns/request | added over bare |");
    println!("|---|---:|---:|");
    for (id, ns) in [
        ("bare", bare),
        ("noop_layer", noop),
        ("traced", traced),
        ("tower_http", peer),
    ] {
        let Some(ns) = ns else { continue };
        let added = bare.map_or("-".to_owned(), |bare| format!("+{:.0} ns", ns - bare));
        println!("| {id} | {ns:.0} | {added} |");
    }
    if let (Some(bare), Some(traced), Some(peer)) = (bare, traced, peer) {
        println!(
            "\ntower_http adds {:.1}x what traced adds (goal: at least 5x)",
            (peer - bare) / (traced - bare)
        );
    }
    if let (Some(noop), Some(traced), Some(peer)) = (noop, traced, peer) {
        println!(
            "beyond what axum's wrapping costs any layer (noop_layer): tower_http adds {:.1}x what traced adds",
            (peer - noop) / (traced - noop)
        );
    }
}

fn main() {
    let started = SystemTime::now();
    let clock = Clock::from_env();
    let mut criterion = common::criterion(clock);
    let mut group = criterion.benchmark_group(GROUP);
    group.throughput(criterion::Throughput::Elements(REQUESTS));

    let mut bare = router();
    group.bench_function("bare", |b| b.iter(|| serve(&mut bare)));

    let mut noop = router().layer(tower::layer::util::Identity::new());
    group.bench_function("noop_layer", |b| b.iter(|| serve(&mut noop)));

    {
        let exporter = VoidExporter::new();
        let pipeline = trace_runtime::Pipeline::builder()
            .with_exporter(exporter.clone())
            .install()
            .expect("no other trace-runtime pipeline in this process");
        let mut traced = router().layer(trace_runtime::tower::TraceLayer::new());
        serve(&mut traced);
        drain_spinning(&pipeline);
        if exporter.spans() != REQUESTS {
            eprintln!(
                "WARNING: {REQUESTS} requests exported {} spans: `traced` is not measuring what it claims",
                exporter.spans()
            );
        }
        group.bench_function("traced", |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let start = clock.now();
                    black_box(serve(&mut traced));
                    timed += clock.now().saturating_sub(start);
                    // Untimed: the collector exports what this block ended.
                    drain_spinning(&pipeline);
                }
                timed
            });
        });
        drop(pipeline);
        eprintln!(
            "traced: void exporter got {} spans ({} dropped)",
            exporter.spans(),
            trace_runtime::PipelineStats::read().dropped
        );
    }

    {
        let exporter = VoidExporter::new();
        let (provider, dispatch) = tracing_opentelemetry(exporter.clone());
        let mut peer = router().layer(tower_http::trace::TraceLayer::new_for_http());
        tracing::dispatcher::with_default(&dispatch, || {
            group.bench_function("tower_http", |b| b.iter(|| serve(&mut peer)));
        });
        let _ = provider.shutdown();
        eprintln!("tower_http: void exporter got {} spans", exporter.spans());
    }

    group.finish();
    criterion.final_summary();
    print_table(clock.name(), started);
}
