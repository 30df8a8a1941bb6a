//! Installing a pipeline: resolving the settings (code, else environment,
//! else the documented default), building the exporters, starting the
//! collector thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::Key;
use opentelemetry_sdk::Resource;

use super::builder::{PipelineBuilder, erase};
use super::env::{Problem, check_url};
use super::limits::{self, SpanLimits};
use super::resource::{self, ResourceLayers};
use super::traces_exporter::TracesExporter;
use super::{Collector, Pipeline, variables};
use crate::collector::{self, BatchConfig, ErasedExporter};
use crate::error::PipelineError;
use crate::export::ConsoleExporter;
use crate::export::otlp::{self, Endpoint, OtlpProtocol, OtlpSettings, PemFile, TlsFiles};
use crate::local::gate::Directive;
use crate::record::{Decider, Sampler};
use crate::{hooks, local};

impl PipelineBuilder {
    /// Starts the collector and makes this the process-wide pipeline.
    ///
    /// Settings are resolved first: code, else environment, else default.
    /// Unusable ones are printed on stderr (once each) and replaced by the
    /// default, unless the builder is [`strict`](Self::strict).
    ///
    /// ```
    /// use trace_runtime::{ConsoleExporter, Pipeline};
    ///
    /// let pipeline = Pipeline::builder()
    ///     .with_exporter(ConsoleExporter::new())
    ///     .install()
    ///     .expect("no other pipeline is installed");
    /// # drop(pipeline);
    /// ```
    ///
    /// # Errors
    /// [`PipelineError::AlreadyInstalled`] when a pipeline is installed;
    /// [`PipelineError::CollectorThread`] when no thread can be started;
    /// when [`strict`](Self::strict), the first of
    /// [`PipelineError::InvalidSetting`], [`PipelineError::MissingFeature`]
    /// and [`PipelineError::ExporterBuild`] found.
    pub fn install(mut self) -> Result<Pipeline, PipelineError> {
        #[cfg(all(
            feature = "otlp-tls",
            any(feature = "otlp-http", feature = "otlp-grpc")
        ))]
        crate::export::otlp::tls::install_default_crypto_provider();
        let hooks = std::mem::take(&mut self.hooks);
        let strict = self.strict;
        let shutdown_timeout = self.shutdown_timeout();
        let plan = self.resolve();
        if strict && let Some(problem) = plan.problems.first() {
            let error = problem.error.clone();
            drop_off_thread(plan.exporters);
            return Err(error);
        }
        for problem in &plan.problems {
            eprintln!("trace-runtime: {problem}");
        }
        let Plan {
            disabled,
            mut exporters,
            destination,
            sampler,
            resource,
            batch,
            span_limits,
            announce,
            filter,
            problems: _,
            otlp: _,
        } = plan;
        if disabled {
            if announce {
                announce_once(&resource, "nowhere: tracing is disabled");
            }
            return Ok(Pipeline {
                collector: None,
                resource,
                span_limits,
            });
        }
        for exporter in &mut exporters {
            exporter.set_resource(&resource);
        }
        let Some(generation) = collector::start_accepting(&batch, &exporters) else {
            drop_off_thread(exporters);
            return Err(PipelineError::AlreadyInstalled);
        };
        local::sampler::install(Decider::from_sampler(&sampler));
        limits::install(span_limits);
        hooks::install(hooks);
        let config = batch.clone();
        let spawned = std::thread::Builder::new()
            .name("trace-runtime-collector".into())
            .spawn(move || collector::run_collector(exporters, &config, generation));
        match spawned {
            Ok(handle) => {
                local::gate::install_filter(filter);
                local::gate::open();
                if announce {
                    announce_once(&resource, &destination);
                }
                Ok(Pipeline {
                    collector: Some(Collector {
                        thread: handle,
                        generation,
                        shutdown_timeout,
                    }),
                    resource,
                    span_limits,
                })
            }
            Err(error) => {
                local::hand_off_this_thread();
                // No collector to wait for: release the hub now.
                let _ = collector::shutdown(generation, std::time::Instant::now());
                Err(PipelineError::CollectorThread(error.to_string()))
            }
        }
    }

    /// Resolves every setting and builds the exporters, collecting problems.
    fn resolve(self) -> Plan {
        let span_limits = self.span_limits();
        // The start-up line is printed when configured from the environment
        // (`init`), the usual way a service starts, not by every test that
        // installs a pipeline in code.
        let announce = self.env.is_some();
        let env = self.env.unwrap_or_default();
        let mut problems = env.problems.clone();

        let disabled = self.disabled.or(env.sdk_disabled).unwrap_or(false);
        let filter = match self.filter {
            Some(mut code) => {
                problems.extend(code.take_problems("PipelineBuilder::with_filter"));
                Some(code)
            }
            None => env.filter.clone(),
        };
        let filter = filter.and_then(|filter| filter.installable());
        let sampler = self.sampler.or(env.sampler.clone()).unwrap_or_default();

        let defaults = BatchConfig::default();
        let max_queue_size = self
            .batch
            .max_queue_size
            .or(env.max_queue_size)
            .unwrap_or(defaults.max_queue_size);
        let mut max_export_batch_size = self
            .batch
            .max_export_batch_size
            .or(env.max_export_batch_size)
            .unwrap_or(defaults.max_export_batch_size);
        if max_export_batch_size > max_queue_size {
            let variable = if self.batch.max_export_batch_size.is_some() {
                "PipelineBuilder::with_max_export_batch_size"
            } else {
                variables::OTEL_BSP_MAX_EXPORT_BATCH_SIZE
            };
            problems.push(Problem::invalid(
                variable,
                &max_export_batch_size.to_string(),
                format!("a batch cannot be larger than the queue ({max_queue_size} spans)"),
                max_queue_size.to_string(),
            ));
            max_export_batch_size = max_queue_size;
        }
        let batch = BatchConfig {
            max_queue_size,
            max_export_batch_size,
            scheduled_delay: self
                .batch
                .scheduled_delay
                .or(env.scheduled_delay)
                .unwrap_or(defaults.scheduled_delay),
            export_timeout: self
                .batch
                .export_timeout
                .or(env.export_timeout)
                .unwrap_or(defaults.export_timeout),
        };

        let resource = resource::build(&ResourceLayers {
            env_attributes: &env.resource_attributes,
            env_service_name: env.service_name.as_deref(),
            code_resource: self.resource.as_ref(),
            code_attributes: &self.resource_attributes,
            code_service_name: self.service_name.as_deref(),
            code_service_version: self.service_version.as_deref(),
        });

        let code_endpoint = match self.otlp.endpoint {
            Some(url) => match check_url(&url) {
                Ok(()) => Some(Endpoint {
                    url,
                    per_signal: false,
                }),
                Err(reason) => {
                    problems.push(Problem::invalid(
                        "PipelineBuilder::with_otlp_endpoint",
                        &url,
                        reason,
                        "the environment's endpoint, or the default",
                    ));
                    None
                }
            },
            None => None,
        };
        let endpoint = code_endpoint.or(env.otlp_endpoint);
        let otlp = OtlpSettings {
            protocol: self
                .otlp
                .protocol
                .or(env.otlp_protocol)
                .unwrap_or_else(OtlpProtocol::default_for_build),
            headers: self.otlp.headers.or(env.otlp_headers).unwrap_or_default(),
            timeout: self
                .otlp
                .timeout
                .or(env.otlp_timeout)
                .unwrap_or(DEFAULT_OTLP_TIMEOUT)
                .min(batch.export_timeout),
            compression: self
                .otlp
                .compression
                .or(env.otlp_compression)
                .unwrap_or_default(),
            tls: tls_files(
                self.otlp.certificate,
                self.otlp.client_certificate,
                &env.otlp_tls,
            ),
            endpoint,
        };

        let mut exporters = self.exporters;
        let kinds = if !self.kinds.is_empty() {
            self.kinds
        } else if !exporters.is_empty() {
            Vec::new()
        } else if let Some(kinds) = env.exporters {
            kinds
        } else if otlp.endpoint.is_some() {
            vec![TracesExporter::Otlp]
        } else {
            vec![TracesExporter::Console]
        };
        let mut destinations: Vec<String> = Vec::new();
        if !exporters.is_empty() {
            destinations.push(format!("{} exporter(s) set in code", exporters.len()));
        }
        if !disabled {
            for kind in &kinds {
                match kind {
                    TracesExporter::Console => {
                        exporters.push(erase(ConsoleExporter::new()));
                        destinations.push("the console".to_owned());
                    }
                    TracesExporter::None => {}
                    TracesExporter::Otlp => match otlp::build(&otlp) {
                        Ok(exporter) => {
                            exporters.push(exporter);
                            destinations.push(format!("otlp {} {}", otlp.protocol, otlp.url()));
                        }
                        Err(error) => {
                            if !kinds.contains(&TracesExporter::Console) {
                                exporters.push(erase(ConsoleExporter::new()));
                                destinations.push("the console".to_owned());
                            }
                            problems.push(Problem {
                                error,
                                fallback: "the console exporter".to_owned(),
                            });
                        }
                    },
                }
            }
        }
        let destination = if destinations.is_empty() {
            format!("nowhere ({}=none)", variables::OTEL_TRACES_EXPORTER)
        } else {
            destinations.join(" and ")
        };
        Plan {
            disabled,
            exporters,
            destination,
            sampler,
            resource,
            batch,
            span_limits,
            announce,
            filter,
            problems,
            otlp,
        }
    }
}

/// The OTLP exporter timeout when none is configured (the specification's).
const DEFAULT_OTLP_TIMEOUT: Duration = Duration::from_secs(10);

/// A builder, resolved: what `install` needs.
struct Plan {
    disabled: bool,
    exporters: Vec<Box<dyn ErasedExporter>>,
    /// Where spans go, for the start-up line.
    destination: String,
    sampler: Sampler,
    resource: Resource,
    batch: BatchConfig,
    span_limits: SpanLimits,
    announce: bool,
    /// The span filter's directives; `None`: every span recorded.
    filter: Option<Arc<[Directive]>>,
    problems: Vec<Problem>,
    /// The OTLP settings resolved (used only when OTLP is chosen).
    #[cfg_attr(not(test), allow(dead_code))]
    otlp: OtlpSettings,
}

/// Drops exporters on a thread of their own: a blocking HTTP client must not
/// be dropped inside an async runtime, and `install` may be called in one.
fn drop_off_thread(exporters: Vec<Box<dyn ErasedExporter>>) {
    if exporters.is_empty() {
        return;
    }
    let dropper = std::thread::Builder::new()
        .name("trace-runtime-drop".into())
        .spawn(move || drop(exporters));
    if let Ok(handle) = dropper {
        let _ = handle.join();
    }
}

/// Prints the start-up line once per process: the service and the
/// `service.instance.id` that logs and traces share.
fn announce_once(resource: &Resource, destination: &str) {
    static ANNOUNCED: AtomicBool = AtomicBool::new(false);
    if ANNOUNCED.swap(true, Ordering::Relaxed) {
        return;
    }
    let get = |key: &'static str| {
        resource
            .get(&Key::from_static_str(key))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    eprintln!(
        "trace-runtime: service.name={} service.instance.id={} exporting to {destination}",
        get("service.name"),
        get("service.instance.id"),
    );
}

/// The TLS files: each one given in code wins over the environment's
/// (the client certificate and its key as one).
fn tls_files(
    certificate: Option<std::path::PathBuf>,
    client: Option<(std::path::PathBuf, std::path::PathBuf)>,
    env: &TlsFiles,
) -> TlsFiles {
    let from_code = |path, variable| PemFile { path, variable };
    TlsFiles {
        certificate: certificate
            .map(|path| from_code(path, "PipelineBuilder::with_otlp_certificate"))
            .or_else(|| env.certificate.clone()),
        client: client
            .map(|(certificate, key)| {
                let variable = "PipelineBuilder::with_otlp_client_certificate";
                (from_code(certificate, variable), from_code(key, variable))
            })
            .or_else(|| env.client.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &'static [(&'static str, &'static str)]) -> PipelineBuilder {
        Pipeline::builder().from_env_with(move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    fn variables(plan: &Plan) -> Vec<String> {
        plan.problems
            .iter()
            .map(|p| match &p.error {
                PipelineError::InvalidSetting { variable, .. } => variable.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    #[test]
    fn tls_files_given_in_code_win_each_over_the_environment() {
        let file = |path: &str, variable| PemFile {
            path: path.into(),
            variable,
        };
        let env = TlsFiles {
            certificate: Some(file("/env/ca.pem", "OTEL_EXPORTER_OTLP_CERTIFICATE")),
            client: Some((
                file("/env/client.pem", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
                file("/env/client.key", "OTEL_EXPORTER_OTLP_CLIENT_KEY"),
            )),
        };
        assert_eq!(tls_files(None, None, &env), env);
        let code_ca = tls_files(Some("/code/ca.pem".into()), None, &env);
        assert_eq!(
            code_ca.certificate,
            Some(file(
                "/code/ca.pem",
                "PipelineBuilder::with_otlp_certificate"
            ))
        );
        assert_eq!(code_ca.client, env.client);
        let code_client = tls_files(
            None,
            Some(("/code/c.pem".into(), "/code/c.key".into())),
            &TlsFiles::default(),
        );
        let variable = "PipelineBuilder::with_otlp_client_certificate";
        assert_eq!(code_client.certificate, None);
        assert_eq!(
            code_client.client,
            Some((file("/code/c.pem", variable), file("/code/c.key", variable)))
        );
    }

    #[test]
    fn with_nothing_configured_traces_go_to_the_console() {
        let plan = env(&[]).resolve();
        assert_eq!(plan.destination, "the console");
        assert_eq!(plan.exporters.len(), 1);
        assert!(plan.problems.is_empty());
        assert!(!plan.disabled);
        assert_eq!(plan.sampler, Sampler::default());
        assert!(plan.announce);
        assert!(!Pipeline::builder().resolve().announce);
    }

    /// Any exporter other than the console's.
    #[derive(Debug)]
    struct Batching;

    impl opentelemetry_sdk::trace::SpanExporter for Batching {
        async fn export(
            &self,
            _batch: Vec<opentelemetry_sdk::trace::SpanData>,
        ) -> opentelemetry_sdk::error::OTelSdkResult {
            Ok(())
        }
    }

    #[test]
    fn the_console_gets_prompt_delivery_however_it_is_chosen() {
        let prompt = |plan: Plan| -> Vec<bool> {
            plan.exporters
                .iter()
                .map(|e| e.wants_prompt_delivery())
                .collect()
        };
        assert_eq!(prompt(env(&[]).resolve()), [true]);
        assert_eq!(
            prompt(env(&[("OTEL_TRACES_EXPORTER", "console")]).resolve()),
            [true]
        );
        let code = Pipeline::builder()
            .with_exporter(ConsoleExporter::with_writer(Box::new(std::io::sink())))
            .with_exporter(Batching)
            .with_traces_exporter(TracesExporter::Console);
        assert_eq!(prompt(code.resolve()), [true, false, true]);
    }

    #[cfg(feature = "otlp-http")]
    #[test]
    fn an_otlp_endpoint_alone_selects_otlp_over_http() {
        let plan = env(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")]).resolve();
        assert_eq!(
            plan.destination,
            "otlp http/protobuf http://127.0.0.1:9/v1/traces"
        );
        assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    }

    #[cfg(feature = "otlp-grpc")]
    #[test]
    fn the_protocol_variable_selects_grpc() {
        let plan = env(&[
            ("OTEL_TRACES_EXPORTER", "otlp,console"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ])
        .resolve();
        assert_eq!(
            plan.destination,
            "otlp grpc http://127.0.0.1:9 and the console"
        );
        assert_eq!(plan.exporters.len(), 2);
    }

    #[cfg(not(feature = "otlp-grpc"))]
    #[test]
    fn grpc_without_its_feature_is_reported_and_the_console_used() {
        let plan = env(&[
            ("OTEL_TRACES_EXPORTER", "otlp"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ])
        .resolve();
        assert_eq!(plan.destination, "the console");
        assert!(matches!(
            plan.problems[0].error,
            PipelineError::MissingFeature {
                feature: "otlp-grpc",
                ..
            }
        ));
    }

    #[test]
    fn none_installs_no_exporter() {
        let plan = env(&[("OTEL_TRACES_EXPORTER", "none")]).resolve();
        assert!(plan.exporters.is_empty());
        assert_eq!(plan.destination, "nowhere (OTEL_TRACES_EXPORTER=none)");
    }

    #[test]
    fn sdk_disabled_builds_no_exporter() {
        let plan = env(&[
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_TRACES_EXPORTER", "console"),
        ])
        .resolve();
        assert!(plan.disabled);
        assert!(plan.exporters.is_empty());
        let plan = env(&[("OTEL_SDK_DISABLED", "true")])
            .with_disabled(false)
            .resolve();
        assert!(!plan.disabled);
    }

    #[test]
    fn code_overrides_the_environment_in_any_order() {
        let plan = Pipeline::builder()
            .with_sampler(Sampler::AlwaysOff)
            .with_service_name("from-code")
            .with_scheduled_delay(Duration::from_millis(7))
            .with_traces_exporter(TracesExporter::None)
            .from_env_with(|name| {
                Some(
                    match name {
                        "OTEL_TRACES_SAMPLER" => "always_on",
                        "OTEL_SERVICE_NAME" => "from-env",
                        "OTEL_BSP_SCHEDULE_DELAY" => "9000",
                        "OTEL_BSP_MAX_QUEUE_SIZE" => "100",
                        "OTEL_TRACES_EXPORTER" => "console",
                        _ => return None,
                    }
                    .to_owned(),
                )
            })
            .resolve();
        assert_eq!(plan.sampler, Sampler::AlwaysOff);
        assert_eq!(
            plan.resource
                .get(&Key::from_static_str("service.name"))
                .map(|v| v.to_string())
                .as_deref(),
            Some("from-code")
        );
        assert_eq!(plan.batch.scheduled_delay, Duration::from_millis(7));
        assert_eq!(plan.batch.max_queue_size, 100);
        assert_eq!(plan.batch.max_export_batch_size, 100);
        assert!(plan.exporters.is_empty());
    }

    #[test]
    fn an_exporter_added_in_code_replaces_the_environments_choice() {
        let plan = env(&[("OTEL_TRACES_EXPORTER", "otlp")])
            .with_exporter(ConsoleExporter::new())
            .resolve();
        assert_eq!(plan.exporters.len(), 1);
        assert_eq!(plan.destination, "1 exporter(s) set in code");
    }

    #[test]
    fn a_batch_larger_than_the_queue_is_reported_and_clamped() {
        let plan = env(&[
            ("OTEL_BSP_MAX_QUEUE_SIZE", "64"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "128"),
        ])
        .resolve();
        assert_eq!(plan.batch.max_export_batch_size, 64);
        assert_eq!(variables(&plan), ["OTEL_BSP_MAX_EXPORT_BATCH_SIZE"]);
    }

    #[test]
    fn the_export_timeout_caps_the_otlp_timeout() {
        let plan = env(&[
            ("OTEL_BSP_EXPORT_TIMEOUT", "200"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "5000"),
        ])
        .resolve();
        assert_eq!(plan.batch.export_timeout, Duration::from_millis(200));
        assert_eq!(plan.otlp.timeout, Duration::from_millis(200));
        let plan = env(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "1500")]).resolve();
        assert_eq!(plan.otlp.timeout, Duration::from_millis(1500));
        assert_eq!(
            Pipeline::builder().resolve().otlp.timeout,
            DEFAULT_OTLP_TIMEOUT
        );
    }

    #[test]
    fn an_invalid_endpoint_in_code_is_reported() {
        let plan = Pipeline::builder()
            .with_otlp_endpoint("localhost:4317")
            .resolve();
        assert_eq!(variables(&plan), ["PipelineBuilder::with_otlp_endpoint"]);
        assert_eq!(plan.destination, "the console");
    }

    #[test]
    fn span_limits_come_from_code_else_environment() {
        let builder = env(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "10"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20"),
        ]);
        assert_eq!(
            builder.span_limits(),
            SpanLimits::default()
                .with_attribute_count(10)
                .with_attribute_value_length(Some(20))
        );
        let builder = builder.with_span_limits(SpanLimits::default());
        assert_eq!(builder.resolve().span_limits, SpanLimits::default());
    }

    #[test]
    fn strict_installs_nothing_when_a_setting_is_invalid() {
        let result = env(&[("OTEL_BSP_SCHEDULE_DELAY", "soon")])
            .strict()
            .install();
        match result {
            Err(PipelineError::InvalidSetting {
                variable, value, ..
            }) => {
                assert_eq!(variable, "OTEL_BSP_SCHEDULE_DELAY");
                assert_eq!(value, "soon");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let missing = PipelineError::MissingFeature {
            what: "OTLP over grpc".to_owned(),
            feature: "otlp-grpc",
        };
        assert_eq!(
            missing.to_string(),
            "OTLP over grpc is not compiled in: enable trace-runtime's cargo feature `otlp-grpc`"
        );
        let invalid = PipelineError::InvalidSetting {
            variable: "OTEL_TRACES_SAMPLER".to_owned(),
            value: "sometimes".to_owned(),
            reason: "expected always_on, ...".to_owned(),
        };
        assert_eq!(
            invalid.to_string(),
            "invalid OTEL_TRACES_SAMPLER=\"sometimes\": expected always_on, ..."
        );
    }
}
