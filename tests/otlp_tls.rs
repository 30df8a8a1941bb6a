//! End to end over TLS: spans exported to `https://` endpoints reach a real
//! collector through a real TLS terminator.
//!
//! Each test makes a CA and a certificate for `localhost`/127.0.0.1 (and a
//! client certificate) with rcgen, starts a rotel collector (see
//! `collector/mod.rs`) and, in front of it, nginx: run as the current user
//! with a configuration, pid file, logs and temporary paths of its own in a
//! temporary directory, in the foreground and as a single process, so that
//! it is a child of the test and is killed with it. nginx listens on free
//! loopback ports with TLS and HTTP/2, passes `/v1/traces` to rotel's
//! OTLP/HTTP receiver and the gRPC service to its OTLP/gRPC receiver
//! (`grpc_pass`), one server requiring a client certificate (mutual TLS).
//! The tests install the pipeline in this process with the `OTEL_*`
//! settings a deployment would set, and assert on what rotel decoded.
//!
//! nginx comes from the distribution (`apt-get install nginx`, which
//! `.ci/run` does); without it the tests are skipped with a loud message on
//! a developer machine and fail in CI, like the rotel tests.

// Specifies recording: nothing to run with `--cfg traced_off`.
#![cfg(not(traced_off))]

mod collector;

use std::fs;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use collector::{Collector, ReceivedSpan, free_port, require_rotel, skip_or_fail};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use trace_runtime::{OtlpCompression, Pipeline, PipelineBuilder, PipelineStats, traced};

/// The pipeline is process-wide: the tests take turns.
static PIPELINE: Mutex<()> = Mutex::new(());

// ------------------------------------------------------------------ certificates

/// PEM files in a directory: a CA, a server certificate it signed for
/// `localhost` and 127.0.0.1, a client certificate it signed, and a second
/// CA that signed nothing here.
struct Certificates {
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    other_ca: PathBuf,
}

fn ca(name: &str) -> (CertificateParams, KeyPair, String) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().expect("a CA key");
    let pem = params.self_signed(&key).expect("a CA certificate").pem();
    (params, key, pem)
}

impl Certificates {
    fn make(dir: &Path) -> Certificates {
        let (ca_params, ca_key, ca_pem) = ca("trace-rs test CA");
        let issuer = Issuer::new(ca_params, ca_key);
        let leaf = |names: Vec<String>, usage: ExtendedKeyUsagePurpose| {
            let mut params = CertificateParams::new(names).expect("leaf parameters");
            params.extended_key_usages = vec![usage];
            let key = KeyPair::generate().expect("a key");
            let cert = params.signed_by(&key, &issuer).expect("a certificate");
            (cert.pem(), key.serialize_pem())
        };
        let (server_cert, server_key) = leaf(
            vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        let (client_cert, client_key) = leaf(
            vec!["trace-rs-client".to_owned()],
            ExtendedKeyUsagePurpose::ClientAuth,
        );
        let (_, _, other_ca) = ca("some other CA");
        let write = |name: &str, pem: &str| {
            let path = dir.join(name);
            fs::write(&path, pem).expect("a PEM file");
            path
        };
        Certificates {
            ca: write("ca.pem", &ca_pem),
            server_cert: write("server.pem", &server_cert),
            server_key: write("server.key", &server_key),
            client_cert: write("client.pem", &client_cert),
            client_key: write("client.key", &client_key),
            other_ca: write("other-ca.pem", &other_ca),
        }
    }
}

// ------------------------------------------------------------------------- nginx

/// The nginx binary, or `None` after [`skip_or_fail`].
fn require_nginx(test: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("NGINX_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain(["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].map(PathBuf::from));
    for path in candidates {
        if path.is_file() {
            return Some(path);
        }
    }
    skip_or_fail(
        test,
        "no nginx (looked at NGINX_BIN, /usr/sbin/nginx, /usr/local/sbin/nginx, /usr/bin/nginx)\n\
         !! Install it to run this test: apt-get install nginx   (or set NGINX_BIN)",
    );
    None
}

/// nginx in front of a collector; killed when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
    /// TLS, no client certificate asked for.
    tls_port: u16,
    /// TLS with a client certificate required (mutual TLS).
    mtls_port: u16,
}

impl Nginx {
    fn start(binary: &Path, dir: &Path, certs: &Certificates, collector: &Collector) -> Nginx {
        let (tls_port, mtls_port) = (free_port(), free_port());
        let d = dir.display();
        let routes = format!(
            "location /v1/traces {{ proxy_pass {http}; }}
        location /opentelemetry.proto.collector.trace.v1.TraceService/ {{ grpc_pass {grpc}; }}",
            http = collector.endpoint("http/protobuf"),
            grpc = collector.endpoint("grpc").replacen("http://", "grpc://", 1),
        );
        // `listen ... ssl http2` rather than `http2 on;`: Debian 12's nginx
        // (1.22) knows only the former; later ones accept it with a warning.
        let config = format!(
            "daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    # What came over the wire, for the tests to check: protocol, TLS,
    # body type and compression (HTTP's and gRPC's).
    log_format wire '$server_port $request_uri $server_protocol $ssl_protocol '
                    'type=$content_type encoding=$http_content_encoding grpc-encoding=$http_grpc_encoding';
    access_log {d}/access.log wire;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    ssl_certificate {server_cert};
    ssl_certificate_key {server_key};
    server {{
        listen 127.0.0.1:{tls_port} ssl http2;
        {routes}
    }}
    server {{
        listen 127.0.0.1:{mtls_port} ssl http2;
        ssl_verify_client on;
        ssl_client_certificate {ca};
        {routes}
    }}
}}
",
            server_cert = certs.server_cert.display(),
            server_key = certs.server_key.display(),
            ca = certs.ca.display(),
        );
        let conf = dir.join("nginx.conf");
        fs::write(&conf, config).expect("nginx.conf");
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx starts");
        let mut nginx = Nginx {
            child,
            dir: dir.to_owned(),
            tls_port,
            mtls_port,
        };
        nginx.wait_until_listening(Duration::from_secs(10));
        nginx
    }

    /// One line per request: see `log_format wire`.
    fn access_log(&self) -> String {
        fs::read_to_string(self.dir.join("access.log")).unwrap_or_default()
    }

    fn error_log(&self) -> String {
        fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    fn wait_until_listening(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        for port in [self.tls_port, self.mtls_port] {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
                if let Ok(Some(status)) = self.child.try_wait() {
                    panic!("nginx exited early ({status}):\n{}", self.error_log());
                }
                assert!(
                    Instant::now() < deadline,
                    "nginx did not listen on port {port} within {timeout:?}:\n{}",
                    self.error_log()
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------- fixture

/// rotel, nginx in front of it, and the certificates, for one test.
struct Setup {
    // Dropped in this order: nginx, then the collector, then the files.
    nginx: Nginx,
    collector: Collector,
    certs: Certificates,
    dir: PathBuf,
}

impl Setup {
    /// `None` when rotel or nginx is missing (after [`skip_or_fail`]).
    fn start(test: &str) -> Option<Setup> {
        let rotel = require_rotel(test)?;
        let nginx = require_nginx(test)?;
        static STARTED: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "trace-rs-tls-{}-{}",
            std::process::id(),
            STARTED.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&dir).expect("a temporary directory");
        let certs = Certificates::make(&dir);
        let collector = Collector::start(&rotel);
        let nginx = Nginx::start(&nginx, &dir, &certs, &collector);
        Some(Setup {
            nginx,
            collector,
            certs,
            dir,
        })
    }

    /// The full traces URL of nginx's mutual-TLS port for `protocol`.
    fn mtls_traces_url(&self, protocol: &str) -> String {
        match protocol {
            "grpc" => self.url(self.nginx.mtls_port),
            _ => format!("{}/v1/traces", self.url(self.nginx.mtls_port)),
        }
    }

    fn url(&self, port: u16) -> String {
        format!("https://localhost:{port}")
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

// ------------------------------------------------------------------------ spans

#[traced(attrs(shop.step = "order"))]
fn place_order(order_id: u64) {
    let _ = order_id;
    charge();
}

#[traced(attrs(shop.step = "charge"))]
fn charge() {}

/// What one export did, by the pipeline's own counts.
#[derive(Debug)]
struct Exported {
    exported: u64,
    dropped: u64,
    failed_exports: u64,
    took: Duration,
}

/// Installs the pipeline with these `OTEL_*` settings (read as the
/// environment would be), makes one trace of two spans, and shuts down.
fn export_one_trace(vars: &[(&str, String)]) -> Exported {
    export_one_trace_configured(vars, |builder| builder)
}

/// [`export_one_trace`], with settings made in code by `configure` too.
fn export_one_trace_configured(
    vars: &[(&str, String)],
    configure: impl FnOnce(PipelineBuilder) -> PipelineBuilder,
) -> Exported {
    let _turn = PIPELINE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    let builder = Pipeline::builder()
        .from_env_with(move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .with_scheduled_delay(Duration::from_secs(3600))
        .strict();
    let pipeline = configure(builder)
        .install()
        .unwrap_or_else(|error| panic!("the pipeline installs: {error}"));
    let start = PipelineStats::read();
    let started = Instant::now();
    place_order(42);
    drop(pipeline);
    let end = PipelineStats::read();
    Exported {
        exported: end.exported - start.exported,
        dropped: end.dropped - start.dropped,
        failed_exports: end.failed_exports - start.failed_exports,
        took: started.elapsed(),
    }
}

/// What the request looked like on the wire, from nginx's access log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wire {
    grpc: bool,
    json: bool,
    gzip: bool,
}

fn assert_received(setup: &Setup, spans: &[ReceivedSpan], service: &str, wire: Wire) {
    let mut names: Vec<&str> = spans.iter().map(|s| s.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["charge", "place_order"], "{spans:#?}");
    let order = spans.iter().find(|s| s.name == "place_order").unwrap();
    let charge = spans.iter().find(|s| s.name == "charge").unwrap();
    assert_eq!(charge.parent_id, order.span_id);
    assert_eq!(charge.trace_id, order.trace_id);
    assert_eq!(order.attribute("shop.step"), Some("order"));
    assert_eq!(charge.attribute("shop.step"), Some("charge"));
    for span in spans {
        assert_eq!(span.resource_attribute("service.name"), Some(service));
    }
    // Through nginx, not around it, and as asked for.
    let access = setup.nginx.access_log();
    let line = access
        .lines()
        .last()
        .unwrap_or_else(|| panic!("nginx logged no request"));
    let (path, protocol, content_type) = if wire.grpc {
        (
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            "HTTP/2.0",
            "type=application/grpc",
        )
    } else if wire.json {
        ("/v1/traces", "HTTP/1.1", "type=application/json")
    } else {
        ("/v1/traces", "HTTP/1.1", "type=application/x-protobuf")
    };
    let encoding = match (wire.gzip, wire.grpc) {
        (true, true) => "grpc-encoding=gzip",
        (true, false) => " encoding=gzip",
        (false, true) => "grpc-encoding=-",
        (false, false) => " encoding=-",
    };
    for part in [path, protocol, "TLSv1.", content_type, encoding] {
        assert!(
            line.contains(part),
            "{part:?} not in nginx's log line {line:?}"
        );
    }
}

/// Both spans exported without loss, and what rotel decoded is the trace.
fn assert_exported_and_received(setup: &Setup, exported: &Exported, test: &str, wire: Wire) {
    assert_eq!(
        (exported.exported, exported.dropped, exported.failed_exports),
        (2, 0, 0),
        "{exported:?}\nnginx:\n{}",
        setup.nginx.error_log()
    );
    let spans = setup
        .collector
        .wait_for(Duration::from_secs(20), |spans| spans.len() >= 2);
    assert_received(setup, &spans, test, wire);
}

/// Exports over `protocol` to nginx's TLS port, trusting the test CA, and
/// checks what rotel decoded.
fn exports_over_tls(test: &str, protocol: &str, extra: &[(&str, String)]) {
    let wire = Wire {
        grpc: protocol == "grpc",
        json: protocol == "http/json",
        gzip: !extra.is_empty(),
    };
    let Some(setup) = Setup::start(test) else {
        return;
    };
    let mut vars = vec![
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            setup.url(setup.nginx.tls_port),
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            setup.certs.ca.display().to_string(),
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000".to_owned()),
        ("OTEL_SERVICE_NAME", test.to_owned()),
    ];
    vars.extend(extra.iter().cloned());
    let exported = export_one_trace(&vars);
    assert_exported_and_received(&setup, &exported, test, wire);
}

#[test]
fn http_protobuf_over_tls() {
    exports_over_tls("tls-http-protobuf", "http/protobuf", &[]);
}

#[test]
fn http_protobuf_over_tls_gzipped() {
    exports_over_tls(
        "tls-http-protobuf-gzip",
        "http/protobuf",
        &[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".to_owned())],
    );
}

#[test]
fn http_json_over_tls() {
    exports_over_tls("tls-http-json", "http/json", &[]);
}

#[test]
fn http_json_over_tls_gzipped() {
    exports_over_tls(
        "tls-http-json-gzip",
        "http/json",
        &[("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip".to_owned())],
    );
}

#[test]
fn grpc_over_tls() {
    exports_over_tls("tls-grpc", "grpc", &[]);
}

#[test]
fn grpc_over_tls_gzipped() {
    exports_over_tls(
        "tls-grpc-gzip",
        "grpc",
        &[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip".to_owned())],
    );
}

/// Mutual TLS: with the client certificate (the `_TRACES_` forms) spans
/// arrive; without it nginx refuses them and the loss is counted.
fn mutual_tls(test: &str, protocol: &str) {
    let Some(setup) = Setup::start(test) else {
        return;
    };
    let base = vec![
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            setup.mtls_traces_url(protocol),
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        (
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            setup.certs.ca.display().to_string(),
        ),
        // The generic form loses to the `_TRACES_` one.
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            setup.certs.other_ca.display().to_string(),
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2000".to_owned()),
        ("OTEL_SERVICE_NAME", test.to_owned()),
    ];

    let refused = export_one_trace(&base);
    assert_eq!(
        (refused.exported, refused.dropped, refused.failed_exports),
        (0, 2, 1),
        "without a client certificate: {refused:?}"
    );

    let mut vars = base.clone();
    vars.push((
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE",
        setup.certs.client_cert.display().to_string(),
    ));
    vars.push((
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
        setup.certs.client_key.display().to_string(),
    ));
    let exported = export_one_trace(&vars);
    let wire = Wire {
        grpc: protocol == "grpc",
        json: false,
        gzip: false,
    };
    assert_exported_and_received(&setup, &exported, test, wire);
}

#[test]
fn http_with_mutual_tls() {
    mutual_tls("mtls-http", "http/protobuf");
}

#[test]
fn grpc_with_mutual_tls() {
    mutual_tls("mtls-grpc", "grpc");
}

/// A server whose certificate does not lead to the CA trusted: the export
/// fails within the timeout and the spans are counted as dropped.
fn wrong_ca(test: &str, protocol: &str) {
    let Some(setup) = Setup::start(test) else {
        return;
    };
    let exported = export_one_trace(&[
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            setup.url(setup.nginx.tls_port),
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            setup.certs.other_ca.display().to_string(),
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000".to_owned()),
        ("OTEL_SERVICE_NAME", test.to_owned()),
    ]);
    assert_eq!(
        (exported.exported, exported.dropped, exported.failed_exports),
        (0, 2, 1),
        "{exported:?}"
    );
    assert!(exported.took < Duration::from_secs(5), "{exported:?}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(setup.collector.received().is_empty());
}

#[test]
fn http_to_a_server_of_another_ca_fails_promptly_and_counts_the_loss() {
    wrong_ca("wrong-ca-http", "http/protobuf");
}

#[test]
fn grpc_to_a_server_of_another_ca_fails_promptly_and_counts_the_loss() {
    wrong_ca("wrong-ca-grpc", "grpc");
}

/// The TLS and compression settings made in code win over the
/// environment's: here the environment trusts the wrong CA, sends no client
/// certificate and asks for no compression, and the code fixes all three.
fn settings_in_code_win(test: &str, protocol: &str) {
    let Some(setup) = Setup::start(test) else {
        return;
    };
    let vars = [
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            setup.mtls_traces_url(protocol),
        ),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        (
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
            setup.certs.other_ca.display().to_string(),
        ),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "none".to_owned()),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000".to_owned()),
        ("OTEL_SERVICE_NAME", test.to_owned()),
    ];
    let exported = export_one_trace_configured(&vars, |builder| {
        builder
            .with_otlp_certificate(&setup.certs.ca)
            .with_otlp_client_certificate(&setup.certs.client_cert, &setup.certs.client_key)
            .with_otlp_compression(OtlpCompression::Gzip)
    });
    let wire = Wire {
        grpc: protocol == "grpc",
        json: false,
        gzip: true,
    };
    assert_exported_and_received(&setup, &exported, test, wire);
}

#[test]
fn http_tls_and_gzip_set_in_code_win_over_the_environment() {
    settings_in_code_win("code-http", "http/protobuf");
}

#[test]
fn grpc_tls_and_gzip_set_in_code_win_over_the_environment() {
    settings_in_code_win("code-grpc", "grpc");
}
