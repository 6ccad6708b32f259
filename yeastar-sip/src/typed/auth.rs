//! `WWW-Authenticate`/`Proxy-Authenticate` challenges and `Authorization`/
//! `Proxy-Authorization` credentials (RFC 3261 §25, RFC 8760 SHA-256 and SHA-512/256).

use super::{FailPublic, FromValue};
use crate::chars::{CommaSplit, is_token, skip_lws, split_quoted, split_token, trim_lws, unquote};
use crate::error::Fail;
use crate::header_name::HeaderName;
use crate::limits::Mode;

/// Digest algorithm (RFC 3261, RFC 8760).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm<'a> {
    /// `MD5` (also the default when absent).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256`.
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
    /// Anything else, as written.
    Other(&'a str),
}

impl<'a> Algorithm<'a> {
    /// Recognises an algorithm name, case-insensitively.
    #[must_use]
    pub fn from_name(name: &'a str) -> Self {
        const KNOWN: [(&str, Algorithm<'static>); 6] = [
            ("MD5", Algorithm::Md5),
            ("MD5-sess", Algorithm::Md5Sess),
            ("SHA-256", Algorithm::Sha256),
            ("SHA-256-sess", Algorithm::Sha256Sess),
            ("SHA-512-256", Algorithm::Sha512_256),
            ("SHA-512-256-sess", Algorithm::Sha512_256Sess),
        ];
        KNOWN
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(Self::Other(name), |(_, a)| *a)
    }
}

/// Comma-separated `name=value` authentication parameters, validated, kept as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthParams<'a> {
    raw: &'a str,
}

impl<'a> AuthParams<'a> {
    /// `algorithm`, MD5 when absent (RFC 3261 §22.4); shared by challenges and credentials.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm<'a> {
        self.get("algorithm")
            .map_or(Algorithm::Md5, Algorithm::from_name)
    }

    /// The parameters in order, values with quotes removed.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> + use<'a> {
        CommaSplit::new(self.raw).filter_map(|p| {
            let (name, value) = p.split_once('=')?;
            Some((trim_lws(name), unquote(trim_lws(value))))
        })
    }

    /// The value of parameter `name` (case-insensitive), quotes removed.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The text the parameters were parsed from.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.raw
    }

    /// One pass over `name = value` elements separated by commas (empty elements skipped in
    /// lenient mode), each value a token or a quoted string.
    fn parse(s: &'a str, mode: Mode) -> Result<Self, Fail<'a>> {
        let mut cur = s;
        loop {
            let e = skip_lws(cur);
            if mode == Mode::Lenient {
                if e.is_empty() {
                    break;
                }
                if let Some(next) = e.strip_prefix(',') {
                    cur = next;
                    continue;
                }
            }
            let name_len = e.bytes().take_while(|&b| is_token(b)).count();
            if name_len == 0 {
                return Err(Fail::new(e, "missing auth-param name"));
            }
            let rest = e.get(name_len..).unwrap_or("");
            let rest = skip_lws(rest)
                .strip_prefix('=')
                .ok_or(Fail::new(rest, "expected '=' in auth-param"))?;
            let v = skip_lws(rest);
            let after = if v.starts_with('"') {
                split_quoted(v)
                    .ok_or(Fail::new(v, "unterminated quoted string"))?
                    .1
            } else {
                let n = v
                    .bytes()
                    .take_while(|&b| is_token(b) || (mode == Mode::Lenient && b == b'/'))
                    .count();
                if n == 0 {
                    return Err(Fail::new(v, "empty auth-param value"));
                }
                v.get(n..).unwrap_or("")
            };
            let after = skip_lws(after);
            match after.strip_prefix(',') {
                Some(next) => cur = next,
                None if after.is_empty() => break,
                None => return Err(Fail::new(after, "unexpected text in auth-param")),
            }
        }
        Ok(Self { raw: s })
    }
}

fn split_scheme<'a>(s: &'a str, mode: Mode) -> Result<(&'a str, AuthParams<'a>), Fail<'a>> {
    let (scheme, rest) = split_token(s).ok_or(Fail::new(s, "missing auth scheme"))?;
    let params = skip_lws(rest);
    if params.len() == rest.len() && !rest.is_empty() {
        return Err(Fail::new(rest, "expected LWS after auth scheme"));
    }
    Ok((scheme, AuthParams::parse(params, mode)?))
}

/// A `WWW-Authenticate` or `Proxy-Authenticate` challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Challenge<'a> {
    /// Scheme (`Digest`).
    pub scheme: &'a str,
    /// Parameters.
    pub params: AuthParams<'a>,
}

impl<'a> Challenge<'a> {
    /// `realm`.
    #[must_use]
    pub fn realm(&self) -> Option<&'a str> {
        self.params.get("realm")
    }
    /// `nonce`.
    #[must_use]
    pub fn nonce(&self) -> Option<&'a str> {
        self.params.get("nonce")
    }
    /// `opaque`.
    #[must_use]
    pub fn opaque(&self) -> Option<&'a str> {
        self.params.get("opaque")
    }
    /// `algorithm` (MD5 when absent, per RFC 3261).
    #[must_use]
    pub fn algorithm(&self) -> Algorithm<'a> {
        self.params.algorithm()
    }
    /// `qop` options (`auth`, `auth-int`).
    pub fn qop(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.params
            .get("qop")
            .unwrap_or("")
            .split(',')
            .map(trim_lws)
            .filter(|q| !q.is_empty())
    }
    /// `stale=true`.
    #[must_use]
    pub fn stale(&self) -> bool {
        self.params
            .get("stale")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }
}

impl<'a> FromValue<'a> for Challenge<'a> {
    const HEADER: HeaderName = HeaderName::WwwAuthenticate;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (scheme, params) = split_scheme(s, mode)?;
        Ok(Self { scheme, params })
    }
}

/// `Authorization` or `Proxy-Authorization` credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    /// Scheme (`Digest`).
    pub scheme: &'a str,
    /// Parameters.
    pub params: AuthParams<'a>,
}

impl<'a> Credentials<'a> {
    /// `username`.
    #[must_use]
    pub fn username(&self) -> Option<&'a str> {
        self.params.get("username")
    }
    /// `realm`.
    #[must_use]
    pub fn realm(&self) -> Option<&'a str> {
        self.params.get("realm")
    }
    /// `nonce`.
    #[must_use]
    pub fn nonce(&self) -> Option<&'a str> {
        self.params.get("nonce")
    }
    /// `uri` (digest-uri).
    #[must_use]
    pub fn uri(&self) -> Option<&'a str> {
        self.params.get("uri")
    }
    /// `response`.
    #[must_use]
    pub fn response(&self) -> Option<&'a str> {
        self.params.get("response")
    }
    /// `algorithm` (MD5 when absent).
    #[must_use]
    pub fn algorithm(&self) -> Algorithm<'a> {
        self.params.algorithm()
    }
    /// `cnonce`.
    #[must_use]
    pub fn cnonce(&self) -> Option<&'a str> {
        self.params.get("cnonce")
    }
    /// `nc` (nonce count, 8 hex digits).
    #[must_use]
    pub fn nc(&self) -> Option<&'a str> {
        self.params.get("nc")
    }
    /// `qop`.
    #[must_use]
    pub fn qop(&self) -> Option<&'a str> {
        self.params.get("qop")
    }
    /// `opaque`.
    #[must_use]
    pub fn opaque(&self) -> Option<&'a str> {
        self.params.get("opaque")
    }
}

impl<'a> FromValue<'a> for Credentials<'a> {
    const HEADER: HeaderName = HeaderName::Authorization;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (scheme, params) = split_scheme(s, mode)?;
        Ok(Self { scheme, params })
    }
}
