//! Known header names, their compact forms, and case-insensitive recognition.

macro_rules! header_names {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal $(, $compact:literal)? ;)*) => {
        /// A header name recognised by this crate (compact forms map to the long form).
        /// Anything else is [`HeaderName::Other`]; its text stays available on the header.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum HeaderName {
            $( $(#[$doc])* $variant, )*
            /// A header this crate does not type.
            Other,
        }

        impl HeaderName {
            /// The canonical (long) form, as written by the serializer.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                    Self::Other => "",
                }
            }

            /// The compact form, when RFC 3261 or an extension defines one.
            #[must_use]
            pub const fn compact(self) -> Option<char> {
                match self {
                    $( $( Self::$variant => Some($compact as char), )? )*
                    _ => None,
                }
            }

            /// Recognises a header name, case-insensitively, long or compact.
            #[must_use]
            pub fn from_name(name: &str) -> Self {
                Self::from_bytes(name.as_bytes())
            }

            /// Recognises a header name given as bytes.
            #[must_use]
            pub fn from_bytes(b: &[u8]) -> Self {
                // The fast comparison folds CR onto '-'; a name holding one is no known name.
                if b.contains(&b'\r') {
                    return Self::Other;
                }
                Self::from_token(b)
            }

            /// The compact forms.
            fn from_compact(c: u8) -> Self {
                match c | 0x20 {
                    $( $( x if x == $compact => Self::$variant, )? )*
                    _ => Self::Other,
                }
            }

            /// Every known name (for the dispatch tests).
            #[cfg(test)]
            const ALL: &[Self] = &[ $( Self::$variant, )* ];

            /// Each known name lowercased and zero-padded to [`PADDED_LEN`] bytes, in
            /// declaration order (so indexed by the variant's discriminant).
            const PADDED: &[[u8; PADDED_LEN]] = &[ $( padded($name), )* ];
        }
    };
}

header_names! {
    /// `Via` (`v`).
    Via => "Via", b'v';
    /// `From` (`f`).
    From => "From", b'f';
    /// `To` (`t`).
    To => "To", b't';
    /// `Call-ID` (`i`).
    CallId => "Call-ID", b'i';
    /// `CSeq`.
    CSeq => "CSeq";
    /// `Contact` (`m`).
    Contact => "Contact", b'm';
    /// `Max-Forwards`.
    MaxForwards => "Max-Forwards";
    /// `Route`.
    Route => "Route";
    /// `Record-Route`.
    RecordRoute => "Record-Route";
    /// `Content-Type` (`c`).
    ContentType => "Content-Type", b'c';
    /// `Content-Length` (`l`).
    ContentLength => "Content-Length", b'l';
    /// `Content-Encoding` (`e`).
    ContentEncoding => "Content-Encoding", b'e';
    /// `Content-Disposition`.
    ContentDisposition => "Content-Disposition";
    /// `WWW-Authenticate`.
    WwwAuthenticate => "WWW-Authenticate";
    /// `Proxy-Authenticate`.
    ProxyAuthenticate => "Proxy-Authenticate";
    /// `Authorization`.
    Authorization => "Authorization";
    /// `Proxy-Authorization`.
    ProxyAuthorization => "Proxy-Authorization";
    /// `Expires`.
    Expires => "Expires";
    /// `Min-Expires`.
    MinExpires => "Min-Expires";
    /// `Allow`.
    Allow => "Allow";
    /// `Supported` (`k`).
    Supported => "Supported", b'k';
    /// `Require`.
    Require => "Require";
    /// `Proxy-Require`.
    ProxyRequire => "Proxy-Require";
    /// `Unsupported`.
    Unsupported => "Unsupported";
    /// `Event` (`o`).
    Event => "Event", b'o';
    /// `Allow-Events` (`u`).
    AllowEvents => "Allow-Events", b'u';
    /// `Subscription-State`.
    SubscriptionState => "Subscription-State";
    /// `Refer-To` (`r`).
    ReferTo => "Refer-To", b'r';
    /// `Referred-By` (`b`).
    ReferredBy => "Referred-By", b'b';
    /// `Replaces`.
    Replaces => "Replaces";
    /// `Session-Expires` (`x`).
    SessionExpires => "Session-Expires", b'x';
    /// `Min-SE`.
    MinSe => "Min-SE";
    /// `P-Asserted-Identity`.
    PAssertedIdentity => "P-Asserted-Identity";
    /// `P-Preferred-Identity`.
    PPreferredIdentity => "P-Preferred-Identity";
    /// `Remote-Party-ID`.
    RemotePartyId => "Remote-Party-ID";
    /// `Diversion`.
    Diversion => "Diversion";
    /// `Privacy`.
    Privacy => "Privacy";
    /// `User-Agent`.
    UserAgent => "User-Agent";
    /// `Server`.
    Server => "Server";
    /// `Subject` (`s`).
    Subject => "Subject", b's';
    /// `Accept`.
    Accept => "Accept";
    /// `Accept-Encoding`.
    AcceptEncoding => "Accept-Encoding";
    /// `Accept-Language`.
    AcceptLanguage => "Accept-Language";
    /// `Date`.
    Date => "Date";
    /// `Retry-After`.
    RetryAfter => "Retry-After";
    /// `Warning`.
    Warning => "Warning";
    /// `Reason`.
    Reason => "Reason";
    /// `Reply-To`.
    ReplyTo => "Reply-To";
    /// `RSeq`.
    RSeq => "RSeq";
    /// `RAck`.
    RAck => "RAck";
    /// `Timestamp`.
    Timestamp => "Timestamp";
    /// `Organization`.
    Organization => "Organization";
    /// `MIME-Version`.
    MimeVersion => "MIME-Version";
    /// `Identity` (`y`).
    Identity => "Identity", b'y';
    /// `Accept-Contact` (`a`).
    AcceptContact => "Accept-Contact", b'a';
    /// `Reject-Contact` (`j`).
    RejectContact => "Reject-Contact", b'j';
    /// `Request-Disposition` (`d`).
    RequestDisposition => "Request-Disposition", b'd';
}

/// Room for the longest known name (`P-Preferred-Identity`, 20 bytes) in whole words.
const PADDED_LEN: usize = 24;

/// `name` lowercased (bit 5 set on every byte, which keeps `-`) and zero-padded.
// Runs at compile time only: an out-of-range index would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
const fn padded(name: &str) -> [u8; PADDED_LEN] {
    let b = name.as_bytes();
    let mut out = [0u8; PADDED_LEN];
    let mut i = 0;
    while i < b.len() {
        out[i] = b[i] | 0x20;
        i += 1;
    }
    out
}

impl HeaderName {
    /// [`HeaderName::from_token`] for the `len` token bytes at the start of `line`, which
    /// goes on past the name (the rest of the header section): the comparison then loads
    /// whole words from `line` and masks off what lies past the name, instead of packing
    /// short names byte by byte.
    #[inline(always)]
    pub(crate) fn from_token_prefix(line: &[u8], len: usize) -> Self {
        if line.len() < PADDED_LEN || len > PADDED_LEN {
            return Self::from_token(line.get(..len).unwrap_or(&[]));
        }
        let candidate = Self::candidate(line, len);
        if len == 1 {
            return candidate;
        }
        let Some(known) = Self::PADDED.get(candidate as usize) else {
            return candidate;
        };
        const FOLD: u64 = 0x2020_2020_2020_2020;
        // Words 0 to 2 cover 24 bytes; the bytes past `len` are masked off.
        let differs = |i: usize| {
            let left = len.saturating_sub(i).min(8) as u32;
            let mask = u64::MAX.checked_shr(64 - 8 * left).unwrap_or(0);
            ((word(line, i) | FOLD) ^ word(known, i)) & mask != 0
        };
        if differs(0) || (len > 8 && (differs(8) || differs(16))) {
            Self::Other
        } else {
            candidate
        }
    }

    /// Recognises a name made of token characters (as the indexer guarantees): one
    /// candidate picked by length and first letters, then one case-folded comparison.
    #[inline]
    pub(crate) fn from_token(b: &[u8]) -> Self {
        let candidate = Self::candidate(b, b.len());
        if candidate == Self::Other || b.len() == 1 || fold_eq(b, candidate.as_str().as_bytes()) {
            candidate
        } else {
            Self::Other
        }
    }

    /// The one known name a token of `len` bytes starting `b` can be, picked by its length
    /// and first letters; for one byte, the compact form it is.
    #[inline]
    fn candidate(b: &[u8], len: usize) -> Self {
        let at = |i: usize| b.get(i).map_or(0, |c| c | 0x20);
        match (len, at(0)) {
            (1, c) => Self::from_compact(c),
            (2, b't') => Self::To,
            (3, b'v') => Self::Via,
            (4, b'f') => Self::From,
            (4, b'c') => Self::CSeq,
            (4, b'd') => Self::Date,
            (4, b'r') if at(1) == b's' => Self::RSeq,
            (4, b'r') => Self::RAck,
            (5, b'r') => Self::Route,
            (5, b'a') => Self::Allow,
            (5, b'e') => Self::Event,
            (6, b's') => Self::Server,
            (6, b'r') => Self::Reason,
            (6, b'm') => Self::MinSe,
            (6, b'a') => Self::Accept,
            (7, b'c') if at(1) == b'a' => Self::CallId,
            (7, b'c') => Self::Contact,
            (7, b'e') => Self::Expires,
            (7, b'r') => Self::Require,
            (7, b's') => Self::Subject,
            (7, b'w') => Self::Warning,
            (7, b'p') => Self::Privacy,
            (8, b'r') if at(2) == b'f' => Self::ReferTo,
            (8, b'r') if at(4) == b'a' => Self::Replaces,
            (8, b'r') => Self::ReplyTo,
            (8, b'i') => Self::Identity,
            (9, b's') => Self::Supported,
            (9, b'd') => Self::Diversion,
            (9, b't') => Self::Timestamp,
            (10, b'u') => Self::UserAgent,
            (11, b'm') => Self::MinExpires,
            (11, b'u') => Self::Unsupported,
            (11, b'r') if at(2) == b'f' => Self::ReferredBy,
            (11, b'r') => Self::RetryAfter,
            (12, b'm') if at(1) == b'a' => Self::MaxForwards,
            (12, b'm') => Self::MimeVersion,
            (12, b'r') => Self::RecordRoute,
            (12, b'c') => Self::ContentType,
            (12, b'a') => Self::AllowEvents,
            (12, b'o') => Self::Organization,
            (13, b'a') => Self::Authorization,
            (13, b'p') => Self::ProxyRequire,
            (14, b'c') => Self::ContentLength,
            (14, b'a') => Self::AcceptContact,
            (14, b'r') => Self::RejectContact,
            (15, b's') => Self::SessionExpires,
            (15, b'a') if at(7) == b'e' => Self::AcceptEncoding,
            (15, b'a') => Self::AcceptLanguage,
            (15, b'r') => Self::RemotePartyId,
            (16, b'c') => Self::ContentEncoding,
            (16, b'w') => Self::WwwAuthenticate,
            (18, b'p') => Self::ProxyAuthenticate,
            (18, b's') => Self::SubscriptionState,
            (19, b'c') => Self::ContentDisposition,
            (19, b'p') if at(1) == b'r' => Self::ProxyAuthorization,
            (19, b'p') => Self::PAssertedIdentity,
            (19, b'r') => Self::RequestDisposition,
            (20, b'p') => Self::PPreferredIdentity,
            _ => Self::Other,
        }
    }
}

/// Eight bytes at `i` (little endian), 0 when out of range.
#[inline]
fn word(s: &[u8], i: usize) -> u64 {
    s.get(i..i + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map_or(0, u64::from_le_bytes)
}

/// ASCII case-insensitive equality against a known name (letters and `-` only), eight bytes
/// at a time. Setting bit 5 lowercases letters and keeps `-`; it also maps CR onto `-`,
/// which callers exclude.
#[inline]
fn fold_eq(x: &[u8], known: &[u8]) -> bool {
    const FOLD: u64 = 0x2020_2020_2020_2020;
    let n = x.len();
    if n != known.len() {
        return false;
    }
    if n < 8 {
        let pack = |s: &[u8]| {
            s.iter()
                .fold(0u64, |acc, &c| (acc << 8) | u64::from(c | 0x20))
        };
        return pack(x) == pack(known);
    }
    let mut i = 0;
    while i + 8 <= n {
        if word(x, i) | FOLD != word(known, i) | FOLD {
            return false;
        }
        i += 8;
    }
    i == n || word(x, n - 8) | FOLD == word(known, n - 8) | FOLD
}

impl core::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Other => f.write_str("extension"),
            known => f.write_str(known.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HeaderName;

    #[test]
    fn every_name_and_compact_form_is_recognised() {
        for &h in HeaderName::ALL {
            let name = h.as_str();
            assert_eq!(HeaderName::from_name(name), h, "{name}");
            assert_eq!(
                HeaderName::from_name(&name.to_ascii_lowercase()),
                h,
                "{name}"
            );
            assert_eq!(
                HeaderName::from_name(&name.to_ascii_uppercase()),
                h,
                "{name}"
            );
            if let Some(c) = h.compact() {
                assert_eq!(HeaderName::from_name(&c.to_string()), h, "{name}");
                assert_eq!(
                    HeaderName::from_name(&c.to_ascii_uppercase().to_string()),
                    h
                );
            }
            // One byte changed anywhere is another name.
            for i in 0..name.len() {
                let mut other = name.as_bytes().to_vec();
                other[i] = if other[i] == b'-' { b'\r' } else { b'_' };
                assert_eq!(
                    HeaderName::from_bytes(&other),
                    HeaderName::Other,
                    "{name} {i}"
                );
            }
            let mut longer = name.to_string();
            longer.push('s');
            assert_ne!(HeaderName::from_name(&longer), h);
        }
        for odd in ["", "x-foo", "Vias", "Call\rID", "q", "Z"] {
            assert_eq!(HeaderName::from_name(odd), HeaderName::Other, "{odd}");
        }
    }

    #[test]
    fn prefix_recognition_agrees_with_the_token_comparison() {
        let mut names: Vec<String> = Vec::new();
        for &h in HeaderName::ALL {
            let name = h.as_str();
            names.push(name.to_string());
            names.push(name.to_ascii_lowercase());
            names.extend(h.compact().map(|c| c.to_string()));
            for i in 0..name.len() {
                for c in [b'_', b'.', b'x', b'!'] {
                    let mut other = name.as_bytes().to_vec();
                    other[i] = c;
                    names.push(String::from_utf8(other).unwrap_or_default());
                }
                names.push(name[..i].to_string());
            }
            names.push(format!("{name}s"));
        }
        for name in &names {
            for tail in [": value of the header, long enough\r\n", ":", " :x", ""] {
                let line = format!("{name}{tail}");
                assert_eq!(
                    HeaderName::from_token_prefix(line.as_bytes(), name.len()),
                    HeaderName::from_token(name.as_bytes()),
                    "{line:?}"
                );
            }
        }
    }
}
