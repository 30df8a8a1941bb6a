//! Producer threads for the tests under load: each calls a traced
//! function in a loop at a steady pace until stopped, and measures how long
//! each call took (the worst is what "no call blocks" is about) and how
//! many spans it ended.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Producer threads running; [`Load::stop`] stops and joins them.
pub(crate) struct Load {
    stop: Arc<AtomicBool>,
    /// Spans ended (and handed off) by each thread so far: a call's spans
    /// are added once it has returned, so once its thread has no span open
    /// and has handed them to the pipeline.
    ended: Arc<Vec<AtomicU64>>,
    threads: Vec<JoinHandle<Figures>>,
}

/// What the producers did.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Figures {
    pub(crate) calls: u64,
    pub(crate) spans: u64,
    /// The slowest call of any thread.
    pub(crate) worst: Duration,
    total: Duration,
    /// The fewest calls one thread made.
    pub(crate) fewest_calls: u64,
}

impl Figures {
    fn merge(self, other: Figures) -> Figures {
        Figures {
            calls: self.calls + other.calls,
            spans: self.spans + other.spans,
            worst: self.worst.max(other.worst),
            total: self.total + other.total,
            fewest_calls: if self.calls == 0 {
                other.calls
            } else {
                self.fewest_calls.min(other.calls)
            },
        }
    }

    /// The mean call latency.
    pub(crate) fn mean(&self) -> Duration {
        self.total / u32::try_from(self.calls.max(1)).unwrap_or(u32::MAX)
    }
}

impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} calls ({} spans, at least {} calls per thread), call latency mean {:?}, worst {:?}",
            self.calls,
            self.spans,
            self.fewest_calls,
            self.mean(),
            self.worst
        )
    }
}

impl Load {
    /// Starts `threads` threads, each calling `work(thread, iteration)`
    /// (which returns the number of spans it ended) and then sleeping
    /// `pace`, until [`stop`](Self::stop).
    pub(crate) fn start(
        threads: usize,
        pace: Duration,
        work: impl Fn(usize, u64) -> u64 + Send + Sync + 'static,
    ) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let ended: Arc<Vec<AtomicU64>> =
            Arc::new((0..threads).map(|_| AtomicU64::new(0)).collect());
        let work = Arc::new(work);
        let threads = (0..threads)
            .map(|thread| {
                let stop = Arc::clone(&stop);
                let ended = Arc::clone(&ended);
                let work = Arc::clone(&work);
                std::thread::Builder::new()
                    .name(format!("producer-{thread}"))
                    .spawn(move || {
                        let mut figures = Figures::default();
                        let mut iteration = 0;
                        while !stop.load(Ordering::Relaxed) {
                            let start = Instant::now();
                            let spans = work(thread, iteration);
                            let took = start.elapsed();
                            ended[thread].fetch_add(spans, Ordering::Release);
                            figures.calls += 1;
                            figures.spans += spans;
                            figures.total += took;
                            figures.worst = figures.worst.max(took);
                            iteration += 1;
                            if !pace.is_zero() {
                                std::thread::sleep(pace);
                            }
                        }
                        figures.fewest_calls = figures.calls;
                        figures
                    })
                    .expect("a producer thread starts")
            })
            .collect();
        Load {
            stop,
            ended,
            threads,
        }
    }

    /// Spans the producers have ended and handed off so far.
    pub(crate) fn ended(&self) -> u64 {
        self.ended.iter().map(|n| n.load(Ordering::Acquire)).sum()
    }

    /// Stops the producers, waits for them and returns their figures.
    pub(crate) fn stop(self) -> Figures {
        self.stop.store(true, Ordering::Relaxed);
        self.threads
            .into_iter()
            .map(|thread| thread.join().expect("a producer does not panic"))
            .fold(Figures::default(), Figures::merge)
    }
}
