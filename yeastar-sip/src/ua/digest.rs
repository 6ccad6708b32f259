//! HTTP Digest authentication for SIP, client side (RFC 7616, RFC 8760, RFC 2617 §3.2.2):
//! MD5, SHA-256 and SHA-512/256, each with its `-sess` variant; qop `auth`, and `auth-int` when
//! it is the only one offered; nonce counts kept per nonce; `opaque` echoed; `userhash` when the
//! challenge asks for it.
//!
//! ```
//! use yeastar_sip::ua::digest::{DigestClient, DigestRequest, Secret};
//! use yeastar_sip::Message;
//!
//! let wire = b"SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 192.0.2.7;branch=z9hG4bK1\r\n\
//!     From: <sip:1001@pbx.example.com>;tag=a\r\nTo: <sip:1001@pbx.example.com>;tag=b\r\n\
//!     Call-ID: r1\r\nCSeq: 1 REGISTER\r\n\
//!     WWW-Authenticate: Digest realm=\"asterisk\",nonce=\"1a2b\",qop=\"auth\",algorithm=SHA-256\r\n\
//!     Content-Length: 0\r\n\r\n";
//! let challenge = Message::parse(wire)?.www_authenticate().next().expect("one")?;
//! let mut client = DigestClient::new();
//! let password = Secret::new("s3cret");
//! let request = DigestRequest { method: "REGISTER", uri: "sip:pbx.example.com", body: b"" };
//! let header = client.authorize(&challenge, "1001", &password, &request, "0a4f113b")?;
//! assert!(header.starts_with("Digest username=\"1001\", realm=\"asterisk\""));
//! assert!(header.contains("algorithm=SHA-256") && header.contains("nc=00000001"));
//! assert_eq!(format!("{password:?}"), "Secret(<redacted>)");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![warn(clippy::indexing_slicing)]

use core::fmt;
use std::fmt::Write as _;

use md5::Md5;
use sha2::{Sha256, Sha512_256};

use crate::typed::{Algorithm, Challenge};

/// Most nonces whose counts a [`DigestClient`] remembers; the oldest is forgotten first. A
/// UA talks to one or two realms at a time, each with one live nonce.
pub const MAX_TRACKED_NONCES: usize = 16;

/// Longest nonce, realm or opaque value accepted from a challenge. Servers send 30 to 100
/// characters; a longer value is refused rather than copied into every request.
pub const MAX_CHALLENGE_PARAM_LEN: usize = 1024;

/// A password, kept out of `Debug` output and logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The password itself, for hashing.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// A digest algorithm this client can answer with.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `MD5` (RFC 2617; the default when a challenge names none).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256` (SHA-512/256, RFC 7616, RFC 8760).
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

impl DigestAlgorithm {
    /// The algorithm named by a parsed challenge, when supported.
    #[must_use]
    pub fn from_typed(algorithm: Algorithm<'_>) -> Option<Self> {
        Some(match algorithm {
            Algorithm::Md5 => Self::Md5,
            Algorithm::Md5Sess => Self::Md5Sess,
            Algorithm::Sha256 => Self::Sha256,
            Algorithm::Sha256Sess => Self::Sha256Sess,
            Algorithm::Sha512_256 => Self::Sha512_256,
            Algorithm::Sha512_256Sess => Self::Sha512_256Sess,
            Algorithm::Other(_) => return None,
        })
    }

    /// The token written in `algorithm=`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
            Self::Sha512_256 => "SHA-512-256",
            Self::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// True for the `-sess` variants, whose A1 mixes in the nonce and cnonce.
    #[must_use]
    pub const fn is_session(self) -> bool {
        matches!(
            self,
            Self::Md5Sess | Self::Sha256Sess | Self::Sha512_256Sess
        )
    }

    /// Lower-case hex of the hash of `parts` joined by nothing.
    #[must_use]
    pub fn hash_hex(self, parts: &[&[u8]]) -> String {
        match self {
            Self::Md5 | Self::Md5Sess => hex_of::<Md5>(parts),
            Self::Sha256 | Self::Sha256Sess => hex_of::<Sha256>(parts),
            Self::Sha512_256 | Self::Sha512_256Sess => hex_of::<Sha512_256>(parts),
        }
    }
}

fn hex_of<D: md5::Digest>(parts: &[&[u8]]) -> String {
    let mut h = D::new();
    for p in parts {
        h.update(p);
    }
    let out = h.finalize();
    let mut s = String::with_capacity(out.len() * 2);
    for b in out.iter() {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Quality of protection (RFC 7616 §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Qop {
    /// `auth`: the request line is protected.
    Auth,
    /// `auth-int`: the body is protected too.
    AuthInt,
}

impl Qop {
    /// The token.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::AuthInt => "auth-int",
        }
    }
}

/// Everything the response hash depends on.
#[derive(Clone, Copy)]
pub struct DigestInput<'a> {
    /// Algorithm.
    pub algorithm: DigestAlgorithm,
    /// User name (before any `userhash` hashing).
    pub username: &'a str,
    /// Realm.
    pub realm: &'a str,
    /// Password.
    pub password: &'a Secret,
    /// Server nonce.
    pub nonce: &'a str,
    /// Client nonce (used with qop and by the `-sess` algorithms).
    pub cnonce: &'a str,
    /// Nonce count.
    pub nc: u32,
    /// Quality of protection; `None` for the RFC 2069 form.
    pub qop: Option<Qop>,
    /// Request method.
    pub method: &'a str,
    /// digest-uri (the Request-URI).
    pub uri: &'a str,
    /// Message body, hashed for `auth-int`.
    pub body: &'a [u8],
}

impl fmt::Debug for DigestInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DigestInput")
            .field("algorithm", &self.algorithm)
            .field("username", &self.username)
            .field("realm", &self.realm)
            .field("password", &self.password)
            .field("nonce", &self.nonce)
            .field("nc", &self.nc)
            .field("qop", &self.qop)
            .field("method", &self.method)
            .field("uri", &self.uri)
            .finish_non_exhaustive()
    }
}

/// The `response` value: RFC 7616 §3.4.1, `KD(H(A1), nonce:nc:cnonce:qop:H(A2))`, or
/// `KD(H(A1), nonce:H(A2))` without qop (RFC 2069).
#[must_use]
pub fn digest_response(input: &DigestInput<'_>) -> String {
    let alg = input.algorithm;
    let mut ha1 = alg.hash_hex(&[
        input.username.as_bytes(),
        b":",
        input.realm.as_bytes(),
        b":",
        input.password.expose().as_bytes(),
    ]);
    if alg.is_session() {
        ha1 = alg.hash_hex(&[
            ha1.as_bytes(),
            b":",
            input.nonce.as_bytes(),
            b":",
            input.cnonce.as_bytes(),
        ]);
    }
    let ha2 = match input.qop {
        Some(Qop::AuthInt) => {
            let body = alg.hash_hex(&[input.body]);
            alg.hash_hex(&[
                input.method.as_bytes(),
                b":",
                input.uri.as_bytes(),
                b":",
                body.as_bytes(),
            ])
        }
        _ => alg.hash_hex(&[input.method.as_bytes(), b":", input.uri.as_bytes()]),
    };
    match input.qop {
        Some(qop) => {
            let nc = format!("{:08x}", input.nc);
            alg.hash_hex(&[
                ha1.as_bytes(),
                b":",
                input.nonce.as_bytes(),
                b":",
                nc.as_bytes(),
                b":",
                input.cnonce.as_bytes(),
                b":",
                qop.as_str().as_bytes(),
                b":",
                ha2.as_bytes(),
            ])
        }
        None => alg.hash_hex(&[
            ha1.as_bytes(),
            b":",
            input.nonce.as_bytes(),
            b":",
            ha2.as_bytes(),
        ]),
    }
}

/// The `userhash` form of a user name (RFC 7616 §3.4.4): `H(username ":" realm)`.
#[must_use]
pub fn user_hash(algorithm: DigestAlgorithm, username: &str, realm: &str) -> String {
    algorithm.hash_hex(&[username.as_bytes(), b":", realm.as_bytes()])
}

/// Why a challenge could not be answered.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    /// The scheme is not `Digest` (e.g. `Basic`, which SIP forbids).
    #[error("authentication scheme {0:?} is not Digest")]
    UnsupportedScheme(String),
    /// The algorithm is not one of MD5, SHA-256, SHA-512-256 (with or without `-sess`).
    #[error("digest algorithm {0:?} is not supported")]
    UnsupportedAlgorithm(String),
    /// The challenge offers qop values, none of them `auth` or `auth-int`.
    #[error("no supported qop in {0:?}")]
    UnsupportedQop(String),
    /// A mandatory parameter (`realm`, `nonce`) is missing.
    #[error("challenge without {0}")]
    MissingParameter(&'static str),
    /// A parameter is longer than [`MAX_CHALLENGE_PARAM_LEN`].
    #[error("challenge parameter {0} longer than {MAX_CHALLENGE_PARAM_LEN} bytes")]
    ParameterTooLong(&'static str),
}

/// The request a digest response covers.
#[derive(Debug, Clone, Copy)]
pub struct DigestRequest<'a> {
    /// Method.
    pub method: &'a str,
    /// digest-uri: the Request-URI.
    pub uri: &'a str,
    /// Body (hashed for `auth-int`).
    pub body: &'a [u8],
}

/// Answers digest challenges, counting how many times each nonce was used (`nc`).
#[derive(Debug, Clone, Default)]
pub struct DigestClient {
    /// `(realm, nonce, last nc)`, oldest first, at most [`MAX_TRACKED_NONCES`].
    nonces: Vec<(String, String, u32)>,
}

impl DigestClient {
    /// A client that has used no nonce yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The next nonce count for `nonce` in `realm` (1 for a new nonce).
    fn next_nc(&mut self, realm: &str, nonce: &str) -> u32 {
        if let Some(pos) = self
            .nonces
            .iter()
            .position(|(r, n, _)| r == realm && n == nonce)
        {
            let mut entry = self.nonces.remove(pos);
            entry.2 = entry.2.saturating_add(1);
            let nc = entry.2;
            self.nonces.push(entry);
            return nc;
        }
        if self.nonces.len() >= MAX_TRACKED_NONCES {
            self.nonces.remove(0);
        }
        self.nonces.push((realm.to_owned(), nonce.to_owned(), 1));
        1
    }

    /// The `Authorization` / `Proxy-Authorization` value answering `challenge` for
    /// `request`. `cnonce` should be fresh random text for each call.
    pub fn authorize(
        &mut self,
        challenge: &Challenge<'_>,
        username: &str,
        password: &Secret,
        request: &DigestRequest<'_>,
        cnonce: &str,
    ) -> Result<String, DigestError> {
        let DigestRequest { method, uri, body } = *request;
        if !challenge.scheme.eq_ignore_ascii_case("Digest") {
            return Err(DigestError::UnsupportedScheme(challenge.scheme.to_owned()));
        }
        let algorithm = DigestAlgorithm::from_typed(challenge.algorithm()).ok_or_else(|| {
            DigestError::UnsupportedAlgorithm(
                challenge.params.get("algorithm").unwrap_or("").to_owned(),
            )
        })?;
        let realm = checked(challenge.realm(), "realm")?;
        let nonce = checked(challenge.nonce(), "nonce")?;
        let opaque = challenge
            .opaque()
            .map(|o| checked(Some(o), "opaque"))
            .transpose()?;
        let qop = choose_qop(challenge)?;
        let nc = self.next_nc(realm, nonce);
        let response = digest_response(&DigestInput {
            algorithm,
            username,
            realm,
            password,
            nonce,
            cnonce,
            nc,
            qop,
            method,
            uri,
            body,
        });
        let userhash = challenge
            .params
            .get("userhash")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let shown_user = if userhash {
            user_hash(algorithm, username, realm)
        } else {
            username.to_owned()
        };
        let mut out = String::with_capacity(256);
        out.push_str("Digest username=");
        push_quoted(&mut out, &shown_user);
        out.push_str(", realm=");
        push_quoted(&mut out, realm);
        out.push_str(", nonce=");
        push_quoted(&mut out, nonce);
        out.push_str(", uri=");
        push_quoted(&mut out, uri);
        out.push_str(", response=\"");
        out.push_str(&response);
        out.push_str("\", algorithm=");
        out.push_str(algorithm.as_str());
        if let Some(qop) = qop {
            out.push_str(", cnonce=");
            push_quoted(&mut out, cnonce);
            let _ = write!(out, ", qop={}, nc={nc:08x}", qop.as_str());
        } else if algorithm.is_session() {
            out.push_str(", cnonce=");
            push_quoted(&mut out, cnonce);
        }
        if let Some(opaque) = opaque {
            out.push_str(", opaque=");
            push_quoted(&mut out, opaque);
        }
        if userhash {
            out.push_str(", userhash=true");
        }
        Ok(out)
    }
}

fn checked<'a>(value: Option<&'a str>, name: &'static str) -> Result<&'a str, DigestError> {
    let v = value.ok_or(DigestError::MissingParameter(name))?;
    if v.len() > MAX_CHALLENGE_PARAM_LEN {
        return Err(DigestError::ParameterTooLong(name));
    }
    Ok(v)
}

/// `auth` when offered, `auth-int` when it is the only option, none without a qop parameter.
fn choose_qop(challenge: &Challenge<'_>) -> Result<Option<Qop>, DigestError> {
    let Some(raw) = challenge.params.get("qop") else {
        return Ok(None);
    };
    let mut int = false;
    for q in challenge.qop() {
        if q.eq_ignore_ascii_case("auth") {
            return Ok(Some(Qop::Auth));
        }
        int |= q.eq_ignore_ascii_case("auth-int");
    }
    if int {
        Ok(Some(Qop::AuthInt))
    } else {
        Err(DigestError::UnsupportedQop(raw.to_owned()))
    }
}

/// True when this client can answer the challenge (Digest with a supported algorithm).
#[must_use]
pub fn is_supported(challenge: &Challenge<'_>) -> bool {
    challenge.scheme.eq_ignore_ascii_case("Digest")
        && DigestAlgorithm::from_typed(challenge.algorithm()).is_some()
}

/// Writes `s` as a quoted-string, escaping `"` and `\`.
fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::Message;

    fn kat(algorithm: DigestAlgorithm) -> String {
        // RFC 7616 §3.9.1.
        digest_response(&DigestInput {
            algorithm,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: &Secret::new("Circle of Life"),
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            nc: 1,
            qop: Some(Qop::Auth),
            method: "GET",
            uri: "/dir/index.html",
            body: b"",
        })
    }

    #[test]
    fn rfc7616_md5_example() {
        assert_eq!(
            kat(DigestAlgorithm::Md5),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
    }

    #[test]
    fn rfc7616_sha256_example() {
        assert_eq!(
            kat(DigestAlgorithm::Sha256),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc2617_example() {
        let r = digest_response(&DigestInput {
            algorithm: DigestAlgorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: &Secret::new("Circle Of Life"),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            cnonce: "0a4f113b",
            nc: 1,
            qop: Some(Qop::Auth),
            method: "GET",
            uri: "/dir/index.html",
            body: b"",
        });
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn hashes_match_published_vectors() {
        // FIPS 180-4 / RFC 1321 test vectors for "abc".
        assert_eq!(
            DigestAlgorithm::Md5.hash_hex(&[b"abc"]),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            DigestAlgorithm::Sha512_256.hash_hex(&[b"abc"]),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
        assert_eq!(
            DigestAlgorithm::Sha256.hash_hex(&[b"a", b"bc"]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn hex_md5(s: &str) -> String {
        DigestAlgorithm::Md5.hash_hex(&[s.as_bytes()])
    }

    #[test]
    fn session_and_auth_int_follow_the_rfc_formulas() {
        let password = Secret::new("pw");
        let base = DigestInput {
            algorithm: DigestAlgorithm::Md5Sess,
            username: "u",
            realm: "r",
            password: &password,
            nonce: "n",
            cnonce: "c",
            nc: 2,
            qop: Some(Qop::AuthInt),
            method: "INVITE",
            uri: "sip:x@y",
            body: b"v=0\r\n",
        };
        let ha1 = hex_md5(&format!("{}:n:c", hex_md5("u:r:pw")));
        let ha2 = hex_md5(&format!("INVITE:sip:x@y:{}", hex_md5("v=0\r\n")));
        let want = hex_md5(&format!("{ha1}:n:00000002:c:auth-int:{ha2}"));
        assert_eq!(digest_response(&base), want);
        let no_qop = DigestInput {
            algorithm: DigestAlgorithm::Md5,
            qop: None,
            ..base
        };
        let want = hex_md5(&format!(
            "{}:n:{}",
            hex_md5("u:r:pw"),
            hex_md5("INVITE:sip:x@y")
        ));
        assert_eq!(digest_response(&no_qop), want);
    }

    fn challenge_msg(value: &str) -> Vec<u8> {
        format!(
            "SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 REGISTER\r\n\
             WWW-Authenticate: {value}\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes()
    }

    fn answer(client: &mut DigestClient, value: &str) -> Result<String, DigestError> {
        let wire = challenge_msg(value);
        let msg = Message::parse(&wire).unwrap();
        let ch = msg.www_authenticate().next().unwrap().unwrap();
        let request = DigestRequest {
            method: "REGISTER",
            uri: "sip:pbx",
            body: b"",
        };
        client.authorize(&ch, "1001", &Secret::new("pw"), &request, "cn")
    }

    #[test]
    fn nonce_count_increments_per_nonce() {
        let mut c = DigestClient::new();
        let ch = "Digest realm=\"r\", nonce=\"n1\", qop=\"auth\"";
        assert!(answer(&mut c, ch).unwrap().contains("nc=00000001"));
        assert!(answer(&mut c, ch).unwrap().contains("nc=00000002"));
        let other = "Digest realm=\"r\", nonce=\"n2\", qop=\"auth\"";
        assert!(answer(&mut c, other).unwrap().contains("nc=00000001"));
        assert!(answer(&mut c, ch).unwrap().contains("nc=00000003"));
    }

    #[test]
    fn nonce_table_is_bounded() {
        let mut c = DigestClient::new();
        for i in 0..MAX_TRACKED_NONCES * 3 {
            let ch = format!("Digest realm=\"r\", nonce=\"n{i}\", qop=\"auth\"");
            answer(&mut c, &ch).unwrap();
            assert!(c.nonces.len() <= MAX_TRACKED_NONCES);
        }
    }

    #[test]
    fn qop_choice() {
        let mut c = DigestClient::new();
        let both = answer(
            &mut c,
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int,auth\"",
        );
        assert!(both.unwrap().contains("qop=auth,"));
        let int = answer(&mut c, "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"");
        assert!(int.unwrap().contains("qop=auth-int,"));
        let none = answer(&mut c, "Digest realm=\"r\", nonce=\"n\"").unwrap();
        assert!(!none.contains("qop=") && !none.contains("nc="));
        assert_eq!(
            answer(&mut c, "Digest realm=\"r\", nonce=\"n\", qop=\"other\""),
            Err(DigestError::UnsupportedQop("other".into()))
        );
    }

    #[test]
    fn refused_challenges() {
        let mut c = DigestClient::new();
        assert!(matches!(
            answer(&mut c, "Basic realm=\"r\""),
            Err(DigestError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            answer(&mut c, "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1"),
            Err(DigestError::UnsupportedAlgorithm(_))
        ));
        assert_eq!(
            answer(&mut c, "Digest realm=\"r\""),
            Err(DigestError::MissingParameter("nonce"))
        );
        let long = format!("Digest realm=\"r\", nonce=\"{}\"", "x".repeat(2000));
        assert_eq!(
            answer(&mut c, &long),
            Err(DigestError::ParameterTooLong("nonce"))
        );
    }

    #[test]
    fn opaque_userhash_and_quoting() {
        let mut c = DigestClient::new();
        let h = answer(
            &mut c,
            "Digest realm=\"r\", nonce=\"n\", opaque=\"op\", userhash=true, algorithm=SHA-256, qop=auth",
        )
        .unwrap();
        assert!(h.contains("opaque=\"op\""));
        assert!(h.contains("userhash=true"));
        let hashed = user_hash(DigestAlgorithm::Sha256, "1001", "r");
        assert!(h.starts_with(&format!("Digest username=\"{hashed}\"")));
        let mut s = String::new();
        push_quoted(&mut s, "a\"b\\c");
        assert_eq!(s, "\"a\\\"b\\\\c\"");
    }

    #[test]
    fn secret_is_redacted() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
        let input = DigestInput {
            algorithm: DigestAlgorithm::Md5,
            username: "u",
            realm: "r",
            password: &s,
            nonce: "n",
            cnonce: "c",
            nc: 1,
            qop: None,
            method: "M",
            uri: "u",
            body: b"",
        };
        assert!(!format!("{input:?}").contains("hunter2"));
    }

    proptest::proptest! {
        #[test]
        fn response_is_hex_of_the_algorithm_length(
            user in "[ -~]{0,20}", realm in "[ -~]{0,20}", pw in "[ -~]{0,20}",
            nonce in "[!-~]{1,40}", cnonce in "[a-z0-9]{1,16}", nc in 1u32..1000,
            alg in 0usize..6, qop in 0usize..3,
        ) {
            let algorithm = [
                DigestAlgorithm::Md5, DigestAlgorithm::Md5Sess, DigestAlgorithm::Sha256,
                DigestAlgorithm::Sha256Sess, DigestAlgorithm::Sha512_256,
                DigestAlgorithm::Sha512_256Sess,
            ][alg];
            let qop = [None, Some(Qop::Auth), Some(Qop::AuthInt)][qop];
            let password = Secret::new(pw);
            let input = DigestInput {
                algorithm, username: &user, realm: &realm, password: &password, nonce: &nonce,
                cnonce: &cnonce, nc, qop, method: "REGISTER", uri: "sip:r", body: b"x",
            };
            let r = digest_response(&input);
            let len = if matches!(algorithm, DigestAlgorithm::Md5 | DigestAlgorithm::Md5Sess) { 32 } else { 64 };
            proptest::prop_assert_eq!(r.len(), len);
            proptest::prop_assert!(r.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            // Deterministic, and every input matters.
            proptest::prop_assert_eq!(&digest_response(&input), &r);
            let other = DigestInput { nc: nc + 1, ..input };
            if qop.is_some() {
                proptest::prop_assert_ne!(digest_response(&other), r.clone());
            }
            let wrong = Secret::new(format!("{}x", password.expose()));
            let other = DigestInput { password: &wrong, ..input };
            proptest::prop_assert_ne!(digest_response(&other), r);
        }

        #[test]
        fn authorization_value_parses_back(
            user in "[a-zA-Z0-9.+_-]{1,12}", nonce in "[a-zA-Z0-9+/=]{1,40}",
        ) {
            let wire = challenge_msg(&format!("Digest realm=\"r\", nonce=\"{nonce}\", qop=auth"));
            let msg = Message::parse(&wire).unwrap();
            let ch = msg.www_authenticate().next().unwrap().unwrap();
            let mut c = DigestClient::new();
            let request = DigestRequest { method: "REGISTER", uri: "sip:r", body: b"" };
            let value = c.authorize(&ch, &user, &Secret::new("p"), &request, "cn").unwrap();
            let req = format!(
                "REGISTER sip:r SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 2 REGISTER\r\n\
                 Authorization: {value}\r\nContent-Length: 0\r\n\r\n");
            let parsed = Message::parse_strict(req.as_bytes()).unwrap();
            let cred = parsed.authorization().next().unwrap().unwrap();
            proptest::prop_assert_eq!(cred.username(), Some(user.as_str()));
            proptest::prop_assert_eq!(cred.nonce(), Some(nonce.as_str()));
            proptest::prop_assert_eq!(cred.nc(), Some("00000001"));
            proptest::prop_assert_eq!(cred.qop(), Some("auth"));
            proptest::prop_assert_eq!(cred.cnonce(), Some("cn"));
        }
    }
}
