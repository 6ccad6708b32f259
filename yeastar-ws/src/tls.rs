//! TLS for `wss://`, on the project's one TLS stack (rustls with the ring provider, given
//! explicitly as `yeastar-ami` does): server verification always on, the public web roots or
//! a private CA file, SNI from the URL host or an explicit name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls;

use crate::error::WsError;

/// How a `wss://` client verifies the server.
#[non_exhaustive]
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM file of the CA(s) to trust instead of the public web roots (a PBX with a private
    /// or self-signed certificate).
    pub ca_file: Option<PathBuf>,
    /// The name to send as SNI and to find in the certificate, when it is not the URL's host
    /// (a URL naming an IP address of a PBX whose certificate carries its DNS name).
    pub server_name: Option<String>,
    /// A complete rustls configuration to use as is (it wins over `ca_file`); verification
    /// stays whatever it says.
    pub config: Option<Arc<rustls::ClientConfig>>,
}

impl TlsOptions {
    /// Trust the CAs in this PEM file.
    #[must_use]
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> TlsOptions {
        self.ca_file = Some(path.into());
        self
    }

    /// Send this SNI name and verify the certificate against it.
    #[must_use]
    pub fn with_server_name(mut self, name: impl Into<String>) -> TlsOptions {
        self.server_name = Some(name.into());
        self
    }
}

/// The ring provider, given explicitly: the process-wide default may be unset, or ambiguous
/// when another crate of the application enables a second provider.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The rustls client configuration for these options.
pub fn client_config(options: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, WsError> {
    if let Some(config) = &options.config {
        return Ok(config.clone());
    }
    let mut roots = rustls::RootCertStore::empty();
    match &options.ca_file {
        Some(path) => {
            for cert in read_certs(path)? {
                roots.add(cert).map_err(|e| WsError::BadPem {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| WsError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The SNI name: the explicit one, else the URL host (an IP address or a DNS name).
pub(crate) fn server_name(
    options: &TlsOptions,
    host: &str,
) -> Result<ServerName<'static>, WsError> {
    let name = options.server_name.as_deref().unwrap_or(host);
    let name = name.trim_start_matches('[').trim_end_matches(']');
    ServerName::try_from(name.to_owned()).map_err(|_| WsError::ServerName(name.to_owned()))
}

fn read_pem(path: &Path) -> Result<Vec<u8>, WsError> {
    std::fs::read(path).map_err(|e| WsError::CaFile {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

/// Every certificate of a PEM file; at least one.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, WsError> {
    let pem = read_pem(path)?;
    let bad = |detail: String| WsError::BadPem {
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

/// A rustls server configuration for an acceptor (`wss://`) from a certificate chain and
/// its key, on the ring provider.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, WsError> {
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| WsError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| WsError::Tls(e.to_string()))?;
    Ok(Arc::new(config))
}

/// [`server_config`] from PEM files.
pub fn server_config_from_pem(
    cert_file: &Path,
    key_file: &Path,
) -> Result<Arc<rustls::ServerConfig>, WsError> {
    let chain = read_certs(cert_file)?;
    let pem = read_pem(key_file)?;
    let key = rustls_pemfile::private_key(&mut pem.as_slice())
        .map_err(|e| WsError::BadPem {
            path: key_file.to_owned(),
            detail: e.to_string(),
        })?
        .ok_or_else(|| WsError::BadPem {
            path: key_file.to_owned(),
            detail: "no private key".into(),
        })?;
    server_config(chain, key)
}

/// A TLS failure out of a tokio-rustls handshake: rustls's own error when it is one.
pub(crate) fn handshake_error(e: &std::io::Error) -> WsError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(tls) => WsError::Tls(tls.to_string()),
        None => WsError::io(e),
    }
}
