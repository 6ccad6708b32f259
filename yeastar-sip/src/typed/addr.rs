//! `name-addr / addr-spec` values: From, To, Contact, Route, Record-Route, Refer-To,
//! P-Asserted-Identity, Diversion and friends.

use std::borrow::Cow;

use super::{FailPublic, FromValue};
use crate::chars::{is_token, skip_lws, split_quoted, unescape_quoted};
use crate::error::Fail;
use crate::header_name::HeaderName;
use crate::limits::Mode;
use crate::params::{ParamContext, Params, parse_params};
use crate::uri::Uri;

/// `[display-name] <URI> *(;param)` or `URI *(;param)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameAddr<'a> {
    /// Display name as written: quotes included for a quoted one, LWS between tokens kept.
    pub display_name: Option<&'a str>,
    /// The address.
    pub uri: Uri<'a>,
    /// True when the URI was enclosed in `<>`.
    pub bracketed: bool,
    /// Header parameters after the address (`;tag=...`).
    pub params: Params<'a>,
}

impl<'a> NameAddr<'a> {
    /// The display name without quotes and with quoted pairs decoded (allocates only when a
    /// quoted pair is present).
    #[must_use]
    pub fn display_name_text(&self) -> Option<Cow<'a, str>> {
        self.display_name.map(unescape_quoted)
    }

    /// `tag` parameter.
    #[must_use]
    pub fn tag(&self) -> Option<&'a str> {
        self.params.value("tag")
    }

    /// Parses one name-addr / addr-spec element at the start of `s`; returns it and the rest.
    pub(crate) fn split(s: &'a str, mode: Mode) -> Result<(Self, &'a str), Fail<'a>> {
        let s = skip_lws(s);
        let (display_name, after_name) = if s.starts_with('"') {
            let (q, rest) = split_quoted(s).ok_or(Fail::new(s, "unterminated quoted string"))?;
            (Some(q), skip_lws(rest))
        } else if let Some(lt) = find_angle(s) {
            let name = s
                .get(..lt)
                .unwrap_or("")
                .trim_end_matches([' ', '\t', '\r', '\n']);
            if name.is_empty() {
                (None, s.get(lt..).unwrap_or(""))
            } else {
                let tokens_ok = name
                    .bytes()
                    .all(|b| is_token(b) || matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
                if !tokens_ok && mode == Mode::Strict {
                    return Err(Fail::new(s, "display name is neither tokens nor quoted"));
                }
                (Some(name), s.get(lt..).unwrap_or(""))
            }
        } else {
            (None, s)
        };

        if let Some(inner) = after_name.strip_prefix('<') {
            let gt = crate::chars::find_byte(inner.as_bytes(), b'>')
                .ok_or(Fail::new(after_name, "missing '>'"))?;
            let (uri_text, rest) = inner.split_at(gt);
            let uri_text = match mode {
                Mode::Strict => uri_text,
                Mode::Lenient => crate::chars::trim_lws(uri_text),
            };
            let uri = Uri::parse_inner(uri_text, mode)?;
            let (params, rest) =
                parse_params(rest.get(1..).unwrap_or(""), ParamContext::Header, mode)?;
            return Ok((
                Self {
                    display_name,
                    uri,
                    bracketed: true,
                    params,
                },
                rest,
            ));
        }
        if display_name.is_some() {
            return Err(Fail::new(after_name, "expected '<' after display name"));
        }
        // addr-spec: the URI cannot hold `;`, `,` or `?` (RFC 3261 §20.10), so it ends there.
        let end = s
            .bytes()
            .position(|b| matches!(b, b';' | b',' | b'?' | b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(s.len());
        let (uri_text, rest) = s.split_at(end);
        let uri = Uri::parse_inner(uri_text, mode)?;
        let (params, rest) = parse_params(rest, ParamContext::Header, mode)?;
        Ok((
            Self {
                display_name: None,
                uri,
                bracketed: false,
                params,
            },
            rest,
        ))
    }
}

/// Position of the `<` that opens the address, if the element has one before any `;`/`,`
/// outside quotes.
fn find_angle(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut in_quote = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' if in_quote => i += 1,
            b'"' => in_quote = !in_quote,
            b'<' if !in_quote => return Some(i),
            b'>' if !in_quote => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

fn parse_whole<'a>(s: &'a str, mode: Mode) -> Result<NameAddr<'a>, Fail<'a>> {
    let (na, rest) = NameAddr::split(s, mode)?;
    let rest = skip_lws(rest);
    if !rest.is_empty() {
        return Err(Fail::new(rest, "unexpected text after address"));
    }
    Ok(na)
}

impl<'a> FromValue<'a> for NameAddr<'a> {
    const HEADER: HeaderName = HeaderName::From;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        Ok(parse_whole(s, mode)?)
    }
}

/// One `Contact` value: `*` or an address with `q`, `expires`, `+sip.instance`, `reg-id`...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact<'a> {
    /// `Contact: *` (REGISTER removing all bindings).
    Wildcard,
    /// An address with its contact parameters.
    Address(NameAddr<'a>),
}

impl<'a> Contact<'a> {
    /// The address, unless this is `*`.
    #[must_use]
    pub const fn address(&self) -> Option<&NameAddr<'a>> {
        match self {
            Self::Wildcard => None,
            Self::Address(a) => Some(a),
        }
    }

    fn param(&self, name: &str) -> Option<&'a str> {
        self.address().and_then(|a| a.params.value(name))
    }

    /// `expires` parameter, when present and a number (`None` also when larger than 2^32-1).
    #[must_use]
    pub fn expires(&self) -> Option<u32> {
        self.param("expires").and_then(crate::chars::parse_u32)
    }

    /// `q` parameter as written (`0.5`).
    #[must_use]
    pub fn q(&self) -> Option<&'a str> {
        self.param("q")
    }

    /// `+sip.instance` (RFC 5626) without quotes and angle brackets, e.g. `urn:uuid:...`.
    #[must_use]
    pub fn sip_instance(&self) -> Option<&'a str> {
        self.param("+sip.instance")
            .map(|v| v.trim_start_matches('<').trim_end_matches('>'))
    }

    /// `reg-id` parameter (RFC 5626).
    #[must_use]
    pub fn reg_id(&self) -> Option<u32> {
        self.param("reg-id").and_then(crate::chars::parse_u32)
    }
}

impl<'a> FromValue<'a> for Contact<'a> {
    const HEADER: HeaderName = HeaderName::Contact;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        if s == "*" {
            return Ok(Self::Wildcard);
        }
        let na = parse_whole(s, mode)?;
        if mode == Mode::Strict {
            for p in na.params.iter() {
                let numeric =
                    p.name.eq_ignore_ascii_case("expires") || p.name.eq_ignore_ascii_case("reg-id");
                if numeric && p.value.and_then(crate::chars::parse_u32).is_none() {
                    return Err(Fail::new(
                        p.value.unwrap_or(p.name),
                        "contact parameter is not a 32-bit number",
                    )
                    .into());
                }
                if p.name.eq_ignore_ascii_case("q") && !p.value.is_some_and(is_qvalue) {
                    return Err(Fail::new(p.value.unwrap_or(p.name), "invalid q value").into());
                }
            }
        }
        Ok(Self::Address(na))
    }
}

/// RFC 3261 `qvalue`: `0[.ddd]` or `1[.000]`.
fn is_qvalue(v: &str) -> bool {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    frac.len() <= 3
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || (int == "1" && frac.bytes().all(|b| b == b'0')))
}
