//! Small typed values: CSeq, Content-Type, token lists, Event, Subscription-State, Replaces,
//! Session-Expires, Retry-After, Warning, Date, Reason.

use super::{FailPublic, FromValue, parse_number};
use crate::chars::{is_token, skip_lws, split_digits, split_quoted, split_token, trim_lws};
use crate::error::Fail;
use crate::header_name::HeaderName;
use crate::limits::Mode;
use crate::params::{ParamContext, Params, parse_params};

fn params_to_end<'a>(s: &'a str, mode: Mode) -> Result<Params<'a>, Fail<'a>> {
    let (params, rest) = parse_params(s, ParamContext::Header, mode)?;
    let rest = skip_lws(rest);
    if rest.is_empty() {
        Ok(params)
    } else {
        Err(Fail::new(rest, "unexpected text after parameters"))
    }
}

/// `CSeq: 42 INVITE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CSeq<'a> {
    /// Sequence number (32-bit).
    pub seq: u32,
    /// Method.
    pub method: &'a str,
}

impl<'a> FromValue<'a> for CSeq<'a> {
    const HEADER: HeaderName = HeaderName::CSeq;
    fn parse_value(s: &'a str, _mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (digits, rest) = split_digits(s);
        if digits.is_empty() {
            return Err(Fail::new(s, "missing sequence number").into());
        }
        let seq = crate::chars::parse_u32(digits)
            .ok_or(Fail::new(s, "sequence number larger than 2^32-1"))?;
        let m = skip_lws(rest);
        if m.len() == rest.len() {
            return Err(Fail::new(rest, "expected LWS before method").into());
        }
        let (method, rest) = split_token(m).ok_or(Fail::new(m, "missing method"))?;
        if !skip_lws(rest).is_empty() {
            return Err(Fail::new(rest, "unexpected text after method").into());
        }
        Ok(Self { seq, method })
    }
}

/// `Content-Type: application/sdp;charset=utf-8` (also used for `Accept` elements).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType<'a> {
    /// Top-level type (`application`).
    pub kind: &'a str,
    /// Subtype (`sdp`).
    pub subtype: &'a str,
    /// Parameters.
    pub params: Params<'a>,
}

impl MediaType<'_> {
    /// True for `application/sdp`.
    #[must_use]
    pub fn is_sdp(&self) -> bool {
        self.kind.eq_ignore_ascii_case("application") && self.subtype.eq_ignore_ascii_case("sdp")
    }
}

impl<'a> FromValue<'a> for MediaType<'a> {
    const HEADER: HeaderName = HeaderName::ContentType;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (kind, rest) = split_token(s).ok_or(Fail::new(s, "missing media type"))?;
        let rest = skip_lws(rest)
            .strip_prefix('/')
            .ok_or(Fail::new(rest, "expected '/'"))?;
        let rest = skip_lws(rest);
        let (subtype, rest) = split_token(rest).ok_or(Fail::new(rest, "missing media subtype"))?;
        Ok(Self {
            kind,
            subtype,
            params: params_to_end(rest, mode)?,
        })
    }
}

/// A comma-separated list of tokens (`Allow`, `Supported`, `Require`, `Proxy-Require`,
/// `Unsupported`, `Allow-Events`), validated, kept as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenList<'a> {
    raw: &'a str,
}

impl<'a> TokenList<'a> {
    /// The tokens in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        self.raw.split(',').map(trim_lws).filter(|t| !t.is_empty())
    }

    /// True when `token` is in the list (case-insensitive).
    #[must_use]
    pub fn contains(&self, token: &str) -> bool {
        self.iter().any(|t| t.eq_ignore_ascii_case(token))
    }
}

impl<'a> FromValue<'a> for TokenList<'a> {
    const HEADER: HeaderName = HeaderName::Supported;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        // One pass: tokens separated by commas with optional LWS around them. A token's bytes
        // are skipped in an inner loop with no other test; the outer loop sees only the bytes
        // between tokens.
        let bytes = s.as_bytes();
        let at = |i: usize| s.get(i..).unwrap_or("");
        let mut i = 0;
        let mut expect_token = true;
        let mut saw_any = false;
        while let Some(&b) = bytes.get(i) {
            if is_token(b) {
                if !expect_token {
                    return Err(Fail::new(at(i), "list element is not a token").into());
                }
                i += 1;
                while bytes.get(i).is_some_and(|&c| is_token(c)) {
                    i += 1;
                }
                expect_token = false;
                saw_any = true;
                continue;
            }
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => {}
                b',' => {
                    // `Supported:` with an empty value is legal; empty elements are not in
                    // strict mode.
                    if expect_token && mode == Mode::Strict {
                        return Err(Fail::new(at(i), "empty list element").into());
                    }
                    expect_token = true;
                }
                _ => return Err(Fail::new(at(i), "list element is not a token").into()),
            }
            i += 1;
        }
        if expect_token && saw_any && mode == Mode::Strict {
            return Err(Fail::new(at(s.len()), "trailing comma").into());
        }
        Ok(Self { raw: s })
    }
}

/// The byte loop [`TokenList`]'s parse replaced, kept as the reference of the tests.
#[cfg(test)]
fn token_list_reference(s: &str, mode: Mode) -> Result<TokenList<'_>, Fail<'_>> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut expect_token = true;
    let mut saw_any = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b',' => {
                if expect_token && mode == Mode::Strict {
                    return Err(Fail::new(s.get(i..).unwrap_or(""), "empty list element"));
                }
                expect_token = true;
                i += 1;
            }
            _ if is_token(b) && expect_token => {
                let n = bytes
                    .get(i..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|&&c| is_token(c))
                    .count();
                i += n;
                expect_token = false;
                saw_any = true;
            }
            _ => {
                return Err(Fail::new(
                    s.get(i..).unwrap_or(""),
                    "list element is not a token",
                ));
            }
        }
    }
    if expect_token && saw_any && mode == Mode::Strict {
        return Err(Fail::new(s.get(s.len()..).unwrap_or(""), "trailing comma"));
    }
    Ok(TokenList { raw: s })
}

/// `Event: dialog;id=1` (RFC 6665).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Event package, with template (`presence.winfo`).
    pub package: &'a str,
    /// Parameters (`id`).
    pub params: Params<'a>,
}

impl<'a> FromValue<'a> for Event<'a> {
    const HEADER: HeaderName = HeaderName::Event;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (package, rest) = split_token(s).ok_or(Fail::new(s, "missing event package"))?;
        Ok(Self {
            package,
            params: params_to_end(rest, mode)?,
        })
    }
}

/// `Subscription-State: active;expires=3600`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscriptionState<'a> {
    /// `active`, `pending`, `terminated` or an extension.
    pub state: &'a str,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> SubscriptionState<'a> {
    /// `expires` parameter.
    #[must_use]
    pub fn expires(&self) -> Option<u32> {
        self.params
            .value("expires")
            .and_then(crate::chars::parse_u32)
    }
    /// `reason` parameter.
    #[must_use]
    pub fn reason(&self) -> Option<&'a str> {
        self.params.value("reason")
    }
}

impl<'a> FromValue<'a> for SubscriptionState<'a> {
    const HEADER: HeaderName = HeaderName::SubscriptionState;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (state, rest) = split_token(s).ok_or(Fail::new(s, "missing state"))?;
        Ok(Self {
            state,
            params: params_to_end(rest, mode)?,
        })
    }
}

/// `Replaces: call-id;to-tag=...;from-tag=...;early-only` (RFC 3891).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replaces<'a> {
    /// Call-ID of the dialog to replace.
    pub call_id: &'a str,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> Replaces<'a> {
    /// `to-tag`.
    #[must_use]
    pub fn to_tag(&self) -> Option<&'a str> {
        self.params.value("to-tag")
    }
    /// `from-tag`.
    #[must_use]
    pub fn from_tag(&self) -> Option<&'a str> {
        self.params.value("from-tag")
    }
    /// `early-only` flag.
    #[must_use]
    pub fn early_only(&self) -> bool {
        self.params.contains("early-only")
    }
}

impl<'a> FromValue<'a> for Replaces<'a> {
    const HEADER: HeaderName = HeaderName::Replaces;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let end = s.find([';', ' ', '\t', '\r', '\n']).unwrap_or(s.len());
        let (call_id, rest) = s.split_at(end);
        super::check_call_id(call_id, mode)?;
        Ok(Self {
            call_id,
            params: params_to_end(rest, mode)?,
        })
    }
}

/// `Session-Expires: 1800;refresher=uac` (RFC 4028).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionExpires<'a> {
    /// Interval in seconds.
    pub delta: u32,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> SessionExpires<'a> {
    /// `refresher` parameter (`uac` / `uas`).
    #[must_use]
    pub fn refresher(&self) -> Option<&'a str> {
        self.params.value("refresher")
    }
}

impl<'a> FromValue<'a> for SessionExpires<'a> {
    const HEADER: HeaderName = HeaderName::SessionExpires;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (digits, rest) = split_digits(s);
        let delta = parse_number(digits, "invalid delta-seconds")?;
        Ok(Self {
            delta,
            params: params_to_end(rest, mode)?,
        })
    }
}

/// `Retry-After: 120 (comment);duration=60`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter<'a> {
    /// Seconds.
    pub delta: u32,
    /// The comment without parentheses.
    pub comment: Option<&'a str>,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> FromValue<'a> for RetryAfter<'a> {
    const HEADER: HeaderName = HeaderName::RetryAfter;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (digits, rest) = split_digits(s);
        let delta = parse_number(digits, "invalid delta-seconds")?;
        let rest_ws = skip_lws(rest);
        let (comment, rest) = match rest_ws.strip_prefix('(') {
            Some(c) => {
                let end = c
                    .find(')')
                    .ok_or(Fail::new(rest_ws, "unterminated comment"))?;
                (c.get(..end), c.get(end + 1..).unwrap_or(""))
            }
            None => (None, rest),
        };
        Ok(Self {
            delta,
            comment,
            params: params_to_end(rest, mode)?,
        })
    }
}

/// One `Warning` value: `370 devnull "Choose a bigger pipe"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Warning<'a> {
    /// Three-digit code.
    pub code: u16,
    /// Agent (host or pseudonym).
    pub agent: &'a str,
    /// Text, quotes included.
    pub text: &'a str,
}

impl<'a> FromValue<'a> for Warning<'a> {
    const HEADER: HeaderName = HeaderName::Warning;
    fn parse_value(s: &'a str, _mode: Mode) -> Result<Self, FailPublic<'a>> {
        let (digits, rest) = split_digits(s);
        if digits.len() != 3 {
            return Err(Fail::new(s, "warn-code is not three digits").into());
        }
        let code = digits
            .parse()
            .map_err(|_| Fail::new(s, "invalid warn-code"))?;
        let rest = rest
            .strip_prefix(' ')
            .ok_or(Fail::new(rest, "expected SP"))?;
        let end = rest.find(' ').ok_or(Fail::new(rest, "missing warn-text"))?;
        let (agent, rest) = rest.split_at(end);
        let rest = rest.get(1..).unwrap_or("");
        let (text, after) = split_quoted(rest).ok_or(Fail::new(rest, "warn-text is not quoted"))?;
        if !skip_lws(after).is_empty() {
            return Err(Fail::new(after, "unexpected text after warn-text").into());
        }
        Ok(Self { code, agent, text })
    }
}

/// `Date: Sat, 13 Nov 2010 23:29:00 GMT` (RFC 1123 form, GMT only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipDate {
    /// Year.
    pub year: u16,
    /// Month, 1 to 12.
    pub month: u8,
    /// Day of month.
    pub day: u8,
    /// Hour.
    pub hour: u8,
    /// Minute.
    pub minute: u8,
    /// Second.
    pub second: u8,
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` read by position, the form every PBX writes. `None` for
/// anything else, which the field-by-field parser then judges.
fn fixed_date(b: &[u8]) -> Option<SipDate> {
    let layout: &[u8; 29] = b.try_into().ok()?;
    let two = |i: usize| -> Option<u8> {
        let (h, l) = (*layout.get(i)?, *layout.get(i + 1)?);
        (h.is_ascii_digit() && l.is_ascii_digit()).then(|| (h - b'0') * 10 + (l - b'0'))
    };
    let separators = [
        (3, b','),
        (4, b' '),
        (7, b' '),
        (11, b' '),
        (16, b' '),
        (19, b':'),
    ];
    if separators.iter().any(|&(i, c)| layout.get(i) != Some(&c))
        || layout.get(22) != Some(&b':')
        || layout.get(25..) != Some(b" GMT".as_slice())
        || !DAYS.iter().any(|d| layout.get(..3) == Some(d.as_bytes()))
    {
        return None;
    }
    let month = MONTHS
        .iter()
        .position(|m| layout.get(8..11) == Some(m.as_bytes()))?;
    let year = u16::from(two(12)?) * 100 + u16::from(two(14)?);
    SipDate::checked(year, month, two(5)?, two(17)?, two(20)?, two(23)?)
}

impl SipDate {
    /// The date if its day and time are in range (`second` 60 is a leap second); `month` counts
    /// from 0.
    fn checked(year: u16, month: usize, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        Some(SipDate {
            year,
            month: (month + 1) as u8,
            day,
            hour,
            minute,
            second,
        })
    }
}

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl<'a> FromValue<'a> for SipDate {
    const HEADER: HeaderName = HeaderName::Date;
    fn parse_value(s: &'a str, _mode: Mode) -> Result<Self, FailPublic<'a>> {
        if let Some(date) = fixed_date(s.as_bytes()) {
            return Ok(date);
        }
        Ok(date_fields(s)?)
    }
}

/// `rfc1123-date` field by field.
fn date_fields(s: &str) -> Result<SipDate, Fail<'_>> {
    let bad = || Fail::new(s, "not an RFC 1123 GMT date");
    let mut parts = s.split(' ');
    let mut next = || parts.next().ok_or_else(bad);
    let wkday = next()?;
    if !wkday.strip_suffix(',').is_some_and(|d| DAYS.contains(&d)) {
        return Err(bad());
    }
    let num = |t: &str, len: usize| -> Option<u16> {
        (t.len() == len && t.bytes().all(|b| b.is_ascii_digit())).then(|| t.parse().ok())?
    };
    // Two digits always fit a `u8`.
    let two = |t: &str| num(t, 2).map(|n| n as u8);
    let day = two(next()?).ok_or_else(bad)?;
    let month_name = next()?;
    let month = MONTHS
        .iter()
        .position(|m| *m == month_name)
        .ok_or_else(bad)?;
    let year = num(next()?, 4).ok_or_else(bad)?;
    let mut hms = next()?.split(':');
    let mut field = || hms.next().and_then(two).ok_or_else(bad);
    let (hour, minute, second) = (field()?, field()?, field()?);
    if next()? != "GMT" || parts.next().is_some() {
        return Err(bad());
    }
    SipDate::checked(year, month, day, hour, minute, second).ok_or_else(bad)
}

/// `Reason: Q.850;cause=16;text="Normal call clearing"` (RFC 3326).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason<'a> {
    /// Protocol (`SIP`, `Q.850`).
    pub protocol: &'a str,
    /// Parameters.
    pub params: Params<'a>,
}

impl<'a> Reason<'a> {
    /// `cause` parameter.
    #[must_use]
    pub fn cause(&self) -> Option<u32> {
        self.params.value("cause").and_then(crate::chars::parse_u32)
    }
    /// `text` parameter, quotes removed.
    #[must_use]
    pub fn text(&self) -> Option<&'a str> {
        self.params.value("text")
    }
}

impl<'a> FromValue<'a> for Reason<'a> {
    const HEADER: HeaderName = HeaderName::Reason;
    fn parse_value(s: &'a str, mode: Mode) -> Result<Self, FailPublic<'a>> {
        let n = s.bytes().take_while(|&b| is_token(b)).count();
        if n == 0 {
            return Err(Fail::new(s, "missing reason protocol").into());
        }
        let (protocol, rest) = s.split_at(n);
        Ok(Self {
            protocol,
            params: params_to_end(rest, mode)?,
        })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod token_list_tests {
    use super::{FromValue, Mode, TokenList, token_list_reference};

    #[test]
    fn token_list_agrees_with_the_reference_on_every_short_string() {
        let alphabet = ['a', ',', ' ', '\r', '/', 'é', '-'];
        let mut s = String::new();
        for len in 0..=7u32 {
            for mut n in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                for mode in [Mode::Lenient, Mode::Strict] {
                    let got =
                        TokenList::parse_value(&s, mode).map_err(|f| (f.0.at.len(), f.0.what));
                    let want = token_list_reference(&s, mode).map_err(|f| (f.at.len(), f.what));
                    assert_eq!(got, want, "{s:?} {mode:?}");
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod date_tests {
    use super::{date_fields, fixed_date};

    #[test]
    fn fixed_layout_agrees_with_the_field_parser() {
        let base = "Tue, 26 Nov 2024 21:10:12 GMT";
        assert!(fixed_date(base.as_bytes()).is_some());
        let replacements = ["0", "9", "3", "6", " ", ",", ":", "a", "T", "G", "\t"];
        for i in 0..base.len() {
            for r in replacements {
                let text = format!("{}{r}{}", &base[..i], &base[i + 1..]);
                if let Some(fast) = fixed_date(text.as_bytes()) {
                    assert_eq!(date_fields(&text).ok(), Some(fast), "{text}");
                }
            }
        }
        for text in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Mon, 31 Dec 1999 23:59:60 GMT",
        ] {
            let fast = fixed_date(text.as_bytes());
            assert!(fast.is_some());
            assert_eq!(date_fields(text).ok(), fast);
        }
    }
}
