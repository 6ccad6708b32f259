//! RFC 3263 server location (feature `dns`): which transport, address and port a SIP server
//! name stands for, from NAPTR and SRV records (hickory-resolver), then A/AAAA.
//!
//! - An IP address is used as it is (port and transport from the URI, else the defaults).
//! - With a port, only A/AAAA are looked up (§4.2).
//! - With a transport and no port, SRV `_sip._udp`, `_sip._tcp`, `_sips._tcp` (TLS) of the
//!   name, then A/AAAA at the transport's default port.
//! - With neither, NAPTR records choose the transport (`SIP+D2U`, `SIP+D2T`, `SIPS+D2T`,
//!   `SIP+D2W`, `SIPS+D2W`), lowest order and preference first, and their replacements are
//!   looked up as SRV; without NAPTR, SRV for each transport (TLS only for `sips:`); without
//!   either, A/AAAA over UDP (TLS for `sips:`) at the default port.
//!
//! SRV targets are tried by priority, then by weight (largest first), each resolved to its
//! addresses. Every candidate is returned in that order; the first is the one to use.

use std::net::{IpAddr, SocketAddr};

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};

use super::agent::AgentError;
use crate::ua::{Remote, TransportKind};

/// Most candidates [`SipResolver::locate`] returns (SRV targets × addresses).
pub const MAX_CANDIDATES: usize = 16;

/// A resolver for SIP server names.
#[derive(Clone)]
pub struct SipResolver {
    resolver: TokioResolver,
}

impl std::fmt::Debug for SipResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipResolver").finish_non_exhaustive()
    }
}

fn resolve_error(host: &str, reason: impl std::fmt::Display) -> AgentError {
    AgentError::Resolve {
        host: host.to_owned(),
        reason: reason.to_string(),
    }
}

/// The transport a NAPTR service names (RFC 3263 §4.1, RFC 7118 §5.1).
fn naptr_transport(service: &[u8]) -> Option<TransportKind> {
    let service = std::str::from_utf8(service).ok()?;
    match service.to_ascii_uppercase().as_str() {
        "SIP+D2U" => Some(TransportKind::Udp),
        "SIP+D2T" => Some(TransportKind::Tcp),
        "SIPS+D2T" => Some(TransportKind::Tls),
        "SIP+D2W" => Some(TransportKind::Ws),
        "SIPS+D2W" => Some(TransportKind::Wss),
        _ => None,
    }
}

/// The SRV name of a transport (`_sip._udp.`, `_sip._tcp.`, `_sips._tcp.`).
fn srv_name(transport: TransportKind, host: &str) -> String {
    let prefix = match transport {
        TransportKind::Udp => "_sip._udp",
        TransportKind::Tls => "_sips._tcp",
        TransportKind::Ws => "_sip._ws",
        TransportKind::Wss => "_sips._ws",
        _ => "_sip._tcp",
    };
    format!("{prefix}.{host}")
}

impl SipResolver {
    /// The system's resolver configuration (`/etc/resolv.conf`).
    pub fn system() -> Result<SipResolver, AgentError> {
        let resolver = TokioResolver::builder_tokio()
            .and_then(|b| b.build())
            .map_err(|e| resolve_error("(system resolver)", e))?;
        Ok(SipResolver { resolver })
    }

    /// Queries only the name server at `addr` over UDP (tests, split-horizon setups).
    pub fn with_name_server(addr: SocketAddr) -> Result<SipResolver, AgentError> {
        let mut connection = ConnectionConfig::udp();
        connection.port = addr.port();
        let mut server = NameServerConfig::udp(addr.ip());
        server.connections = vec![connection];
        let config = ResolverConfig::from_name_servers(vec![server]);
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .build()
            .map_err(|e| resolve_error(&addr.to_string(), e))?;
        Ok(SipResolver { resolver })
    }

    /// Where to send requests for a server named `host` (§4): candidates in order of use.
    /// `port` and `transport` are the URI's (`sip:host:port;transport=tcp`); `secure` is true
    /// for `sips:` URIs.
    pub async fn locate(
        &self,
        host: &str,
        port: Option<u16>,
        transport: Option<TransportKind>,
        secure: bool,
    ) -> Result<Vec<Remote>, AgentError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let default_transport = if secure {
            TransportKind::Tls
        } else {
            TransportKind::Udp
        };
        if let Ok(ip) = bare.parse::<IpAddr>() {
            let transport = transport.unwrap_or(default_transport);
            let port = port.unwrap_or(transport.default_port());
            return Ok(vec![Remote::new(SocketAddr::new(ip, port), transport)]);
        }
        if let Some(port) = port {
            let transport = transport.unwrap_or(default_transport);
            return self.addresses(bare, port, transport).await;
        }
        if let Some(transport) = transport {
            let found = self.srv(&srv_name(transport, bare), transport).await;
            if !found.is_empty() {
                return Ok(found);
            }
            return self
                .addresses(bare, transport.default_port(), transport)
                .await;
        }
        let found = self.naptr(bare, secure).await;
        if !found.is_empty() {
            return Ok(found);
        }
        let transports: &[TransportKind] = if secure {
            &[TransportKind::Tls]
        } else {
            &[TransportKind::Udp, TransportKind::Tcp, TransportKind::Tls]
        };
        for &t in transports {
            let found = self.srv(&srv_name(t, bare), t).await;
            if !found.is_empty() {
                return Ok(found);
            }
        }
        self.addresses(bare, default_transport.default_port(), default_transport)
            .await
    }

    /// NAPTR → SRV candidates; empty when there is no usable NAPTR record.
    async fn naptr(&self, host: &str, secure: bool) -> Vec<Remote> {
        let Ok(lookup) = self.resolver.lookup(host, RecordType::NAPTR).await else {
            return Vec::new();
        };
        let mut rules: Vec<(u16, u16, TransportKind, String)> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::NAPTR(n) if n.flags.eq_ignore_ascii_case(b"s") => {
                    let t = naptr_transport(&n.services)?;
                    (!secure || t.is_secure())
                        .then(|| (n.order, n.preference, t, n.replacement.to_utf8()))
                }
                _ => None,
            })
            .collect();
        rules.sort_by_key(|(order, preference, _, _)| (*order, *preference));
        for (_, _, transport, replacement) in rules {
            let found = self.srv(&replacement, transport).await;
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }

    /// SRV targets (priority, then weight) resolved to addresses; empty when there are none.
    async fn srv(&self, name: &str, transport: TransportKind) -> Vec<Remote> {
        let Ok(lookup) = self.resolver.lookup(name, RecordType::SRV).await else {
            return Vec::new();
        };
        let mut targets: Vec<(u16, u16, u16, String)> = lookup
            .answers()
            .iter()
            .filter_map(|r| match &r.data {
                RData::SRV(s) => Some((s.priority, s.weight, s.port, s.target.to_utf8())),
                _ => None,
            })
            .collect();
        // RFC 2782: lowest priority first; within one, larger weights first (deterministic).
        targets.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = Vec::new();
        for (_, _, port, target) in targets {
            // A target of "." means the service is not offered.
            if target == "." {
                continue;
            }
            if let Ok(found) = self.addresses(&target, port, transport).await {
                out.extend(found);
            }
            if out.len() >= MAX_CANDIDATES {
                out.truncate(MAX_CANDIDATES);
                break;
            }
        }
        out
    }

    /// A/AAAA records of `host` at `port`.
    async fn addresses(
        &self,
        host: &str,
        port: u16,
        transport: TransportKind,
    ) -> Result<Vec<Remote>, AgentError> {
        let ips = self
            .resolver
            .lookup_ip(host)
            .await
            .map_err(|e| resolve_error(host, e))?;
        let found: Vec<Remote> = ips
            .iter()
            .take(MAX_CANDIDATES)
            .map(|ip| Remote::new(SocketAddr::new(ip, port), transport))
            .collect();
        if found.is_empty() {
            return Err(resolve_error(host, "no address"));
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naptr_services_and_srv_names() {
        assert_eq!(naptr_transport(b"SIP+D2U"), Some(TransportKind::Udp));
        assert_eq!(naptr_transport(b"sips+d2t"), Some(TransportKind::Tls));
        assert_eq!(naptr_transport(b"SIP+D2W"), Some(TransportKind::Ws));
        assert_eq!(naptr_transport(b"E2U+sip"), None);
        assert_eq!(
            srv_name(TransportKind::Tls, "example.com"),
            "_sips._tcp.example.com"
        );
        assert_eq!(
            srv_name(TransportKind::Udp, "example.com"),
            "_sip._udp.example.com"
        );
    }
}
