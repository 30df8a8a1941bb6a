//! A collector that accepts connections and never answers (a hung
//! process, a proxy with no upstream), as the OTLP/HTTP endpoint, while
//! four threads produce spans for [`PRODUCE`].
//!
//! Each export waits for the OTLP timeout ([`OTLP_TIMEOUT`], short so that
//! the test sees a dozen of them) and fails. The test proves that the
//! producers are not held by it (each thread makes many more calls than
//! there were exports: a thread waiting on each export would have made
//! about one per export), that nothing is exported and every span is
//! counted as dropped (exported + dropped == ended == what the producers
//! ended), and that shutdown returns by itself (its duration is printed).
//! At shutdown the collector still holds a few batches, each of which would
//! wait for the timeout again, so shutdown usually ends at its deadline,
//! [`SHUTDOWN_TIMEOUT`], counting what it did not export as dropped and
//! leaving the collector thread to finish its last export alone.

use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use trace_runtime::{Pipeline, PipelineStats, traced};

use crate::load::Load;
use crate::serial;

/// How long the producers run.
const PRODUCE: Duration = Duration::from_secs(3);
/// How long one export waits for an answer.
const OTLP_TIMEOUT: Duration = Duration::from_millis(250);
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(1);

#[traced]
fn step() {}

#[traced]
fn request() {
    step();
    step();
}

/// A TCP listener that accepts connections and never answers, until dropped.
struct Silent {
    url: String,
    accepted: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Silent {
    fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicU64::new(0));
        let thread = {
            let stop = Arc::clone(&stop);
            let accepted = Arc::clone(&accepted);
            std::thread::spawn(move || {
                let mut held: Vec<TcpStream> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            accepted.fetch_add(1, Ordering::Relaxed);
                            held.push(stream);
                        }
                        Err(error) if error.kind() == ErrorKind::WouldBlock => {
                            std::thread::sleep(Duration::from_millis(10));
                        }
                        Err(error) => panic!("accept: {error}"),
                    }
                }
            })
        };
        Silent {
            url,
            accepted,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Silent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join(); // closes the connections it held
        }
    }
}

#[test]
fn a_collector_that_never_answers_holds_no_caller_and_every_span_is_counted() {
    let _serial = serial();
    let silent = Silent::start();
    let before = PipelineStats::read();
    let pipeline = Pipeline::builder()
        .with_otlp_endpoint(silent.url.clone())
        .with_otlp_timeout(OTLP_TIMEOUT)
        .with_export_timeout(OTLP_TIMEOUT * 2)
        .with_scheduled_delay(Duration::from_millis(100))
        .with_shutdown_timeout(SHUTDOWN_TIMEOUT)
        .strict()
        .install()
        .unwrap();
    let load = Load::start(4, Duration::from_millis(1), |_, _| {
        request();
        3
    });
    std::thread::sleep(PRODUCE);
    let figures = load.stop();
    let start = Instant::now();
    drop(pipeline);
    let shutdown = start.elapsed();
    let after = PipelineStats::read();
    let accepted = silent.accepted.load(Ordering::Relaxed);
    drop(silent);

    let ended = after.ended - before.ended;
    let exported = after.exported - before.exported;
    let dropped = after.dropped - before.dropped;
    let failed_exports = after.failed_exports - before.failed_exports;
    println!(
        "silent collector for {PRODUCE:?}, OTLP timeout {OTLP_TIMEOUT:?}, 4 threads: {figures}"
    );
    println!(
        "silent: ended {ended}, exported {exported}, dropped {dropped}, failed exports \
         {failed_exports}, connections accepted {accepted}; shutdown {shutdown:?} \
         (timeout {SHUTDOWN_TIMEOUT:?})"
    );

    assert_eq!(ended, figures.spans, "every span ended was handed off");
    assert_eq!(exported, 0);
    assert_eq!(dropped, ended, "every span accounted for");
    assert!(
        failed_exports > 0,
        "the exports reached the silent collector"
    );
    assert!(
        figures.fewest_calls > 10 * failed_exports,
        "the producers are not held by the exports: {figures}, {failed_exports} failed exports"
    );
}
