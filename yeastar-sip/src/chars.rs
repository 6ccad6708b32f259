//! Character classes of the RFC 3261 grammar and small scanning helpers.
#![warn(clippy::indexing_slicing)]

// Runs at compile time only: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const fn class(extra: &[u8], alnum: bool) -> [bool; 256] {
    let mut table = [false; 256];
    if alnum {
        let mut c = b'0';
        while c <= b'9' {
            table[c as usize] = true;
            c += 1;
        }
        c = b'a';
        while c <= b'z' {
            table[c as usize] = true;
            table[(c - 32) as usize] = true;
            c += 1;
        }
    }
    let mut i = 0;
    while i < extra.len() {
        table[extra[i] as usize] = true;
        i += 1;
    }
    table
}

static TOKEN: [bool; 256] = class(b"-.!%*_+`'~", true);
/// unreserved / escaped-start / user-unreserved
static USER: [bool; 256] = class(b"-_.!~*'()%&=+$,;?/", true);
/// unreserved / escaped-start / & = + $ ,
static PASSWORD: [bool; 256] = class(b"-_.!~*'()%&=+$,", true);
/// unreserved / escaped-start / param-unreserved
static PARAMCHAR: [bool; 256] = class(b"-_.!~*'()%[]/:&+$", true);
/// unreserved / escaped-start / hnv-unreserved
static HNVCHAR: [bool; 256] = class(b"-_.!~*'()%[]/?:+$", true);
/// Call-ID `word` characters.
static WORD: [bool; 256] = class(b"-.!%*_+`'~()<>:\\\"/[]?{}", true);
/// Host name characters (lenient adds `_`, seen in the wild).
static HOSTNAME: [bool; 256] = class(b"-.", true);
static HOSTNAME_LENIENT: [bool; 256] = class(b"-._", true);
/// Generic-param values: token plus what `host` adds (IPv6 references, bare IPv6 in `received`).
static GEN_VALUE: [bool; 256] = class(b"-.!%*_+`'~:[]", true);

/// Lenient URI parameter values: anything above space but the delimiters.
// Runs at compile time only.
#[allow(clippy::indexing_slicing)]
const fn uri_lenient_value() -> [bool; 256] {
    let mut table = [false; 256];
    let mut c = 0x21;
    while c < 256 {
        table[c] = !matches!(c as u8, b';' | b'?' | b'>' | b'<' | b'"' | b',');
        c += 1;
    }
    table
}
static URI_LENIENT_VALUE: [bool; 256] = uri_lenient_value();

/// Lenient user parts: anything above space but `<`, `>` and `"`.
// Runs at compile time only.
#[allow(clippy::indexing_slicing)]
const fn user_lenient() -> [bool; 256] {
    let mut table = [false; 256];
    let mut c = 0x21;
    while c < 256 {
        table[c] = !matches!(c as u8, b'<' | b'>' | b'"');
        c += 1;
    }
    table
}
static USER_LENIENT: [bool; 256] = user_lenient();

/// The character classes a scanner can be handed as a table.
pub(crate) mod class {
    pub(crate) static TOKEN: &[bool; 256] = &super::TOKEN;
    pub(crate) static PARAMCHAR: &[bool; 256] = &super::PARAMCHAR;
    pub(crate) static GEN_VALUE: &[bool; 256] = &super::GEN_VALUE;
    pub(crate) static URI_LENIENT_VALUE: &[bool; 256] = &super::URI_LENIENT_VALUE;
    pub(crate) static USER: &[bool; 256] = &super::USER;
    pub(crate) static USER_LENIENT: &[bool; 256] = &super::USER_LENIENT;
    pub(crate) static HOSTNAME: &[bool; 256] = &super::HOSTNAME;
    pub(crate) static HOSTNAME_LENIENT: &[bool; 256] = &super::HOSTNAME_LENIENT;
}

/// Number of leading bytes of `s` in `table`.
#[inline]
pub(crate) fn span(s: &[u8], table: &[bool; 256]) -> usize {
    span_from(s, 0, table)
}

/// The end of the run of bytes in `table` that starts at `s[i]`. Names, hosts and values are
/// runs of several bytes: four are looked up per step (one branch instead of four), then the
/// last few one at a time.
#[inline]
pub(crate) fn span_from(s: &[u8], mut i: usize, table: &[bool; 256]) -> usize {
    while let Some(&[a, b, c, d]) = s.get(i..i.wrapping_add(4)) {
        if !(lookup(table, a) & lookup(table, b) & lookup(table, c) & lookup(table, d)) {
            break;
        }
        i += 4;
    }
    while let Some(&b) = s.get(i) {
        if !lookup(table, b) {
            break;
        }
        i += 1;
    }
    i
}

/// Offset of the first `needle` in `s`. The strings searched (header values, URIs) are
/// short: up to 96 bytes are tested eight at a time in registers, the last partial word
/// overlapping bytes already tested, and memchr (whose vector setup costs more than a short
/// search) takes only what lies beyond. In a word XORed with the needle a matching byte
/// becomes zero; the lowest zero byte is found exactly, higher ones may be false positives
/// that are never looked at.
#[inline(always)]
pub(crate) fn find_byte(s: &[u8], needle: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const NEAR: usize = 96;
    let pattern = ONES * u64::from(needle);
    let first_zero = |word: &[u8]| {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default()) ^ pattern;
        let zero = x.wrapping_sub(ONES) & !x & HIGH;
        (zero != 0).then_some((zero.trailing_zeros() / 8) as usize)
    };
    let near = s.get(..s.len().min(NEAR)).unwrap_or(s);
    if near.len() < 8 {
        return near.iter().position(|&b| b == needle);
    }
    let mut words = near.chunks_exact(8);
    let mut i = 0;
    for word in &mut words {
        if let Some(p) = first_zero(word) {
            return Some(i + p);
        }
        i += 8;
    }
    if !words.remainder().is_empty() {
        // The bytes before the remainder hold no needle, so the lowest zero is still exact.
        let last = near.len() - 8;
        if let Some(p) = near.get(last..).and_then(first_zero) {
            return Some(last + p);
        }
    }
    memchr::memchr(needle, s.get(NEAR..)?).map(|p| NEAR + p)
}

/// The first offset at or after `i` that is not LWS (SP, HT, CR, LF).
#[inline]
pub(crate) fn skip_lws_from(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|&b| is_lws_byte(b)) {
        i += 1;
    }
    i
}

#[inline]
fn lookup(table: &[bool; 256], b: u8) -> bool {
    // Every u8 is in range; the optimiser removes the check.
    table.get(usize::from(b)).copied().unwrap_or(false)
}

/// RFC 3261 `token` character.
#[inline]
pub(crate) fn is_token(b: u8) -> bool {
    lookup(&TOKEN, b)
}
#[inline]
pub(crate) fn is_password(b: u8) -> bool {
    lookup(&PASSWORD, b)
}
#[inline]
pub(crate) fn is_hnvchar(b: u8) -> bool {
    lookup(&HNVCHAR, b)
}
#[inline]
pub(crate) fn is_word(b: u8) -> bool {
    lookup(&WORD, b)
}
#[inline]
pub(crate) fn is_hostname(b: u8) -> bool {
    lookup(&HOSTNAME, b)
}

#[inline]
fn is_lws_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Skips LWS at the start of `s`. Folding (CRLF + WSP) was validated while the header
/// section was indexed, so CR and LF inside a value are always part of LWS.
#[inline]
pub(crate) fn skip_lws(s: &str) -> &str {
    // Most calls find no LWS at all: one byte test, no loop.
    match s.as_bytes().first() {
        Some(&b) if is_lws_byte(b) => skip_lws_slow(s),
        _ => s,
    }
}

#[inline(never)]
fn skip_lws_slow(s: &str) -> &str {
    let n = s.bytes().take_while(|&b| is_lws_byte(b)).count();
    s.get(n..).unwrap_or("")
}

/// Trims LWS on both sides.
#[inline]
pub(crate) fn trim_lws(s: &str) -> &str {
    let s = skip_lws(s);
    match s.as_bytes().last() {
        Some(&b) if is_lws_byte(b) => {
            let n = s.bytes().rev().take_while(|&b| is_lws_byte(b)).count();
            s.get(..s.len() - n).unwrap_or("")
        }
        _ => s,
    }
}

/// Splits a leading `token`; `None` when `s` does not start with one.
#[inline]
pub(crate) fn split_token(s: &str) -> Option<(&str, &str)> {
    let len = span(s.as_bytes(), &TOKEN);
    // A token is ASCII, so its end is a char boundary.
    (len > 0).then(|| s.split_at(len))
}

/// Splits a leading `quoted-string` (with its quotes). Quoted pairs may escape any octet
/// except CR and LF (RFC 3261 `quoted-pair`).
pub(crate) fn split_quoted(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    // Quoted values (nonces, URIs, instance ids) are long: jump to the next quote or escape.
    loop {
        i += memchr::memchr2(b'"', b'\\', bytes.get(i..)?)?;
        if bytes.get(i) == Some(&b'"') {
            return Some((s.get(..=i)?, s.get(i + 1..)?));
        }
        let next = *bytes.get(i + 1)?;
        if next == b'\r' || next == b'\n' {
            return None;
        }
        i += 2;
    }
}

/// Parses a decimal `u32` (leading zeros allowed, as in `CSeq: 0009`). `None` on overflow.
pub(crate) fn parse_u32(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let mut v: u32 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some(v)
}

/// Splits leading ASCII digits.
#[inline]
pub(crate) fn split_digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// Offset of `inner` inside `outer` (both from the same buffer).
#[inline]
pub(crate) fn offset_in(outer: &str, inner: &str) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}

/// Removes the quotes of a quoted string; leaves other text as it is. Quoted pairs stay
/// escaped (see [`unescape_quoted`] for the decoded form).
#[inline]
pub(crate) fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(s)
}

/// Decodes quoted pairs (`\"` → `"`), allocating only when there is one.
#[must_use]
pub fn unescape_quoted(s: &str) -> std::borrow::Cow<'_, str> {
    let inner = unquote(s);
    if !inner.contains('\\') {
        return std::borrow::Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Decodes `%HH` escapes into bytes, allocating only when there is one. A `%` not followed
/// by two hex digits is kept as it is (RFC 4475 `esc02`).
#[must_use]
pub fn percent_decode(s: &str) -> std::borrow::Cow<'_, [u8]> {
    if !s.contains('%') {
        return std::borrow::Cow::Borrowed(s.as_bytes());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16));
            let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    std::borrow::Cow::Owned(out)
}

/// True when every `%` starts a valid `%HH` escape.
pub(crate) fn escapes_valid(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// Splits `s` at top-level commas (outside quotes and angle brackets). Empty elements are
/// yielded too, so callers can reject them in strict mode.
pub(crate) struct CommaSplit<'a> {
    rest: Option<&'a str>,
}

impl<'a> CommaSplit<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Self { rest: Some(s) }
    }
}

impl<'a> Iterator for CommaSplit<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        let bytes = s.as_bytes();
        let mut in_quote = false;
        let mut in_angle = false;
        let mut i = 0;
        // Jumps between the bytes that change the state: a quote, an escape inside quotes, an
        // angle bracket, a comma; everything else is skipped by memchr.
        loop {
            let tail = bytes.get(i..).unwrap_or(&[]);
            let found = if in_quote {
                memchr::memchr2(b'"', b'\\', tail)
            } else if in_angle {
                memchr::memchr2(b'"', b'>', tail)
            } else {
                memchr::memchr3(b',', b'"', b'<', tail)
            };
            let Some(at) = found else {
                break;
            };
            i += at;
            match bytes.get(i) {
                Some(b'\\') => i += 1,
                Some(b'"') => in_quote = !in_quote,
                Some(b'<') => in_angle = true,
                Some(b'>') => in_angle = false,
                Some(b',') => {
                    self.rest = s.get(i + 1..);
                    return s.get(..i);
                }
                _ => {}
            }
            i += 1;
        }
        self.rest = None;
        Some(s)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::CommaSplit;

    /// The byte-by-byte splitter the memchr version replaces.
    fn reference(s: &str) -> Vec<&str> {
        let mut out = Vec::new();
        let mut rest = s;
        'outer: loop {
            let bytes = rest.as_bytes();
            let (mut in_quote, mut in_angle, mut i) = (false, false, 0);
            while let Some(&b) = bytes.get(i) {
                match b {
                    b'\\' if in_quote => i += 1,
                    b'"' => in_quote = !in_quote,
                    b'<' if !in_quote => in_angle = true,
                    b'>' if !in_quote => in_angle = false,
                    b',' if !in_quote && !in_angle => {
                        out.push(&rest[..i]);
                        rest = &rest[i + 1..];
                        continue 'outer;
                    }
                    _ => {}
                }
                i += 1;
            }
            out.push(rest);
            return out;
        }
    }

    /// The byte-by-byte quoted-string scanner the memchr version replaces.
    fn quoted_reference(s: &str) -> Option<(&str, &str)> {
        let bytes = s.as_bytes();
        if bytes.first() != Some(&b'"') {
            return None;
        }
        let mut i = 1;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' => return Some((s.get(..=i)?, s.get(i + 1..)?)),
                b'\\' => {
                    let next = *bytes.get(i + 1)?;
                    if next == b'\r' || next == b'\n' {
                        return None;
                    }
                    i += 2;
                }
                _ => i += 1,
            }
        }
        None
    }

    /// Calls `check` with every string of at most `max_len` characters from `alphabet`.
    fn every_short_string(alphabet: &[char], max_len: u32, mut check: impl FnMut(&str)) {
        let mut s = String::new();
        for len in 0..=max_len {
            for mut n in 0..alphabet.len().pow(len) {
                s.clear();
                for _ in 0..len {
                    s.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                check(&s);
            }
        }
    }

    #[test]
    fn byte_search_agrees_with_memchr() {
        for len in 0..200 {
            for fill in [b'a', b',' ^ 0x80, b',' + 1, b',' - 1, 0xff, 0] {
                let mut s = vec![fill; len];
                assert_eq!(super::find_byte(&s, b','), memchr::memchr(b',', &s));
                for first in 0..len {
                    for second in [first, first + 1, first + 9, len - 1] {
                        s.fill(fill);
                        if second < len {
                            s[second] = b',';
                        }
                        s[first] = b',';
                        assert_eq!(super::find_byte(&s, b','), Some(first), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn split_quoted_agrees_with_the_reference_on_every_short_string() {
        every_short_string(&['"', '\\', '\r', '\n', 'a'], 8, |s| {
            assert_eq!(super::split_quoted(s), quoted_reference(s), "{s:?}");
        });
    }

    #[test]
    fn comma_split_agrees_with_the_reference_on_every_short_string() {
        every_short_string(&[',', '"', '<', '>', '\\', 'a'], 7, |s| {
            assert_eq!(
                CommaSplit::new(s).collect::<Vec<_>>(),
                reference(s),
                "{s:?}"
            );
        });
    }
}
