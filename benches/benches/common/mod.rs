//! The clock and settings both bench binaries share.
//!
//! The machine these numbers come from has 2 cores and is shared with other
//! builds and test runs. Wall time then counts the time this thread spends
//! descheduled, and a neighbour's burst can double one variant's figure and
//! not the next one's. By default criterion is therefore given the CPU time
//! of the measuring thread (`CLOCK_THREAD_CPUTIME_ID`), which only advances
//! while the thread runs: the cost each variant puts on the calling thread,
//! the quantity DESIGN.md section 7 sets goals for. `BENCH_CLOCK=wall`
//! switches to criterion's ordinary wall clock (for an idle machine, or to
//! see what a neighbour does to the numbers).

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// Which clock the benchmarks read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Clock {
    /// CPU time of the calling thread.
    ThreadCpu,
    /// Elapsed real time.
    Wall,
}

impl Clock {
    /// `BENCH_CLOCK=wall` selects wall time; anything else thread CPU time.
    pub(crate) fn from_env() -> Clock {
        match std::env::var("BENCH_CLOCK").as_deref() {
            Ok("wall") => Clock::Wall,
            _ => Clock::ThreadCpu,
        }
    }

    /// A reading, as time since an arbitrary fixed point.
    pub(crate) fn now(self) -> Duration {
        match self {
            Clock::ThreadCpu => {
                let mut now = libc::timespec {
                    tv_sec: 0,
                    tv_nsec: 0,
                };
                // SAFETY: `now` is a valid, writable timespec for the call.
                let result =
                    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
                assert_eq!(result, 0, "CLOCK_THREAD_CPUTIME_ID is not available");
                Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
            }
            Clock::Wall => {
                static ORIGIN: OnceLock<Instant> = OnceLock::new();
                ORIGIN.get_or_init(Instant::now).elapsed()
            }
        }
    }

    /// What the clock is called in reports.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Clock::ThreadCpu => "CPU time of the calling thread",
            Clock::Wall => "wall time",
        }
    }
}

/// A criterion measurement reading [`Clock`].
#[derive(Debug)]
pub(crate) struct BenchClock(pub(crate) Clock);

/// Criterion's own formatter for durations, borrowed from its wall clock.
static DURATIONS: WallTime = WallTime;

impl Measurement for BenchClock {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.0.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.0.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        DURATIONS.formatter()
    }
}

/// The settings of every benchmark: 1 s of warm-up, 3 s of measuring in 40
/// samples, no plots (the tables are printed), so a whole
/// `cargo bench -p trace-benches` measures for under two minutes.
pub(crate) fn criterion(clock: Clock) -> Criterion<BenchClock> {
    Criterion::default()
        .with_measurement(BenchClock(clock))
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(40)
        .without_plots()
        .configure_from_args()
}
