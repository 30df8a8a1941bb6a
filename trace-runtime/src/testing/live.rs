//! [`LiveCapture`]: a capture that goes on recording after its closure
//! returned, and waits for late spans with a timeout ([`TimedOut`] when it
//! runs out).
//!
//! Late spans reach the capture's sink from whichever thread ends them, at
//! that thread's next hand-off, for as long as the sink lives (the context
//! handed to a thread or task holds it). What the capture adds is keeping
//! the gate open, without which spans started under its context after the
//! closure returned would not be recorded at all, and collecting what the
//! sink received. Waiting polls the sink: the hot path that delivers to it
//! stays free of any notification.

use std::fmt;
use std::time::{Duration, Instant};

use super::{Capture, Spans};

/// How long a wait sleeps between two looks at the sink, at most.
const MAX_POLL_INTERVAL: Duration = Duration::from_millis(10);

/// A capture whose closure (or future) has returned, still recording the
/// spans started under its context: from [`capture_live`](super::capture_live)
/// or [`capture_future_live`](super::capture_future_live).
///
/// It holds every span of the capture delivered so far, those that ended
/// before the closure returned included. Spans started under its context
/// are recorded for as long as it lives; dropping it ends the capture.
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// use trace_runtime::{testing, traced};
///
/// #[traced]
/// fn job() {}
///
/// let (go, wait) = mpsc::channel::<()>();
/// let (worker, mut live) = testing::capture_live(|| {
///     trace_runtime::thread::spawn(move || { wait.recv().unwrap(); job(); })
/// });
/// assert!(live.spans().is_empty()); // `job` has not started yet
/// go.send(()).unwrap();
/// let spans = live.wait_for(1, Duration::from_secs(10)).unwrap();
/// assert_eq!(spans.names(), ["job"]);
/// worker.join().unwrap();
/// ```
#[must_use = "a LiveCapture holds the captured spans; dropping it ends the capture"]
pub struct LiveCapture {
    capture: Capture,
    spans: Spans,
}

impl LiveCapture {
    pub(super) fn new(capture: Capture) -> LiveCapture {
        let mut live = LiveCapture {
            capture,
            spans: Spans::default(),
        };
        live.collect();
        live
    }

    /// Takes what the sink received since the last look.
    fn collect(&mut self) {
        self.capture.drain_into(&mut self.spans.0);
    }

    /// The spans delivered so far, ordered by start time, without waiting.
    ///
    /// ```
    /// use trace_runtime::{testing, traced};
    ///
    /// #[traced]
    /// fn work() {}
    ///
    /// let ((), mut live) = testing::capture_live(work);
    /// assert_eq!(live.spans().names(), ["work"]);
    /// ```
    pub fn spans(&mut self) -> Spans {
        self.collect();
        self.spans.clone()
    }

    /// Waits until the capture holds at least `count` spans in all (those
    /// that ended before the closure returned count too), for at most
    /// `timeout`, and returns them.
    ///
    /// # Errors
    /// [`TimedOut`], with the spans delivered by then, when `timeout`
    /// passed first.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trace_runtime::{testing, traced};
    ///
    /// #[traced]
    /// fn work() {}
    ///
    /// let ((), mut live) = testing::capture_live(work);
    /// assert_eq!(live.wait_for(1, Duration::from_secs(10)).unwrap().len(), 1);
    ///
    /// let timed_out = live.wait_for(2, Duration::from_millis(10)).unwrap_err();
    /// assert_eq!(timed_out.spans().names(), ["work"]);
    /// ```
    pub fn wait_for(&mut self, count: usize, timeout: Duration) -> Result<Spans, TimedOut> {
        let waiting_for = if count == 1 {
            "1 span".to_owned()
        } else {
            format!("{count} spans")
        };
        self.wait(|spans| spans.len() >= count, timeout, waiting_for)
    }

    /// Waits until `done` holds for the spans delivered so far (all of
    /// them, ordered by start time), for at most `timeout`, and returns
    /// them. `done` is called once at first and again after each delivery.
    ///
    /// # Errors
    /// [`TimedOut`], with the spans delivered by then, when `timeout`
    /// passed first.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trace_runtime::{testing, traced};
    ///
    /// #[traced]
    /// fn flush() {}
    ///
    /// let (worker, mut live) = testing::capture_live(|| trace_runtime::thread::spawn(flush));
    /// let spans = live
    ///     .wait_until(|spans| !spans.all_named("flush").is_empty(), Duration::from_secs(10))
    ///     .unwrap();
    /// assert_eq!(spans.names(), ["flush"]);
    /// worker.join().unwrap();
    /// ```
    pub fn wait_until(
        &mut self,
        done: impl FnMut(&Spans) -> bool,
        timeout: Duration,
    ) -> Result<Spans, TimedOut> {
        self.wait(done, timeout, "the condition".to_owned())
    }

    fn wait(
        &mut self,
        mut done: impl FnMut(&Spans) -> bool,
        timeout: Duration,
        waiting_for: String,
    ) -> Result<Spans, TimedOut> {
        let started = Instant::now();
        let mut interval = Duration::from_millis(1);
        let mut seen = None;
        loop {
            self.collect();
            if seen != Some(self.spans.len()) {
                if done(&self.spans) {
                    return Ok(self.spans.clone());
                }
                seen = Some(self.spans.len());
            }
            let waited = started.elapsed();
            let Some(left) = timeout.checked_sub(waited).filter(|left| !left.is_zero()) else {
                return Err(TimedOut {
                    waited,
                    waiting_for,
                    spans: self.spans.clone(),
                });
            };
            std::thread::sleep(interval.min(left));
            interval = (interval * 2).min(MAX_POLL_INTERVAL);
        }
    }
}

impl fmt::Debug for LiveCapture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveCapture")
            .field("spans", &self.spans.names())
            .finish_non_exhaustive()
    }
}

/// A [`LiveCapture`] wait whose timeout passed first, with the spans
/// delivered by then.
///
/// Its `Debug` and `Display` name what was waited for and list the span
/// names, so `.unwrap()` on a wait fails a test with a message saying what
/// did arrive.
///
/// ```
/// use std::time::Duration;
/// use trace_runtime::testing;
///
/// let ((), mut live) = testing::capture_live(|| ());
/// let timed_out = live.wait_for(1, Duration::from_millis(5)).unwrap_err();
/// assert!(timed_out.spans().is_empty());
/// assert!(timed_out.to_string().starts_with("timed out after"));
/// ```
pub struct TimedOut {
    waited: Duration,
    waiting_for: String,
    spans: Spans,
}

impl TimedOut {
    /// The spans delivered before the timeout, ordered by start time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trace_runtime::testing;
    ///
    /// let ((), mut live) = testing::capture_live(|| trace_runtime::with_span("early", [], || ()));
    /// let timed_out = live.wait_for(2, Duration::from_millis(5)).unwrap_err();
    /// assert_eq!(timed_out.spans().names(), ["early"]);
    /// ```
    pub fn spans(&self) -> &Spans {
        &self.spans
    }

    /// The spans delivered before the timeout, ordered by start time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use trace_runtime::testing;
    ///
    /// let ((), mut live) = testing::capture_live(|| ());
    /// let spans = live.wait_for(1, Duration::from_millis(5)).unwrap_or_else(|t| t.into_spans());
    /// assert!(spans.is_empty());
    /// ```
    pub fn into_spans(self) -> Spans {
        self.spans
    }
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}; captured spans: {:?}",
            self.waited,
            self.waiting_for,
            self.spans.names()
        )
    }
}

impl fmt::Debug for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimedOut")
            .field("waited", &self.waited)
            .field("waiting_for", &self.waiting_for)
            .field("spans", &self.spans.names())
            .finish()
    }
}

impl std::error::Error for TimedOut {}
