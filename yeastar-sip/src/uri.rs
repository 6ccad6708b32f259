//! SIP, SIPS, tel and other absolute URIs (RFC 3261 §19.1, RFC 3966, RFC 5118).
#![warn(clippy::indexing_slicing)]

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};
use std::borrow::Cow;

use crate::chars::{
    class, escapes_valid, find_byte, is_hnvchar, is_hostname, is_password, percent_decode, span,
};
use crate::error::Fail;
use crate::error::{ErrorKind, ParseError};
use crate::limits::Mode;
use crate::params::{ParamContext, Params, parse_params};

/// A host: domain name, IPv4 address or bracketed IPv6 reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// A domain name as written.
    Domain(&'a str),
    /// A dotted-quad IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference, brackets removed. Kept as text because RFC 5118 §4.10 asks
    /// receivers to tolerate the `2001:db8:::192.0.2.1` form that RFC 4291 rejects;
    /// [`Host::ipv6`] gives the address when it is a valid one.
    Ipv6(&'a str),
}

impl<'a> Host<'a> {
    /// The IPv6 address, when this is a valid IPv6 reference.
    #[must_use]
    pub fn ipv6(&self) -> Option<Ipv6Addr> {
        match self {
            Self::Ipv6(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// Parses a host at the start of `s`; returns the host and the rest.
    pub(crate) fn split(s: &'a str, mode: Mode) -> Result<(Self, &'a str), Fail<'a>> {
        if let Some(inner) = s.strip_prefix('[') {
            let end = inner
                .find(']')
                .ok_or(Fail::new(s, "unterminated IPv6 reference"))?;
            let (addr, rest) = inner.split_at(end);
            if !is_ipv6_text(addr) {
                return Err(Fail::new(inner, "invalid IPv6 address"));
            }
            return Ok((Self::Ipv6(addr), rest.get(1..).unwrap_or("")));
        }
        if let Some(found) = ipv4_prefix(s.as_bytes()) {
            let (ip, len) = found;
            return Ok((Self::Ipv4(ip), s.get(len..).unwrap_or("")));
        }
        Self::split_name(s, mode)
    }

    /// A domain name or IPv4 address at the start of `s`.
    fn split_name(s: &'a str, mode: Mode) -> Result<(Self, &'a str), Fail<'a>> {
        let table = match mode {
            Mode::Strict => class::HOSTNAME,
            Mode::Lenient => class::HOSTNAME_LENIENT,
        };
        let len = span(s.as_bytes(), table);
        let (name, rest) = s.split_at(len);
        if name.is_empty() {
            return Err(Fail::new(s, "missing host"));
        }
        // Reached with an address only when `split`'s fast path did not take it: an address
        // the strict mode ends at `_`, or digits and dots that are no address.
        if name.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            let whole = ipv4_prefix(name.as_bytes()).filter(|&(_, n)| n == name.len());
            if let Some((ip, _)) = whole {
                return Ok((Self::Ipv4(ip), rest));
            }
            if mode == Mode::Strict {
                return Err(Fail::new(s, "invalid IPv4 address"));
            }
        }
        if mode == Mode::Strict
            && (name.starts_with(['-', '.']) || name.ends_with('-') || name.contains(".."))
        {
            return Err(Fail::new(s, "invalid host name"));
        }
        Ok((Self::Domain(name), rest))
    }
}

/// RFC 3261 `IPv4address`: four groups of 1 to 3 digits, each at most 255. The reference
/// for [`ipv4_prefix`].
#[cfg(test)]
fn parse_ipv4(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut index = 0usize;
    let mut value = 0u32;
    let mut digits = 0u8;
    for b in s.bytes() {
        if b == b'.' {
            if digits == 0 || index >= 3 {
                return None;
            }
            *octets.get_mut(index)? = u8::try_from(value).ok()?;
            index += 1;
            value = 0;
            digits = 0;
        } else {
            digits += 1;
            if digits > 3 {
                return None;
            }
            value = value * 10 + u32::from(b.wrapping_sub(b'0'));
        }
    }
    if digits == 0 || index != 3 {
        return None;
    }
    *octets.get_mut(3)? = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// The common host, a dotted quad, read without classifying each byte: `Some` only when
/// four groups of 1 to 3 digits (each at most 255) are followed by a byte that cannot
/// continue a host name, so the general scan would find the same address and end.
#[inline]
fn ipv4_prefix(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, octet) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut value = 0u32;
        while let Some(&d) = b.get(i).filter(|d| d.is_ascii_digit()) {
            if i - start == 3 {
                return None;
            }
            value = value * 10 + u32::from(d - b'0');
            i += 1;
        }
        if i == start {
            return None;
        }
        *octet = u8::try_from(value).ok()?;
    }
    if b.get(i).is_some_and(|&c| is_hostname(c) || c == b'_') {
        return None;
    }
    Some((Ipv4Addr::from(octets), i))
}

/// Accepts RFC 4291 text forms and the three-colon form RFC 5118 §4.10 asks to tolerate.
fn is_ipv6_text(s: &str) -> bool {
    if s.parse::<Ipv6Addr>().is_ok() {
        return true;
    }
    // Tolerated form: at most one `:::`, otherwise the same alphabet and at least two colons.
    s.len() <= 64
        && s.matches(":::").count() == 1
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        && s.replacen(":::", "::", 1).parse::<Ipv6Addr>().is_ok()
}

impl fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(d) => f.write_str(d),
            Self::Ipv4(ip) => write!(f, "{ip}"),
            Self::Ipv6(text) => write!(f, "[{text}]"),
        }
    }
}

/// A `sip:` or `sips:` URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipUri<'a> {
    /// `sips:` rather than `sip:`.
    pub secure: bool,
    /// User part as written (still `%`-escaped; see [`SipUri::user_decoded`]).
    pub user: Option<&'a str>,
    /// Password as written.
    pub password: Option<&'a str>,
    /// Host.
    pub host: Host<'a>,
    /// Port, when written.
    pub port: Option<u16>,
    /// URI parameters (`;transport=tcp;lr`).
    pub params: Params<'a>,
    /// URI headers after `?`, as written (`Replaces=...&Require=...`).
    pub headers: Option<&'a str>,
}

impl<'a> SipUri<'a> {
    /// The user part with `%HH` escapes decoded (allocates only when there is one).
    #[must_use]
    pub fn user_decoded(&self) -> Option<Cow<'a, [u8]>> {
        self.user.map(percent_decode)
    }

    /// `transport` parameter.
    #[must_use]
    pub fn transport(&self) -> Option<&'a str> {
        self.params.value("transport")
    }

    /// `lr` parameter present (loose routing).
    #[must_use]
    pub fn is_loose_route(&self) -> bool {
        self.params.contains("lr")
    }

    /// URI headers as `(name, value)` pairs, values still `%`-escaped.
    pub fn header_pairs(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        self.headers
            .unwrap_or("")
            .split('&')
            .filter(|h| !h.is_empty())
            .map(|h| h.split_once('=').unwrap_or((h, "")))
    }
}

/// A `tel:` URI (RFC 3966).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelUri<'a> {
    /// The number as written (`+1-201-555-0123`, `7042`).
    pub number: &'a str,
    /// Parameters (`;phone-context=...`).
    pub params: Params<'a>,
}

/// A URI of a scheme this crate does not type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsoluteUri<'a> {
    /// Scheme, without the colon.
    pub scheme: &'a str,
    /// Everything after the colon.
    pub rest: &'a str,
}

/// Kind-specific part of a [`Uri`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind<'a> {
    /// `sip:` / `sips:`.
    Sip(SipUri<'a>),
    /// `tel:`.
    Tel(TelUri<'a>),
    /// Any other scheme (RFC 3261 `absoluteURI`).
    Other(AbsoluteUri<'a>),
}

/// A parsed URI that remembers its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uri<'a> {
    raw: &'a str,
    kind: UriKind<'a>,
}

impl<'a> Uri<'a> {
    /// Parses a whole URI in lenient mode.
    ///
    /// ```
    /// use yeastar_sip::{Host, Uri};
    /// let uri = Uri::parse("sip:1001@[2001:db8::10]:5070;transport=tcp")?;
    /// let sip = uri.as_sip().expect("a sip URI");
    /// assert_eq!(sip.user, Some("1001"));
    /// assert_eq!(sip.host, Host::Ipv6("2001:db8::10"));
    /// assert_eq!(sip.port, Some(5070));
    /// assert_eq!(sip.transport(), Some("tcp"));
    /// # Ok::<(), yeastar_sip::ParseError>(())
    /// ```
    pub fn parse(s: &'a str) -> Result<Self, ParseError> {
        Self::parse_mode(s, Mode::Lenient)
    }

    /// Parses a whole URI with the given mode.
    pub fn parse_mode(s: &'a str, mode: Mode) -> Result<Self, ParseError> {
        Self::parse_inner(s, mode).map_err(|f| {
            ParseError::new(
                ErrorKind::InvalidUri { what: f.what },
                crate::chars::offset_in(s, f.at),
            )
        })
    }

    /// Parses exactly `s`.
    pub(crate) fn parse_inner(s: &'a str, mode: Mode) -> Result<Self, Fail<'a>> {
        let colon = s
            .bytes()
            .position(|b| b == b':')
            .ok_or(Fail::new(s, "missing scheme"))?;
        let (scheme, rest_colon) = s.split_at(colon);
        let rest = rest_colon.get(1..).unwrap_or("");
        let kind = if scheme.eq_ignore_ascii_case("sip") {
            UriKind::Sip(parse_sip(rest, false, mode)?)
        } else if scheme.eq_ignore_ascii_case("sips") {
            UriKind::Sip(parse_sip(rest, true, mode)?)
        } else if scheme.eq_ignore_ascii_case("tel") {
            UriKind::Tel(parse_tel(rest, mode)?)
        } else {
            let mut b = scheme.bytes();
            let scheme_ok = b.next().is_some_and(|c| c.is_ascii_alphabetic())
                && b.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'));
            if !scheme_ok {
                return Err(Fail::new(s, "invalid scheme"));
            }
            if rest.is_empty() {
                return Err(Fail::new(rest, "empty URI"));
            }
            if let Some(bad) = rest
                .bytes()
                .position(|c| c <= b' ' || matches!(c, b'<' | b'>' | b'"' | 0x7f))
            {
                return Err(Fail::new(
                    rest.get(bad..).unwrap_or(""),
                    "invalid character",
                ));
            }
            UriKind::Other(AbsoluteUri { scheme, rest })
        };
        Ok(Self { raw: s, kind })
    }

    /// The URI text as parsed.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.raw
    }

    /// The typed parts.
    #[must_use]
    pub const fn kind(&self) -> &UriKind<'a> {
        &self.kind
    }

    /// The SIP/SIPS parts, when this is one.
    #[must_use]
    pub const fn as_sip(&self) -> Option<&SipUri<'a>> {
        match &self.kind {
            UriKind::Sip(s) => Some(s),
            _ => None,
        }
    }

    /// The tel parts, when this is one.
    #[must_use]
    pub const fn as_tel(&self) -> Option<&TelUri<'a>> {
        match &self.kind {
            UriKind::Tel(t) => Some(t),
            _ => None,
        }
    }

    /// The scheme, lowercase for the known ones.
    #[must_use]
    pub fn scheme(&self) -> &'a str {
        match &self.kind {
            UriKind::Sip(s) if s.secure => "sips",
            UriKind::Sip(_) => "sip",
            UriKind::Tel(_) => "tel",
            UriKind::Other(o) => o.scheme,
        }
    }
}

impl fmt::Display for Uri<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw)
    }
}

fn parse_sip(s: &str, secure: bool, mode: Mode) -> Result<SipUri<'_>, Fail<'_>> {
    let (user, password, hostpart) = match find_byte(s.as_bytes(), b'@') {
        Some(at) => {
            let (userinfo, rest) = s.split_at(at);
            let (user, password) = match find_byte(userinfo.as_bytes(), b':') {
                Some(c) => (userinfo.get(..c).unwrap_or(""), userinfo.get(c + 1..)),
                None => (userinfo, None),
            };
            check_user(user, mode)?;
            if let Some(p) = password {
                check_password(p, mode)?;
            }
            (Some(user), password, rest.get(1..).unwrap_or(""))
        }
        None => (None, None, s),
    };
    let (host, rest) = Host::split(hostpart, mode)?;
    let (port, rest) = match rest.strip_prefix(':') {
        Some(p) => {
            let (digits, rest) = crate::chars::split_digits(p);
            let port = digits
                .parse::<u16>()
                .map_err(|_| Fail::new(p, "invalid port"))?;
            (Some(port), rest)
        }
        None => (None, rest),
    };
    let (params, rest) = parse_params(rest, ParamContext::Uri, mode)?;
    let (headers, rest) = match rest.strip_prefix('?') {
        Some(h) => {
            check_headers(h, mode)?;
            (Some(h), "")
        }
        None => (None, rest),
    };
    if !rest.is_empty() {
        return Err(Fail::new(rest, "unexpected character in URI"));
    }
    Ok(SipUri {
        secure,
        user,
        password,
        host,
        port,
        params,
        headers,
    })
}

fn check_user(user: &str, mode: Mode) -> Result<(), Fail<'_>> {
    match mode {
        Mode::Strict => {
            if user.is_empty()
                || span(user.as_bytes(), class::USER) != user.len()
                || !escapes_valid(user)
            {
                return Err(Fail::new(user, "invalid user part"));
            }
        }
        // Phones put `#`, spaces escaped or not, and other stray characters in user parts.
        Mode::Lenient => {
            if span(user.as_bytes(), class::USER_LENIENT) != user.len() {
                return Err(Fail::new(user, "invalid user part"));
            }
        }
    }
    Ok(())
}

fn check_password(p: &str, mode: Mode) -> Result<(), Fail<'_>> {
    let ok = match mode {
        Mode::Strict => p.bytes().all(is_password) && escapes_valid(p),
        Mode::Lenient => !p.bytes().any(|b| b <= b' ' || matches!(b, b'<' | b'>')),
    };
    if ok {
        Ok(())
    } else {
        Err(Fail::new(p, "invalid password"))
    }
}

fn check_headers(h: &str, mode: Mode) -> Result<(), Fail<'_>> {
    for pair in h.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let ok = match mode {
            Mode::Strict => {
                !name.is_empty()
                    && name.bytes().all(is_hnvchar)
                    && value.bytes().all(is_hnvchar)
                    && escapes_valid(pair)
            }
            Mode::Lenient => !pair.bytes().any(|b| b <= b' ' || matches!(b, b'<' | b'>')),
        };
        if !ok {
            return Err(Fail::new(pair, "invalid URI header"));
        }
    }
    Ok(())
}

fn parse_tel(s: &str, mode: Mode) -> Result<TelUri<'_>, Fail<'_>> {
    let end = memchr::memchr(b';', s.as_bytes()).unwrap_or(s.len());
    let (number, rest) = s.split_at(end);
    let ok = |b: u8| match mode {
        Mode::Strict => {
            b.is_ascii_hexdigit()
                || matches!(
                    b,
                    b'+' | b'-' | b'.' | b'(' | b')' | b'*' | b'#' | b'p' | b'w'
                )
        }
        Mode::Lenient => b > b' ' && !matches!(b, b'<' | b'>' | b'"'),
    };
    if number.is_empty() || !number.bytes().all(ok) {
        return Err(Fail::new(s, "invalid telephone number"));
    }
    let (params, rest) = parse_params(rest, ParamContext::Uri, mode)?;
    if !rest.is_empty() {
        return Err(Fail::new(rest, "unexpected character in URI"));
    }
    Ok(TelUri { number, params })
}

#[cfg(test)]
mod host_tests {
    use super::{Host, parse_ipv4};
    use crate::limits::Mode;

    #[test]
    fn ipv4_scans_agree_with_the_reference() {
        let parts = [
            "",
            "0",
            "1",
            "01",
            "255",
            "256",
            "999",
            "1000",
            "4294967296",
            "00255",
        ];
        let mut cases = vec![];
        for a in parts {
            for b in parts {
                cases.push(format!("{a}.{b}.1.2"));
                cases.push(format!("1.2.3.{a}{b}"));
                cases.push(format!("{a}.{b}"));
                cases.push(format!("{a}.{b}.{a}.{b}.{a}"));
                cases.push(format!("1.2.3.{a}.{b}"));
                cases.push(format!("{a}{b}"));
            }
        }
        for text in &cases {
            for suffix in ["", ":1", ";x", "_", "a", "-", ".", "0", ">", " "] {
                let input = format!("{text}{suffix}");
                if let Some((ip, len)) = super::ipv4_prefix(input.as_bytes()) {
                    for mode in [Mode::Lenient, Mode::Strict] {
                        let general = Host::split_name(&input, mode).map(|(h, r)| (h, r.len()));
                        assert_eq!(general.ok(), Some((Host::Ipv4(ip), input.len() - len)));
                    }
                }
            }
            for mode in [Mode::Lenient, Mode::Strict] {
                let input = format!("{text}:5060");
                let got = Host::split(&input, mode).map(|(h, rest)| (h, rest.len()));
                let want = match parse_ipv4(text) {
                    Some(ip) => Ok((Host::Ipv4(ip), 5)),
                    None if text.is_empty() => Err("missing host"),
                    None if mode == Mode::Strict => Err("invalid IPv4 address"),
                    None => Ok((Host::Domain(text.as_str()), 5)),
                };
                assert_eq!(got.map_err(|f| f.what), want, "{text} {mode:?}");
            }
        }
    }
}
