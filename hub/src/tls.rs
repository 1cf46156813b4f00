//! HTTPS with rustls (ring provider) when `serve --tls-cert --tls-key` are given. Stations
//! trust the hub's certificate by the system roots or by `[central] ca_file`.

use axum_server::tls_rustls::RustlsConfig;
use rustls::pki_types::pem::Error as PemError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the certificate and key cannot serve HTTPS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate {}", .path.display())]
    ReadCertificate {
        path: PathBuf,
        #[source]
        source: PemError,
    },
    #[error("{} holds no PEM certificate", .path.display())]
    NoCertificate {
        path: PathBuf,
        #[source]
        source: Option<PemError>,
    },
    #[error("cannot read a PEM private key from {}", .path.display())]
    Key {
        path: PathBuf,
        #[source]
        source: PemError,
    },
    #[error("the certificate and key do not form a usable pair")]
    Pair(#[source] rustls::Error),
}

/// Reads a PEM certificate chain and key into a server configuration.
pub fn server_config(cert: &Path, key: &Path) -> Result<RustlsConfig, TlsError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|source| TlsError::ReadCertificate {
            path: cert.to_path_buf(),
            source,
        })?
        .collect::<Result<_, _>>()
        .map_err(|source| TlsError::NoCertificate {
            path: cert.to_path_buf(),
            source: Some(source),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: cert.to_path_buf(),
            source: None,
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|source| TlsError::Key {
        path: key.to_path_buf(),
        source,
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Pair)?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(TlsError::Pair)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(RustlsConfig::from_config(Arc::new(config)))
}
