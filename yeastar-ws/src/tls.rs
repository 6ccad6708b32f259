//! TLS for `wss://`, on the project's one TLS stack (rustls with the ring provider, given
//! explicitly as `yeastar-ami` does): server verification always on, the public web roots or
//! a private CA file, SNI from the URL host or an explicit name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls;

use yeastar_sip::driver::tls::{TlsSetupError, read_private_key, ring_provider, root_store};

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

/// A PEM or trust-store failure of the SIP driver's TLS helpers, as this crate reports it.
fn pem_error(e: TlsSetupError) -> WsError {
    match e {
        TlsSetupError::File { path, source } => WsError::CaFile {
            path,
            detail: source.to_string(),
        },
        TlsSetupError::BadPem { path, detail } => WsError::BadPem { path, detail },
        other => WsError::Tls(other.to_string()),
    }
}

/// The rustls client configuration for these options.
pub fn client_config(options: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, WsError> {
    if let Some(config) = &options.config {
        return Ok(config.clone());
    }
    let roots = root_store(options.ca_file.as_deref()).map_err(pem_error)?;
    let config = rustls::ClientConfig::builder_with_provider(ring_provider())
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

/// Every certificate of a PEM file; at least one.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, WsError> {
    yeastar_sip::driver::tls::read_certs(path).map_err(pem_error)
}

/// A rustls server configuration for an acceptor (`wss://`) from a certificate chain and
/// its key, on the ring provider.
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, WsError> {
    let config = rustls::ServerConfig::builder_with_provider(ring_provider())
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
    let key = read_private_key(key_file).map_err(pem_error)?;
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
