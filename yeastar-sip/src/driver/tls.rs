//! TLS settings of the SIP transports and the pieces every TLS client of the family shares:
//! PEM files read into rustls types, the trust store (a CA file or the web roots), and the
//! ring provider given explicitly (the process-wide default may be unset, or ambiguous when
//! another crate of the application enables a second provider).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

/// TLS settings of a [`TlsTransport`](super::TlsTransport).
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// PEM file of the CA(s) to trust; `None` trusts the web roots (webpki-roots).
    pub ca_file: Option<PathBuf>,
    /// The name the server's certificate must carry and the SNI sent; `None` checks the
    /// destination's IP address (the certificate must list it as an IP SAN).
    pub server_name: Option<String>,
    /// Our client certificate chain and private key (PEM files), for servers that ask.
    pub client_certificate: Option<(PathBuf, PathBuf)>,
    /// A server certificate chain and key (PEM files): with it the transport accepts TLS
    /// connections on its listening address; without it accepted connections are closed.
    pub server_certificate: Option<(PathBuf, PathBuf)>,
}

impl TlsConfig {
    /// Verification against the web roots, SNI from the destination.
    #[must_use]
    pub fn new() -> TlsConfig {
        TlsConfig::default()
    }

    /// Trust the CAs of this PEM file instead of the web roots.
    #[must_use]
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> TlsConfig {
        self.ca_file = Some(path.into());
        self
    }

    /// Check the server's certificate against `name` and send it as SNI.
    #[must_use]
    pub fn server_name(mut self, name: impl Into<String>) -> TlsConfig {
        self.server_name = Some(name.into());
        self
    }

    /// Present this client certificate chain and key.
    #[must_use]
    pub fn client_certificate(
        mut self,
        chain: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> TlsConfig {
        self.client_certificate = Some((chain.into(), key.into()));
        self
    }

    /// Accept TLS with this server certificate chain and key.
    #[must_use]
    pub fn server_certificate(
        mut self,
        chain: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> TlsConfig {
        self.server_certificate = Some((chain.into(), key.into()));
        self
    }
}

/// Why a TLS transport could not be set up.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// A PEM file could not be read.
    #[error("cannot read {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A PEM file holds no certificate or key rustls accepts.
    #[error("{path}: {detail}")]
    BadPem {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The server name is not a valid DNS name or IP address.
    #[error("invalid TLS server name {0:?}")]
    ServerName(String),
    /// rustls refused the configuration.
    #[error(transparent)]
    Rustls(#[from] rustls::Error),
    /// The listening socket could not be bound.
    #[error("bind: {0}")]
    Bind(#[from] io::Error),
}

/// The ring crypto provider.
pub fn ring_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The roots a client trusts: every certificate of `ca_file`, or the web roots without one.
pub fn root_store(ca_file: Option<&Path>) -> Result<rustls::RootCertStore, TlsSetupError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for cert in read_certs(path)? {
                roots.add(cert).map_err(|e| TlsSetupError::BadPem {
                    path: path.to_owned(),
                    detail: e.to_string(),
                })?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(roots)
}

fn read_pem(path: &Path) -> Result<Vec<u8>, TlsSetupError> {
    std::fs::read(path).map_err(|source| TlsSetupError::File {
        path: path.to_owned(),
        source,
    })
}

/// Every certificate of a PEM file; at least one.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let pem = read_pem(path)?;
    let bad = |detail: String| TlsSetupError::BadPem {
        path: path.to_owned(),
        detail,
    };
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad("no certificate".into()));
    }
    Ok(certs)
}

/// The first private key of a PEM file.
pub fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let pem = read_pem(path)?;
    rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| e.to_string())
        .and_then(|k| k.ok_or_else(|| "no private key".to_owned()))
        .map_err(|detail| TlsSetupError::BadPem {
            path: path.to_owned(),
            detail,
        })
}
