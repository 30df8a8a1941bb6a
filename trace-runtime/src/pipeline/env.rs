//! The OpenTelemetry environment: `OTEL_*` variables read into typed settings.
//!
//! [`EnvSettings::read`] takes a lookup function instead of reading the
//! process environment itself, so unit tests pass a map and run in parallel,
//! and [`PipelineBuilder::from_env`](crate::PipelineBuilder::from_env) passes
//! `std::env::var`. Following the specification, an empty value counts as
//! unset, surrounding whitespace is ignored and enumerated values are
//! case-insensitive.
//!
//! A value that cannot be used becomes a [`Problem`]: the
//! `PipelineError` that names the variable and the value, and what is used
//! instead (the documented default). This module only collects them; the
//! builder prints each once at install, or, when `strict()`, refuses to
//! install with the first one. Settings given in code take precedence over
//! everything read here.

use std::time::Duration;

use super::variables::*;

use percent_encoding::percent_decode_str;

use super::filter::SpanFilter;
pub(crate) use super::problem::Problem;
use super::traces_exporter::TracesExporter;
use crate::export::otlp::{Endpoint, OtlpCompression, OtlpProtocol, PemFile, TlsFiles};
use crate::record::Sampler;

/// Everything the `OTEL_*` environment says; `None` where it says nothing usable.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct EnvSettings {
    /// `OTEL_SDK_DISABLED`.
    pub(crate) sdk_disabled: Option<bool>,
    /// `OTEL_SERVICE_NAME`.
    pub(crate) service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, decoded, in order.
    pub(crate) resource_attributes: Vec<(String, String)>,
    /// `OTEL_TRACES_EXPORTER`, without duplicates.
    pub(crate) exporters: Option<Vec<TracesExporter>>,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub(crate) otlp_endpoint: Option<Endpoint>,
    /// `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub(crate) otlp_protocol: Option<OtlpProtocol>,
    /// `OTEL_EXPORTER_OTLP_TRACES_HEADERS`, else `OTEL_EXPORTER_OTLP_HEADERS`.
    pub(crate) otlp_headers: Option<Vec<(String, String)>>,
    /// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`.
    pub(crate) otlp_timeout: Option<Duration>,
    /// `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION`, else
    /// `OTEL_EXPORTER_OTLP_COMPRESSION`.
    pub(crate) otlp_compression: Option<OtlpCompression>,
    /// `OTEL_EXPORTER_OTLP[_TRACES]_CERTIFICATE`, `..._CLIENT_CERTIFICATE`
    /// and `..._CLIENT_KEY`, each the `_TRACES_` form if set.
    pub(crate) otlp_tls: TlsFiles,
    /// `OTEL_TRACES_SAMPLER` with `OTEL_TRACES_SAMPLER_ARG`.
    pub(crate) sampler: Option<Sampler>,
    /// `OTEL_BSP_MAX_QUEUE_SIZE`.
    pub(crate) max_queue_size: Option<usize>,
    /// `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`.
    pub(crate) max_export_batch_size: Option<usize>,
    /// `OTEL_BSP_SCHEDULE_DELAY`.
    pub(crate) scheduled_delay: Option<Duration>,
    /// `OTEL_BSP_EXPORT_TIMEOUT`.
    pub(crate) export_timeout: Option<Duration>,
    /// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, else `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub(crate) attribute_count_limit: Option<usize>,
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`.
    pub(crate) attribute_value_length_limit: Option<usize>,
    /// `OTEL_SPAN_EVENT_COUNT_LIMIT`.
    pub(crate) event_count_limit: Option<usize>,
    /// `TRACE_RUNTIME_FILTER`, its invalid directives reported.
    pub(crate) filter: Option<SpanFilter>,
    /// Values that could not be used, in the order read.
    pub(crate) problems: Vec<Problem>,
}

/// The default sampler's name, for messages.
const DEFAULT_SAMPLER: &str = "parentbased_always_on";

impl EnvSettings {
    /// Reads every supported variable through `lookup` (`None`: unset).
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> EnvSettings {
        let mut reader = Reader {
            lookup,
            problems: Vec::new(),
        };
        let settings = EnvSettings {
            sdk_disabled: reader.sdk_disabled(),
            service_name: reader.get(OTEL_SERVICE_NAME),
            resource_attributes: reader.resource_attributes(),
            exporters: reader.exporters(),
            otlp_endpoint: reader.otlp_endpoint(),
            otlp_protocol: reader.otlp_protocol(),
            otlp_headers: reader.otlp_headers(),
            otlp_timeout: reader.either_millis(
                OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
                OTEL_EXPORTER_OTLP_TIMEOUT,
                "10000 (10 s)",
            ),
            otlp_compression: reader.otlp_compression(),
            otlp_tls: reader.otlp_tls(),
            sampler: reader.sampler(),
            max_queue_size: reader.count(OTEL_BSP_MAX_QUEUE_SIZE, 1, "2048"),
            max_export_batch_size: reader.count(OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 1, "512"),
            scheduled_delay: reader.millis(OTEL_BSP_SCHEDULE_DELAY, "5000 (5 s)"),
            export_timeout: reader.millis(OTEL_BSP_EXPORT_TIMEOUT, "30000 (30 s)"),
            attribute_count_limit: reader.either_count(
                OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT,
                OTEL_ATTRIBUTE_COUNT_LIMIT,
                "128",
            ),
            attribute_value_length_limit: reader.either_count(
                OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
                OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT,
                "no limit",
            ),
            event_count_limit: reader.count(OTEL_SPAN_EVENT_COUNT_LIMIT, 0, "128"),
            filter: reader.filter(),
            problems: Vec::new(),
        };
        EnvSettings {
            problems: reader.problems,
            ..settings
        }
    }

    /// Reads the process environment.
    pub(crate) fn from_process() -> EnvSettings {
        EnvSettings::read(&|name| std::env::var(name).ok())
    }
}

struct Reader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    /// The trimmed value of `name`, or `None` when unset or empty.
    fn get(&self, name: &str) -> Option<String> {
        let value = (self.lookup)(name)?;
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_owned())
    }

    fn invalid(&mut self, name: &str, value: &str, reason: impl Into<String>, fallback: &str) {
        self.problems
            .push(Problem::invalid(name, value, reason, fallback));
    }

    fn filter(&mut self) -> Option<SpanFilter> {
        let value = self.get(TRACE_RUNTIME_FILTER)?;
        let mut filter = SpanFilter::lenient(&value);
        self.problems
            .extend(filter.take_problems(TRACE_RUNTIME_FILTER));
        Some(filter)
    }

    fn sdk_disabled(&mut self) -> Option<bool> {
        let value = self.get(OTEL_SDK_DISABLED)?;
        if value.eq_ignore_ascii_case("true") {
            Some(true)
        } else if value.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            self.invalid(
                OTEL_SDK_DISABLED,
                &value,
                "expected `true` or `false`",
                "false (tracing stays enabled)",
            );
            None
        }
    }

    fn resource_attributes(&mut self) -> Vec<(String, String)> {
        let Some(value) = self.get(OTEL_RESOURCE_ATTRIBUTES) else {
            return Vec::new();
        };
        match parse_key_values(&value) {
            Ok(pairs) => pairs,
            Err(reason) => {
                // The specification: on any error, discard the whole value.
                self.invalid(
                    OTEL_RESOURCE_ATTRIBUTES,
                    &value,
                    reason,
                    "no attributes from it",
                );
                Vec::new()
            }
        }
    }

    fn exporters(&mut self) -> Option<Vec<TracesExporter>> {
        let value = self.get(OTEL_TRACES_EXPORTER)?;
        let mut chosen = Vec::new();
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let kind = match name.to_ascii_lowercase().as_str() {
                "otlp" => TracesExporter::Otlp,
                "console" => TracesExporter::Console,
                "none" => TracesExporter::None,
                "zipkin" | "jaeger" => {
                    self.invalid(
                        OTEL_TRACES_EXPORTER,
                        &value,
                        format!(
                            "`{name}` is not supported by trace-runtime (Jaeger and Zipkin both accept `otlp`)"
                        ),
                        "the other exporters listed, or the default",
                    );
                    continue;
                }
                _ => {
                    self.invalid(
                        OTEL_TRACES_EXPORTER,
                        &value,
                        format!("unknown exporter `{name}` (expected otlp, console or none)"),
                        "the other exporters listed, or the default",
                    );
                    continue;
                }
            };
            if !chosen.contains(&kind) {
                chosen.push(kind);
            }
        }
        if chosen.len() > 1 {
            // `none` next to a real exporter adds nothing.
            chosen.retain(|kind| *kind != TracesExporter::None);
        }
        (!chosen.is_empty()).then_some(chosen)
    }

    fn otlp_endpoint(&mut self) -> Option<Endpoint> {
        for (name, per_signal) in [
            (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, true),
            (OTEL_EXPORTER_OTLP_ENDPOINT, false),
        ] {
            if let Some(value) = self.get(name) {
                match check_url(&value) {
                    Ok(()) => {
                        return Some(Endpoint {
                            url: value,
                            per_signal,
                        });
                    }
                    Err(reason) => self.invalid(
                        name,
                        &value,
                        reason,
                        "the next endpoint setting, or the default (http://localhost:4318 for HTTP, http://localhost:4317 for gRPC)",
                    ),
                }
            }
        }
        None
    }

    fn otlp_protocol(&mut self) -> Option<OtlpProtocol> {
        for name in [
            OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
            OTEL_EXPORTER_OTLP_PROTOCOL,
        ] {
            if let Some(value) = self.get(name) {
                match value.to_ascii_lowercase().as_str() {
                    "grpc" => return Some(OtlpProtocol::Grpc),
                    "http/protobuf" => return Some(OtlpProtocol::HttpProtobuf),
                    "http/json" => return Some(OtlpProtocol::HttpJson),
                    _ => self.invalid(
                        name,
                        &value,
                        "expected `grpc`, `http/protobuf` or `http/json`",
                        "the default protocol",
                    ),
                }
            }
        }
        None
    }

    fn otlp_compression(&mut self) -> Option<OtlpCompression> {
        for name in [
            OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
            OTEL_EXPORTER_OTLP_COMPRESSION,
        ] {
            if let Some(value) = self.get(name) {
                match value.to_ascii_lowercase().as_str() {
                    "gzip" => return Some(OtlpCompression::Gzip),
                    "none" => return Some(OtlpCompression::None),
                    _ => self.invalid(
                        name,
                        &value,
                        "expected `gzip` or `none`",
                        "the next compression setting, or none",
                    ),
                }
            }
        }
        None
    }

    /// The first of the `_TRACES_` and the generic form that is set.
    fn pem_file(&self, traces: &'static str, generic: &'static str) -> Option<PemFile> {
        [traces, generic].into_iter().find_map(|variable| {
            self.get(variable).map(|path| PemFile {
                path: path.into(),
                variable,
            })
        })
    }

    fn otlp_tls(&mut self) -> TlsFiles {
        let certificate = self.pem_file(
            OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
            OTEL_EXPORTER_OTLP_CERTIFICATE,
        );
        let client_certificate = self.pem_file(
            OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
            OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
        );
        let client_key = self.pem_file(
            OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY,
            OTEL_EXPORTER_OTLP_CLIENT_KEY,
        );
        let client = match (client_certificate, client_key) {
            (Some(cert), Some(key)) => Some((cert, key)),
            (None, None) => None,
            (Some(only), None) | (None, Some(only)) => {
                let other = if only.variable.ends_with("_KEY") {
                    "a client certificate (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE)"
                } else {
                    "a client key (OTEL_EXPORTER_OTLP_CLIENT_KEY)"
                };
                self.invalid(
                    only.variable,
                    &only.path.display().to_string(),
                    format!("mutual TLS needs {other} too"),
                    "no client certificate",
                );
                None
            }
        };
        TlsFiles {
            certificate,
            client,
        }
    }

    fn otlp_headers(&mut self) -> Option<Vec<(String, String)>> {
        for name in [
            OTEL_EXPORTER_OTLP_TRACES_HEADERS,
            OTEL_EXPORTER_OTLP_HEADERS,
        ] {
            if let Some(value) = self.get(name) {
                match parse_key_values(&value) {
                    Ok(pairs) => return Some(pairs),
                    Err(reason) => self.invalid(name, &value, reason, "no headers from it"),
                }
            }
        }
        None
    }

    fn sampler(&mut self) -> Option<Sampler> {
        let value = self.get(OTEL_TRACES_SAMPLER)?;
        let name = value.to_ascii_lowercase();
        let sampler = match name.as_str() {
            "always_on" => Sampler::AlwaysOn,
            "always_off" => Sampler::AlwaysOff,
            "traceidratio" => Sampler::TraceIdRatioBased(self.ratio()),
            "parentbased_always_on" => Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            "parentbased_always_off" => Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
            "parentbased_traceidratio" => {
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(self.ratio())))
            }
            "jaeger_remote" | "parentbased_jaeger_remote" | "xray" => {
                self.invalid(
                    OTEL_TRACES_SAMPLER,
                    &value,
                    format!("the `{name}` sampler is not supported by trace-runtime"),
                    DEFAULT_SAMPLER,
                );
                return None;
            }
            _ => {
                self.invalid(
                    OTEL_TRACES_SAMPLER,
                    &value,
                    "expected always_on, always_off, traceidratio, parentbased_always_on, \
                     parentbased_always_off or parentbased_traceidratio",
                    DEFAULT_SAMPLER,
                );
                return None;
            }
        };
        Some(sampler)
    }

    /// `OTEL_TRACES_SAMPLER_ARG` for the ratio samplers: 0.0 to 1.0, default 1.0.
    fn ratio(&mut self) -> f64 {
        let Some(value) = self.get(OTEL_TRACES_SAMPLER_ARG) else {
            return 1.0;
        };
        match value.parse::<f64>() {
            Ok(ratio) if (0.0..=1.0).contains(&ratio) => ratio,
            _ => {
                self.invalid(
                    OTEL_TRACES_SAMPLER_ARG,
                    &value,
                    "expected a ratio from 0.0 to 1.0",
                    "1.0",
                );
                1.0
            }
        }
    }

    /// A whole number of at least `min`.
    fn count(&mut self, name: &str, min: usize, default: &str) -> Option<usize> {
        let value = self.get(name)?;
        match value.parse::<usize>() {
            Ok(n) if n >= min => Some(n),
            _ => {
                let expected = if min == 0 {
                    "expected a whole number".to_owned()
                } else {
                    format!("expected a whole number of at least {min}")
                };
                self.invalid(name, &value, expected, default);
                None
            }
        }
    }

    /// The first of two count variables that is set (even if invalid).
    fn either_count(&mut self, first: &str, second: &str, default: &str) -> Option<usize> {
        if self.get(first).is_some() {
            self.count(first, 0, default)
        } else {
            self.count(second, 0, default)
        }
    }

    /// A positive whole number of milliseconds.
    fn millis(&mut self, name: &str, default: &str) -> Option<Duration> {
        let value = self.get(name)?;
        match value.parse::<u64>() {
            Ok(ms) if ms > 0 => Some(Duration::from_millis(ms)),
            _ => {
                self.invalid(
                    name,
                    &value,
                    "expected a positive whole number of milliseconds",
                    default,
                );
                None
            }
        }
    }

    fn either_millis(&mut self, first: &str, second: &str, default: &str) -> Option<Duration> {
        if self.get(first).is_some() {
            self.millis(first, default)
        } else {
            self.millis(second, default)
        }
    }
}

/// Checks that `url` is an `http://` or `https://` URL with a host.
pub(crate) fn check_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| "expected a URL starting with http:// or https://".to_owned())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.is_empty() {
        return Err("the URL has no host".to_owned());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL contains whitespace or control characters".to_owned());
    }
    Ok(())
}

/// Parses `key1=value1,key2=value2` (W3C baggage without properties, values
/// percent-encoded), the format of `OTEL_RESOURCE_ATTRIBUTES` and
/// `OTEL_EXPORTER_OTLP_HEADERS`. Any malformed entry fails the whole list.
pub(crate) fn parse_key_values(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for entry in text.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let Some((key, value)) = entry.split_once('=') else {
            return Err(format!("`{entry}` is not of the form key=value"));
        };
        let key = percent_decode(key.trim())
            .ok_or_else(|| format!("`{key}` is not valid percent-encoding"))?;
        if key.is_empty() {
            return Err(format!("`{entry}` has an empty key"));
        }
        let value = percent_decode(value.trim())
            .ok_or_else(|| format!("`{value}` is not valid percent-encoding"))?;
        pairs.push((key, value));
    }
    Ok(pairs)
}

/// Decodes `%XX` escapes; `None` for a malformed escape (which the
/// `percent_encoding` crate would keep as it is) or invalid UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let well_formed = text.split('%').skip(1).all(|rest| {
        rest.as_bytes()
            .get(..2)
            .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_decode_str(text)
        .decode_utf8()
        .ok()
        .map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PipelineError;

    fn read(vars: &[(&str, &str)]) -> EnvSettings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        EnvSettings::read(&move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    fn invalid_variables(settings: &EnvSettings) -> Vec<String> {
        settings
            .problems
            .iter()
            .map(|p| match &p.error {
                PipelineError::InvalidSetting { variable, .. } => variable.clone(),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn nothing_set_reads_as_nothing() {
        assert_eq!(read(&[]), EnvSettings::default());
    }

    #[test]
    fn empty_and_blank_values_count_as_unset() {
        let settings = read(&[
            ("OTEL_SERVICE_NAME", ""),
            ("OTEL_TRACES_SAMPLER", "   "),
            ("OTEL_BSP_MAX_QUEUE_SIZE", ""),
        ]);
        assert_eq!(settings, EnvSettings::default());
    }

    #[test]
    fn sdk_disabled_accepts_true_and_false_in_any_case() {
        assert_eq!(
            read(&[("OTEL_SDK_DISABLED", "TRUE")]).sdk_disabled,
            Some(true)
        );
        assert_eq!(
            read(&[("OTEL_SDK_DISABLED", "false")]).sdk_disabled,
            Some(false)
        );
        let settings = read(&[("OTEL_SDK_DISABLED", "yes")]);
        assert_eq!(settings.sdk_disabled, None);
        assert_eq!(invalid_variables(&settings), ["OTEL_SDK_DISABLED"]);
    }

    #[test]
    fn resource_attributes_are_percent_decoded() {
        let settings = read(&[(
            "OTEL_RESOURCE_ATTRIBUTES",
            "deployment.environment=prod, team=a%20b%2Cc,service.version=1.2",
        )]);
        assert_eq!(
            settings.resource_attributes,
            [
                ("deployment.environment".to_owned(), "prod".to_owned()),
                ("team".to_owned(), "a b,c".to_owned()),
                ("service.version".to_owned(), "1.2".to_owned()),
            ]
        );
    }

    #[test]
    fn a_malformed_resource_attribute_discards_the_whole_list() {
        for bad in ["a=1,b", "a=1,=2", "a=%zz", "a=%e2%28"] {
            let settings = read(&[("OTEL_RESOURCE_ATTRIBUTES", bad)]);
            assert!(settings.resource_attributes.is_empty(), "{bad}");
            assert_eq!(invalid_variables(&settings), ["OTEL_RESOURCE_ATTRIBUTES"]);
        }
    }

    #[test]
    fn exporters_are_a_comma_separated_case_insensitive_list() {
        let settings = read(&[("OTEL_TRACES_EXPORTER", " OTLP , console,otlp")]);
        assert_eq!(
            settings.exporters,
            Some(vec![TracesExporter::Otlp, TracesExporter::Console])
        );
        assert!(settings.problems.is_empty());
        assert_eq!(
            read(&[("OTEL_TRACES_EXPORTER", "none")]).exporters,
            Some(vec![TracesExporter::None])
        );
        assert_eq!(
            read(&[("OTEL_TRACES_EXPORTER", "none,console")]).exporters,
            Some(vec![TracesExporter::Console])
        );
    }

    #[test]
    fn unknown_exporters_are_reported_and_skipped() {
        let settings = read(&[("OTEL_TRACES_EXPORTER", "zipkin,otlp,stdout")]);
        assert_eq!(settings.exporters, Some(vec![TracesExporter::Otlp]));
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_TRACES_EXPORTER", "OTEL_TRACES_EXPORTER"]
        );
        assert_eq!(read(&[("OTEL_TRACES_EXPORTER", "zipkin")]).exporters, None);
    }

    #[test]
    fn the_traces_endpoint_wins_over_the_generic_one() {
        let settings = read(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "https://traces.example/x",
            ),
        ]);
        assert_eq!(
            settings.otlp_endpoint,
            Some(Endpoint {
                url: "https://traces.example/x".to_owned(),
                per_signal: true
            })
        );
        let settings = read(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")]);
        assert_eq!(
            settings.otlp_endpoint,
            Some(Endpoint {
                url: "http://collector:4318".to_owned(),
                per_signal: false
            })
        );
    }

    #[test]
    fn an_invalid_endpoint_falls_back_to_the_next_setting() {
        let settings = read(&[
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4317"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
        ]);
        assert_eq!(
            settings.otlp_endpoint.as_ref().map(|e| e.url.as_str()),
            Some("http://collector:4318")
        );
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
        );
        assert_eq!(
            read(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http:///v1")]).otlp_endpoint,
            None
        );
    }

    #[test]
    fn protocols_are_grpc_and_http_protobuf() {
        assert_eq!(
            read(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "gRPC")]).otlp_protocol,
            Some(OtlpProtocol::Grpc)
        );
        assert_eq!(
            read(&[
                ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
            ])
            .otlp_protocol,
            Some(OtlpProtocol::HttpProtobuf)
        );
        assert_eq!(
            read(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "HTTP/JSON")]).otlp_protocol,
            Some(OtlpProtocol::HttpJson)
        );
        let settings = read(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/xml")]);
        assert_eq!(settings.otlp_protocol, None);
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"]
        );
    }

    #[test]
    fn compression_is_gzip_or_none_and_the_traces_form_wins() {
        assert_eq!(
            read(&[("OTEL_EXPORTER_OTLP_COMPRESSION", " GZIP ")]).otlp_compression,
            Some(OtlpCompression::Gzip)
        );
        assert_eq!(
            read(&[
                ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
                ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "none"),
            ])
            .otlp_compression,
            Some(OtlpCompression::None)
        );
        let settings = read(&[
            ("OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "zstd"),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ]);
        assert_eq!(settings.otlp_compression, Some(OtlpCompression::Gzip));
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_EXPORTER_OTLP_TRACES_COMPRESSION"]
        );
        let settings = read(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli")]);
        assert_eq!(settings.otlp_compression, None);
        let problem = settings.problems[0].to_string();
        assert!(
            problem.contains("\"brotli\"") && problem.contains("gzip"),
            "{problem}"
        );
    }

    fn pem(path: &str, variable: &'static str) -> PemFile {
        PemFile {
            path: path.into(),
            variable,
        }
    }

    #[test]
    fn certificate_paths_prefer_the_traces_forms() {
        let settings = read(&[
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
                " /etc/traces-ca.pem ",
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY",
                "/etc/traces-key.pem",
            ),
            ("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/key.pem"),
        ]);
        assert!(settings.problems.is_empty(), "{:?}", settings.problems);
        assert_eq!(
            settings.otlp_tls,
            TlsFiles {
                certificate: Some(pem(
                    "/etc/traces-ca.pem",
                    "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE"
                )),
                client: Some((
                    pem("/etc/client.pem", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"),
                    pem(
                        "/etc/traces-key.pem",
                        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"
                    ),
                )),
            }
        );
        assert_eq!(
            read(&[("OTEL_EXPORTER_OTLP_CERTIFICATE", "")]).otlp_tls,
            TlsFiles::default()
        );
    }

    #[test]
    fn a_client_certificate_without_its_key_is_reported_and_dropped() {
        let settings = read(&[
            ("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"),
            ("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem"),
        ]);
        assert_eq!(settings.otlp_tls.client, None);
        assert!(settings.otlp_tls.certificate.is_some());
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"]
        );
        assert!(settings.problems[0].to_string().contains("client key"));
        let settings = read(&[("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/etc/key.pem")]);
        assert_eq!(settings.otlp_tls.client, None);
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"]
        );
    }

    #[test]
    fn headers_are_key_value_pairs() {
        let settings = read(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "api-key=secret,x-tenant=a%3Db",
        )]);
        assert_eq!(
            settings.otlp_headers,
            Some(vec![
                ("api-key".to_owned(), "secret".to_owned()),
                ("x-tenant".to_owned(), "a=b".to_owned()),
            ])
        );
        let settings = read(&[("OTEL_EXPORTER_OTLP_HEADERS", "api-key")]);
        assert_eq!(settings.otlp_headers, None);
        assert_eq!(invalid_variables(&settings), ["OTEL_EXPORTER_OTLP_HEADERS"]);
    }

    #[test]
    fn timeouts_and_delays_are_milliseconds() {
        let settings = read(&[
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
            ("OTEL_BSP_EXPORT_TIMEOUT", "750"),
        ]);
        assert_eq!(settings.otlp_timeout, Some(Duration::from_millis(2500)));
        assert_eq!(settings.scheduled_delay, Some(Duration::from_millis(100)));
        assert_eq!(settings.export_timeout, Some(Duration::from_millis(750)));
        assert_eq!(
            read(&[
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
                ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "300"),
            ])
            .otlp_timeout,
            Some(Duration::from_millis(300))
        );
    }

    #[test]
    fn invalid_numbers_are_reported_with_the_variable_and_value() {
        let settings = read(&[
            ("OTEL_BSP_SCHEDULE_DELAY", "5s"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "-1"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        ]);
        assert_eq!(settings.scheduled_delay, None);
        assert_eq!(settings.max_queue_size, None);
        assert_eq!(settings.max_export_batch_size, None);
        assert_eq!(settings.otlp_timeout, None);
        assert_eq!(settings.problems.len(), 4);
        let first = settings.problems[0].to_string();
        assert!(first.contains("OTEL_EXPORTER_OTLP_TIMEOUT"), "{first}");
        assert!(first.contains("\"0\""), "{first}");
        let delay = settings
            .problems
            .iter()
            .map(ToString::to_string)
            .find(|p| p.contains("OTEL_BSP_SCHEDULE_DELAY"))
            .unwrap();
        assert!(
            delay.contains("\"5s\"") && delay.contains("using 5000"),
            "{delay}"
        );
    }

    #[test]
    fn every_standard_sampler_name_is_understood() {
        let cases = [
            ("always_on", Sampler::AlwaysOn),
            ("always_off", Sampler::AlwaysOff),
            ("traceidratio", Sampler::TraceIdRatioBased(0.25)),
            (
                "parentbased_always_on",
                Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
            ),
            (
                "parentbased_always_off",
                Sampler::ParentBased(Box::new(Sampler::AlwaysOff)),
            ),
            (
                "parentbased_traceidratio",
                Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.25))),
            ),
        ];
        for (name, expected) in cases {
            let settings = read(&[
                ("OTEL_TRACES_SAMPLER", name),
                ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ]);
            assert_eq!(settings.sampler, Some(expected), "{name}");
            assert!(settings.problems.is_empty(), "{name}");
        }
    }

    #[test]
    fn a_ratio_sampler_without_an_argument_samples_everything() {
        assert_eq!(
            read(&[("OTEL_TRACES_SAMPLER", "traceidratio")]).sampler,
            Some(Sampler::TraceIdRatioBased(1.0))
        );
        let settings = read(&[
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
        ]);
        assert_eq!(settings.sampler, Some(Sampler::TraceIdRatioBased(1.0)));
        assert_eq!(invalid_variables(&settings), ["OTEL_TRACES_SAMPLER_ARG"]);
    }

    #[test]
    fn unsupported_samplers_are_reported() {
        for name in ["jaeger_remote", "xray", "sometimes"] {
            let settings = read(&[("OTEL_TRACES_SAMPLER", name)]);
            assert_eq!(settings.sampler, None);
            assert_eq!(invalid_variables(&settings), ["OTEL_TRACES_SAMPLER"]);
        }
    }

    #[test]
    fn attribute_limits_prefer_the_span_specific_variables() {
        let settings = read(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "64"),
            ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "256"),
        ]);
        assert_eq!(settings.attribute_count_limit, Some(64));
        assert_eq!(settings.attribute_value_length_limit, Some(256));
        assert_eq!(
            read(&[("OTEL_SPAN_EVENT_COUNT_LIMIT", "5")]).event_count_limit,
            Some(5)
        );
        let settings = read(&[
            ("OTEL_ATTRIBUTE_COUNT_LIMIT", "64"),
            ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "0"),
        ]);
        assert_eq!(settings.attribute_count_limit, Some(0));
        let settings = read(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "long")]);
        assert_eq!(settings.attribute_value_length_limit, None);
        assert_eq!(
            invalid_variables(&settings),
            ["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"]
        );
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        assert!(check_url("http://localhost:4318").is_ok());
        assert!(check_url("https://otlp.example/v1/traces").is_ok());
        assert!(check_url("localhost:4317").is_err());
        assert!(check_url("http://").is_err());
        assert!(check_url("ftp://host").is_err());
        assert!(check_url("http://a b").is_err());
    }
}
