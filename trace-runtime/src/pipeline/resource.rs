//! The Resource describing this process, and the process nonce.
//!
//! Every exported span carries the pipeline's Resource. It is assembled from
//! layers, each overriding the one before:
//!
//! 1. what this module detects: `service.name` (the binary's name),
//!    `service.instance.id` ([`process_nonce`]), `telemetry.sdk.name` /
//!    `.language` / `.version`, `process.pid`, `host.name`;
//! 2. `OTEL_RESOURCE_ATTRIBUTES`;
//! 3. `OTEL_SERVICE_NAME`;
//! 4. what the code says: `with_resource`, `with_resource_attributes`,
//!    `with_service_name`, `with_service_version` on the builder.
//!
//! Detection reads no `OTEL_*` variable (the SDK's own detectors would read
//! the process environment behind the builder's back), so a test can build a
//! Resource from a lookup function alone.

use std::sync::OnceLock;

use opentelemetry::KeyValue;
use opentelemetry_sdk::Resource;

/// A random (v4) uuid generated once per process: the `service.instance.id`
/// of every span it exports.
///
/// [`init`](crate::init) prints it once on stderr, so a process's own logs
/// can be matched to its traces; log it yourself wherever that helps.
///
/// ```
/// let nonce = trace_runtime::process_nonce();
/// assert_eq!(nonce.len(), 36); // 8-4-4-4-12 hex digits
/// assert_eq!(nonce, trace_runtime::process_nonce()); // stable for the process
/// ```
pub fn process_nonce() -> &'static str {
    static NONCE: OnceLock<String> = OnceLock::new();
    NONCE.get_or_init(|| uuid::Uuid::new_v4().hyphenated().to_string())
}

/// The layers of the Resource, lowest precedence first.
#[derive(Debug, Default)]
pub(crate) struct ResourceLayers<'a> {
    /// `OTEL_RESOURCE_ATTRIBUTES`.
    pub(crate) env_attributes: &'a [(String, String)],
    /// `OTEL_SERVICE_NAME`.
    pub(crate) env_service_name: Option<&'a str>,
    /// `with_resource` in code.
    pub(crate) code_resource: Option<&'a Resource>,
    /// `with_resource_attributes` in code.
    pub(crate) code_attributes: &'a [KeyValue],
    /// `with_service_name` in code.
    pub(crate) code_service_name: Option<&'a str>,
    /// `with_service_version` in code.
    pub(crate) code_service_version: Option<&'a str>,
}

/// Builds the Resource from the detected attributes and the layers.
pub(crate) fn build(layers: &ResourceLayers<'_>) -> Resource {
    let mut builder = Resource::builder_empty().with_attributes(detected());
    builder = builder.with_attributes(
        layers
            .env_attributes
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
    );
    if let Some(name) = layers.env_service_name {
        builder = builder.with_service_name(name.to_owned());
    }
    if let Some(resource) = layers.code_resource {
        builder = builder.with_attributes(
            resource
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
        );
    }
    builder = builder.with_attributes(layers.code_attributes.iter().cloned());
    if let Some(name) = layers.code_service_name {
        builder = builder.with_service_name(name.to_owned());
    }
    if let Some(version) = layers.code_service_version {
        builder = builder.with_attribute(KeyValue::new("service.version", version.to_owned()));
    }
    builder.build()
}

/// The attributes this module knows without being told.
fn detected() -> Vec<KeyValue> {
    let mut attributes = vec![
        KeyValue::new("service.name", binary_name()),
        KeyValue::new("service.instance.id", process_nonce()),
        KeyValue::new("telemetry.sdk.name", "trace-runtime"),
        KeyValue::new("telemetry.sdk.language", "rust"),
        KeyValue::new("telemetry.sdk.version", env!("CARGO_PKG_VERSION")),
        KeyValue::new("process.pid", i64::from(std::process::id())),
    ];
    if let Some(host) = host_name() {
        attributes.push(KeyValue::new("host.name", host));
    }
    attributes
}

/// The running binary's file name without extension, the default `service.name`.
fn binary_name() -> String {
    let from_exe = std::env::current_exe()
        .ok()
        .and_then(|path| path.file_stem().map(|s| s.to_string_lossy().into_owned()));
    let from_args = || {
        std::env::args_os().next().and_then(|arg0| {
            std::path::Path::new(&arg0)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
        })
    };
    from_exe
        .or_else(from_args)
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "unknown_service".to_owned())
}

/// The machine's host name, when the platform tells it without a system call.
fn host_name() -> Option<String> {
    let from_file = |path: &str| {
        std::fs::read_to_string(path)
            .ok()
            .map(|s| s.trim().to_owned())
    };
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::{Key, Value};

    fn get(resource: &Resource, key: &'static str) -> Option<String> {
        resource
            .get(&Key::from_static_str(key))
            .map(|v| v.to_string())
    }

    #[test]
    fn the_nonce_is_a_stable_v4_uuid() {
        let nonce = process_nonce();
        let parsed = uuid::Uuid::parse_str(nonce).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(process_nonce(), nonce);
    }

    #[test]
    fn detected_attributes_describe_the_process() {
        let resource = build(&ResourceLayers::default());
        assert_eq!(
            get(&resource, "service.instance.id").as_deref(),
            Some(process_nonce())
        );
        assert_eq!(
            get(&resource, "telemetry.sdk.name").as_deref(),
            Some("trace-runtime")
        );
        assert_eq!(
            get(&resource, "telemetry.sdk.language").as_deref(),
            Some("rust")
        );
        assert_eq!(
            resource.get(&Key::from_static_str("process.pid")),
            Some(Value::I64(i64::from(std::process::id())))
        );
        let name = get(&resource, "service.name").unwrap();
        assert!(name.starts_with("trace_runtime"), "{name}");
    }

    #[test]
    fn later_layers_override_earlier_ones() {
        let env = [
            ("service.name".to_owned(), "from-attributes".to_owned()),
            ("deployment.environment".to_owned(), "prod".to_owned()),
            ("service.version".to_owned(), "0.9".to_owned()),
        ];
        let layers = ResourceLayers {
            env_attributes: &env,
            env_service_name: Some("from-env"),
            ..ResourceLayers::default()
        };
        let resource = build(&layers);
        assert_eq!(get(&resource, "service.name").as_deref(), Some("from-env"));
        assert_eq!(
            get(&resource, "deployment.environment").as_deref(),
            Some("prod")
        );

        let code = [KeyValue::new("deployment.environment", "staging")];
        let resource = build(&ResourceLayers {
            code_attributes: &code,
            code_service_name: Some("from-code"),
            code_service_version: Some("1.0"),
            ..layers
        });
        assert_eq!(get(&resource, "service.name").as_deref(), Some("from-code"));
        assert_eq!(get(&resource, "service.version").as_deref(), Some("1.0"));
        assert_eq!(
            get(&resource, "deployment.environment").as_deref(),
            Some("staging")
        );
    }
}
