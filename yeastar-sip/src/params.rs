//! `;name=value` parameter lists (URI parameters, header parameters) and their validation.
#![warn(clippy::indexing_slicing)]

use crate::chars::{class, skip_lws, skip_lws_from, span_from, split_quoted, unquote};
use crate::error::Fail;
use crate::limits::Mode;

/// A validated parameter list, kept as the text it was parsed from (it starts with `;`, or is
/// empty). Iterating re-scans the text; nothing is allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params<'a> {
    raw: &'a str,
}

/// One parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'a> {
    /// The name as written (compare case-insensitively).
    pub name: &'a str,
    /// The value as written, quotes included; `None` for a flag parameter such as `lr`.
    pub value: Option<&'a str>,
}

impl<'a> Param<'a> {
    /// The value with surrounding quotes removed (quoted pairs are left as written).
    #[must_use]
    pub fn unquoted(&self) -> Option<&'a str> {
        self.value.map(unquote)
    }
}

impl<'a> Params<'a> {
    /// Wraps already validated text.
    pub(crate) const fn from_raw(raw: &'a str) -> Self {
        Self { raw }
    }

    /// The text the parameters were parsed from, leading `;` included.
    #[must_use]
    pub const fn as_str(&self) -> &'a str {
        self.raw
    }

    /// True when there is no parameter.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The parameters in order.
    #[must_use]
    pub fn iter(&self) -> ParamIter<'a> {
        ParamIter { rest: self.raw }
    }

    /// The first parameter called `name` (case-insensitive): `Some(None)` for a flag,
    /// `Some(Some(value))` with quotes removed for a valued parameter.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        self.iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
            .map(|p| p.unquoted())
    }

    /// The value of `name`, when present with a value.
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.get(name).flatten()
    }

    /// True when a parameter called `name` is present, with or without a value.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

impl<'a> IntoIterator for Params<'a> {
    type Item = Param<'a>;
    type IntoIter = ParamIter<'a>;
    fn into_iter(self) -> ParamIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Params`].
#[derive(Debug, Clone)]
pub struct ParamIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ParamIter<'a> {
    type Item = Param<'a>;
    fn next(&mut self) -> Option<Param<'a>> {
        let s = skip_lws(self.rest);
        let s = skip_lws(s.strip_prefix(';')?);
        let name_len = s
            .bytes()
            .position(|b| matches!(b, b'=' | b';' | b' ' | b'\t' | b'\r' | b'\n'))
            .unwrap_or(s.len());
        let (name, after) = s.split_at(name_len);
        let after_ws = skip_lws(after);
        let (value, rest) = match after_ws.strip_prefix('=') {
            Some(v) => {
                let v = skip_lws(v);
                let end = value_end(v);
                let (value, rest) = v.split_at(end);
                (Some(value), rest)
            }
            None => (None, after),
        };
        self.rest = rest;
        Some(Param { name, value })
    }
}

/// Length of a parameter value starting at `v` (a quoted string, or up to a delimiter).
fn value_end(v: &str) -> usize {
    if let Some((q, _)) = split_quoted(v) {
        return q.len();
    }
    v.bytes()
        .position(|b| matches!(b, b';' | b',' | b' ' | b'\t' | b'\r' | b'\n' | b'?' | b'>'))
        .unwrap_or(v.len())
}

/// Where a parameter list sits; the allowed characters differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamContext {
    /// Inside a SIP URI: `paramchar`, no LWS, ends at `?` or `>`.
    Uri,
    /// After a header value: `token [= token / host / quoted-string]`, LWS allowed.
    Header,
}

/// Parses `*( ";" param )` at the start of `s`; returns the validated list and the rest
/// (which starts with `,`, `?`, `>` or is empty, or whatever the caller must check). One pass
/// over the bytes by offset; every offset it stops at follows an ASCII byte, so slicing `s`
/// there cannot fail.
pub(crate) fn parse_params<'a>(
    s: &'a str,
    ctx: ParamContext,
    mode: Mode,
) -> Result<(Params<'a>, &'a str), Fail<'a>> {
    let b = s.as_bytes();
    let header = ctx == ParamContext::Header;
    // The classes depend on the context and mode only: chosen once, not per byte.
    let name_class = if header {
        class::TOKEN
    } else {
        class::PARAMCHAR
    };
    let value_class = match (ctx, mode) {
        (ParamContext::Uri, Mode::Strict) => class::PARAMCHAR,
        (ParamContext::Uri, Mode::Lenient) => class::URI_LENIENT_VALUE,
        (ParamContext::Header, _) => class::GEN_VALUE,
    };
    let quoted_ok = header || mode == Mode::Lenient;
    let lws = |i: usize| if header { skip_lws_from(b, i) } else { i };
    let at = |i: usize| s.get(i..).unwrap_or("");
    // End of what has been accepted so far.
    let mut cur = 0;
    loop {
        let semi = lws(cur);
        if b.get(semi) != Some(&b';') {
            break;
        }
        let name = lws(semi + 1);
        let name_end = span_from(b, name, name_class);
        if name_end == name {
            return Err(Fail::new(at(name), "empty parameter name"));
        }
        cur = name_end;
        let eq = lws(name_end);
        if b.get(eq) == Some(&b'=') {
            let v = lws(eq + 1);
            let end = if quoted_ok && b.get(v) == Some(&b'"') {
                split_quoted(at(v))
                    .map(|(q, _)| v + q.len())
                    .ok_or(Fail::new(at(v), "unterminated quoted string"))?
            } else {
                span_from(b, v, value_class)
            };
            // `;lr=` happens in the wild; the grammar wants a value.
            if end == v && mode == Mode::Strict {
                return Err(Fail::new(at(v), "empty parameter value"));
            }
            cur = end;
        }
    }
    let raw = s.get(..cur).unwrap_or("");
    Ok((Params::from_raw(raw), at(cur)))
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::{Fail, Mode, ParamContext, Params, parse_params};
    use crate::chars::{class, skip_lws, span, split_quoted};

    /// The `&str`-slicing version the offset one replaces.
    fn reference<'a>(
        s: &'a str,
        ctx: ParamContext,
        mode: Mode,
    ) -> Result<(Params<'a>, &'a str), Fail<'a>> {
        let start = s;
        let mut cur = s;
        let header = ctx == ParamContext::Header;
        let name_class = if header {
            class::TOKEN
        } else {
            class::PARAMCHAR
        };
        let value_class = match (ctx, mode) {
            (ParamContext::Uri, Mode::Strict) => class::PARAMCHAR,
            (ParamContext::Uri, Mode::Lenient) => class::URI_LENIENT_VALUE,
            (ParamContext::Header, _) => class::GEN_VALUE,
        };
        let quoted_ok = header || mode == Mode::Lenient;
        loop {
            let ws = if header { skip_lws(cur) } else { cur };
            let Some(after_semi) = ws.strip_prefix(';') else {
                break;
            };
            let p = if header {
                skip_lws(after_semi)
            } else {
                after_semi
            };
            let name_len = span(p.as_bytes(), name_class);
            if name_len == 0 {
                return Err(Fail::new(p, "empty parameter name"));
            }
            let after_name = p.get(name_len..).unwrap_or("");
            let after_name_ws = if header {
                skip_lws(after_name)
            } else {
                after_name
            };
            cur = after_name;
            if let Some(v) = after_name_ws.strip_prefix('=') {
                let v = if header { skip_lws(v) } else { v };
                let len = if quoted_ok && v.starts_with('"') {
                    split_quoted(v)
                        .map(|(q, _)| q.len())
                        .ok_or(Fail::new(v, "unterminated quoted string"))?
                } else {
                    span(v.as_bytes(), value_class)
                };
                if len == 0 && mode == Mode::Strict {
                    return Err(Fail::new(v, "empty parameter value"));
                }
                cur = v.get(len..).unwrap_or("");
            }
        }
        let consumed = start.len() - cur.len();
        let raw = start.get(..consumed).unwrap_or("");
        Ok((Params::from_raw(raw), cur))
    }

    fn outcome(
        r: Result<(Params<'_>, &str), Fail<'_>>,
    ) -> Result<(String, usize), (usize, &'static str)> {
        r.map(|(p, rest)| (p.as_str().to_string(), rest.len()))
            .map_err(|f| (f.at.len(), f.what))
    }

    #[test]
    fn offset_parse_agrees_with_the_reference_on_every_short_string() {
        let alphabet = [';', '=', 'a', ' ', '"', '\\', ',', '[', '\r', 'é'];
        let mut s = String::new();
        for len in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                for ctx in [ParamContext::Uri, ParamContext::Header] {
                    for mode in [Mode::Lenient, Mode::Strict] {
                        assert_eq!(
                            outcome(parse_params(&s, ctx, mode)),
                            outcome(reference(&s, ctx, mode)),
                            "{s:?} {ctx:?} {mode:?}"
                        );
                    }
                }
            }
        }
    }
}
