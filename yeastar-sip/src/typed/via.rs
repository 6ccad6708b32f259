//! `Via` values (RFC 3261 §20.42, RFC 3581 `rport`, RFC 5118 IPv6).

use super::{FailPublic, FromValue};
use crate::chars::{skip_lws, split_token};
use crate::error::Fail;
use crate::header_name::HeaderName;
use crate::limits::Mode;
use crate::params::{ParamContext, Params, parse_params};
use crate::uri::Host;

/// One `Via` value: `SIP/2.0/UDP host:port;branch=...;rport;received=...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Via<'a> {
    /// Protocol name (`SIP`).
    pub protocol: &'a str,
    /// Protocol version (`2.0`).
    pub version: &'a str,
    /// Transport (`UDP`, `TCP`, `TLS`, `WS`, `WSS`, `SCTP`, or an extension token).
    pub transport: &'a str,
    /// `sent-by` host.
    pub host: Host<'a>,
    /// `sent-by` port.
    pub port: Option<u16>,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> Via<'a> {
    /// `branch` parameter.
    #[must_use]
    pub fn branch(&self) -> Option<&'a str> {
        self.params.value("branch")
    }

    /// `received` parameter (brackets of an IPv6 reference kept as written).
    #[must_use]
    pub fn received(&self) -> Option<&'a str> {
        self.params.value("received")
    }

    /// `rport`: `None` when absent, `Some(None)` when present without a value (a request
    /// asking for it), `Some(Some(port))` when filled in.
    #[must_use]
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// `maddr` parameter.
    #[must_use]
    pub fn maddr(&self) -> Option<&'a str> {
        self.params.value("maddr")
    }

    /// True when the branch starts with the RFC 3261 magic cookie `z9hG4bK`.
    #[must_use]
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with("z9hG4bK"))
    }

    pub(crate) fn split(s: &'a str, mode: Mode) -> Result<(Self, &'a str), Fail<'a>> {
        let s = skip_lws(s);
        // Nearly every Via starts `SIP/2.0/`: the same three fields without the token scans.
        if let (Some(sent), Some(protocol), Some(version)) =
            (s.strip_prefix("SIP/2.0/"), s.get(..3), s.get(4..7))
        {
            return Self::split_sent_by(s, protocol, version, skip_lws(sent), mode);
        }
        let (protocol, rest) = split_token(s).ok_or(Fail::new(s, "missing protocol name"))?;
        let rest = skip_lws(rest)
            .strip_prefix('/')
            .ok_or(Fail::new(rest, "expected '/'"))?;
        let rest = skip_lws(rest);
        let (version, rest) =
            split_token(rest).ok_or(Fail::new(rest, "missing protocol version"))?;
        let rest = skip_lws(rest)
            .strip_prefix('/')
            .ok_or(Fail::new(rest, "expected '/'"))?;
        let rest = skip_lws(rest);
        Self::split_sent_by(s, protocol, version, rest, mode)
    }

    /// From the transport on; `s` is the whole value (for error positions).
    fn split_sent_by(
        s: &'a str,
        protocol: &'a str,
        version: &'a str,
        rest: &'a str,
        mode: Mode,
    ) -> Result<(Self, &'a str), Fail<'a>> {
        let (transport, rest) = split_token(rest).ok_or(Fail::new(rest, "missing transport"))?;
        let after = skip_lws(rest);
        if after.len() == rest.len() {
            return Err(Fail::new(rest, "expected LWS before sent-by"));
        }
        let (host, rest) = Host::split(after, mode)?;
        let rest_ws = skip_lws(rest);
        let (port, rest) = match rest_ws.strip_prefix(':') {
            Some(p) => {
                let p = skip_lws(p);
                let (digits, rest) = crate::chars::split_digits(p);
                let port = digits
                    .parse::<u16>()
                    .map_err(|_| Fail::new(p, "invalid port"))?;
                (Some(port), rest)
            }
            None => (None, rest),
        };
        let (params, rest) = parse_params(rest, ParamContext::Header, mode)?;
        let via = Self {
            protocol,
            version,
            transport,
            host,
            port,
            params,
        };
        if mode == Mode::Strict {
            if !protocol.eq_ignore_ascii_case("SIP") || version != "2.0" {
                return Err(Fail::new(s, "Via protocol is not SIP/2.0"));
            }
            let ttl_ok = params.get("ttl").is_none_or(|t| {
                t.and_then(crate::chars::parse_u32)
                    .is_some_and(|t| t <= 255)
            });
            if !ttl_ok {
                return Err(Fail::new(params.as_str(), "invalid ttl"));
            }
        }
        Ok((via, rest))
    }
}

impl<'a> FromValue<'a> for Via<'a> {
    const HEADER: HeaderName = HeaderName::Via;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (via, rest) = Self::split(s, mode)?;
        // A trailing comment `(...)` is allowed by RFC 3261 but carries nothing.
        let rest = skip_lws(rest);
        if !(rest.is_empty() || (rest.starts_with('(') && rest.ends_with(')'))) {
            return Err(Fail::new(rest, "unexpected text after Via").into());
        }
        Ok(via)
    }
}
