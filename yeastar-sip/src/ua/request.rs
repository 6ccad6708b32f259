//! Building requests and responses, and the small helpers the endpoint shares: identifiers,
//! next-hop resolution, response destinations (RFC 3261 §18.2.2, RFC 3581).

use std::net::{IpAddr, SocketAddr};

use bytes::Bytes;

use super::event::AccountHandle;
use super::transport::{LocalBinding, Remote, TransportKind};
use crate::MessageBuilder;
use crate::chars::CommaSplit;
use crate::header_name::HeaderName;
use crate::message::Message;
use crate::uri::{Host, Uri};

/// Methods we accept, in `Allow`.
pub(crate) const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, REFER, NOTIFY, UPDATE";
/// Extensions we support, in `Supported`.
pub(crate) const SUPPORTED: &str = "timer";
/// Bodies we accept, in `Accept`.
pub(crate) const ACCEPT: &str = "application/sdp, application/dtmf-relay, message/sipfrag";

/// A request we sent and may send again (new branch, next CSeq, credentials) after a 401,
/// 407 or 422.
#[derive(Debug, Clone)]
pub(crate) struct OutRequest {
    pub(crate) method: String,
    pub(crate) uri: String,
    /// Headers other than Via, Max-Forwards, CSeq, the authorization ones and Content-Length.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Bytes,
    pub(crate) cseq: u32,
    pub(crate) remote: Remote,
    /// Credentials come from this account.
    pub(crate) account: Option<AccountHandle>,
    /// `Authorization`/`Proxy-Authorization` values of the last attempt.
    pub(crate) auth: Vec<(&'static str, String)>,
    /// `(realm, nonce)` answered so far for this request.
    pub(crate) answered: Vec<(String, String)>,
    pub(crate) auth_attempts: u32,
    /// The branch of the last attempt.
    pub(crate) branch: String,
}

impl OutRequest {
    pub(crate) fn new(method: &str, uri: String, cseq: u32, remote: Remote) -> Self {
        Self {
            method: method.to_owned(),
            uri,
            headers: Vec::new(),
            body: Bytes::new(),
            cseq,
            remote,
            account: None,
            auth: Vec::new(),
            answered: Vec::new(),
            auth_attempts: 0,
            branch: String::new(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn set_header(&mut self, name: &'static str, value: String) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name, value));
    }

    pub(crate) fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn with_body(mut self, content_type: &'static str, body: Bytes) -> Self {
        if !body.is_empty() {
            self.headers.push(("Content-Type", content_type.to_owned()));
        }
        self.body = body;
        self
    }

    /// Serialises with a Via for `binding` and `branch`.
    pub(crate) fn render(
        &self,
        binding: &LocalBinding,
        branch: &str,
        user_agent: Option<&str>,
    ) -> Bytes {
        let via = via_value(binding, branch);
        let cseq = format!("{} {}", self.cseq, self.method);
        let mut b = MessageBuilder::request(self.method.as_str(), self.uri.as_str())
            .header("Via", via)
            .header("Max-Forwards", "70");
        for (name, value) in &self.headers {
            b.push_header(*name, value.as_str());
        }
        b.push_header("CSeq", cseq);
        for (name, value) in &self.auth {
            b.push_header(*name, value.as_str());
        }
        if let Some(ua) = user_agent {
            b.push_header("User-Agent", ua);
        }
        b.set_body(self.body.as_ref());
        Bytes::from(b.to_bytes())
    }
}

/// `SIP/2.0/UDP host:port;branch=...;rport`.
pub(crate) fn via_value(binding: &LocalBinding, branch: &str) -> String {
    format!(
        "SIP/2.0/{} {};branch={branch};rport",
        binding.transport.via_token(),
        binding.host_port()
    )
}

/// The IP address of a host, when it is a literal.
pub(crate) fn host_ip(host: &Host<'_>) -> Option<IpAddr> {
    match host {
        Host::Ipv4(ip) => Some(IpAddr::V4(*ip)),
        Host::Ipv6(_) => host.ipv6().map(IpAddr::V6),
        Host::Domain(d) => d.parse().ok(),
    }
}

/// Resolves a SIP URI whose host is an IP literal to a remote (no DNS here). `default` gives
/// the transport when the URI names none.
pub(crate) fn resolve_uri(uri: &str, default: TransportKind) -> Option<Remote> {
    let parsed = Uri::parse(uri).ok()?;
    let sip = parsed.as_sip()?;
    let ip = host_ip(&sip.host)?;
    let transport = match sip.transport() {
        Some(t) => TransportKind::from_token(t)?,
        None if sip.secure => TransportKind::Tls,
        None => default,
    };
    let port = sip.port.unwrap_or(transport.default_port());
    Some(Remote::new(SocketAddr::new(ip, port), transport))
}

/// Where responses to a request from `source` go (§18.2.2 with RFC 3581): back on the flow
/// for connection transports; over UDP to the source address, at the source port when
/// `rport` was asked for, else at the Via port.
pub(crate) fn response_remote(msg: &Message<'_>, source: &Remote) -> Remote {
    if source.transport.is_reliable() {
        return *source;
    }
    let Ok(Some(via)) = msg.top_via() else {
        return *source;
    };
    if via.rport().is_some() {
        return *source;
    }
    let port = via.port.unwrap_or(5060);
    Remote::udp(SocketAddr::new(source.addr.ip(), port))
}

/// The top Via of a request with `received` and a filled-in `rport` (§18.2.1, RFC 3581).
fn stamped_via(value: &str, source: &Remote) -> String {
    let mut parts = CommaSplit::new(value);
    let first = parts.next().unwrap_or(value).trim();
    let rest: Vec<&str> = parts.map(str::trim).collect();
    let mut out = String::with_capacity(first.len() + 40);
    let wants_rport = first
        .split(';')
        .skip(1)
        .any(|p| p.trim().eq_ignore_ascii_case("rport"));
    for (i, p) in first.split(';').enumerate() {
        if i > 0 {
            let name = p.split('=').next().unwrap_or("").trim();
            if name.eq_ignore_ascii_case("rport") || name.eq_ignore_ascii_case("received") {
                continue;
            }
            out.push(';');
        }
        out.push_str(p);
    }
    out.push_str(&format!(";received={}", source.addr.ip()));
    if wants_rport {
        out.push_str(&format!(";rport={}", source.addr.port()));
    }
    for r in rest {
        out.push_str(", ");
        out.push_str(r);
    }
    out
}

/// A response to `request` (§8.2.6): Via (top one stamped with `received`/`rport`), From,
/// To (with `to_tag` added when it has none), Call-ID, CSeq; Record-Route too for
/// dialog-creating responses (`record_route`).
#[allow(clippy::too_many_arguments)] // every part of a response, named at each call
pub(crate) fn response(
    request: &Message<'_>,
    source: &Remote,
    status: u16,
    to_tag: Option<&str>,
    record_route: bool,
    extra: &[(&str, &str)],
    body: Option<(&str, &[u8])>,
    server: Option<&str>,
) -> Bytes {
    let mut b = MessageBuilder::response(status, reason_phrase(status));
    let mut first_via = true;
    for h in request.headers() {
        match h.kind {
            HeaderName::Via => {
                if first_via {
                    b.push_header("Via", stamped_via(h.value, source));
                    first_via = false;
                } else {
                    b.push_header("Via", h.value);
                }
            }
            HeaderName::To => {
                let has_tag = request
                    .to()
                    .ok()
                    .flatten()
                    .is_some_and(|t| t.tag().is_some());
                match to_tag {
                    Some(tag) if !has_tag && status > 100 => {
                        b.push_header("To", format!("{};tag={tag}", h.value));
                    }
                    _ => {
                        b.push_header("To", h.value);
                    }
                }
            }
            HeaderName::From | HeaderName::CallId | HeaderName::CSeq => {
                b.push_header(h.name, h.value);
            }
            HeaderName::RecordRoute if record_route => {
                b.push_header("Record-Route", h.value);
            }
            _ => {}
        }
    }
    for (name, value) in extra {
        b.push_header(*name, *value);
    }
    if let Some(s) = server {
        b.push_header("Server", s);
    }
    if let Some((content_type, body)) = body {
        b.push_header("Content-Type", content_type);
        b.set_body(body);
    }
    Bytes::from(b.to_bytes())
}

/// Standard reason phrases of the codes the endpoint sends or reports.
pub(crate) fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        422 => "Session Interval Too Small",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => match status / 100 {
            1 => "Session Progress",
            2 => "OK",
            3 => "Redirected",
            4 => "Client Error",
            5 => "Server Error",
            _ => "Global Failure",
        },
    }
}

/// Random identifiers: lower-case alphanumerics.
pub(crate) fn random_token(rng: &mut fastrand::Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| {
            char::from(
                ALPHABET
                    .get(rng.usize(..ALPHABET.len()))
                    .copied()
                    .unwrap_or(b'x'),
            )
        })
        .collect()
}

/// Parses `Signal=`/`Duration=` of `application/dtmf-relay`, or the single digit of
/// `application/dtmf`.
pub(crate) fn parse_dtmf(content_type: &str, body: &[u8]) -> Option<(char, Option<u32>)> {
    let text = core::str::from_utf8(body).ok()?;
    let valid =
        |c: char| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D' | 'a'..='d' | '!');
    if content_type.eq_ignore_ascii_case("application/dtmf") {
        let c = text.trim().chars().next()?;
        return valid(c).then_some((c.to_ascii_uppercase(), None));
    }
    let mut signal = None;
    let mut duration = None;
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        if k.trim().eq_ignore_ascii_case("Signal") {
            signal = match v {
                "10" => Some('*'),
                "11" => Some('#'),
                "16" => Some('!'),
                _ => v.chars().next().filter(|&c| valid(c) && v.len() == 1),
            };
        } else if k.trim().eq_ignore_ascii_case("Duration") {
            duration = v.parse().ok();
        }
    }
    signal.map(|s| (s.to_ascii_uppercase(), duration))
}

/// The status code of a `message/sipfrag` body (`SIP/2.0 180 Ringing`).
pub(crate) fn parse_sipfrag_status(body: &[u8]) -> Option<u16> {
    let text = core::str::from_utf8(body).ok()?;
    let line = text.lines().next()?;
    let mut parts = line.split_whitespace();
    if !parts.next()?.eq_ignore_ascii_case("SIP/2.0") {
        return None;
    }
    parts
        .next()?
        .parse()
        .ok()
        .filter(|c| (100..700).contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_bodies() {
        assert_eq!(
            parse_dtmf("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n"),
            Some(('5', Some(160)))
        );
        assert_eq!(
            parse_dtmf("application/dtmf-relay", b"Signal= #\nDuration= 250"),
            Some(('#', Some(250)))
        );
        assert_eq!(
            parse_dtmf("application/dtmf-relay", b"Signal=11\r\n"),
            Some(('#', None))
        );
        assert_eq!(parse_dtmf("application/dtmf-relay", b"Signal=x\r\n"), None);
        assert_eq!(parse_dtmf("application/dtmf", b"7"), Some(('7', None)));
    }

    #[test]
    fn sipfrag_status() {
        assert_eq!(parse_sipfrag_status(b"SIP/2.0 100 Trying\r\n"), Some(100));
        assert_eq!(parse_sipfrag_status(b"SIP/2.0 200 OK"), Some(200));
        assert_eq!(parse_sipfrag_status(b"INVITE sip:x SIP/2.0"), None);
    }

    #[test]
    fn via_is_stamped_with_received_and_rport() {
        let src = Remote::udp("203.0.113.5:40000".parse().unwrap());
        assert_eq!(
            stamped_via("SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;rport", &src),
            "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1;received=203.0.113.5;rport=40000"
        );
        assert_eq!(
            stamped_via(
                "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1, SIP/2.0/UDP p;branch=z9hG4bK2",
                &src
            ),
            "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1;received=203.0.113.5, SIP/2.0/UDP p;branch=z9hG4bK2"
        );
    }

    #[test]
    fn uri_resolution() {
        let r = resolve_uri("sip:1001@192.0.2.1:5070;transport=tcp", TransportKind::Udp).unwrap();
        assert_eq!(r.addr, "192.0.2.1:5070".parse().unwrap());
        assert_eq!(r.transport, TransportKind::Tcp);
        assert_eq!(
            resolve_uri("sip:1001@pbx.example.com", TransportKind::Udp),
            None
        );
        let r = resolve_uri("sips:[2001:db8::1]", TransportKind::Udp).unwrap();
        assert_eq!(r.addr, "[2001:db8::1]:5061".parse().unwrap());
    }
}
