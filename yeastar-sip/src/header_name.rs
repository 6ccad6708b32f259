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
                if let Some(known) = Self::frequent(b) {
                    return known;
                }
                if let [c] = b {
                    return match c.to_ascii_lowercase() {
                        $( $( x if x == $compact => Self::$variant, )? )*
                        _ => Self::Other,
                    };
                }
                // Dispatch on the length first: most lookups then compare one or two names.
                match b.len() {
                    $( n if n == $name.len() && b.eq_ignore_ascii_case($name.as_bytes()) => Self::$variant, )*
                    _ => Self::Other,
                }
            }
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

impl HeaderName {
    /// The names of nearly every header in PBX traffic, found by length and first letters
    /// before the full scan.
    #[inline]
    fn frequent(b: &[u8]) -> Option<Self> {
        let first = b.first()?.to_ascii_lowercase();
        let second = b.get(1).map(u8::to_ascii_lowercase);
        let candidate = match (b.len(), first, second) {
            (3, b'v', _) => Self::Via,
            (4, b'f', _) => Self::From,
            (2, b't', _) => Self::To,
            (7, b'c', Some(b'a')) => Self::CallId,
            (7, b'c', Some(b'o')) => Self::Contact,
            (4, b'c', _) => Self::CSeq,
            (12, b'm', _) => Self::MaxForwards,
            (12, b'c', _) => Self::ContentType,
            (14, b'c', _) => Self::ContentLength,
            (10, b'u', _) => Self::UserAgent,
            (5, b'a', _) => Self::Allow,
            (9, b's', _) => Self::Supported,
            (6, b's', _) => Self::Server,
            (7, b'e', _) => Self::Expires,
            (5, b'r', _) => Self::Route,
            (12, b'r', _) => Self::RecordRoute,
            (16, b'w', _) => Self::WwwAuthenticate,
            (13, b'a', _) => Self::Authorization,
            _ => return None,
        };
        b.eq_ignore_ascii_case(candidate.as_str().as_bytes())
            .then_some(candidate)
    }
}

impl core::fmt::Display for HeaderName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Other => f.write_str("extension"),
            known => f.write_str(known.as_str()),
        }
    }
}
