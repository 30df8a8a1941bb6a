//! TLS for `https://` endpoints (cargo feature `otlp-tls`): rustls with the
//! `ring` provider, for both transports.
//!
//! Whom to trust: the CA certificates of `OTEL_EXPORTER_OTLP_CERTIFICATE`
//! when set (and then only those, as for a private CA), else the
//! platform's roots (read by `rustls-native-certs`: the system store, or
//! `SSL_CERT_FILE` / `SSL_CERT_DIR`). Who we are, for mutual TLS:
//! `OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE` and `..._CLIENT_KEY`.
//!
//! The files are read and parsed when the pipeline is installed, so a
//! missing or malformed file is reported there, naming its variable, rather
//! than at the first export.

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::{OtlpSettings, PemFile, build_error};
use crate::error::PipelineError;

/// Makes `ring` the process's default rustls crypto provider, unless the
/// application installed one first.
///
/// With `otlp-tls`, reqwest is compiled without a provider of its own (the
/// runtime hands its clients `ring` explicitly), and cargo unifies that
/// feature for every reqwest client in the build: a client the
/// application builds without a provider would panic. Installing a
/// default when the pipeline is installed keeps those working; a client
/// built before `init()` still needs the application's own provider.
pub(crate) fn install_default_crypto_provider() {
    // An error only means a provider is installed already, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The PEM contents of the TLS files, checked to parse.
pub(super) struct TlsMaterial {
    /// `None`: the platform's roots.
    pub(super) ca_pem: Option<Vec<u8>>,
    /// Certificate chain and key.
    pub(super) client_pem: Option<(Vec<u8>, Vec<u8>)>,
}

impl TlsMaterial {
    /// Reads and checks the files `settings` name.
    pub(super) fn load(settings: &OtlpSettings) -> Result<TlsMaterial, PipelineError> {
        let ca_pem = match &settings.tls.certificate {
            Some(file) => {
                let pem = read(file)?;
                certificates(file, &pem)?;
                Some(pem)
            }
            None => None,
        };
        let client_pem = match &settings.tls.client {
            Some((cert_file, key_file)) => {
                let cert = read(cert_file)?;
                certificates(cert_file, &cert)?;
                let key = read(key_file)?;
                private_key(key_file, &key)?;
                Some((cert, key))
            }
            None => None,
        };
        Ok(TlsMaterial { ca_pem, client_pem })
    }

    /// A rustls client configuration (for the HTTP transport).
    #[cfg(feature = "otlp-http")]
    pub(super) fn client_config(
        &self,
        settings: &OtlpSettings,
    ) -> Result<rustls::ClientConfig, PipelineError> {
        let mut roots = rustls::RootCertStore::empty();
        match &self.ca_pem {
            Some(pem) => {
                let file = settings.tls.certificate.as_ref().expect("loaded from it");
                for cert in certificates(file, pem)? {
                    roots
                        .add(cert)
                        .map_err(|e| invalid(file, format!("not a usable CA certificate: {e}")))?;
                }
            }
            None => {
                let found = rustls_native_certs::load_native_certs();
                let (added, _ignored) = roots.add_parsable_certificates(found.certs);
                if added == 0 {
                    return Err(build_error(settings, no_roots()));
                }
            }
        }
        let builder = rustls::ClientConfig::builder_with_provider(
            rustls::crypto::ring::default_provider().into(),
        )
        .with_safe_default_protocol_versions()
        .map_err(|e| build_error(settings, e))?
        .with_root_certificates(roots);
        let config = match &self.client_pem {
            Some((cert, key)) => {
                let (cert_file, key_file) = settings.tls.client.as_ref().expect("loaded from them");
                builder
                    .with_client_auth_cert(
                        certificates(cert_file, cert)?,
                        private_key(key_file, key)?,
                    )
                    .map_err(|e| {
                        invalid(
                            key_file,
                            format!("does not fit the client certificate: {e}"),
                        )
                    })?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(config)
    }

    /// A tonic client configuration (for the gRPC transport).
    #[cfg(feature = "otlp-grpc")]
    pub(super) fn tonic_config(
        &self,
        settings: &OtlpSettings,
    ) -> Result<tonic::transport::ClientTlsConfig, PipelineError> {
        use tonic::transport::{Certificate, ClientTlsConfig, Identity};
        let config = ClientTlsConfig::new();
        let config = match &self.ca_pem {
            Some(pem) => config.ca_certificate(Certificate::from_pem(pem)),
            None => {
                // tonic reads the same store; say what is wrong before it does.
                if rustls_native_certs::load_native_certs().certs.is_empty() {
                    return Err(build_error(settings, no_roots()));
                }
                config.with_native_roots()
            }
        };
        Ok(match &self.client_pem {
            Some((cert, key)) => config.identity(Identity::from_pem(cert, key)),
            None => config,
        })
    }
}

fn no_roots() -> String {
    "no root certificates found on this machine (install the ca-certificates package, \
     set SSL_CERT_FILE, or name a CA bundle in OTEL_EXPORTER_OTLP_CERTIFICATE)"
        .to_owned()
}

fn read(file: &PemFile) -> Result<Vec<u8>, PipelineError> {
    std::fs::read(&file.path).map_err(|e| invalid(file, format!("cannot be read: {e}")))
}

fn certificates(file: &PemFile, pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, PipelineError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(file, format!("is not PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid(file, "holds no PEM certificate"));
    }
    Ok(certs)
}

fn private_key(file: &PemFile, pem: &[u8]) -> Result<PrivateKeyDer<'static>, PipelineError> {
    PrivateKeyDer::from_pem_slice(pem)
        .map_err(|e| invalid(file, format!("holds no PEM private key: {e}")))
}

fn invalid(file: &PemFile, reason: impl Into<String>) -> PipelineError {
    PipelineError::InvalidSetting {
        variable: file.variable.to_owned(),
        value: file.path.display().to_string(),
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::otlp::{OtlpCompression, OtlpProtocol, TlsFiles};
    use std::time::Duration;

    fn settings(tls: TlsFiles) -> OtlpSettings {
        OtlpSettings {
            protocol: OtlpProtocol::HttpProtobuf,
            endpoint: None,
            headers: Vec::new(),
            timeout: Duration::from_secs(1),
            compression: OtlpCompression::None,
            tls,
        }
    }

    fn file(path: &std::path::Path, variable: &'static str) -> PemFile {
        PemFile {
            path: path.to_owned(),
            variable,
        }
    }

    #[test]
    fn unreadable_and_malformed_files_name_their_variable() {
        let dir = std::env::temp_dir().join(format!("trace-rs-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();

        let variable_of = |tls: TlsFiles| match TlsMaterial::load(&settings(tls)) {
            Err(PipelineError::InvalidSetting {
                variable, reason, ..
            }) => (variable, reason),
            Err(other) => panic!("unexpected {other}"),
            Ok(_) => panic!("loaded"),
        };
        let (variable, reason) = variable_of(TlsFiles {
            certificate: Some(file(&missing, "OTEL_EXPORTER_OTLP_CERTIFICATE")),
            client: None,
        });
        assert_eq!(variable, "OTEL_EXPORTER_OTLP_CERTIFICATE");
        assert!(reason.contains("cannot be read"), "{reason}");
        let (variable, reason) = variable_of(TlsFiles {
            certificate: Some(file(&junk, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE")),
            client: None,
        });
        assert_eq!(variable, "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE");
        assert!(reason.contains("no PEM certificate"), "{reason}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
