//! A real OTLP collector for the end-to-end tests, and what it received.
//!
//! The collector is [rotel](https://pypi.org/project/rotel/), a
//! Rust OpenTelemetry collector shipped on PyPI as a Python package around
//! its `rotel-agent` binary. Each test starts its own on 127.0.0.1 on free
//! ports, with OTLP receivers for gRPC and HTTP/protobuf, the `blackhole`
//! exporter, and its debug log of traces at `detailed` verbosity written to
//! a file: that log, parsed by [`parse_debug_log`], is what the tests
//! assert on, so they check what the collector decoded from the wire rather
//! than what the exporter returned.
//!
//! The binary is, in order: `ROTEL_BIN`; the `rotel` package of the
//! `python3` on PATH (`python3 -c 'import rotel'`); or a copy of
//! [`ROTEL_VERSION`] that the tests install themselves, once, with
//! `python3 -m pip install --target` into `rotel-<version>` under cargo's
//! `CARGO_TARGET_TMPDIR` (`target/tmp`), and reuse on later runs. So
//! `cargo test` runs these tests wherever `python3` and PyPI are at hand.
//! When there is no collector (no Python, or the install failed) the tests
//! are skipped with a loud message on a developer machine, and fail in CI
//! (the `CI` variable set), so CI can never skip them silently.

use std::fs;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The rotel release the tests install (`--pre`: it is an alpha). The debug
/// log format [`parse_debug_log`] reads is this release's.
pub(crate) const ROTEL_VERSION: &str = "0.0.1a15";

/// Whether this run is CI's, where nothing may be skipped.
pub(crate) fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Skips the calling test with a loud message, or fails it in CI.
pub(crate) fn skip_or_fail(test: &str, why: &str) {
    assert!(
        !in_ci(),
        "{test}: {why}\nCI must run the end-to-end tests rather than skip them"
    );
    // Straight to the file descriptor: the test harness captures
    // `eprintln!` of passing tests, and this must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n{bar}\n!! SKIPPED {test}: {why}\n{bar}\n",
        bar = "!".repeat(78)
    );
}

/// The rotel binary, or `None` after [`skip_or_fail`].
pub(crate) fn require_rotel(test: &str) -> Option<PathBuf> {
    match rotel_binary() {
        Ok(path) => Some(path.clone()),
        Err(why) => {
            skip_or_fail(
                test,
                &format!(
                    "no rotel collector: {why}\n!! Install it to run this test: \
                     python3 -m pip install --pre rotel=={ROTEL_VERSION}   (or set ROTEL_BIN)"
                ),
            );
            None
        }
    }
}

/// Finds (or installs) rotel once per test process; every test waits for
/// the first one's answer.
fn rotel_binary() -> &'static Result<PathBuf, String> {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINARY.get_or_init(|| {
        if let Some(path) = std::env::var_os("ROTEL_BIN") {
            let path = PathBuf::from(path);
            return if path.is_file() {
                Ok(path)
            } else {
                Err(format!("ROTEL_BIN={} is not a file", path.display()))
            };
        }
        match locate_rotel_agent(None) {
            Ok(Some(path)) => Ok(path),
            Ok(None) => install_rotel(),
            Err(error) => Err(python_missing(&error)),
        }
    })
}

fn python_missing(error: &std::io::Error) -> String {
    if error.kind() == std::io::ErrorKind::NotFound {
        "python3 is not on PATH, so it cannot be installed".to_owned()
    } else {
        format!("python3 does not run ({error})")
    }
}

/// The `rotel-agent` inside the `rotel` package that `python3` imports,
/// with `pythonpath` first on its path: `Ok(None)` when there is none,
/// `Err` when `python3` does not run.
fn locate_rotel_agent(pythonpath: Option<&Path>) -> std::io::Result<Option<PathBuf>> {
    let mut command = Command::new("python3");
    command.args([
        "-c",
        "import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), 'rotel-agent'))",
    ]);
    if let Some(dir) = pythonpath {
        command.env("PYTHONPATH", dir);
    }
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()?;
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let inside = pythonpath.is_none_or(|dir| path.starts_with(dir));
    Ok((output.status.success() && inside && path.is_file()).then_some(path))
}

/// Where the tests keep their own rotel: `target/tmp/rotel-<version>`.
fn install_dir() -> PathBuf {
    let tmp = option_env!("CARGO_TARGET_TMPDIR").map_or_else(
        || {
            // Not an integration test: beside `target/<profile>/deps/<test>`.
            let exe = std::env::current_exe().expect("the test executable's path");
            exe.ancestors()
                .nth(3)
                .expect("a target directory")
                .join("tmp")
        },
        PathBuf::from,
    );
    tmp.join(format!("rotel-{ROTEL_VERSION}"))
}

/// Reuses the tests' own rotel, or pip-installs it. pip installs into a
/// directory of this process's own, which is renamed into place when
/// complete: a test process racing this one either wins the rename (and
/// this one uses its copy) or loses it, and nobody sees half an install.
fn install_rotel() -> Result<PathBuf, String> {
    let dir = install_dir();
    if let Ok(Some(path)) = locate_rotel_agent(Some(&dir)) {
        return Ok(path);
    }
    let parent = dir.parent().expect("the install directory has a parent");
    let staging = parent.join(format!(
        "{}.partial-{}",
        dir.file_name().expect("a name").to_string_lossy(),
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let requirement = format!("rotel=={ROTEL_VERSION}");
    let args = [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--target",
    ];
    let _ = writeln!(
        std::io::stderr(),
        "trace-tests: the rotel collector is not installed; installing {requirement} \
         into {} (once: later runs reuse it)",
        dir.display()
    );
    let started = Instant::now();
    let output = Command::new("python3")
        .args(args)
        .arg(&staging)
        .args(["--pre", &requirement])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| python_missing(&e));
    let installed = output.and_then(|output| {
        if output.status.success() {
            return Ok(());
        }
        let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
        text.push_str(&String::from_utf8_lossy(&output.stdout));
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        Err(format!(
            "installing it failed (python3 {} {} --pre {requirement}: {}):\n!!   {}",
            args.join(" "),
            dir.display(),
            output.status,
            lines[lines.len().saturating_sub(8)..].join("\n!!   ")
        ))
    });
    let found = installed.and_then(|()| {
        locate_rotel_agent(Some(&staging))
            .ok()
            .flatten()
            .map(|_| ())
            .ok_or_else(|| {
                format!(
                    "pip installed rotel but {} has no rotel-agent",
                    staging.display()
                )
            })
    });
    if let Err(why) = found {
        let _ = fs::remove_dir_all(&staging);
        return Err(why);
    }
    if fs::rename(&staging, &dir).is_err() {
        if !matches!(locate_rotel_agent(Some(&dir)), Ok(Some(_))) {
            // Not another test process's copy but a broken one: replace it.
            let _ = fs::remove_dir_all(&dir);
            let _ = fs::rename(&staging, &dir);
        }
        // Else another test process was first; its copy is as good as ours.
        let _ = fs::remove_dir_all(&staging);
    }
    let path = locate_rotel_agent(Some(&dir))
        .ok()
        .flatten()
        .ok_or_else(|| format!("{} holds no usable rotel-agent", dir.display()))?;
    let _ = writeln!(
        std::io::stderr(),
        "trace-tests: installed {requirement} in {:.1?}: {}",
        started.elapsed(),
        path.display()
    );
    Ok(path)
}

/// A port on 127.0.0.1 that nothing listens on (at the time of asking),
/// and that no other test of this process was given.
///
/// The port is free only until someone binds it, and the servers the tests
/// start (rotel, nginx) bind theirs a moment later. Between the two, the
/// kernel may hand the same port to a test running in parallel, whose
/// server then fails with "address already in use": so the ports given
/// out are remembered, and one given before is never given again.
pub(crate) fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<std::collections::BTreeSet<u16>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    loop {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let mut given = GIVEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if given.insert(port) {
            return port;
        }
    }
}

/// A running rotel; killed when dropped.
#[derive(Debug)]
pub(crate) struct Collector {
    child: Child,
    dir: PathBuf,
    log: PathBuf,
    /// The OTLP/gRPC port.
    pub(crate) grpc_port: u16,
    /// The OTLP/HTTP port.
    pub(crate) http_port: u16,
}

impl Collector {
    /// Starts rotel on free ports.
    pub(crate) fn start(binary: &Path) -> Collector {
        Collector::start_on(binary, free_port(), free_port())
    }

    /// Starts rotel on these ports and waits until both accept connections.
    pub(crate) fn start_on(binary: &Path, grpc_port: u16, http_port: u16) -> Collector {
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "trace-rs-rotel-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).expect("a temporary directory");
        let log = dir.join("received.log");
        let stdout = fs::File::create(&log).expect("the collector's log file");
        let child = Command::new(binary)
            .arg("start")
            .args(["--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc_port}")])
            .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http_port}")])
            .args(["--debug-log", "traces", "--debug-log-verbosity", "detailed"])
            .args(["--exporter", "blackhole"])
            .arg("--pid-file")
            .arg(dir.join("rotel.pid"))
            .arg("--log-file")
            .arg(dir.join("rotel.log"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::null())
            .spawn()
            .expect("rotel starts");
        let mut collector = Collector {
            child,
            dir,
            log,
            grpc_port,
            http_port,
        };
        collector.wait_until_listening(Duration::from_secs(20));
        collector
    }

    fn wait_until_listening(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        for port in [self.grpc_port, self.http_port] {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("rotel exited early ({status}):\n{}", self.raw_log());
                }
                assert!(
                    Instant::now() < deadline,
                    "rotel did not listen on port {port} within {timeout:?}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    /// The collector's base URL for a protocol (`grpc` or `http/protobuf`).
    pub(crate) fn endpoint(&self, protocol: &str) -> String {
        let port = if protocol == "grpc" {
            self.grpc_port
        } else {
            self.http_port
        };
        format!("http://127.0.0.1:{port}")
    }

    /// The debug log so far, as text.
    pub(crate) fn raw_log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = fs::File::open(&self.log) {
            let _ = file.read_to_string(&mut text);
        }
        text
    }

    /// Every span received so far.
    pub(crate) fn received(&self) -> Vec<ReceivedSpan> {
        parse_debug_log(&self.raw_log())
    }

    /// Waits until what was received satisfies `done`, then a little longer
    /// so that a span being written is complete, and returns it.
    pub(crate) fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.received()) {
                std::thread::sleep(Duration::from_millis(300));
                return self.received();
            }
            assert!(
                Instant::now() < deadline,
                "the collector did not receive the expected spans within {timeout:?}; it logged:\n{}",
                self.raw_log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// One span as the collector received it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReceivedSpan {
    /// 32 hex digits.
    pub(crate) trace_id: String,
    /// 16 hex digits.
    pub(crate) span_id: String,
    /// 16 hex digits, empty for a root.
    pub(crate) parent_id: String,
    pub(crate) name: String,
    /// e.g. `SPAN_KIND_SERVER`.
    pub(crate) kind: String,
    /// e.g. `STATUS_CODE_ERROR`.
    pub(crate) status_code: String,
    pub(crate) status_message: String,
    /// Attribute keys and values (the value's text inside `Str(..)`, `Int(..)`).
    pub(crate) attributes: Vec<(String, String)>,
    /// Event names.
    pub(crate) events: Vec<String>,
    /// The attributes of the Resource the span arrived with.
    pub(crate) resource: Vec<(String, String)>,
}

impl ReceivedSpan {
    /// The value of a span attribute.
    pub(crate) fn attribute(&self, key: &str) -> Option<&str> {
        lookup(&self.attributes, key)
    }

    /// The value of a Resource attribute.
    pub(crate) fn resource_attribute(&self, key: &str) -> Option<&str> {
        lookup(&self.resource, key)
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Other,
    Resource,
    SpanHeader,
    SpanAttributes,
    Event,
}

/// Parses rotel's `--debug-log traces --debug-log-verbosity detailed`
/// output (the OpenTelemetry Collector's debug exporter format):
///
/// ```text
/// ResourceSpans #0
/// Resource attributes:
///      -> service.name: Str(checkout)
/// Span #0
///     Trace ID       : 3fc8ac14a1626bfab0ba840c31066b11
///     Parent ID      : b2b77656deee288d
///     ID             : 62db81c0437b5234
///     Name           : db.query
///     Kind           : SPAN_KIND_CLIENT
///     Status code    : STATUS_CODE_UNSET
/// Attributes:
///      -> code.line.number: Int(61)
/// Events:
/// SpanEvent #0
///      -> Name: exception
/// ```
///
/// Lines it does not know (rotel's own log) are skipped.
pub(crate) fn parse_debug_log(text: &str) -> Vec<ReceivedSpan> {
    let mut spans: Vec<ReceivedSpan> = Vec::new();
    let mut resource: Vec<(String, String)> = Vec::new();
    let mut section = Section::Other;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("ResourceSpans #") {
            resource.clear();
            section = Section::Other;
        } else if trimmed == "Resource attributes:" {
            section = Section::Resource;
        } else if trimmed.starts_with("ScopeSpans #") {
            section = Section::Other;
        } else if trimmed.starts_with("Span #") {
            spans.push(ReceivedSpan {
                resource: resource.clone(),
                ..ReceivedSpan::default()
            });
            section = Section::SpanHeader;
        } else if trimmed == "Attributes:" && section != Section::Other {
            section = Section::SpanAttributes;
        } else if trimmed.starts_with("SpanEvent #") {
            section = Section::Event;
        } else if trimmed == "Events:" || trimmed == "Links:" || trimmed.starts_with("SpanLink #") {
            section = Section::Other;
        } else if let Some(attribute) = line.strip_prefix("     -> ") {
            let Some((key, value)) = attribute.split_once(": ") else {
                continue;
            };
            let pair = (key.to_owned(), unwrap_value(value));
            match (section, spans.last_mut()) {
                (Section::Resource, _) => resource.push(pair),
                (Section::SpanAttributes, Some(span)) => span.attributes.push(pair),
                (Section::Event, Some(span)) if key == "Name" => span.events.push(pair.1),
                _ => {}
            }
        } else if section == Section::SpanHeader
            && let (Some(span), Some((key, value))) = (spans.last_mut(), trimmed.split_once(':'))
        {
            let value = value.trim().to_owned();
            match key.trim() {
                "Trace ID" => span.trace_id = value,
                "Parent ID" => span.parent_id = value,
                "ID" => span.span_id = value,
                "Name" => span.name = value,
                "Kind" => span.kind = value,
                "Status code" => span.status_code = value,
                "Status message" => span.status_message = value,
                _ => {}
            }
        }
    }
    spans
}

/// `Str(abc)` → `abc`, `Int(3)` → `3`; anything else unchanged.
fn unwrap_value(value: &str) -> String {
    match (value.find('('), value.ends_with(')')) {
        (Some(open), true) => value[open + 1..value.len() - 1].to_owned(),
        _ => value.to_owned(),
    }
}

#[test]
fn the_debug_log_parser_reads_resources_spans_attributes_and_events() {
    let log = "\
\u{1b}[2m2026-11-22T05:18:27Z\u{1b}[0m INFO Starting Rotel.
ResourceSpans #0
Resource SchemaURL: 
Resource attributes:
     -> service.name: Str(shop)
     -> process.pid: Int(42)
ScopeSpans #0
ScopeSpans SchemaURL: 
InstrumentationScope trace-runtime 0.1.0
Span #0
    Trace ID       : 000102030405060708090a0b0c0d0e0f
    Parent ID      : 
    ID             : 0001020304050607
    Name           : pay: card
    Kind           : SPAN_KIND_SERVER
Start time: 1
End time: 2
    Status code    : STATUS_CODE_ERROR
    Status message : declined: (twice)
Attributes:
     -> error.type: Str(shop::Declined)
Events:
SpanEvent #0
     -> Name: exception
     -> Attributes::
          -> exception.message: Str(declined)
Span #1
    Trace ID       : 000102030405060708090a0b0c0d0e0f
    Parent ID      : 0001020304050607
    ID             : 0909090909090909
    Name           : child
";
    let spans = parse_debug_log(log);
    assert_eq!(spans.len(), 2);
    let root = &spans[0];
    assert_eq!(root.trace_id, "000102030405060708090a0b0c0d0e0f");
    assert_eq!(root.parent_id, "");
    assert_eq!(root.name, "pay: card");
    assert_eq!(root.kind, "SPAN_KIND_SERVER");
    assert_eq!(root.status_code, "STATUS_CODE_ERROR");
    assert_eq!(root.status_message, "declined: (twice)");
    assert_eq!(root.attribute("error.type"), Some("shop::Declined"));
    assert_eq!(root.events, ["exception"]);
    assert_eq!(root.resource_attribute("service.name"), Some("shop"));
    assert_eq!(root.resource_attribute("process.pid"), Some("42"));
    assert_eq!(spans[1].parent_id, root.span_id);
    assert_eq!(spans[1].resource_attribute("service.name"), Some("shop"));
}
