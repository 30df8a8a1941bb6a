//! The console is prompt: a trace prints as its local root ends, and a late
//! span of a printed trace as it ends, however long the batch schedule;
//! batching exporters installed beside it still get full batches.
//!
//! Every pipeline here has a 30 s schedule delay, so anything that arrives
//! within [`PROMPTLY`] came by prompt delivery, not by the schedule. The
//! tests wait for output with a deadline; they never sleep to let time pass.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use trace_runtime::otel_sdk::error::{OTelSdkError, OTelSdkResult};
use trace_runtime::otel_sdk::trace::{SpanData, SpanExporter};
use trace_runtime::testing::InMemoryExporter;
use trace_runtime::{ConsoleExporter, Pipeline, PipelineStats, traced};

use crate::serial;

/// Far more than a prompt delivery takes, far less than the schedule.
const PROMPTLY: Duration = Duration::from_secs(2);
const SCHEDULE: Duration = Duration::from_secs(30);

/// What the console printed, shared with the test.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Write for Screen {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Screen {
    fn exporter(&self) -> ConsoleExporter {
        ConsoleExporter::with_writer(Box::new(self.clone()))
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }

    /// Waits at most [`PROMPTLY`] for the text to satisfy `done`.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PROMPTLY;
        loop {
            let text = self.text();
            if done(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "not printed within {PROMPTLY:?}: {what}; the console shows:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn traces(text: &str) -> usize {
    text.lines()
        .filter(|line| line.starts_with("trace "))
        .count()
}

#[traced]
fn load_cart() {}

#[traced]
fn checkout() {
    load_cart();
}

#[traced]
fn first() {}

#[traced]
fn second() {}

#[test]
fn a_trace_prints_as_its_root_ends_whatever_the_schedule_delay() {
    let _serial = serial();
    let screen = Screen::default();
    // The schedule delay from the environment this time, from code below.
    let pipeline = Pipeline::builder()
        .from_env_with(|name| (name == "OTEL_BSP_SCHEDULE_DELAY").then(|| "30000".to_owned()))
        .with_exporter(screen.exporter())
        .install()
        .unwrap();
    checkout();
    let text = screen.wait_for("checkout and its child", |text| {
        text.contains("└─ load_cart")
    });
    assert_eq!(traces(&text), 1, "{text}");
    let checkout_line = text.lines().nth(1).unwrap();
    assert!(checkout_line.starts_with("checkout"), "{text}");
    drop(pipeline);
}

#[test]
fn traces_made_apart_print_apart() {
    let _serial = serial();
    let screen = Screen::default();
    let pipeline = Pipeline::builder()
        .with_exporter(screen.exporter())
        .with_scheduled_delay(SCHEDULE)
        .install()
        .unwrap();
    first();
    let text = screen.wait_for("the first trace", |text| text.contains("first"));
    assert_eq!(traces(&text), 1, "{text}");
    assert!(!text.contains("second"), "{text}");
    second();
    let text = screen.wait_for("the second trace", |text| text.contains("second"));
    assert_eq!(traces(&text), 2, "{text}");
    drop(pipeline);
}

#[traced]
fn late_child() {}

/// Starts a thread whose span (a child of this one) ends once `release` says so.
#[traced]
fn root_leaving_a_child_behind(release: mpsc::Receiver<()>) -> std::thread::JoinHandle<()> {
    trace_runtime::thread::spawn(move || {
        release.recv_timeout(SCHEDULE).unwrap();
        late_child();
    })
}

#[test]
fn a_late_child_of_a_printed_trace_prints_promptly() {
    let _serial = serial();
    let screen = Screen::default();
    let pipeline = Pipeline::builder()
        .with_exporter(screen.exporter())
        .with_scheduled_delay(SCHEDULE)
        .install()
        .unwrap();
    let (release, released) = mpsc::channel();
    let child = root_leaving_a_child_behind(released);
    let text = screen.wait_for("the root", |text| {
        text.contains("root_leaving_a_child_behind")
    });
    assert!(!text.contains("late_child"), "{text}");
    release.send(()).unwrap();
    let text = screen.wait_for("the late child", |text| text.contains("late_child"));
    assert!(text.contains("(continued)"), "{text}");
    assert_eq!(traces(&text), 2, "{text}");
    child.join().unwrap();
    drop(pipeline);
}

/// A batching exporter that records the size of every batch it receives.
#[derive(Clone, Debug, Default)]
struct Batches(Arc<Mutex<Vec<usize>>>);

impl Batches {
    fn sizes(&self) -> Vec<usize> {
        self.0.lock().unwrap().clone()
    }
}

impl SpanExporter for Batches {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().push(batch.len());
        Ok(())
    }
}

#[test]
fn a_batching_exporter_beside_the_console_gets_full_batches() {
    let _serial = serial();
    let before = PipelineStats::read();
    let screen = Screen::default();
    let batches = Batches::default();
    let pipeline = Pipeline::builder()
        .with_exporter(screen.exporter())
        .with_exporter(batches.clone())
        .with_max_export_batch_size(4)
        .with_scheduled_delay(SCHEDULE)
        .install()
        .unwrap();
    for made in 1..=10 {
        first(); // one span, one hand-off
        screen.wait_for("each trace as it ends", |text| traces(text) == made);
    }
    // Ten hand-offs, each printed on its own: the batching exporter saw two
    // full batches, and two spans wait for the schedule or a flush.
    assert_eq!(batches.sizes(), [4, 4]);
    assert!(pipeline.flush(PROMPTLY));
    assert_eq!(batches.sizes(), [4, 4, 2]);
    drop(pipeline);
    let after = PipelineStats::read();
    assert_eq!(after.exported - before.exported, 10);
    assert_eq!(after.dropped, before.dropped);
}

#[test]
fn shutdown_exports_what_the_batching_exporter_still_waits_for() {
    let _serial = serial();
    let screen = Screen::default();
    let memory = InMemoryExporter::default();
    let pipeline = Pipeline::builder()
        .with_exporter(screen.exporter())
        .with_exporter(memory.clone())
        .with_scheduled_delay(SCHEDULE)
        .install()
        .unwrap();
    checkout();
    screen.wait_for("checkout", |text| text.contains("load_cart"));
    assert_eq!(memory.spans().len(), 0, "batched: held for the schedule");
    drop(pipeline);
    let spans = memory.spans();
    let mut names = spans.names();
    names.sort_unstable();
    assert_eq!(names, ["checkout", "load_cart"]);
}

/// A writer that always fails: the console's export fails with it.
struct Broken;

impl Write for Broken {
    fn write(&mut self, _bytes: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("the screen is gone"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct Failing;

impl SpanExporter for Failing {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Err(OTelSdkError::InternalFailure("unreachable".into()))
    }
}

/// A span is exported when every exporter took it, dropped (once) when any
/// failed it, prompt or batching.
#[test]
fn a_span_failed_by_any_exporter_is_dropped_once() {
    let _serial = serial();
    let cases: [(&str, bool, bool); 3] = [
        ("the console fails", true, false),
        ("the batching exporter fails", false, true),
        ("both fail", true, true),
    ];
    for (case, console_fails, batching_fails) in cases {
        let before = PipelineStats::read();
        let console = if console_fails {
            ConsoleExporter::with_writer(Box::new(Broken))
        } else {
            ConsoleExporter::with_writer(Box::new(io::sink()))
        };
        let builder = Pipeline::builder()
            .with_exporter(console)
            .with_scheduled_delay(SCHEDULE);
        let builder = if batching_fails {
            builder.with_exporter(Failing)
        } else {
            builder.with_exporter(InMemoryExporter::default())
        };
        let pipeline = builder.install().unwrap();
        checkout();
        drop(pipeline);
        let after = PipelineStats::read();
        assert_eq!(after.exported - before.exported, 0, "{case}");
        assert_eq!(after.dropped - before.dropped, 2, "{case}");
        let failed_calls = u64::from(console_fails) + u64::from(batching_fails);
        assert_eq!(
            after.failed_exports - before.failed_exports,
            failed_calls,
            "{case}"
        );
    }
}
